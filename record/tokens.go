package record

import (
	"github.com/llmrec/llmrec/record/target"
	"github.com/llmrec/llmrec/schemas"
)

// tokenColumns fills a row's prompt_tokens and output_tokens from a result:
// both from the server's usage when it sent one; otherwise output_tokens
// is the client's estimate (content chunks of a successful stream) and
// prompt_tokens stays null. It reports whether the row's output_tokens is
// an estimate: the run counts those rows in the footer
// (schemas.RunMeta.EstimatedOutputRows) so that every report can say the
// token figures are estimated.
func tokenColumns(r *schemas.Record, res target.Result) (estimated bool) {
	switch {
	case res.HasUsage:
		p, o := res.PromptTokens, res.OutputTokens
		r.PromptTokens, r.OutputTokens = &p, &o
	case res.OutputEstimated:
		o := res.OutputTokens
		r.OutputTokens = &o
		return true
	}
	return false
}
