package record

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/llmrec/llmrec/schemas"
	"gonum.org/v1/gonum/stat/distuv"
)

func openLoop(kind string, rate, stepRate, maxRate float64, stepTime, duration time.Duration) OpenLoop {
	o := DefaultOpenLoop()
	o.Kind, o.Rate, o.StepRate, o.MaxRate, o.StepTime, o.Duration = kind, rate, stepRate, maxRate, stepTime, duration
	o.Seed = 42
	return o
}

// all returns every arrival of shard/shards.
func all(t *testing.T, o OpenLoop, shard, shards int) []Arrival {
	t.Helper()
	a, err := NewArrivals(o, shard, shards)
	if err != nil {
		t.Fatalf("NewArrivals: %v", err)
	}
	var out []Arrival
	for {
		arr, ok := a.Next()
		if !ok {
			return out
		}
		out = append(out, arr)
	}
}

func TestOpenLoopValidate(t *testing.T) {
	ok := openLoop(ArrivalPoisson, 10, 5, 30, time.Second, 0)
	tests := []struct {
		name string
		edit func(*OpenLoop)
		want []string // substrings of the error; nil: valid
	}{
		{"valid poisson", func(*OpenLoop) {}, nil},
		{"closed ignores rates", func(o *OpenLoop) { o.Kind, o.Rate = ArrivalClosed, -1 }, nil},
		{"unknown kind", func(o *OpenLoop) { o.Kind = "sweep" }, []string{`OpenLoop.Kind "sweep"`}},
		{"every problem at once", func(o *OpenLoop) {
			o.Rate, o.StepTime, o.MaxConcurrency, o.Burstiness = 0, 0, -1, 0
		}, []string{"OpenLoop.Rate must be above 0", "OpenLoop.StepTime must be from 100ms to 720h0m0s, got 0s", "OpenLoop.MaxConcurrency", "OpenLoop.Burstiness must be above 0"}},
		{"max below rate", func(o *OpenLoop) { o.MaxRate = 5 }, []string{"OpenLoop.MaxRate 5 is below the starting rate 10"}},
		{"max unreachable", func(o *OpenLoop) { o.StepRate = 0 }, []string{"rate step is 0"}},
		{"nan rate", func(o *OpenLoop) { o.Rate = math.NaN() }, []string{"OpenLoop.Rate"}},
		{"constant with burstiness", func(o *OpenLoop) { o.Kind, o.Burstiness = ArrivalConstant, 0.5 }, []string{"poisson arrivals only"}},
		{"too many steps", func(o *OpenLoop) { o.StepRate, o.MaxRate = 1e-4, 1e6 }, []string{"raise the rate step"}},
		{"negative duration", func(o *OpenLoop) { o.Duration = -time.Second }, []string{"OpenLoop.Duration must be from 0"}},
		// Round 3: every step number fits the file's int32 column and the
		// analyzer's tables; nothing below the recorder's own jitter.
		{"1ns step", func(o *OpenLoop) { o.StepTime, o.Duration = time.Nanosecond, 4*time.Second }, []string{"OpenLoop.StepTime must be from 100ms"}},
		{"too many steps with a duration", func(o *OpenLoop) { o.StepTime, o.Duration = 100*time.Millisecond, 3*time.Hour }, []string{"makes 108000 steps over the run's 3h0m0s; at most 100000"}},
		{"a duration over 30 days", func(o *OpenLoop) { o.Duration = 800 * time.Hour }, []string{"OpenLoop.Duration must be from 0 (the schedule's own length) to 720h0m0s"}},
		{"a schedule over 30 days", func(o *OpenLoop) { o.StepTime = 200 * time.Hour }, []string{"lasting 1000h0m0s; at most 720h0m0s"}},
		{"a million in flight and one", func(o *OpenLoop) { o.MaxConcurrency = MaxUsers + 1 }, []string{"OpenLoop.MaxConcurrency must be from 0 to 1000000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := ok
			tt.edit(&o)
			err := o.Validate()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("Validate: %v, want nil", err)
				}
				return
			}
			if err == nil {
				t.Fatalf("Validate: nil, want %q", tt.want)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Validate: %q lacks %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "--") {
				t.Errorf("Validate: %q names a flag; the command maps settings to flags", err)
			}
		})
	}
}

func TestOpenLoopSteps(t *testing.T) {
	tests := []struct {
		rate, stepRate, maxRate float64
		stepTime, duration      time.Duration
		steps                   int
		total                   time.Duration
		rates                   []float64 // steps 1, 2, …
	}{
		{10, 0, 0, time.Minute, 0, 1, time.Minute, []float64{10, 10}},
		{10, 10, 50, time.Minute, 0, 5, 5 * time.Minute, []float64{10, 20, 30, 40, 50, 50}},
		{10, 15, 50, 30 * time.Second, 0, 4, 2 * time.Minute, []float64{10, 25, 40, 50, 50}},
		{0.1, 0.1, 0.3, time.Second, 0, 3, 3 * time.Second, []float64{0.1, 0.2, 0.3}},
		{10, 10, 50, time.Minute, 90 * time.Second, 5, 90 * time.Second, []float64{10, 20}},
		{5, 5, 0, time.Second, 0, 1, time.Second, []float64{5, 5}}, // max = rate
	}
	for _, tt := range tests {
		o := openLoop(ArrivalConstant, tt.rate, tt.stepRate, tt.maxRate, tt.stepTime, tt.duration)
		if got := o.Steps(); got != tt.steps {
			t.Errorf("%+v: Steps = %d, want %d", tt, got, tt.steps)
		}
		if got := o.Total(); got != tt.total {
			t.Errorf("%+v: Total = %v, want %v", tt, got, tt.total)
		}
		for k, want := range tt.rates {
			if got := o.RateOf(k + 1); math.Abs(got-want) > 1e-12 {
				t.Errorf("%+v: RateOf(%d) = %g, want %g", tt, k+1, got, want)
			}
		}
	}
}

// TestArrivalsConstantSteps checks constant arrivals against hand-computed
// times: step 1 at 10/s, step 2 at 20/s, step 3 at 30/s (the max, held one
// step), and no arrival at or after 3 s.
func TestArrivalsConstantSteps(t *testing.T) {
	o := openLoop(ArrivalConstant, 10, 10, 30, time.Second, 0)
	got := all(t, o, 0, 1)
	var want []Arrival
	for i := range 10 {
		want = append(want, Arrival{Index: int64(i), At: time.Duration(i) * 100 * time.Millisecond, Step: 1, Rate: 10})
	}
	for i := range 20 {
		want = append(want, Arrival{Index: int64(10 + i), At: time.Second + time.Duration(i)*50*time.Millisecond, Step: 2, Rate: 20})
	}
	for i := range 30 {
		at := 2*time.Second + time.Duration(math.Round(float64(i)/30*1e9))
		want = append(want, Arrival{Index: int64(30 + i), At: at, Step: 3, Rate: 30})
	}
	if !slices.Equal(got, want) {
		t.Fatalf("arrivals differ:\n got %v\nwant %v", got, want)
	}
}

// TestArrivalsConstantGap: within a step, gaps are exactly 1/rate (rounded
// to the nanosecond), over a long run: the schedule is absolute, so no
// error accumulates.
func TestArrivalsConstantGap(t *testing.T) {
	for _, rate := range []float64{100, 2000, 7, 333} {
		o := openLoop(ArrivalConstant, rate, 0, 0, time.Hour, 0)
		a, err := NewArrivals(o, 0, 1)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for {
			arr, ok := a.Next()
			if !ok {
				break
			}
			want := float64(arr.Index) / rate * 1e9
			if d := math.Abs(float64(arr.At) - want); d > 0.5 {
				t.Fatalf("rate %g: arrival %d at %v, want %.1fns", rate, arr.Index, arr.At, want)
			}
			n++
		}
		if want := int(math.Ceil(rate * 3600)); n != want {
			t.Errorf("rate %g: %d arrivals in an hour, want %d", rate, n, want)
		}
	}
}

func TestArrivalsDuration(t *testing.T) {
	// Duration past the last step: the rate stays at the max.
	o := openLoop(ArrivalConstant, 1, 1, 2, time.Second, 3500*time.Millisecond)
	var ats []time.Duration
	var steps []int
	for _, a := range all(t, o, 0, 1) {
		ats = append(ats, a.At)
		steps = append(steps, a.Step)
	}
	ms := time.Millisecond
	wantAt := []time.Duration{0, 1000 * ms, 1500 * ms, 2000 * ms, 2500 * ms, 3000 * ms}
	wantStep := []int{1, 2, 2, 3, 3, 4}
	if !slices.Equal(ats, wantAt) || !slices.Equal(steps, wantStep) {
		t.Errorf("at %v steps %v, want %v %v", ats, steps, wantAt, wantStep)
	}
}

// ksExceeds reports whether the one-sample Kolmogorov–Smirnov statistic of
// xs against cdf exceeds the α = 0.001 critical value 1.95/√n.
func ksExceeds(xs []float64, cdf func(float64) float64) (d, crit float64) {
	xs = slices.Clone(xs)
	slices.Sort(xs)
	n := float64(len(xs))
	for i, x := range xs {
		f := cdf(x)
		d = math.Max(d, math.Max(float64(i+1)/n-f, f-float64(i)/n))
	}
	return d, 1.95 / math.Sqrt(n)
}

func gaps(as []Arrival) []float64 {
	out := make([]float64, 0, len(as))
	for i := 1; i < len(as); i++ {
		out = append(out, (as[i].At - as[i-1].At).Seconds())
	}
	return out
}

// TestArrivalsPoissonKS: the gaps of a one-step poisson run are gamma with
// shape B and mean 1/rate (exponential for B = 1); the same test rejects a
// rate 10% off, so it can fail.
func TestArrivalsPoissonKS(t *testing.T) {
	for _, b := range []float64{1, 0.5, 4} {
		const rate = 200.0
		o := openLoop(ArrivalPoisson, rate, 0, 0, 60*time.Second, 0)
		o.Burstiness = b
		gs := gaps(all(t, o, 0, 1))
		if len(gs) < 10000 {
			t.Fatalf("B=%g: only %d gaps", b, len(gs))
		}
		right := distuv.Gamma{Alpha: b, Beta: b * rate}
		if d, crit := ksExceeds(gs, right.CDF); d > crit {
			t.Errorf("B=%g: KS D = %.4f > %.4f against gamma(shape %g, rate %g)", b, d, crit, b, rate)
		}
		wrong := distuv.Gamma{Alpha: b, Beta: b * rate * 1.1}
		if d, crit := ksExceeds(gs, wrong.CDF); d <= crit {
			t.Errorf("B=%g: KS accepts a rate 10%% off (D = %.4f ≤ %.4f): the test cannot fail", b, d, crit)
		}
	}
}

// TestArrivalsPoissonSteps: each step's count is near rate × step time
// (within 5 standard deviations of a Poisson count), and each step's gaps
// pass KS against its own rate.
func TestArrivalsPoissonSteps(t *testing.T) {
	o := openLoop(ArrivalPoisson, 50, 100, 250, 20*time.Second, 0)
	as := all(t, o, 0, 1)
	by := map[int][]Arrival{}
	for _, a := range as {
		by[a.Step] = append(by[a.Step], a)
	}
	if len(by) != 3 {
		t.Fatalf("steps %v, want 1..3", len(by))
	}
	for step, want := range map[int]float64{1: 50, 2: 150, 3: 250} {
		n := float64(len(by[step]))
		mean := want * 20
		if math.Abs(n-mean) > 5*math.Sqrt(mean) {
			t.Errorf("step %d: %v arrivals, want about %v", step, n, mean)
		}
		for _, a := range by[step] {
			if a.Rate != want {
				t.Fatalf("step %d: arrival rate %g, want %g", step, a.Rate, want)
			}
		}
		exp := distuv.Exponential{Rate: want}
		if d, crit := ksExceeds(gaps(by[step]), exp.CDF); d > crit {
			t.Errorf("step %d: KS D = %.4f > %.4f", step, d, crit)
		}
	}
	if last := as[len(as)-1].At; last >= o.Total() {
		t.Errorf("last arrival at %v, at or after the end %v", last, o.Total())
	}
}

func TestArrivalsSeed(t *testing.T) {
	o := openLoop(ArrivalPoisson, 100, 50, 200, 5*time.Second, 0)
	a, b := all(t, o, 0, 1), all(t, o, 0, 1)
	if !slices.Equal(a, b) {
		t.Fatal("same seed gave different arrivals")
	}
	o.Seed++
	if c := all(t, o, 0, 1); slices.Equal(a, c) {
		t.Fatal("another seed gave the same arrivals")
	}
}

// TestArrivalsShards: the N strides of a sharded run are disjoint, each in
// order, and together exactly the one sequence.
func TestArrivalsShards(t *testing.T) {
	for _, kind := range []string{ArrivalPoisson, ArrivalConstant} {
		o := openLoop(kind, 30, 20, 90, 2*time.Second, 0)
		whole := all(t, o, 0, 1)
		for n := 1; n <= 4; n++ {
			var union []Arrival
			for i := range n {
				part := all(t, o, i, n)
				for _, a := range part {
					if a.Index%int64(n) != int64(i) {
						t.Fatalf("%s shard %d/%d got arrival %d", kind, i, n, a.Index)
					}
				}
				union = append(union, part...)
			}
			slices.SortFunc(union, func(x, y Arrival) int { return int(x.Index - y.Index) })
			if !slices.Equal(union, whole) {
				t.Errorf("%s: the %d shards' arrivals are not the whole sequence (%d vs %d)", kind, n, len(union), len(whole))
			}
		}
	}
}

func TestNewArrivalsRefuses(t *testing.T) {
	o := openLoop(ArrivalPoisson, 10, 0, 0, time.Second, 0)
	for _, c := range []struct {
		o             OpenLoop
		shard, shards int
	}{
		{DefaultOpenLoop(), 0, 1},
		{o, 2, 2},
		{o, -1, 2},
		{o, 0, 0},
		{openLoop(ArrivalPoisson, 0, 0, 0, time.Second, 0), 0, 1},
	} {
		if _, err := NewArrivals(c.o, c.shard, c.shards); err == nil {
			t.Errorf("NewArrivals(%+v, %d, %d) = nil error", c.o, c.shard, c.shards)
		}
	}
}

// BenchmarkArrivalsNext is the cost of one arrival time: the schedule must
// never be what keeps the engine from sending thousands a second.
func BenchmarkArrivalsNext(b *testing.B) {
	for _, kind := range []string{ArrivalPoisson, ArrivalConstant} {
		b.Run(kind, func(b *testing.B) {
			o := openLoop(kind, 2000, 100, 10000, time.Minute, 0)
			a, err := NewArrivals(o, 0, 1)
			if err != nil {
				b.Fatal(err)
			}
			for b.Loop() {
				if _, ok := a.Next(); !ok {
					if a, err = NewArrivals(o, 0, 1); err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}

func TestOpenLoopRecordShape(t *testing.T) {
	o := openLoop(ArrivalPoisson, 5, 5, 20, 30*time.Second, 0)
	o.Burstiness, o.MaxConcurrency, o.Seed = 0.5, 64, 9
	s := schemas.Shape{Profile: "default", StepUsers: 10, MaxUsers: 100}
	o.RecordShape(&s)
	want := schemas.Shape{Profile: "default", StepTimeS: 30, DurationS: 120, Arrival: "poisson", Rate: 5, StepRate: 5,
		MaxRate: 20, Burstiness: 0.5, MaxConcurrency: 64, Seed: 9}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("shape %+v, want %+v", s, want)
	}
	c := schemas.Shape{StepUsers: 10}
	DefaultOpenLoop().RecordShape(&c)
	if c.Arrival != schemas.ArrivalClosed || c.StepUsers != 10 || c.OpenLoop() {
		t.Errorf("closed shape %+v", c)
	}
}
