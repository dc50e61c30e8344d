package record

import (
	"time"

	"github.com/llmrec/llmrec/schemas"
)

// batchRows is the most rows the persister hands the sink at once.
const batchRows = 1024

// persister is the consumer of the rows that stores them: it batches them
// for the sink and flushes the sink once a second, so that what completed
// more than a second ago survives a kill. After the sink's first error it
// ends the run (fail) and drops the rows that still come.
type persister struct {
	sink Sink
	fail func(error)
	// changed is the metadata to checkpoint at a flush (a Checkpointer
	// sink), nil when nothing changed; nil when the run checkpoints none.
	changed func() *schemas.RunMeta
	batch   []schemas.Record
	rows    int64 // rows the sink took
	err     error // the sink's first error
}

// loop runs until rows is closed and drained.
func (p *persister) loop(rows <-chan schemas.Record) {
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	p.batch = make([]schemas.Record, 0, batchRows)
	for {
		select {
		case r, ok := <-rows:
			if !ok {
				p.flush()
				return
			}
			p.batch = append(p.batch, r)
			if len(p.batch) == cap(p.batch) {
				p.write()
			}
		case <-tick.C:
			p.flush()
		}
	}
}

func (p *persister) write() {
	if len(p.batch) > 0 && p.err == nil {
		if err := p.sink.Write(p.batch); err != nil {
			p.failed(err)
		} else {
			p.rows += int64(len(p.batch))
		}
	}
	p.batch = p.batch[:0]
}

// flush writes the batch, checkpoints what changed (a Checkpointer sink)
// and flushes the sink.
func (p *persister) flush() {
	p.write()
	if cp, ok := p.sink.(Checkpointer); ok && p.err == nil && p.changed != nil {
		if m := p.changed(); m != nil {
			if err := cp.Checkpoint(m); err != nil {
				p.failed(err)
			}
		}
	}
	if p.err == nil {
		if err := p.sink.Flush(); err != nil {
			p.failed(err)
		}
	}
}

func (p *persister) failed(err error) {
	p.err = err
	p.fail(err)
}
