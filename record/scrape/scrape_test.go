package scrape

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestThinsToTheByteBound: scrapes past the byte bound are thinned (every
// 2nd, then every 4th scrape kept), the whole span stays covered, the
// stored document is within the bound, and the cut is said.
func TestThinsToTheByteBound(t *testing.T) {
	n := 0
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n++
		fmt.Fprintf(w, "# TYPE vllm:num_requests_waiting gauge\nvllm:num_requests_waiting{model_name=\"m\"} %d\n# TYPE other gauge\nother 1\n", n)
	}))
	defer srv.Close()
	const bound = 4096
	s := New(Config{URL: srv.URL, Interval: time.Second, MaxBytes: bound}, time.Now())
	for range 400 {
		s.scrape(context.Background())
	}
	tel := s.Telemetry()
	if tel.Scrapes != 400 || tel.Failed != 0 {
		t.Fatalf("scrapes %d failed %d", tel.Scrapes, tel.Failed)
	}
	if len(tel.Series) != 1 || tel.Series[0].Name != "vllm:num_requests_waiting" || tel.Series[0].Labels["model_name"] != "m" {
		t.Fatalf("series %+v: want only the matching one, with its label", tel.Series)
	}
	if tel.Every < 2 {
		t.Fatalf("every %d: 400 scrapes should not fit in %d bytes", tel.Every, bound)
	}
	js, err := tel.Marshal()
	if err != nil || len(js) > bound {
		t.Errorf("stored %d bytes (err %v), over the %d bound", len(js), err, bound)
	}
	v := tel.Series[0].V
	if *v[0] != 1 || int(*v[len(v)-1]) < 400-tel.Every || len(v) != len(tel.T) {
		t.Errorf("first %v last %v of %d values: want the whole span, 1 to about 400", *v[0], *v[len(v)-1], len(v))
	}
	if !strings.Contains(strings.Join(tel.Cut, ";"), fmt.Sprintf("only every %s scrape was kept", ordinal(tel.Every))) {
		t.Errorf("cut %q does not say the thinning", tel.Cut)
	}
}
