// Command scale measures llmrep at scale: it writes synthetic runs of
// the given sizes (analyzetest.WriteSynth: ten 60 s steps, a knee-shaped
// latency, 1% failures, TTFT and tokens) under -work, once, and times
// `llmrep analyze --format json` on each, with the process's peak RSS
// (getrusage of the child) and the peak size of its temporary directory
// (sampled twice a second). With -compare it also times `llmrep compare`
// of three runs of that size. It prints a Markdown table.
//
// Imports (of ours): analyze/analyzetest.
package main
