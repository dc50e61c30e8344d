package analyzetest

import (
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// SpanEnds are where the steps of SpanSearch ended (seconds from T0):
// steps of 6, 13 and 7 s, as a search whose probes stop once their test
// decides writes them; SpanStepS is its step time (the longest a step
// may run) and SpanWarmupS each step's own warmup.
var SpanEnds = []float64{6, 19, 26}

const (
	SpanStepS   = 13
	SpanWarmupS = 2
)

// SpanLevels are the levels of SpanSearch's steps in order: offered req/s
// of the open loop, users of the closed one.
var SpanLevels = map[bool][]float64{false: {10, 20, 15}, true: {4, 8, 6}}

// SpanSearch is a capacity search whose steps are of their own lengths
// (SpanEnds). Open (closed false): constant arrivals at each step's rate
// from 13 ms after its start; a request sent in its step's own warmup
// takes 5 s, after it 100 ms at 10 req/s, 200 ms at 15 req/s, and
// alternately 100 and 600 ms at 20 req/s. Closed: each user sends back
// to back, every request taking 250 ms, without think time. Sends are
// whole µs, and no completion falls on a step's bound.
func SpanSearch(runID string, closed bool) (*schemas.RunMeta, []schemas.Record) {
	levels := SpanLevels[closed]
	sh := schemas.Shape{Profile: "search", StepTimeS: SpanStepS, DurationS: SpanEnds[len(SpanEnds)-1],
		ProbeWarmupS: SpanWarmupS, Levels: levels, StepEndsS: append([]float64(nil), SpanEnds...),
		Search: &schemas.Search{Kind: "rate", SLO: "latency=400ms", SLOWords: "latency ≤ 400 ms", SLOTarget: 0.9,
			Alpha: 0.05, ErrorThreshold: 0.01, Resolution: 0.1, Relative: true, ProbeS: SpanStepS - SpanWarmupS,
			MaxLooks: 1, End: schemas.SearchBracketed, Probes: []schemas.Probe{}}}
	if closed {
		sh.Search.Kind, sh.StepUsers, sh.MaxUsers, sh.SpawnRate = "users", 4, 8, 100
	} else {
		sh.Arrival, sh.Rate, sh.MaxRate, sh.Burstiness, sh.Seed = schemas.ArrivalConstant, 10, 20, 1, 1
	}
	m := &schemas.RunMeta{
		RunID: runID, ToolVersion: "test", StartedAt: T0, EndedAt: T0.Add(time.Duration(sh.DurationS) * time.Second),
		EndReason: schemas.EndCompleted, Target: "http://127.0.0.1:8000", API: "openai-chat", Model: "m",
		MaxTokens: 16, Labels: map[string]string{}, Hostname: "host", Shards: 1, Shape: sh,
	}
	var recs []schemas.Record
	add := func(k, user, users int, sendUS int64, latMS float64) {
		at := T0.Add(time.Duration(sendUS) * time.Microsecond)
		recs = append(recs, schemas.Record{RunID: runID, Seq: int64(len(recs)), User: int32(user), Step: int32(k),
			Users: int32(users), ScheduledAt: at, Start: at, LatencyMS: latMS, Status: 200, OK: true, Chunks: 1, BytesIn: 100})
	}
	from := int64(0)
	for i, lvl := range levels {
		k, to := i+1, int64(SpanEnds[i]*1e6)
		if closed {
			spanClosed(add, k, int(lvl), from, to)
		} else {
			spanOpen(add, k, lvl, from, to)
		}
		from = to
	}
	return m, recs
}

// spanOpen adds step k's arrivals at rate req/s over [from, to) µs.
func spanOpen(add func(k, user, users int, sendUS int64, latMS float64), k int, rate float64, from, to int64) {
	for j := int64(0); ; j++ {
		at := from + 13_000 + j*1_000_000/int64(rate)
		if at >= to {
			return
		}
		lat := map[float64]float64{10: 100, 15: 200, 20: 100 + 500*float64(j%2)}[rate]
		if at-from < SpanWarmupS*1_000_000 {
			lat = 5000
		}
		add(k, int(j), 20, at, lat)
	}
}

// spanClosed adds step k's users over [from, to) µs: user u first sends
// u/users of a request's time after 13 ms, then back to back.
func spanClosed(add func(k, user, users int, sendUS int64, latMS float64), k, users int, from, to int64) {
	const latUS = 250_000
	for u := range users {
		for at := from + 13_000 + int64(u)*latUS/int64(users); at < to; at += latUS {
			add(k, u, users, at, latUS/1000)
		}
	}
}
