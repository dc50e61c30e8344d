package htmlreport

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/analyze"
)

// chartJSON is the part of an ECharts option the chart tests read.
type chartJSON struct {
	Title struct {
		Subtext string `json:"subtext"`
	} `json:"title"`
	XAxis []struct {
		AxisLabel struct {
			ShowMaxLabel *bool `json:"showMaxLabel"`
		} `json:"axisLabel"`
	} `json:"xAxis"`
	YAxis []struct {
		Name      string   `json:"name"`
		Max       *float64 `json:"max"`
		AxisLabel struct {
			Formatter string `json:"formatter"`
		} `json:"axisLabel"`
		SplitLine struct {
			Show *bool `json:"show"`
		} `json:"splitLine"`
	} `json:"yAxis"`
	Series []struct {
		Name     string `json:"name"`
		Color    string `json:"color"`
		MarkLine *struct {
			Label struct {
				Show *bool `json:"show"`
			} `json:"label"`
		} `json:"markLine"`
		MarkPoint *struct {
			Label struct {
				Show *bool `json:"show"`
			} `json:"label"`
		} `json:"markPoint"`
	} `json:"series"`
}

func decodeChart(t *testing.T, spec chartSpec) chartJSON {
	t.Helper()
	var c chartJSON
	if err := json.Unmarshal(spec.Options, &c); err != nil {
		t.Fatalf("%s: %v", spec.Title, err)
	}
	return c
}

// The charts read at a glance: failure rate in percent on a labelled
// 0-100 axis, p99 and failures in different colours, the limit and the
// saturation point said above the plot rather than on the lines, one
// set of gridlines per chart, the histogram's last bucket labelled, and
// a throughput chart on the comparison page.
func TestChartsReadAtAGlance(t *testing.T) {
	specs, err := buildCharts(demoAnalysis())
	if err != nil {
		t.Fatal(err)
	}
	key := decodeChart(t, specs[0])
	if len(key.YAxis) != 2 || key.YAxis[1].Max == nil || *key.YAxis[1].Max != 100 ||
		!strings.Contains(key.YAxis[1].Name, "%") || !strings.Contains(key.YAxis[1].AxisLabel.Formatter, "%") {
		t.Errorf("the failure axis is not 0-100 %%: %+v", key.YAxis)
	}
	colors := map[string]string{}
	for _, s := range key.Series {
		colors[s.Name] = s.Color
		if s.MarkLine != nil && (s.MarkLine.Label.Show == nil || *s.MarkLine.Label.Show) {
			t.Errorf("series %s: the limit's label is drawn on the line", s.Name)
		}
		if s.MarkPoint != nil && (s.MarkPoint.Label.Show == nil || *s.MarkPoint.Label.Show) {
			t.Errorf("series %s: the saturation label is drawn on the line", s.Name)
		}
	}
	if d := hueDistance(colors["p99"], colors["failure rate %"]); d < 40 {
		t.Errorf("p99 and the failure rate are the same colour (hues %.0f° apart): %v", d, colors)
	}
	if !strings.Contains(key.Title.Subtext, "saturated at") || !strings.Contains(key.Title.Subtext, "limit 2x baseline p95") {
		t.Errorf("the chart heading does not say the saturation point and the limit: %+v", key.Title)
	}
	for _, spec := range specs {
		c := decodeChart(t, spec)
		if len(c.YAxis) == 2 {
			shown := 0
			for _, y := range c.YAxis {
				if y.SplitLine.Show != nil && *y.SplitLine.Show {
					shown++
				}
			}
			if shown != 1 {
				t.Errorf("%s: %d of its two y axes draw gridlines", spec.Title, shown)
			}
		}
		if strings.HasSuffix(spec.Title, "distribution") {
			if len(c.XAxis) == 0 || c.XAxis[0].AxisLabel.ShowMaxLabel == nil || !*c.XAxis[0].AxisLabel.ShowMaxLabel {
				t.Errorf("%s: the axis's end has no label", spec.Title)
			}
		}
	}
	cmp, err := compareCharts(compareFixtures()["compare-slower"](t))
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, s := range cmp {
		found = found || strings.Contains(s.Title, "Throughput")
	}
	if !found {
		t.Error("the comparison page has no throughput chart")
	}
}

// The step table comes before the charts, and peak throughput is a
// headline card.
func TestStepTableFirstAndPeakCard(t *testing.T) {
	page := string(render(t, demoAnalysis()))
	steps, chart := strings.Index(page, "<h2>Per step</h2>"), strings.Index(page, `class="chart"`)
	if steps < 0 || chart < 0 || steps > chart {
		t.Errorf("the step table (at %d) is not before the first chart (at %d)", steps, chart)
	}
	verdict := page[strings.Index(page, `class="verdict"`):]
	verdict = verdict[:strings.Index(verdict, "</section>")]
	if !strings.Contains(verdict, "What throughput did it reach?") || !strings.Contains(verdict, "req/s at") {
		t.Errorf("no peak throughput card in the verdict:\n%s", verdict)
	}
}

// hueDistance is how far apart two "#rrggbb" colours' hues are, in
// degrees (0-180).
func hueDistance(a, b string) float64 {
	hue := func(c string) float64 {
		var r, g, bl int
		if _, err := fmt.Sscanf(c, "#%02x%02x%02x", &r, &g, &bl); err != nil {
			return -1000
		}
		R, G, B := float64(r)/255, float64(g)/255, float64(bl)/255
		mx, mn := math.Max(R, math.Max(G, B)), math.Min(R, math.Min(G, B))
		d := mx - mn
		if d == 0 {
			return 0
		}
		var h float64
		switch mx {
		case R:
			h = math.Mod((G-B)/d, 6)
		case G:
			h = (B-R)/d + 2
		default:
			h = (R-G)/d + 4
		}
		return math.Mod(h*60+360, 360)
	}
	d := math.Abs(hue(a) - hue(b))
	return math.Min(d, 360-d)
}

// The throughput chart of a closed loop draws the fitted Universal
// Scalability Law over the steps' completed rates (the curve's points are
// the fitted X(N)), with λ, σ, κ, R² and the predicted peak in its caption
// and the peak as a dashed line; a refused fit draws no chart at all.
func TestUSLChart(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	a := demoAnalysis()
	a.Scalability = &analyze.Scalability{Fitted: true, Points: 4, Lambda: f(2), Sigma: f(0.1), Kappa: f(0.01), R2: f(0.98), RMSE: f(0.3),
		PeakUsers: f(9.54), PeakRPS: f(9.4)}
	specs, err := buildCharts(a)
	if err != nil {
		t.Fatal(err)
	}
	var spec *chartSpec
	for i := range specs {
		if specs[i].Title == uslTitle {
			spec = &specs[i]
		}
	}
	if spec == nil {
		t.Fatalf("no %q chart among %d", uslTitle, len(specs))
	}
	for _, w := range []string{"λ 2 req/s per user", "contention σ 0.1", "coherency κ 0.01", "R² 0.98", "Predicted peak: 9.4 req/s at 9.54 users"} {
		if !strings.Contains(spec.Caption, w) {
			t.Errorf("caption %q does not say %q", spec.Caption, w)
		}
	}
	var c struct {
		Series []struct {
			Name string `json:"name"`
			Data []struct {
				Value [2]any `json:"value"`
			} `json:"data"`
			MarkLine *struct {
				Data []struct {
					YAxis float64 `json:"yAxis"`
				} `json:"data"`
			} `json:"markLine"`
		} `json:"series"`
	}
	if err := json.Unmarshal(spec.Options, &c); err != nil {
		t.Fatal(err)
	}
	if len(c.Series) != 2 || c.Series[0].Name != "completed req/s" || c.Series[1].Name != "USL fit" {
		t.Fatalf("series %+v: want the steps' points, then the fit", c.Series)
	}
	steps := 0
	for _, s := range a.Steps {
		if s.CompletedRPS != nil && s.Requests > 0 {
			steps++
		}
	}
	if len(c.Series[0].Data) != steps {
		t.Errorf("%d points, %d steps with a completed rate", len(c.Series[0].Data), steps)
	}
	fit := c.Series[1]
	if len(fit.Data) < 10 {
		t.Fatalf("the fitted curve has %d points", len(fit.Data))
	}
	for _, p := range fit.Data {
		n, x := p.Value[0].(float64), p.Value[1].(float64)
		if want := 2 * n / (1 + 0.1*(n-1) + 0.01*n*(n-1)); math.Abs(x-want) > 0.01 {
			t.Errorf("fit at %g users: %g req/s, want %g", n, x, want)
		}
	}
	if fit.MarkLine == nil || len(fit.MarkLine.Data) != 1 || fit.MarkLine.Data[0].YAxis != 9.4 {
		t.Errorf("the predicted peak is not marked: %+v", fit.MarkLine)
	}
	a.Scalability = &analyze.Scalability{Fitted: false, Points: 3, Reason: "3 levels with a completed rate: a fit needs 4"}
	if specs, err = buildCharts(a); err != nil {
		t.Fatal(err)
	}
	for _, s := range specs {
		if s.Title == uslTitle {
			t.Errorf("a refused fit drew the %q chart", uslTitle)
		}
	}
}
