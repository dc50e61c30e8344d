package htmlreport

import (
	"math"
	"strconv"
	"testing"
)

// hue is the hue in degrees of a #rrggbb colour, and its saturation.
func hue(t *testing.T, col string) (h, s float64) {
	t.Helper()
	v, err := strconv.ParseUint(col[1:], 16, 32)
	if err != nil || len(col) != 7 {
		t.Fatalf("colour %q", col)
	}
	r, g, b := float64(v>>16)/255, float64(v>>8&0xff)/255, float64(v&0xff)/255
	hi, lo := math.Max(r, math.Max(g, b)), math.Min(r, math.Min(g, b))
	d := hi - lo
	if d == 0 {
		return 0, 0
	}
	switch hi {
	case r:
		h = math.Mod((g-b)/d, 6)
	case g:
		h = (b-r)/d + 2
	default:
		h = (r-g)/d + 4
	}
	h *= 60
	if h < 0 {
		h += 360
	}
	return h, d / (1 - math.Abs(hi+lo-1))
}

// TestRunColorsAreNeutral: the colours of compared runs are never a red
// or a green (hues the page keeps for verdicts), and no two of them are
// the same.
func TestRunColorsAreNeutral(t *testing.T) {
	seen := map[string]bool{}
	for i := range 8 {
		col := runColor(i)
		if seen[col] {
			t.Errorf("run %d repeats %s", i, col)
		}
		seen[col] = true
		h, s := hue(t, col)
		if s < 0.15 {
			continue // a grey
		}
		if h < 20 || h > 340 || (h > 80 && h < 160) {
			t.Errorf("run %d is drawn in %s (hue %.0f°): a red or a green, which reads as a verdict", i, col, h)
		}
	}
}
