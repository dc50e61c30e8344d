package compare

import (
	"github.com/llmrec/llmrec/analyze/analyzetest/rundata"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/analyze/analyzetest"
)

func TestParseMinEffect(t *testing.T) {
	tests := []struct {
		in   string
		want MinEffect
		err  string
	}{
		{"5%,1pp", MinEffect{0.05, 0.01}, ""},
		{"10%", MinEffect{0.10, 0.01}, ""},
		{"2pp", MinEffect{0.05, 0.02}, ""},
		{"2.5%, 0.5pp", MinEffect{0.025, 0.005}, ""},
		{"0", MinEffect{}, ""},
		{"0%,0pp", MinEffect{}, ""},
		{"5", MinEffect{}, "give a percentage for figures and points for rates"},
		{"-5%", MinEffect{}, "want a number from 0 to under 100"},
		{"100%", MinEffect{}, "want a number from 0 to under 100"},
		{"x%", MinEffect{}, "want a number"},
		{"5%,6%", MinEffect{}, "% given twice"},
		{"", MinEffect{}, "give a percentage"},
	}
	for _, tt := range tests {
		got, err := ParseMinEffect(tt.in)
		switch {
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("ParseMinEffect(%q) error %v, want %q", tt.in, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("ParseMinEffect(%q): %v", tt.in, err)
		case tt.err == "" && (got.Relative-tt.want.Relative > 1e-12 || tt.want.Relative-got.Relative > 1e-12 ||
			got.Points-tt.want.Points > 1e-12 || tt.want.Points-got.Points > 1e-12):
			t.Errorf("ParseMinEffect(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
	}
	if s := DefaultMinEffect.String(); s != "5%,1pp" {
		t.Errorf("default prints %q", s)
	}
	if m, _ := ParseMinEffect(DefaultMinEffect.String()); m != DefaultMinEffect {
		t.Errorf("the default does not read back: %+v", m)
	}
}

// TestMinEffectRerun: the same spec drawn again from another seed, 2%
// slower, is significantly worse by the tests alone (--min-effect 0) and
// the same in every figure at every level with the default min effect,
// its verdict saying "no p95 change beyond ±5%" (view).
func TestMinEffectRerun(t *testing.T) {
	zero := compareWith(t, MinEffect{}, analyzetest.BigBase, analyzetest.BigRerun)
	if got := zero.Verdicts[0].Outcome; got == OutcomeSame {
		t.Fatal("--min-effect 0: the rerun is the same; the fixture does not test the min effect")
	}
	def := compareWith(t, DefaultMinEffect, analyzetest.BigBase, analyzetest.BigRerun)
	if got := def.Verdicts[0].Outcome; got != OutcomeSame {
		t.Errorf("default min effect: the rerun is %s, want same", got)
	}
	negligible := 0
	for _, lc := range append([]LevelComparison{def.Overall}, def.Levels...) {
		for _, m := range lc.Metrics {
			ch := m.Changes[1]
			if ch == nil {
				continue
			}
			if ch.Direction != DirectionSame {
				t.Errorf("users %d %s: %+v, want same", lc.Users, m.Metric, ch)
			}
			if ch.Significant && ch.Negligible {
				negligible++
				if ch.Direction != DirectionSame || ch.MinEffect <= 0 {
					t.Errorf("a significant negligible change %+v is not the same within its min effect", ch)
				}
			}
		}
	}
	if negligible == 0 {
		t.Error("no significant change was negligible: the min effect was not what made the rerun the same")
	}
}

func compareWith(t *testing.T, me MinEffect, specs ...analyzetest.Spec) *Comparison {
	t.Helper()
	runs := make([]*analyze.RunData, len(specs))
	for i, s := range specs {
		r := *rundata.Load(t, s)
		runs[i] = &r
	}
	c, err := Compare(runs, DefaultAlpha, me)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestMinEffectSmallShift: a 3% slower run on 5,000 requests a step is
// significantly worse by the tests alone (--min-effect 0), and the same
// at every level and overall with the default min effect of 5%.
func TestMinEffectSmallShift(t *testing.T) {
	zero := compareWith(t, MinEffect{}, analyzetest.BigBase, analyzetest.BigTiny)
	if got := zero.Verdicts[0].Outcome; got != OutcomeWorse {
		t.Fatalf("--min-effect 0: outcome %s, want worse (the significance answer)", got)
	}
	significant := 0
	for _, lc := range append([]LevelComparison{zero.Overall}, zero.Levels...) {
		for _, m := range lc.Metrics {
			if ch := m.Changes[1]; ch != nil && ch.Significant && ch.Direction == DirectionWorse {
				significant++
			}
		}
	}
	if significant == 0 {
		t.Fatal("--min-effect 0: no significant change; the fixture does not test the min effect")
	}

	def := compareWith(t, DefaultMinEffect, analyzetest.BigBase, analyzetest.BigTiny)
	if got := def.Verdicts[0].Outcome; got != OutcomeSame {
		t.Errorf("default min effect: outcome %s, want same", got)
	}
	if def.Verdicts[0].Evidence.WorstP95 != nil || def.Verdicts[0].Evidence.FailRate != nil {
		t.Errorf("default min effect: the verdict rests on a negligible change: %+v", def.Verdicts[0].Evidence)
	}
	for _, lc := range append([]LevelComparison{def.Overall}, def.Levels...) {
		for _, m := range lc.Metrics {
			ch := m.Changes[1]
			if ch == nil {
				continue
			}
			if ch.Direction != DirectionSame {
				t.Errorf("users %d %s: direction %s (change %+v), want same", lc.Users, m.Metric, ch.Direction, ch)
			}
			if m.Metric == "p95" && !ch.Negligible {
				t.Errorf("users %d p95 %+v: not negligible", lc.Users, ch)
			}
		}
	}
	ch := def.Overall.metric("p95").Changes[1]
	if !ch.Significant || !ch.Negligible || ch.Relative == nil || *ch.Relative < 0.03 || *ch.Relative >= 0.04 || ch.MinEffect != 0.05 {
		t.Errorf("p95 change %+v, want a significant +3.x%% within the min effect of 5%%", ch)
	}
	if fr := def.Overall.metric("fail_rate").Changes[1]; !fr.Negligible || fr.MinEffect != 0.01 {
		t.Errorf("failure rate +0.4 points: negligible %v at %v, want true at 0.01", fr.Negligible, fr.MinEffect)
	}
}
