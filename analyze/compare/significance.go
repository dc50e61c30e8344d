package compare

import "github.com/llmrec/llmrec/analyze/stats"

// The significance tests of a comparison (compare.go) and of check's
// regression gates (gate.go) are the stats package's; metrics.go says
// which test each metric takes (medians: Mann-Whitney; tail quantiles:
// the bootstrap; failure rate: proportions; RPS: Poisson rates), and a
// verdict reads its tests under Holm's correction.

// Significance settings.
const (
	// DefaultAlpha is the significance level: a difference with p >=
	// alpha is shown as "~".
	DefaultAlpha = 0.05
	// BootstrapResamples is the number of bootstrap replicates.
	BootstrapResamples = stats.BootstrapResamples
)

// Test names (Change.Test).
const (
	TestMannWhitney = stats.TestMannWhitney
	TestBootstrap   = stats.TestBootstrap
	TestProportions = stats.TestProportions
	TestFisher      = stats.TestFisher
	TestPoisson     = stats.TestPoisson
)
