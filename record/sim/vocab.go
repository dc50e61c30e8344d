package sim

import "encoding/json"

// vocabulary is the simulator's tokens: common English words, each with its
// trailing space, so the generated text reads as (meaningless) prose.
var vocabulary = []string{
	"the ", "of ", "and ", "to ", "in ", "a ", "is ", "that ", "for ", "it ",
	"as ", "was ", "with ", "be ", "by ", "on ", "not ", "he ", "this ", "are ",
	"or ", "his ", "from ", "at ", "which ", "but ", "have ", "an ", "had ", "they ",
	"you ", "were ", "their ", "one ", "all ", "we ", "can ", "her ", "has ", "there ",
	"been ", "if ", "more ", "when ", "will ", "would ", "who ", "so ", "no ", "model ",
	"token ", "latency ", "server ", "request ", "queue ", "load ", "user ", "time ",
	"batch ", "memory ", "cache ", "stream ", "answer ", "prompt ",
}

// vocabJSON holds each word of vocabulary as a JSON string.
var vocabJSON = func() [][]byte {
	out := make([][]byte, len(vocabulary))
	for i, w := range vocabulary {
		b, err := json.Marshal(w)
		if err != nil {
			panic(err)
		}
		out[i] = b
	}
	return out
}()
