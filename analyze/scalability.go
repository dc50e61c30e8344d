package analyze

import (
	"fmt"

	"github.com/llmrec/llmrec/analyze/stats"
)

// USLMinR2 is the fit a scalability model needs before its prediction is
// reported: below it the law does not describe the steps.
const USLMinR2 = 0.9

// Scalability is the Universal Scalability Law fitted to a closed loop's
// steps: completed req/s against users (stats.FitUSL).
type Scalability struct {
	// Fitted: the fit has at least stats.MinUSLPoints levels and R² of
	// USLMinR2 or more; otherwise Reason says why and no prediction is
	// given.
	Fitted bool   `json:"fitted"`
	Reason string `json:"reason,omitempty"`
	Points int    `json:"points"`
	// Lambda is one user's throughput (req/s), Sigma the contention and
	// Kappa the coherency cost; R2 and RMSE (req/s) the fit's quality.
	Lambda *float64 `json:"lambda"`
	Sigma  *float64 `json:"sigma"`
	Kappa  *float64 `json:"kappa"`
	R2     *float64 `json:"r2"`
	RMSE   *float64 `json:"rmse"`
	// PeakUsers and PeakRPS: where the fitted throughput peaks and how
	// high (null when not fitted, or when it never peaks: κ = 0).
	PeakUsers *float64 `json:"peak_users"`
	PeakRPS   *float64 `json:"peak_rps"`
}

// scalability fits the USL to a closed loop's steps with a completed
// rate; nil for an open loop (its levels are not concurrency).
func scalability(a *Analysis) *Scalability {
	if a.Run.OpenLoop() {
		return nil
	}
	var ns, xs []float64
	levels := map[float64]bool{}
	for _, s := range a.Steps {
		if s.CompletedRPS == nil || s.Level < 1 || s.Requests == 0 {
			continue
		}
		ns, xs = append(ns, s.Level), append(xs, *s.CompletedRPS)
		levels[s.Level] = true
	}
	sc := &Scalability{Points: len(ns)}
	if len(levels) < stats.MinUSLPoints {
		sc.Reason = fmt.Sprintf("%d levels with a completed rate: a fit needs %d", len(levels), stats.MinUSLPoints)
		return sc
	}
	u, ok := stats.FitUSL(ns, xs)
	if !ok {
		sc.Reason = "the fit did not converge"
		return sc
	}
	sc.Lambda, sc.Sigma, sc.Kappa, sc.RMSE = ptr(u.Lambda), ptr(u.Sigma), ptr(u.Kappa), ptr(u.RMSE)
	if u.R2 == u.R2 { // not NaN: the throughput varied
		sc.R2 = ptr(u.R2)
	}
	if sc.R2 == nil || *sc.R2 < USLMinR2 {
		sc.Reason = fmt.Sprintf("the law does not describe the steps (R² below %g)", USLMinR2)
		return sc
	}
	sc.Fitted = true
	if u.PeakN > 0 && u.PeakN < 1e9 {
		sc.PeakUsers, sc.PeakRPS = ptr(u.PeakN), ptr(u.PeakX)
	}
	return sc
}
