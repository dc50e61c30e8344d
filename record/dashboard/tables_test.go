package dashboard

import (
	"bufio"
	"encoding/csv"
	"encoding/json"
	"io"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/internal/cleantext"
	"github.com/llmrec/llmrec/record"
)

// tableSnap is a snapshot at second sec whose table holds rows.
func tableSnap(sec int, rows ...record.StepRow) record.Snapshot {
	s := record.Snapshot{Status: record.Status{Elapsed: time.Duration(sec) * time.Second, Total: 10 * time.Second, Step: 1, Phase: "running",
		P50: math.NaN(), P95: math.NaN()}, StepP95: math.NaN(), P99: math.NaN(), TTFTP50: math.NaN(), TTFTP95: math.NaN(), TTFTP99: math.NaN()}
	s.Steps = rows
	s.TotalRow = record.StepRow{Requests: 30, Failures: 2, P50: 10, P90: 11, P95: 12, P99: 13, Max: 14, RPS: 3, CompletedRPS: 2.5, TTFTP95: math.NaN()}
	s.FailureClasses = []record.FailureClass{{Class: "http_5xx", Count: 2, Latest: "=HYPERLINK(\"http://evil.example\")\x1b[31m", LatestS: 4.5}}
	s.Verdict = record.LiveVerdict{Kind: "users", BaselineStep: 1, SaturationStep: 2, SaturationLevel: 4, Signal: "latency", Signals: []string{"latency"}, CapacityStep: 1, CapacityLevel: 2, Bounded: true}
	s.FiredStep, s.FiredAt, s.FiredDetail = 2, 7*time.Second, "p95 over the limit"
	return s
}

// events reads the event stream of s until it has seen want events of
// the name given, and returns their data.
func readEvents(t *testing.T, s *Server, name string, want int) []string {
	t.Helper()
	u, _ := url.Parse(s.URL())
	c := &http.Client{Timeout: 10 * time.Second}
	res, err := c.Get("http://" + u.Host + s.prefix + "events")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var out []string
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	cur := ""
	for sc.Scan() {
		line := sc.Text()
		if ev, ok := strings.CutPrefix(line, "event: "); ok {
			cur = ev
		}
		if d, ok := strings.CutPrefix(line, "data: "); ok && cur == name {
			out = append(out, d)
			if len(out) == want {
				return out
			}
		}
	}
	t.Fatalf("the stream ended after %d %q events, want %d: %v", len(out), name, want, sc.Err())
	return nil
}

// TestTableEvents: the statistics table reaches a page over the event
// stream: a page that connects gets the whole table (every step seen so
// far, the total, failures, verdict and the live rule's marker), then
// each second the rows that changed.
func TestTableEvents(t *testing.T) {
	s := start(t, Options{Addr: "127.0.0.1:0"})
	s.Publish(tableSnap(1, record.StepRow{Step: 1, Level: 2, Requests: 10, P95: 12, Max: 20, RPS: 2}))
	s.Publish(tableSnap(2, record.StepRow{Step: 2, Level: 4, Requests: 20, Failures: 2, P95: math.NaN(), Max: math.NaN()}))
	waitFor(t, 5*time.Second, "two snapshots", func() bool {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.history) == 2
	})
	data := readEvents(t, s, "table", 1)
	var ev struct {
		Rows []struct {
			Step  int      `json:"step"`
			Level float64  `json:"level"`
			N     int64    `json:"n"`
			Fail  int64    `json:"fail"`
			P95   *float64 `json:"p95"`
			Max   *float64 `json:"max"`
		} `json:"rows"`
		Total struct {
			N   int64   `json:"n"`
			P99 float64 `json:"p99"`
		} `json:"total"`
		Failures []struct {
			Class, Latest string
			Count         int64
		} `json:"failures"`
		Verdict struct {
			SStep   int     `json:"sstep"`
			SLevel  float64 `json:"slevel"`
			CStep   int     `json:"cstep"`
			FStep   int     `json:"fstep"`
			FAt     float64 `json:"fat"`
			FDetail string  `json:"fdetail"`
		} `json:"verdict"`
	}
	if err := json.Unmarshal([]byte(data[0]), &ev); err != nil {
		t.Fatalf("table event %s: %v", data[0], err)
	}
	if len(ev.Rows) != 2 || ev.Rows[0].Step != 1 || ev.Rows[0].N != 10 || ev.Rows[1].Step != 2 || ev.Rows[1].Fail != 2 || ev.Rows[1].Level != 4 {
		t.Errorf("a page that connects got rows %+v; want steps 1 and 2 as published", ev.Rows)
	}
	if ev.Rows[0].P95 == nil || *ev.Rows[0].P95 != 12 || ev.Rows[1].P95 != nil || ev.Rows[1].Max != nil {
		t.Errorf("p95 of step 1 %v, of step 2 %v (max %v); want 12 and null for none", ev.Rows[0].P95, ev.Rows[1].P95, ev.Rows[1].Max)
	}
	if ev.Total.N != 30 || ev.Total.P99 != 13 || len(ev.Failures) != 1 || ev.Failures[0].Count != 2 {
		t.Errorf("total %+v, failures %+v", ev.Total, ev.Failures)
	}
	if v := ev.Verdict; v.SStep != 2 || v.SLevel != 4 || v.CStep != 1 || v.FStep != 2 || v.FAt != 7 || v.FDetail == "" {
		t.Errorf("verdict %+v", v)
	}
}

// TestCSVDownloads: both tables download as CSV, cleaned as llmrep
// export cleans: a cell starting with = + - @ is prefixed with a quote
// and control characters are gone; the statistics end with the total; a
// closed loop's level is users, an open loop's offered req/s; and on an
// address other than loopback the downloads need the token too.
func TestCSVDownloads(t *testing.T) {
	get := func(t *testing.T, s *Server, path string, auth bool) (*http.Response, [][]string) {
		t.Helper()
		u, _ := url.Parse(s.URL())
		req, _ := http.NewRequest("GET", "http://127.0.0.1:"+u.Port()+s.prefix+path, nil)
		if auth {
			req.Header.Set("Authorization", "Bearer "+s.opts.Token)
		}
		res, err := (&http.Client{Timeout: 5 * time.Second}).Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		body, _ := io.ReadAll(res.Body)
		if res.StatusCode != 200 {
			return res, nil
		}
		recs, err := csv.NewReader(strings.NewReader(string(body))).ReadAll()
		if err != nil {
			t.Fatalf("%s is not CSV: %v\n%s", path, err, body)
		}
		return res, recs
	}
	publish := func(t *testing.T, s *Server) {
		s.Publish(tableSnap(1, record.StepRow{Step: 1, Level: 2, Requests: 10, P50: 9.5, P90: 10, P95: 12, P99: 13.25, Max: 20, RPS: 2, CompletedRPS: 1.5, TTFTP95: 4}))
		s.Publish(tableSnap(2, record.StepRow{Step: 2, Level: 4, Requests: 20, Failures: 2, P50: math.NaN(), P90: math.NaN(), P95: math.NaN(), P99: math.NaN(), Max: math.NaN(), TTFTP95: math.NaN()}))
		waitFor(t, 5*time.Second, "two snapshots", func() bool {
			s.mu.Lock()
			defer s.mu.Unlock()
			return len(s.tables.rows) == 2
		})
	}

	t.Run("closed loop", func(t *testing.T) {
		s := start(t, Options{Addr: "127.0.0.1:0"})
		publish(t, s)
		res, stats := get(t, s, "statistics.csv", false)
		if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") || !strings.Contains(res.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("statistics.csv = %d, %q, %q", res.StatusCode, res.Header.Get("Content-Type"), res.Header.Get("Content-Disposition"))
		}
		want := [][]string{
			{"step", "users", "requests", "failures", "p50_ms", "p90_ms", "p95_ms", "p99_ms", "max_ms", "rps", "completed_rps", "ttft_p95_ms"},
			{"1", "2", "10", "0", "9.5", "10", "12", "13.25", "20", "2", "1.5", "4"},
			{"2", "4", "20", "2", "", "", "", "", "", "0", "0", ""},
			{"total", "", "30", "2", "10", "11", "12", "13", "14", "3", "2.5", ""},
		}
		if got, _ := json.Marshal(stats); string(got) != mustJSON(want) {
			t.Errorf("statistics.csv:\n%s\nwant\n%s", got, mustJSON(want))
		}
		_, fails := get(t, s, "failures.csv", false)
		want = [][]string{{"class", "count", "latest_at_s", "latest_error"}, {"http_5xx", "2", "4.5", `'=HYPERLINK("http://evil.example") [31m`}}
		if got, _ := json.Marshal(fails); string(got) != mustJSON(want) {
			t.Errorf("failures.csv:\n%s\nwant\n%s", got, mustJSON(want))
		}
	})
	t.Run("open loop", func(t *testing.T) {
		s := start(t, Options{Addr: "127.0.0.1:0", Open: true, OpenLoop: record.OpenLoop{Kind: record.ArrivalPoisson, Rate: 2, StepRate: 2, MaxRate: 4, StepTime: 5 * time.Second}})
		publish(t, s)
		_, stats := get(t, s, "statistics.csv", false)
		if len(stats) != 4 || stats[0][1] != "offered_rps" || stats[0][len(stats[0])-1] != "waited" {
			t.Errorf("an open loop's statistics.csv header %v; want the level as offered_rps and the waited column", stats[0])
		}
	})
	t.Run("token off loopback", func(t *testing.T) {
		s := start(t, Options{Addr: "0.0.0.0:0"})
		publish(t, s)
		for _, p := range []string{"statistics.csv", "failures.csv"} {
			if res, _ := get(t, s, p, false); res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s without the token = %d, want 401", p, res.StatusCode)
			}
			if res, recs := get(t, s, p, true); res.StatusCode != 200 || len(recs) < 2 {
				t.Errorf("%s with the token = %d, %d lines", p, res.StatusCode, len(recs))
			}
		}
	})
	t.Run("rebinding host", func(t *testing.T) {
		s := start(t, Options{Addr: "127.0.0.1:0"})
		u, _ := url.Parse(s.URL())
		if res := do(t, s, "GET", "~/statistics.csv", "evil.example:"+u.Port(), nil); res.StatusCode != http.StatusMisdirectedRequest {
			t.Errorf("statistics.csv for another Host = %d", res.StatusCode)
		}
	})
}

func mustJSON(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

// TestCSVCellsCleaned: every cell of a CSV download is cleaned by the
// one CSV cell rule, on its test table (cleantext.CSVCases).
func TestCSVCellsCleaned(t *testing.T) {
	var in, want []string
	for _, tc := range cleantext.CSVCases {
		in, want = append(in, tc.In), append(want, tc.Want)
	}
	w := httptest.NewRecorder()
	writeCSV(w, "cells.csv", [][]string{in})
	got, err := csv.NewReader(w.Body).Read()
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if i >= len(got) || got[i] != want[i] {
			t.Errorf("cell %q written as %q, want %q", in[i], got, want[i])
		}
	}
}
