package record

import (
	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// estimate says where a row's output_tokens came from.
type estimate int

const (
	fromServer estimate = iota // the server's usage, or no count at all
	fromChunks                 // the client's estimate: content chunks (a stream without text)
	fromText                   // the client's estimate: the streamed text's length (target.EstimateOutput)
)

// tokenColumns fills a row's prompt_tokens and output_tokens from a result:
// both from the server's usage when it sent one; otherwise output_tokens
// is the client's estimate (target.EstimateOutput: from the streamed
// text, at least one token a content chunk) and prompt_tokens stays null.
// It reports where output_tokens came from: the run counts the estimated
// rows in the footer (schemas.RunMeta.EstimatedOutputRows, and
// EstimatedTextRows of them from text) so that every report can say the
// token figures are estimated, and how.
func tokenColumns(r *schemas.Record, res target.Result) estimate {
	switch {
	case res.HasUsage:
		p, o := res.PromptTokens, res.OutputTokens
		r.PromptTokens, r.OutputTokens = &p, &o
	case res.OutputEstimated:
		o := res.OutputTokens
		r.OutputTokens = &o
		if res.OutputFromText {
			return fromText
		}
		return fromChunks
	}
	return fromServer
}
