package record

import (
	"math/rand/v2"

	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// conversation is one closed-loop user's conversation in progress
// (Workload.Turns) and the shared prefix its prompts start with
// (Workload.Prefixes).
//
// Turn k of a conversation sends the k-1 turns before it, each its
// prompt and the answer received (target.Result.Answer, cut at
// target.MaxAnswerBytes), as user and assistant messages, then a new
// prompt; after Turns turns the next request starts a new conversation.
// A failed turn ends its conversation: the next request starts a new one
// at turn 1. (Carrying the prompt without an answer would send two user
// messages in a row, which strict chat templates refuse; a real client
// retries or shows the error.) The prefix is drawn when a conversation
// starts, and without Turns for every request.
type conversation struct {
	turn    int32 // the turn of the last request sent; 0: none yet
	prefix  int32 // the conversation's prefix, when prefixes are on
	history []target.Message
}

// prefixStream is the PCG stream of an open loop's prefix choice
// (prefixPicker), apart from its prompt choice.
const prefixStream = 0x707265666978 // "prefix"

// nextPrompt returns a closed-loop user's next prompt and its index in the
// pool, drawn with rng, and
// sets the row's turn and prefix (nil when off). Without turns and
// prefixes it draws exactly what it always drew: one prompt index.
func (e *engine) nextPrompt(rng *rand.Rand, c *conversation, r *schemas.Record) (target.Prompt, int) {
	idx := rng.IntN(len(e.prompts))
	p := e.prompts[idx]
	w := &e.cfg.Workload
	if !w.conversations() {
		if len(e.prefixes) > 0 {
			k := int32(rng.IntN(len(e.prefixes)))
			r.Prefix = &k
			p = p.WithPrefix(e.prefixes[k])
		}
		return p, idx
	}
	if c.turn == int32(w.Turns) {
		c.turn, c.history = 0, nil
	}
	c.turn++
	turn := c.turn
	r.Turn = &turn
	if len(e.prefixes) > 0 {
		if turn == 1 {
			c.prefix = int32(rng.IntN(len(e.prefixes)))
		}
		k := c.prefix
		r.Prefix = &k
		if turn == 1 {
			p = p.WithPrefix(e.prefixes[k])
		}
	}
	return p.After(c.history), idx
}

// answered records the answer to a conversation's turn sent as p: the
// next turn carries p's messages and the answer; a failure ends the
// conversation.
func (c *conversation) answered(p target.Prompt, res *target.Result) {
	if c.turn == 0 {
		return // not a conversation
	}
	if !res.OK {
		c.turn, c.history = 0, nil
		return
	}
	c.history = append(p.Messages, target.Message{Role: "assistant", Content: res.Answer})
}

// prefixPicker chooses an open-loop arrival's prefix from its index and
// the run's seed (as promptPicker, on another stream); nil without
// prefixes.
func prefixPicker(seed int64, n int) func(int64) int {
	if n == 0 {
		return nil
	}
	return promptPicker(seed^prefixStream, n)
}
