package analyze

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// TestPercentilesListed: --percentiles adds exact percentiles (the
// database's quantile_cont at those ranks) to the latency blocks and to
// the LLM distributions; without it the analysis is as before (no key).
func TestPercentilesListed(t *testing.T) {
	path := writeChunkFixture(t)
	opts := testOptions(0, 5*time.Second)
	plain, err := Analyze(context.Background(), opts, path)
	if err != nil {
		t.Fatal(err)
	}
	js, _ := json.Marshal(plain)
	if strings.Contains(string(js), `"percentiles":`) || plain.Overall.Percentiles != nil {
		t.Errorf("percentiles listed without --percentiles")
	}
	opts.Percentiles = []float64{10, 99.9}
	a, err := Analyze(context.Background(), opts, path)
	if err != nil {
		t.Fatal(err)
	}
	var lat, step1 []float64
	for _, c := range chunkFixture {
		if c.ok {
			lat = append(lat, c.latMS)
			if c.step == 1 {
				step1 = append(step1, c.latMS)
			}
		}
	}
	gaps := []float64{10, 20, 5, 5, 30, 15, 1500, 8, 12}
	for i, p := range opts.Percentiles {
		checkQ(t, "latency "+PercentileName(p), a.Overall.Percentiles[i].V, wantQuantile(lat, p/100))
		checkQ(t, "step 1 latency "+PercentileName(p), a.Steps[0].Percentiles[i].V, wantQuantile(step1, p/100))
		checkQ(t, "itl "+PercentileName(p), a.LLM.ITL.Percentiles[i].V, wantQuantile(gaps, p/100))
		if a.Overall.Percentiles[i].P != p {
			t.Errorf("percentile %d is %v, want %v", i, a.Overall.Percentiles[i].P, p)
		}
	}
	// The fixed four are unchanged by the extra ones.
	checkQ(t, "p99", a.Overall.P99MS, plain.Overall.P99MS)
	checkQ(t, "itl p99", a.LLM.ITL.P99, plain.LLM.ITL.P99)
	if len(a.LLM.TTFT.Percentiles) != 2 || len(a.LLM.TPOT.Percentiles) != 2 || len(a.LLM.Stalls.LongestGap.Percentiles) != 2 {
		t.Errorf("LLM percentiles: %+v", a.LLM)
	}
}

func TestParsePercentiles(t *testing.T) {
	got, err := ParsePercentiles("99.9, 50,p90,50")
	if err != nil || len(got) != 3 || got[0] != 50 || got[1] != 90 || got[2] != 99.9 {
		t.Errorf("ParsePercentiles = %v, %v", got, err)
	}
	for _, bad := range []string{"", "0", "100", "abc", "50,,90", "NaN", "-1"} {
		if _, err := ParsePercentiles(bad); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}
