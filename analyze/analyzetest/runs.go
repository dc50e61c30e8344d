package analyzetest

import (
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"time"

	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// T0 is the started_at of every run.
var T0 = time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)

// Spec describes a run.
type Spec struct {
	RunID  string
	Model  string
	Labels map[string]string
	// Users are the steps' user counts, one step each, StepS seconds long.
	Users []int
	StepS float64
	// PerStep requests are sent in each step, evenly spaced.
	PerStep int
	Seed    uint64
	// MedianMS is the median latency at low load [400]; Sigma the
	// log-normal shape [0.25]; Scale multiplies every latency [1].
	MedianMS, Sigma, Scale float64
	// Knee is the user count beyond which latency grows quadratically
	// (0: never).
	Knee int
	// FailRate is the chance a request fails (503); AllFail fails all.
	FailRate float64
	AllFail  bool
	// LLM records a TTFT (a fifth of the latency) and 64 output tokens.
	LLM bool
	// MaxTokens is the recorded max tokens [64].
	MaxTokens int
	// ChunkTimes (with LLM) records each success's 64 chunk times: the
	// first at the TTFT, the others spread over the rest of the latency,
	// each gap drawn around its even share (±50%, from the request's own
	// seed, so the other draws stay as without). StallEvery > 0 makes
	// every StallEvery-th success pause StallMS [1500] after its 32nd
	// chunk, its latency that much longer.
	ChunkTimes bool
	StallEvery int
	StallMS    float64
}

// chunkTimes are the chunk times of request seq of a run: n chunks, the
// first at ttft ms, the last at lat ms, a pause of stall ms (0: none)
// after the middle one.
func chunkTimes(seed uint64, seq int, n int, ttft, lat, stall float64) []int32 {
	r := rand.New(rand.NewPCG(seed, uint64(seq)))
	w := make([]float64, n-1)
	var sum float64
	for k := range w {
		w[k] = 0.5 + r.Float64()
		sum += w[k]
	}
	span := lat - ttft - stall
	us := make([]int32, n)
	at := ttft
	us[0] = int32(math.Round(at * 1000))
	for k := range w {
		at += span * w[k] / sum
		if k == n/2-1 {
			at += stall
		}
		us[k+1] = int32(math.Round(at * 1000))
	}
	return us
}

// Factor is the latency multiplier at users: the load model.
func (s Spec) Factor(users int) float64 {
	f := 1 + 0.02*float64(users)/10
	if s.Knee > 0 && users > s.Knee {
		x := float64(users-s.Knee) / 10
		f *= 1 + 1.5*x*x
	}
	return f
}

// Records returns the run's metadata and rows.
func Records(s Spec) (*schemas.RunMeta, []schemas.Record) {
	if s.MedianMS == 0 {
		s.MedianMS = 400
	}
	if s.Sigma == 0 {
		s.Sigma = 0.25
	}
	if s.Scale == 0 {
		s.Scale = 1
	}
	if s.StepS == 0 {
		s.StepS = 10
	}
	maxUsers := 0
	for _, u := range s.Users {
		maxUsers = max(maxUsers, u)
	}
	labels := s.Labels
	if labels == nil {
		labels = map[string]string{}
	}
	maxTokens := 64
	if s.MaxTokens > 0 {
		maxTokens = s.MaxTokens
	}
	m := &schemas.RunMeta{
		RunID: s.RunID, ToolVersion: "test", StartedAt: T0,
		EndedAt:   T0.Add(time.Duration(float64(len(s.Users)) * s.StepS * float64(time.Second))),
		EndReason: schemas.EndCompleted, Target: "http://127.0.0.1:8000", API: "openai-chat", Model: s.Model,
		Stream: s.LLM, MaxTokens: maxTokens, Labels: labels, Hostname: "host", Shards: 1, ChunkTimes: s.LLM && s.ChunkTimes,
		Shape: schemas.Shape{Profile: "default", StepUsers: 10, StepTimeS: s.StepS, MaxUsers: maxUsers, SpawnRate: 10},
	}
	r := rand.New(rand.NewPCG(s.Seed, 0x6c6c6d72))
	var recs []schemas.Record
	for k, users := range s.Users {
		for i := range s.PerStep {
			start := T0.Add(time.Duration((float64(k) + float64(i)/float64(s.PerStep)) * s.StepS * float64(time.Second)))
			lat := s.Scale * s.MedianMS * s.Factor(users) * math.Exp(s.Sigma*r.NormFloat64())
			rec := schemas.Record{RunID: s.RunID, Seq: int64(len(recs)), User: int32(i % users), Step: int32(k + 1),
				Users: int32(users), ScheduledAt: start, Start: start, LatencyMS: lat, Status: 200, OK: true,
				Chunks: 1, BytesIn: 1000}
			if s.LLM {
				ttft := lat / 5
				tok, prompt := int32(64), int32(12)
				rec.TTFTMS, rec.OutputTokens, rec.PromptTokens, rec.Chunks = &ttft, &tok, &prompt, tok
				mt, pi := int32(maxTokens), int32(i%16)
				rec.MaxTokens, rec.PromptIndex = &mt, &pi
				if s.ChunkTimes {
					stall := 0.0
					if s.StallEvery > 0 && len(recs)%s.StallEvery == 0 {
						stall = s.StallMS
						if stall == 0 {
							stall = 1500
						}
						rec.LatencyMS += stall
					}
					rec.ChunkUS = chunkTimes(s.Seed, len(recs), int(tok), ttft, rec.LatencyMS, stall)
				}
			}
			if s.AllFail || r.Float64() < s.FailRate {
				c, e := schemas.ErrHTTP5xx, "503 Service Unavailable"
				rec.OK, rec.Status, rec.ErrorClass, rec.Error = false, 503, &c, &e
				rec.TTFTMS, rec.OutputTokens, rec.Chunks, rec.ChunkUS = nil, nil, 0, nil
			}
			recs = append(recs, rec)
		}
	}
	return m, recs
}

// Write writes the run to path.
func Write(path string, s Spec) error {
	m, recs := Records(s)
	return WriteRecords(path, m, recs)
}

// WriteRecords writes a run file of recs with the footer meta at path,
// in batches as the recorder writes them.
func WriteRecords(path string, meta *schemas.RunMeta, recs []schemas.Record) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := runfile.NewParquetWriter(f)
	for len(recs) > 0 {
		n := min(len(recs), 50000)
		if err := w.Write(recs[:n]); err != nil {
			f.Close()
			return fmt.Errorf("write %s: %w", path, err)
		}
		recs = recs[n:]
	}
	if err := w.Close(meta); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	return f.Close()
}

// Standard runs of the comparison tests. A is the baseline; the others
// differ from it in one known way.
var (
	// A: 10..60 users, knee at 30 (saturates at 40), 200 requests a step.
	A = Spec{RunID: "run-a", Model: "model-a", Labels: map[string]string{"model": "v1"}, Users: []int{10, 20, 30, 40, 50, 60},
		PerStep: 200, Seed: 1, Knee: 30, FailRate: 0.002, LLM: true}
	// Slower is A with every latency × 1.3: significantly worse.
	Slower = with(A, func(s *Spec) {
		s.RunID, s.Labels, s.Seed, s.Scale = "run-slower", map[string]string{"model": "v2"}, 2, 1.3
	})
	// Noise is A drawn again from another seed: no real difference.
	Noise = with(A, func(s *Spec) { s.RunID, s.Labels, s.Seed = "run-noise", map[string]string{"model": "v1-again"}, 3 })
	// Faster is A × 0.8 with its knee at 50 (saturates at 60).
	Faster = with(A, func(s *Spec) {
		s.RunID, s.Labels, s.Seed, s.Scale, s.Knee = "run-faster", map[string]string{"model": "v3"}, 4, 0.8, 50
	})
	// Shape has other levels (20, 40, 60, 80): 20, 40, 60 match A's.
	Shape = with(A, func(s *Spec) {
		s.RunID, s.Labels, s.Seed, s.Users = "run-shape", map[string]string{"model": "v4"}, 5, []int{20, 40, 60, 80}
	})
	// Streamed is A with chunk times, one success in 50 pausing 1.5 s
	// mid-answer.
	Streamed = with(A, func(s *Spec) {
		s.RunID, s.Labels, s.ChunkTimes, s.StallEvery = "run-streamed", map[string]string{"model": "v1-streamed"}, true, 50
	})
	// Broken fails every request.
	Broken = with(A, func(s *Spec) {
		s.RunID, s.Labels, s.Seed, s.AllFail = "run-broken", map[string]string{"model": "broken"}, 6, true
	})
)

func with(s Spec, f func(*Spec)) Spec {
	s.Labels = nil
	f(&s)
	return s
}

// BigBase and BigTiny are runs of 5,000 requests a step, where a test
// sees a shift of a few percent: BigTiny is BigBase with every latency 3% longer,
// drawn from the same seed, and a failure rate 0.4 points higher.
// BigRerun is Base run again: other draws (seed), a machine 2% slower.
var (
	BigBase = Spec{RunID: "run-big", Model: "m", Labels: map[string]string{"model": "base"},
		Users: []int{10, 20}, PerStep: 5000, Seed: 21, FailRate: 0.002}
	BigTiny = Spec{RunID: "run-big-tiny", Model: "m", Labels: map[string]string{"model": "tiny"},
		Users: []int{10, 20}, PerStep: 5000, Seed: 21, Scale: 1.03, FailRate: 0.006}
	BigRerun = Spec{RunID: "run-big-rerun", Model: "m", Labels: map[string]string{"model": "rerun"},
		Users: []int{10, 20}, PerStep: 5000, Seed: 22, Scale: 1.02, FailRate: 0.002}
)
