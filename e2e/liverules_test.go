package e2e

import (
	"testing"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/record"
)

// TestLiveRulesAreTheAnalyzers: the recorder's live verdict and the
// analyzer judge a step with the same thresholds (the recorder may not
// import the analyzer, so each has its constants).
func TestLiveRulesAreTheAnalyzers(t *testing.T) {
	sent, tol, wait := record.LiveThresholds()
	if sent != analyze.SentRatioThreshold || tol != analyze.WaitToleranceMS || wait != analyze.WaitFraction {
		t.Errorf("live thresholds: sent ratio %g, wait tolerance %g ms, wait fraction %g; the analyzer's: %g, %g, %g",
			sent, tol, wait, analyze.SentRatioThreshold, analyze.WaitToleranceMS, analyze.WaitFraction)
	}
}
