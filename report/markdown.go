package report

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/llmrec/llmrec/analyze"
)

// MaxMarkdown bounds the Markdown report (a GitHub comment holds 65,536).
const MaxMarkdown = 60000

// Markdown writes the GitHub-flavoured report. When the step table would
// push it over MaxMarkdown characters, only the first and last steps are
// listed and the report says how many were left out.
func Markdown(w io.Writer, a *analyze.Analysis) error {
	limit := len(a.Steps)
	var buf bytes.Buffer
	for {
		buf.Reset()
		markdown(&buf, a, limit)
		if buf.Len() < MaxMarkdown || limit <= 2 {
			break
		}
		limit /= 2
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write markdown report: %w", err)
	}
	return nil
}

// mdEscape makes text safe inside a table cell or a line.
func mdEscape(s string) string {
	s = oneLine(s)
	r := strings.NewReplacer(`\`, `\\`, "|", `\|`, "<", "&lt;", ">", "&gt;", "*", `\*`, "_", `\_`, "`", "\\`", "[", `\[`, "]", `\]`)
	return r.Replace(s)
}

func mdTable(b *bytes.Buffer, header []string, right []bool, rows [][]string) {
	b.WriteString("| " + strings.Join(header, " | ") + " |\n|")
	for i := range header {
		if i < len(right) && right[i] {
			b.WriteString("---:|")
		} else {
			b.WriteString("---|")
		}
	}
	b.WriteString("\n")
	for _, r := range rows {
		b.WriteString("| " + strings.Join(r, " | ") + " |\n")
	}
}

func markdown(b *bytes.Buffer, a *analyze.Analysis, stepLimit int) {
	r := a.Run
	s := a.Settings
	fmt.Fprintf(b, "## llmrep: run `%s`\n\n", strings.ReplaceAll(clip(oneLine(r.RunID), 80), "`", "'"))
	api := mdEscape(r.API)
	if r.Model != "" {
		api += ", model " + mdEscape(r.Model)
	}
	fmt.Fprintf(b, "- **target** %s (%s)\n", mdEscape(clip(r.Target, 200)), api)
	fmt.Fprintf(b, "- **started** %s, **ended** %s (%s), duration %s\n", stamp(r.StartedAt), stamp(r.EndedAt), mdEscape(r.EndReason), secs(r.DurationS))
	if len(r.Labels) > 0 {
		keys := make([]string, 0, len(r.Labels))
		for k := range r.Labels {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		parts := make([]string, len(keys))
		for i, k := range keys {
			parts[i] = mdEscape(clip(k+"="+r.Labels[k], 100))
		}
		fmt.Fprintf(b, "- **labels** %s\n", clip(strings.Join(parts, ", "), 2000))
	}
	sh := r.Shape
	fmt.Fprintf(b, "- **shape** %d users/step every %s, up to %d users\n", sh.StepUsers, secs(sh.StepTimeS), sh.MaxUsers)
	fmt.Fprintf(b, "- **input** %d rows in %d file(s)\n", r.Rows, len(r.Shards))
	fmt.Fprintf(b, "- **settings** metric %s, warmup %s, window %s, baseline users %d, latency threshold %gx, error threshold %s\n",
		s.Metric, secs(s.WarmupS), secs(s.WindowS), s.BaselineUsers, s.LatencyThreshold, pct(&s.ErrorThreshold))

	o := a.Overall
	fmt.Fprintf(b, "\n### Totals\n\nAfter the warmup (%d requests excluded); %s in ms over successes.\n\n", o.WarmupRequests, s.Metric)
	mdTable(b, []string{"requests", "ok", "failures", "fail rate", "rps", "p50", "p90", "p95", "p99", "max", "p99/p50"},
		[]bool{true, true, true, true, true, true, true, true, true, true, true},
		[][]string{{fmt.Sprint(o.Requests), fmt.Sprint(o.OK), fmt.Sprint(o.Failures), pct(o.FailRate), num(o.RPS, 2),
			ms(o.P50MS), ms(o.P90MS), ms(o.P95MS), ms(o.P99MS), ms(o.MaxMS), ratio(o.P99P50)}})

	b.WriteString("\n### Health\n\n")
	var hrows [][]string
	for _, h := range a.Health {
		hrows = append(hrows, []string{healthName(h.Signal), mdEscape(h.Text), "**" + h.Band + "**", mdEscape(h.Rule)})
	}
	mdTable(b, []string{"signal", "value", "band", "bands"}, nil, hrows)

	b.WriteString("\n### Verdicts\n\n")
	base := "none: no post-warmup step reached the baseline users"
	if bl := a.Baseline; bl != nil {
		base = fmt.Sprintf("p95 %s at %d users (step %d)", human(bl.P95MS), bl.Users, bl.Step)
	}
	fmt.Fprintf(b, "- **baseline** %s\n- **saturation** %s\n- **growth** %s: %s\n",
		base, mdEscape(a.Saturation.Summary), a.Growth.Pattern, mdEscape(a.Growth.Summary))

	fmt.Fprintf(b, "\n### Steps\n\nRequests sent in each step after the warmup; %s in ms over successes.\n\n", s.Metric)
	steps := a.Steps
	cut := 0
	if len(steps) > stepLimit {
		cut = len(steps) - stepLimit
		head := stepLimit / 2
		steps = append(append([]analyze.Step{}, steps[:head]...), steps[len(steps)-(stepLimit-head):]...)
	}
	var srows [][]string
	for i, st := range steps {
		if cut > 0 && i == stepLimit/2 {
			srows = append(srows, []string{"…", "", "", "", "", "", "", "", "", "", "", "", fmt.Sprintf("%d steps left out", cut)})
		}
		srows = append(srows, []string{fmt.Sprint(st.Step), fmt.Sprint(st.Users), fmt.Sprint(st.Requests), fmt.Sprint(st.OK),
			fmt.Sprint(st.Failures), pct(st.FailRate), num(st.RPS, 2), ms(st.P50MS), ms(st.P90MS), ms(st.P95MS),
			ms(st.P99MS), ms(st.MaxMS), stepMark(a, st)})
	}
	if len(srows) == 0 {
		b.WriteString("No step after the warmup.\n")
	} else {
		mdTable(b, []string{"step", "users", "requests", "ok", "failures", "fail rate", "rps", "p50", "p90", "p95", "p99", "max", "mark"},
			[]bool{true, true, true, true, true, true, true, true, true, true, true, true, false}, srows)
		if cut > 0 {
			fmt.Fprintf(b, "\n%d of %d steps are left out to keep this report under %d characters; the JSON report has them all.\n",
				cut, len(a.Steps), MaxMarkdown)
		}
	}

	if l := a.LLM; l != nil {
		b.WriteString("\n### LLM\n\nOver successes after the warmup.\n\n")
		q := func(name string, x analyze.Quantiles, prec int) []string {
			return []string{name, fmt.Sprint(x.Samples), num(x.P50, prec), num(x.P90, prec), num(x.P95, prec), num(x.P99, prec), num(x.Max, prec)}
		}
		mdTable(b, []string{"figure", "samples", "p50", "p90", "p95", "p99", "max"}, []bool{false, true, true, true, true, true, true},
			[][]string{q("TTFT ms", l.TTFT, 1), q("inter-token ms", l.ITL, 2), q("tokens/s per request", l.TokensPerS, 1)})
		fmt.Fprintf(b, "\nOutput tokens %d (%s tokens/s overall), prompt tokens %d.\n", l.OutputTokens, num(l.OutputTokensPerS, 1), l.PromptTokens)
	}

	b.WriteString("\n### Errors\n\n")
	if len(a.Errors) == 0 {
		b.WriteString("No failure after the warmup.\n")
	} else {
		var erows [][]string
		for _, e := range a.Errors {
			share := e.Share
			erows = append(erows, []string{mdEscape(e.Class), fmt.Sprint(e.Count), pct(&share), mdEscape(clip(e.Example, 120))})
		}
		mdTable(b, []string{"class", "count", "share", "example"}, []bool{false, true, true, false}, erows)
	}

	b.WriteString("\n### Warnings\n\n")
	if len(a.Warnings) == 0 {
		b.WriteString("None.\n")
	}
	for i, w := range a.Warnings {
		if i == 50 {
			fmt.Fprintf(b, "- … and %d more (see the JSON report)\n", len(a.Warnings)-50)
			break
		}
		fmt.Fprintf(b, "- %s\n", mdEscape(clip(w, 500)))
	}

	b.WriteString("\n<details><summary>Definitions</summary>\n\n")
	for _, d := range a.Definitions {
		fmt.Fprintf(b, "- **%s**: %s\n", d.Figure, mdEscape(d.Definition))
	}
	b.WriteString("\n</details>\n")
}
