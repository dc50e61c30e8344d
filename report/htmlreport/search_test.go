package htmlreport

import (
	"reflect"
	"testing"

	"github.com/go-echarts/go-echarts/v2/opts"
)

// TestPointsByLevel: the points of a search's or a sweep's steps, given
// in probe order, are drawn in the order of their levels (time order kept
// among equal levels), so the line does not zigzag.
func TestPointsByLevel(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	got := byLevel([]opts.LineData{xy(64, f(1)), xy(8, f(2)), xy(22, f(3)), xy(8, f(4)), xy(36, nil)})
	want := []opts.LineData{xy(8, f(2)), xy(8, f(4)), xy(22, f(3)), xy(36, nil), xy(64, f(1))}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("points %v, want %v", got, want)
	}
}
