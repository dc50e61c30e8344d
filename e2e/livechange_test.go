package e2e

import (
	"bufio"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/llmrec/llmrec/analyze"
	"github.com/llmrec/llmrec/internal/browsertest"
	"github.com/llmrec/llmrec/internal/testbin"
	"github.com/llmrec/llmrec/report/view"
	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// dashProcess is an llmrec run with --dashboard: its URL, once printed,
// and its stderr.
type dashProcess struct {
	cmd    *exec.Cmd
	url    chan string
	exited chan struct{}
	mu     sync.Mutex
	stderr strings.Builder
}

func startDashboard(t *testing.T, args ...string) *dashProcess {
	t.Helper()
	p := &dashProcess{cmd: exec.Command(testbin.Llmrec(t), append([]string{"run"}, args...)...), url: make(chan string, 1), exited: make(chan struct{})}
	pipe, err := p.cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		defer close(p.exited)
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			p.mu.Lock()
			p.stderr.WriteString(sc.Text() + "\n")
			p.mu.Unlock()
			if u, ok := strings.CutPrefix(sc.Text(), "live dashboard: "); ok {
				p.url <- strings.Fields(u)[0]
			}
		}
		_ = p.cmd.Wait()
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.exited
	})
	return p
}

func (p *dashProcess) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stderr.String()
}

// levelPage is what the test reads of the page's level control.
type levelPage struct {
	State  string `json:"state"`
	Shown  bool   `json:"shown"`
	Label  string `json:"label"`
	Note   string `json:"note"`
	StepOf string `json:"stepof"`
}

const levelPageJS = `(() => ({state: document.getElementById("state").textContent, shown: !document.getElementById("levelform").hidden,
  label: document.getElementById("levellabel").textContent, note: document.getElementById("levelnote").textContent,
  stepof: document.getElementById("stepof").textContent}))()`

// setLevelJS types a level into the page's control and submits it, as a
// person would.
func setLevelJS(v string) string {
	return `(() => { document.getElementById("level").value = ` + strconv.Quote(v) + `; document.getElementById("levelset").click(); return true; })()`
}

// TestLiveLevelChangeInBrowser: a run against the built-in simulator
// planned at 5 users a step of 8 s up to 20, watched in headless Chromium. From
// the page, a level beyond the run's maximum is refused with its reason,
// then the users are set to 12. The file's rows carry 12 as the most users
// of every step from the one the change applied from, its footer records
// the change (by the dashboard), and the analysis lists those steps at 12
// users and says the shape was changed live.
func TestLiveLevelChangeInBrowser(t *testing.T) {
	chromium := browsertest.RequireChromium(t, "the dashboard's level control")
	out := filepath.Join(t.TempDir(), "run.parquet")
	b := browsertest.Start(t, chromium, true) // first: it may take seconds to start
	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	run := startDashboard(t, "--dashboard", "127.0.0.1:0", "--dashboard-linger", "60s", "--step-users", "5", "--step-time", "8s",
		"--max-users", "20", "--wait-min", "10ms", "--wait-max", "50ms", "--sim-profile", "linear", "--max-tokens", "16", "--grace", "5s", "-o", out)
	var pageURL string
	select {
	case pageURL = <-run.url:
	case <-time.After(60 * time.Second):
		t.Fatalf("no dashboard URL: %s", run.output())
	}
	session := b.Open(t, ctx, false, pageURL)
	var pg levelPage
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for by := time.Now().Add(60 * time.Second); ; time.Sleep(100 * time.Millisecond) {
			if err := b.Eval(ctx, session, levelPageJS, &pg); err == nil && ok() {
				return
			}
			if time.Now().After(by) {
				t.Fatalf("%s: page %+v; %s", what, pg, run.output())
			}
		}
	}
	waitFor("the level control", func() bool { return pg.Shown && strings.HasPrefix(pg.State, "running") })
	if pg.Label != "users from the next step on (1 to 20)" {
		t.Errorf("control label %q", pg.Label)
	}
	var done bool
	if err := b.Eval(ctx, session, setLevelJS("500"), &done); err != nil {
		t.Fatal(err)
	}
	waitFor("the refusal", func() bool { return strings.HasPrefix(pg.Note, "refused") })
	if want := "refused: the users must be a whole number from 1 to the run's maximum users, 20; got 500"; pg.Note != want {
		t.Errorf("refusal %q, want %q", pg.Note, want)
	}
	if err := b.Eval(ctx, session, setLevelJS("12"), &done); err != nil {
		t.Fatal(err)
	}
	waitFor("the change", func() bool { return !strings.Contains(pg.Note, "got 500") })
	m := regexp.MustCompile(`^from step (\d+) on: 12 users$`).FindStringSubmatch(pg.Note)
	if m == nil {
		t.Fatalf("change note %q", pg.Note)
	}
	from, _ := strconv.Atoi(m[1])
	t.Logf("the change applies from step %d", from)
	waitFor("the held level on the page", func() bool { return strings.Contains(pg.StepOf, "held at 12 users from step "+m[1]) })
	waitFor("the end", func() bool { return strings.HasPrefix(pg.State, "run ended") })
	_ = run.cmd.Process.Signal(syscall.SIGINT) // leave the linger
	<-run.exited
	if !strings.Contains(run.output(), "the dashboard changed the level: from step "+m[1]+" on, 12 users") {
		t.Errorf("the terminal did not say the change: %s", run.output())
	}
	checkChangedFile(t, out, from)
	checkChangedAnalysis(t, out, from)
}

// checkChangedFile: steps before from have their planned users (5 a step)
// as the most users of their rows, steps from it on 12; the footer
// records the one change.
func checkChangedFile(t *testing.T, out string, from int) {
	t.Helper()
	rows, err := parquet.ReadFile[schemas.Record](out)
	if err != nil {
		t.Fatal(err)
	}
	most := map[int32]int32{}
	for _, r := range rows {
		most[r.Step] = max(most[r.Step], r.Users)
	}
	for k := int32(1); k <= 4; k++ {
		want := min(5*k, 20)
		if int(k) >= from {
			want = 12
		}
		if most[k] != want {
			t.Errorf("step %d: most users %d in the rows, want %d (change from step %d)", k, most[k], want, from)
		}
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	st, _ := f.Stat()
	ft, err := runfile.ReadFooter(f, st.Size(), out)
	if err != nil {
		t.Fatal(err)
	}
	c := ft.Meta.Shape.Changes
	if len(c) != 1 || c[0].Step != from || c[0].Level != 12 || c[0].By != schemas.ChangedByDashboard ||
		c[0].AtS <= 0 || c[0].AtS >= float64(from-1)*8 || c[0].At.Sub(ft.Meta.StartedAt.Add(time.Duration(c[0].AtS*1e9))).Abs() > time.Millisecond {
		t.Errorf("footer changes %+v (started %v)", c, ft.Meta.StartedAt)
	}
}

// checkChangedAnalysis: the analyzer lists the changed steps at 12 users
// and warns that the shape was changed live.
func checkChangedAnalysis(t *testing.T, out string, from int) {
	t.Helper()
	o := analyze.DefaultOptions()
	o.Threads = 2
	a, err := analyze.Analyze(t.Context(), o, out)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range a.Steps {
		want := float64(min(5*s.Step, 20))
		if s.Step >= from {
			want = 12
		}
		if s.Level != want {
			t.Errorf("analysis: step %d at level %v, want %v", s.Step, s.Level, want)
		}
	}
	want := "the shape was changed live, once: at "
	tail := "(from the dashboard): from step " + strconv.Itoa(from) + " on, 12 users"
	if !slices.ContainsFunc(view.WarningTexts(a.Warnings), func(w string) bool { return strings.HasPrefix(w, want) && strings.Contains(w, tail) }) {
		t.Errorf("analysis warnings %q lack %q…%q", a.Warnings, want, tail)
	}
}
