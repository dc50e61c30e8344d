package main

import (
	"context"
	"encoding/base64"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"math"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/analyze/level"
	"github.com/llmrec/llmrec/internal/browsertest"
	"github.com/llmrec/llmrec/schemas"
)

// liveTables is what the table test reads from the page.
type liveTables struct {
	State    string `json:"state"`
	StopNote string `json:"stopnote"`
	Tables   struct {
		Rows  map[string]liveRow `json:"rows"`
		Total liveRow            `json:"total"`
		Fails []struct {
			Class  string `json:"class"`
			Count  int64  `json:"count"`
			Latest string `json:"latest"`
		} `json:"failures"`
		Verdict struct {
			SStep  int     `json:"sstep"`
			SLevel float64 `json:"slevel"`
			CStep  int     `json:"cstep"`
			BStep  int     `json:"bstep"`
			FStep  int     `json:"fstep"`
		} `json:"verdict"`
	} `json:"tables"`
	BodyRows  int      `json:"bodyRows"`
	LastRow   []string `json:"lastRow"`
	Verdict   string   `json:"verdict"`
	VHidden   bool     `json:"vhidden"`
	VCommand  string   `json:"vcommand"`
	FailRows  int      `json:"failRows"`
	StatsCSV  string   `json:"statsCSV"`
	FailCSV   string   `json:"failCSV"`
	FiredText string   `json:"fired"`
}

type liveRow struct {
	Step  int      `json:"step"`
	Level float64  `json:"level"`
	N     int64    `json:"n"`
	Fail  int64    `json:"fail"`
	P50   *float64 `json:"p50"`
	P95   *float64 `json:"p95"`
	P99   *float64 `json:"p99"`
	Max   *float64 `json:"max"`
}

const liveTablesJS = `(async () => {
  const t = id => document.getElementById(id).textContent;
  const api = window.llmrecDashboard;
  const body = document.querySelectorAll("#statsbody tr");
  const last = body.length ? Array.from(body[body.length - 1].cells).map(c => c.textContent) : [];
  const get = async p => { const r = await fetch(p, {credentials: "same-origin"}); return r.ok ? r.text() : "HTTP " + r.status; };
  return {state: t("state"), stopnote: t("stopnote"), tables: api ? api.tables() : null, bodyRows: body.length, lastRow: last,
    verdict: t("vsat") + " | " + t("vcap"), vhidden: document.getElementById("verdict").hidden, vcommand: t("vcommand"),
    failRows: document.querySelectorAll("#failbody tr").length, fired: t("fired"),
    statsCSV: await get(document.getElementById("statscsv").getAttribute("href")),
    failCSV: await get(document.getElementById("failcsv").getAttribute("href"))};
})()`

// TestDashboardTablesInBrowser: a run against the built-in simulator
// (knee profile, 10 users a step up to 40), watched in headless Chromium
// to its end. The statistics table the page shows has a row per step of
// the finished file and the total last: counts exact, percentiles and
// the maximum within the live histograms' 0.1 %; the failures table
// agrees with the file; both download as CSV from the page; the verdict
// shown at the end is the level rules' on the file's exact figures, with
// the analyze command; "stopping…" is not left behind. Screenshots at
// 1280 and 390 px go to $LLMREC_SCREENSHOTS when set.
func TestDashboardTablesInBrowser(t *testing.T) {
	chromium := browsertest.RequireChromium(t, "the dashboard's statistics table")
	out := filepath.Join(t.TempDir(), "run.parquet")
	run := startDashRun(t, "--dashboard", "127.0.0.1:0", "--dashboard-linger", "60s", "--step-users", "10", "--step-time", "3s", "--max-users", "40",
		"--wait-min", "10ms", "--wait-max", "50ms", "--sim-profile", "knee", "--max-tokens", "64", "--grace", "5s", "-o", out)
	base, _ := url.Parse(run.url)
	b := browsertest.Start(t, chromium, true)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	session := b.Open(t, ctx, false, run.url)
	var st liveTables
	for by := time.Now().Add(60 * time.Second); ; {
		err := b.Eval(ctx, session, liveTablesJS, &st)
		if err == nil && strings.HasPrefix(st.State, "run ended") {
			break
		}
		if time.Now().After(by) {
			t.Fatalf("no end after 60 s: state %q, %v; %s", st.State, err, run.output())
		}
		time.Sleep(300 * time.Millisecond)
	}
	shoot(t, b, ctx, session, "dashboard-end")
	checkLegends := func(width string) {
		var lo legendOverlap
		if err := b.Eval(ctx, session, legendOverlapJS, &lo); err != nil {
			t.Fatal(err)
		}
		if lo.Legends < 6 || lo.Axes < 12 || len(lo.Overlaps) > 0 {
			t.Errorf("at %s: %d chart texts, %d of legends, %d of axes; legends over axis titles: %v", width, lo.Texts, lo.Legends, lo.Axes, lo.Overlaps)
		}
	}
	checkLegends("1280 px")

	rows, err := parquet.ReadFile[schemas.Record](out)
	if err != nil {
		t.Fatal(err)
	}
	_, meta := countRows(t, out)
	t0, warm := meta.StartedAt, time.Duration(1.5*float64(time.Second)) // min(30 s, half a step)
	type agg struct {
		users     int
		n, fail   int64
		lat       []float64
		levelStep level.Step
	}
	by := map[int]*agg{0: {}}
	for _, r := range rows {
		if r.Start.Sub(t0) < warm {
			continue
		}
		for _, k := range []int{int(r.Step), 0} {
			a := by[k]
			if a == nil {
				a = &agg{}
				by[k] = a
			}
			a.users = max(a.users, int(r.Users))
			a.n++
			if !r.OK {
				a.fail++
			} else {
				a.lat = append(a.lat, r.LatencyMS)
			}
		}
	}
	// The analyzer's quantile: linear between the order statistics
	// around p·(n−1).
	nearest := func(lat []float64, p float64) float64 {
		pos := p / 100 * float64(len(lat)-1)
		lo := math.Floor(pos)
		v := lat[int(lo)]
		if pos > lo {
			v += (pos - lo) * (lat[int(lo)+1] - v)
		}
		return v
	}
	within := func(got *float64, want float64) bool { return got != nil && math.Abs(*got-want) <= want/1000+0.002 }
	var steps []level.Step
	keys := make([]int, 0, len(by))
	for k := range by {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if len(st.Tables.Rows) != len(keys)-1 || st.BodyRows != len(keys) {
		t.Errorf("the page has %d steps (%d table rows); the file %d steps after the warmup, and the total", len(st.Tables.Rows), st.BodyRows, len(keys)-1)
	}
	for _, k := range keys {
		a := by[k]
		slices.Sort(a.lat)
		got := st.Tables.Total
		name := "total"
		if k != 0 {
			got = st.Tables.Rows[strconv.Itoa(k)]
			name = fmt.Sprintf("step %d", k)
		}
		if got.N != a.n || got.Fail != a.fail || (k != 0 && got.Level != float64(a.users)) {
			t.Errorf("%s: the page shows %d requests, %d failures, level %g; the file has %d, %d, %d users", name, got.N, got.Fail, got.Level, a.n, a.fail, a.users)
		}
		if len(a.lat) > 0 {
			for _, q := range []struct {
				p   float64
				got *float64
			}{{50, got.P50}, {95, got.P95}, {99, got.P99}, {100, got.Max}} {
				if want := nearest(a.lat, q.p); !within(q.got, want) {
					t.Errorf("%s: p%g %s on the page, %g in the file", name, q.p, fmtPtr(q.got), want)
				}
			}
		}
		if k != 0 {
			ls := level.Step{Step: k, Level: float64(a.users), Sent: a.n, Failures: a.fail, Good: a.n - a.fail}
			if len(a.lat) > 0 {
				p := nearest(a.lat, 95)
				ls.P95 = &p
			}
			steps = append(steps, ls)
		}
	}
	if len(st.LastRow) == 0 || st.LastRow[0] != "total" {
		t.Errorf("the table's last row is %v; want the total", st.LastRow)
	}
	v := level.Judge(steps, level.Rules{Kind: level.Users, BaselineLevel: 10, LatencyThreshold: 2, ErrorThreshold: 0.01})
	want := struct{ sat, capacity int }{}
	if v.Saturation >= 0 {
		want.sat = steps[v.Saturation].Step
	}
	if v.Capacity >= 0 {
		want.capacity = steps[v.Capacity].Step
	}
	if gv := st.Tables.Verdict; gv.SStep != want.sat || gv.CStep != want.capacity {
		t.Errorf("the page's verdict: saturation step %d, capacity step %d; the rules on the file's figures: %d, %d", gv.SStep, gv.CStep, want.sat, want.capacity)
	}
	if st.VHidden || !strings.Contains(st.Verdict, "Capacity") && !strings.Contains(st.Verdict, "No level") || st.VCommand != "llmrep analyze "+out {
		t.Errorf("verdict panel hidden=%v %q, command %q", st.VHidden, st.Verdict, st.VCommand)
	}
	if want.sat > 0 && !strings.HasPrefix(st.Verdict, "Saturated at "+strconv.Itoa(by[want.sat].users)+" users") {
		t.Errorf("verdict %q; want saturated at %d users", st.Verdict, by[want.sat].users)
	}
	if st.StopNote != "" {
		t.Errorf("stop note %q after the end", st.StopNote)
	}

	// The downloads, as the page fetches them.
	stats, err := csv.NewReader(strings.NewReader(st.StatsCSV)).ReadAll()
	if err != nil || len(stats) != len(keys)+1 || stats[len(stats)-1][0] != "total" || stats[len(stats)-1][2] != strconv.FormatInt(by[0].n, 10) {
		t.Errorf("statistics.csv from the page (%v):\n%s", err, st.StatsCSV)
	}
	var failed int64
	classes := map[string]int64{}
	for _, r := range rows {
		if !r.OK {
			failed++
			classes[*r.ErrorClass]++
		}
	}
	fails, err := csv.NewReader(strings.NewReader(st.FailCSV)).ReadAll()
	if err != nil || len(fails) != len(classes)+1 || len(st.Tables.Fails) != len(classes) {
		t.Errorf("failures.csv from the page (%v), %d classes on the page; the file has %v:\n%s", err, len(st.Tables.Fails), classes, st.FailCSV)
	}
	for _, f := range st.Tables.Fails {
		if classes[f.Class] != f.Count {
			t.Errorf("failures of %s: %d on the page, %d in the file", f.Class, f.Count, classes[f.Class])
		}
	}

	// A phone: the tiles are a compact grid, nothing but the scroll
	// containers wider than the screen.
	if _, err := b.Call(ctx, session, "Emulation.setDeviceMetricsOverride", map[string]any{"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": true}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond)
	var lay struct {
		Cards   float64  `json:"cards"`
		Width   float64  `json:"width"`
		Outside []string `json:"outside"`
	}
	if err := b.Eval(ctx, session, layoutJS, &lay); err != nil {
		t.Fatal(err)
	}
	if lay.Cards > 420 || lay.Width > 390 || len(lay.Outside) > 0 {
		t.Errorf("at 390 px: the tiles take %g px (want a compact grid under 420), page width %g, outside the screen: %v", lay.Cards, lay.Width, lay.Outside)
	}
	checkLegends("390 px")
	shoot(t, b, ctx, session, "dashboard-390")
	shoot(t, b, ctx, session, "dashboard-390-top")
	for _, p := range problems(b.EventsOf(session), base) {
		if !strings.Contains(p, "ERR_CONNECTION_REFUSED") {
			t.Error(p)
		}
	}
	_ = run.cmd.Process.Signal(syscall.SIGINT) // leave the linger
	run.wait(t, 20*time.Second)
}

// layoutJS measures the page as laid out: the tiles' height, the page's
// width, and the elements that reach past the right edge outside a
// scroll container.
const layoutJS = `(() => {
  const vw = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll("main *")) {
    if (el.closest(".scroll")) continue;
    const r = el.getBoundingClientRect();
    if (r.width && r.right > vw + 1) out.push(el.tagName + "#" + el.id + "." + el.className + " right " + Math.round(r.right));
  }
  return {cards: document.querySelector(".cards").getBoundingClientRect().height,
    width: document.documentElement.scrollWidth, outside: out.slice(0, 10)};
})()`

// shoot saves a full-page screenshot as name.png in $LLMREC_SCREENSHOTS,
// when set, for a person to look at.
func shoot(t *testing.T, b *browsertest.Browser, ctx context.Context, session, name string) {
	t.Helper()
	dir := os.Getenv("LLMREC_SCREENSHOTS")
	if dir == "" {
		return
	}
	params := map[string]any{"format": "png", "captureBeyondViewport": true}
	if strings.HasSuffix(name, "-top") {
		params = map[string]any{"format": "png"} // the first screen
	}
	res, err := b.Call(ctx, session, "Page.captureScreenshot", params)
	if err != nil {
		t.Fatal(err)
	}
	var shot struct {
		Data string `json:"data"`
	}
	if err := json.Unmarshal(res, &shot); err != nil {
		t.Fatal(err)
	}
	png, err := base64.StdEncoding.DecodeString(shot.Data)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

func fmtPtr(v *float64) string {
	if v == nil {
		return "null"
	}
	return strconv.FormatFloat(*v, 'f', -1, 64)
}

// pageProbeJS reads what follows the run's kind: the tiles' names, the
// table's header, the first chart's series, the time axis's end, the
// failures chart's legend.
const pageProbeJS = `(() => {
  const t = id => document.getElementById(id).textContent;
  const opt = id => echarts.getInstanceByDom(document.getElementById(id)).getOption();
  const users = opt("c-users"), fails = opt("c-failures");
  return {usersName: t("usersname"), users: t("users"), rpsName: t("rpsname"),
    head: Array.from(document.querySelectorAll("#statshead th")).map(th => th.textContent),
    series: users.series.map(s => s.name), xMax: users.xAxis[0].max,
    failLegend: fails.legend[0].show, failSeries: fails.series.map(s => s.name), failSub: fails.title[0].subtext};
})()`

type pageProbe struct {
	UsersName  string   `json:"usersName"`
	Users      string   `json:"users"`
	RPSName    string   `json:"rpsName"`
	Head       []string `json:"head"`
	Series     []string `json:"series"`
	XMax       float64  `json:"xMax"`
	FailLegend bool     `json:"failLegend"`
	FailSeries []string `json:"failSeries"`
	FailSub    string   `json:"failSub"`
}

// TestDashboardOpenLoopInBrowser: an open loop's page speaks in rates:
// the level tile is the offered rate of the step the schedule is in, the
// throughput tile and the first chart show offered, sent and completed
// req/s, the table's level column is the offered rate of each step (and
// its counts are the file's); the time axis ends after the grace period;
// with no failure, the failures chart says "none so far" and shows no
// legend. Stopped from the page, its "stopping…" note goes at the end.
func TestDashboardOpenLoopInBrowser(t *testing.T) {
	chromium := browsertest.RequireChromium(t, "an open loop's dashboard")
	out := filepath.Join(t.TempDir(), "run.parquet")
	run := startDashRun(t, "--dashboard", "127.0.0.1:0", "--dashboard-linger", "60s", "--arrival", "constant", "--rate", "10", "--step-rate", "10",
		"--max-rate", "40", "--step-time", "3s", "--sim-profile", "linear", "--max-tokens", "16", "--grace", "4s", "-o", out)
	b := browsertest.Start(t, chromium, true)
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	session := b.Open(t, ctx, false, run.url)
	// During the run: the tiles follow the schedule.
	var mid struct {
		pageProbe
		Step int     `json:"step"`
		Off  float64 `json:"off"`
	}
	for by := time.Now().Add(30 * time.Second); ; {
		err := b.Eval(ctx, session, `(() => { const p = `+pageProbeJS+`; const l = window.llmrecDashboard.last(); p.step = l ? l.step : 0; p.off = l ? l.off : 0; return p; })()`, &mid)
		if err == nil && mid.Step >= 2 {
			break
		}
		if time.Now().After(by) {
			t.Fatalf("no second step after 30 s: %+v %v; %s", mid, err, run.output())
		}
		time.Sleep(300 * time.Millisecond)
	}
	if want := float64(10 * mid.Step); mid.Off != want || mid.UsersName != "offered rate" || !strings.HasPrefix(mid.Users, strconv.FormatFloat(want, 'f', 1, 64)+" req/s") {
		t.Errorf("at step %d the level tile is %q %q (point %g); want the offered rate %g req/s", mid.Step, mid.UsersName, mid.Users, mid.Off, want)
	}
	if mid.RPSName != "sent / completed req/s (10 s)" || strings.Join(mid.Series, ",") != "offered,sent,completed,in flight" {
		t.Errorf("throughput tile %q, first chart %v; want sent / completed and offered, sent, completed, in flight", mid.RPSName, mid.Series)
	}
	if mid.XMax != 12+4 {
		t.Errorf("the time axis ends at %g s; want the 12 s schedule and the 4 s grace", mid.XMax)
	}
	if len(mid.Head) < 2 || mid.Head[1] != "offered req/s" || !slices.Contains(mid.Head, "sent req/s") || !slices.Contains(mid.Head, "completed req/s") {
		t.Errorf("table header %v", mid.Head)
	}
	if mid.FailLegend || strings.Join(mid.FailSeries, ",") != "no failures" || mid.FailSub != "none so far" {
		t.Errorf("failures chart without failures: legend %v, series %v, subtext %q", mid.FailLegend, mid.FailSeries, mid.FailSub)
	}

	// Stop from the page: the note says "stopping…" until the run ends,
	// and is gone once the page says it ended.
	var note string
	if err := b.Eval(ctx, session, `(() => { document.getElementById("stop").click(); return document.getElementById("stopnote").textContent; })()`, &note); err != nil || note != "stopping…" {
		t.Errorf("after Stop the note is %q (%v)", note, err)
	}
	var st liveTables
	for by := time.Now().Add(40 * time.Second); ; {
		err := b.Eval(ctx, session, liveTablesJS, &st)
		if err == nil && strings.HasPrefix(st.State, "run ended") {
			break
		}
		if time.Now().After(by) {
			t.Fatalf("no end after 40 s: state %q, %v; %s", st.State, err, run.output())
		}
		time.Sleep(300 * time.Millisecond)
	}
	shoot(t, b, ctx, session, "dashboard-open")
	for _, w := range []int{1280, 390} {
		if _, err := b.Call(ctx, session, "Emulation.setDeviceMetricsOverride", map[string]any{"width": w, "height": 844, "deviceScaleFactor": 1, "mobile": w < 500}); err != nil {
			t.Fatal(err)
		}
		time.Sleep(300 * time.Millisecond)
		var lo legendOverlap
		if err := b.Eval(ctx, session, legendOverlapJS, &lo); err != nil {
			t.Fatal(err)
		}
		if lo.Legends < 6 || lo.Axes < 12 || len(lo.Overlaps) > 0 {
			t.Errorf("at %d px: %d chart texts, %d of legends, %d of axes; legends over axis titles: %v", w, lo.Texts, lo.Legends, lo.Axes, lo.Overlaps)
		}
	}
	rows, err := parquet.ReadFile[schemas.Record](out)
	if err != nil {
		t.Fatal(err)
	}
	_, meta := countRows(t, out)
	if st.StopNote != "" || !strings.Contains(st.State, schemas.EndInterrupted) {
		t.Errorf("after the end: state %q, stop note %q; want the run interrupted and no note left", st.State, st.StopNote)
	}
	count := map[int]int64{}
	top := 0
	for _, r := range rows {
		if r.Start.Sub(meta.StartedAt) >= 1500*time.Millisecond {
			count[int(r.Step)]++
			top = max(top, int(r.Step))
		}
	}
	if len(st.Tables.Rows) != top {
		t.Errorf("%d steps on the page, %d in the file", len(st.Tables.Rows), top)
	}
	for k := 1; k <= top; k++ {
		got := st.Tables.Rows[strconv.Itoa(k)]
		if got.Level != float64(10*k) || got.N != count[k] {
			t.Errorf("step %d: level %g, %d requests on the page; want %d req/s offered and the file's %d", k, got.Level, got.N, 10*k, count[k])
		}
	}
	_ = run.cmd.Process.Signal(syscall.SIGINT)
	run.wait(t, 20*time.Second)
}

// legendOverlapJS lists, for every chart of the page, the axis titles
// that a legend item overlaps, from the boxes of the texts ECharts drew
// (each text's component: legend, or the axis whose name it is).
const legendOverlapJS = `(() => {
  const out = [];
  let texts = 0, nl = 0, na = 0;
  for (const el of document.querySelectorAll("div.chart")) {
    const c = echarts.getInstanceByDom(el);
    const legend = [], axis = [];
    for (const d of c.getZr().storage.getDisplayList(true)) {
      if (!d.style || typeof d.style.text !== "string" || d.style.text === "" || d.invisible) continue;
      let p = d, kind = "";
      while (p) { if (p.__ecComponentInfo) { kind = p.__ecComponentInfo.mainType; break; } p = p.parent; }
      const r = d.getBoundingRect().clone();
      const m = d.getComputedTransform();
      if (m) r.applyTransform(m);
      if (kind === "legend") legend.push(r);
      else if (kind === "yAxis" || kind === "xAxis") axis.push({t: d.style.text, r: r});
      texts++;
    }
    nl += legend.length; na += axis.length;
    for (const a of axis) for (const l of legend) if (a.r.intersect(l)) out.push(el.id + ": " + a.t);
  }
  return {texts: texts, legends: nl, axes: na, overlaps: out};
})()`

type legendOverlap struct {
	Texts    int      `json:"texts"`
	Legends  int      `json:"legends"`
	Axes     int      `json:"axes"`
	Overlaps []string `json:"overlaps"`
}
