package view

import "github.com/llmrec/llmrec/analyze"

// Caps bound every report whatever the run file holds: a table never has
// more than these rows; what is left out is counted in the report, and
// the JSON output keeps everything.
const (
	// MaxStepRows: steps (and compared user levels) listed per table; a
	// longer run shows the first and last MaxStepRows/2 with a row
	// "… N more" between them. Charts over steps keep at most
	// MaxStepRows points as well (every k-th step, plus the baseline and
	// saturation steps).
	MaxStepRows = 200
	// MaxErrorRows: error classes listed, most frequent first; the rest
	// are summed into one row "other (K classes)".
	MaxErrorRows = 20
	// MaxWarnings: warnings listed; the rest are counted.
	MaxWarnings = 50
	// MaxDefinitions: definitions listed.
	MaxDefinitions = 50
	// MaxLabels: run labels listed.
	MaxLabels = 50
	// MaxShards: shards listed in a run's header; the rest are counted.
	MaxShards = 12
)

// Ends returns the indexes of the items of a list of n to show with at
// most max rows: the first max/2 and the last max-max/2, and how many are
// left out between them (the cut goes after index max/2-1).
func Ends(n, max int) (shown []int, cut int) {
	if n <= max {
		shown = make([]int, n)
		for i := range shown {
			shown[i] = i
		}
		return shown, 0
	}
	head := max / 2
	for i := range head {
		shown = append(shown, i)
	}
	for i := n - (max - head); i < n; i++ {
		shown = append(shown, i)
	}
	return shown, n - max
}

// Thin returns the indexes of at most max of n points, evenly spread,
// always with the first and the last, and with keep (when in range).
func Thin(n, max int, keep ...int) []int {
	if n <= max {
		out := make([]int, n)
		for i := range out {
			out[i] = i
		}
		return out
	}
	want := map[int]bool{0: true, n - 1: true}
	for _, k := range keep {
		if k >= 0 && k < n {
			want[k] = true
		}
	}
	step := float64(n-1) / float64(max-len(want))
	for x := 0.0; x < float64(n); x += step {
		want[int(x)] = true
	}
	out := make([]int, 0, len(want))
	for i := range n {
		if want[i] {
			out = append(out, i)
		}
	}
	return out
}

// OtherErrors is what TopErrors leaves out.
type OtherErrors struct {
	Classes int
	Count   int64
	Share   float64
}

// TopErrors keeps the first max error classes (analyze lists them most
// frequent first) and sums the rest.
func TopErrors(errs []analyze.ErrorCount, max int) ([]analyze.ErrorCount, *OtherErrors) {
	if len(errs) <= max {
		return errs, nil
	}
	o := &OtherErrors{Classes: len(errs) - max}
	for _, e := range errs[max:] {
		o.Count += e.Count
		o.Share += e.Share
	}
	return errs[:max], o
}
