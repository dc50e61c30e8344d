package view

import (
	"github.com/llmrec/llmrec/analyze"
)

// TurnsNote says what the turn table shows, for every format.
const TurnsNote = "turn k carries the k-1 turns before it (prompts and answers), so its prompt is longer; a server that caches prefixes answers it sooner than its length says"

// TurnTable lays out the figures by conversation turn (Analysis.Turns):
// one row a turn, with its requests and successes after the warmup, the
// TTFT p50 and p95 over the successes and their mean prompt tokens. No
// rows when the run held no conversations.
func TurnTable(a *analyze.Analysis) Table {
	if len(a.Turns) == 0 {
		return Table{}
	}
	t := Table{
		Head:  []string{"turn", "requests", "ok", "ttft p50 ms", "ttft p95 ms", "prompt tokens mean"},
		Right: []bool{true, true, true, true, true, true},
		Of:    "turns",
	}
	shown, cut := Ends(len(a.Turns), MaxStepRows)
	t.Cut, t.CutAt = cut, MaxStepRows/2
	for _, i := range shown {
		x := a.Turns[i]
		t.Rows = append(t.Rows, []string{Int(x.Turn), Int(x.Requests), Int(x.OK), Num(x.TTFTP50MS, 1), Num(x.TTFTP95MS, 1), Num(x.PromptTokensMean, 1)})
	}
	return t
}
