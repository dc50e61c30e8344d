package analyzetest

import (
	"fmt"
	"math/rand/v2"
	"os"
	"time"

	"github.com/llmrec/llmrec/schemas"
	"github.com/llmrec/llmrec/schemas/runfile"
)

// SynthMeta is the metadata of the synthetic runs of WriteSynth: ten 60 s
// steps of 10..100 users.
func SynthMeta(runID string) *schemas.RunMeta {
	const steps, stepS = 10, 60.0
	return &schemas.RunMeta{
		RunID: runID, ToolVersion: "test", StartedAt: T0, EndedAt: T0.Add(steps * stepS * time.Second),
		EndReason: schemas.EndCompleted, Target: "http://127.0.0.1:8000", API: "openai-chat", Model: "synth",
		Labels: map[string]string{"model": "synth"}, Hostname: "host", Shards: 1,
		Shape: schemas.Shape{StepUsers: 10, StepTimeS: stepS, MaxUsers: 100, SpawnRate: 10},
	}
}

// WriteSynth writes a synthetic run of rows requests, evenly spread over
// ten 60 s steps of 10..100 users, as shards files path.0.parquet ..
// (path itself when shards is 1): a knee-shaped latency with noise, 1%
// failures, TTFT and output tokens. The rows are made and written in
// batches, so a run of any size takes little memory. Request i goes to
// shard i mod shards. It returns the files written; existing files are
// kept (they are the same rows).
func WriteSynth(path string, rows, shards int) ([]string, error) {
	if shards < 1 {
		shards = 1
	}
	files := make([]string, shards)
	for s := range shards {
		files[s] = path
		if shards > 1 {
			files[s] = fmt.Sprintf("%s.%d.parquet", path, s)
		}
		if _, err := os.Stat(files[s]); err == nil {
			continue
		}
		if err := writeSynthShard(files[s], rows, s, shards); err != nil {
			return nil, err
		}
	}
	return files, nil
}

func writeSynthShard(path string, n, shard, shards int) error {
	const steps, stepS = 10, 60.0
	m := SynthMeta("synth")
	m.Shard, m.Shards = shard, shards
	rng := rand.New(rand.NewPCG(1, 2))
	f, err := os.Create(path + ".tmp")
	if err != nil {
		return err
	}
	defer os.Remove(path + ".tmp")
	defer f.Close()
	w := runfile.NewParquetWriter(f)
	cls, msg := schemas.ErrHTTP5xx, "503"
	recs := make([]schemas.Record, 0, 100_000)
	flush := func() error {
		if len(recs) == 0 {
			return nil
		}
		err := w.Write(recs)
		recs = recs[:0]
		return err
	}
	for i := range n {
		// The same draws for every shard, so that the shards together are
		// the rows of the one-file run.
		lat0, fail, tok0 := rng.Float64(), rng.IntN(100) == 0, int32(64+rng.IntN(64))
		if i%shards != shard {
			continue
		}
		sendS := float64(i) / float64(n) * steps * stepS
		step := int(sendS/stepS) + 1
		start := T0.Add(time.Duration(sendS * float64(time.Second)))
		base := 400.0 * (1 + float64(step*step)/20)
		lat := base * (0.7 + 0.6*lat0)
		ttft := lat / 8
		tok := tok0
		r := schemas.Record{RunID: m.RunID, Seq: int64(i), User: int32(i % (step * 10)), Step: int32(step),
			Shard: int32(shard), Users: int32(step * 10), ScheduledAt: start.Add(-time.Millisecond), Start: start, LatencyMS: lat,
			TTFTMS: &ttft, Status: 200, OK: true, OutputTokens: &tok, Chunks: tok, BytesIn: 4096}
		if fail {
			r.OK, r.Status, r.ErrorClass, r.Error, r.TTFTMS = false, 503, &cls, &msg, nil
		}
		recs = append(recs, r)
		if len(recs) == cap(recs) {
			if err := flush(); err != nil {
				return fmt.Errorf("write %s: %w", path, err)
			}
		}
	}
	if err := flush(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Close(m); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(path+".tmp", path)
}
