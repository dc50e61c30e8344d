package sim_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log"
	"net/http"
	"strings"

	"github.com/llmrec/llmrec/record/sim"
)

// A simulator on a free loopback port, asked for a short completion.
func ExampleListen() {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cfg := sim.DefaultConfig()
	cfg.Profile = sim.ProfileShed
	cfg.TokenMS, cfg.PrefillMS = 1, 1
	run, err := sim.Listen(ctx, "127.0.0.1:0", cfg)
	if err != nil {
		log.Fatal(err)
	}
	defer run.Close()

	resp, err := http.Post(run.URL+"/v1/chat/completions", "application/json",
		strings.NewReader(`{"max_tokens":5,"messages":[{"role":"user","content":"Say something."}]}`))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var answer struct {
		Model   string `json:"model"`
		Choices []struct {
			FinishReason string `json:"finish_reason"`
		} `json:"choices"`
		Usage struct {
			PromptTokens     int `json:"prompt_tokens"`
			CompletionTokens int `json:"completion_tokens"`
		} `json:"usage"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil {
		log.Fatal(err)
	}
	fmt.Println(resp.StatusCode, answer.Model, answer.Choices[0].FinishReason,
		answer.Usage.PromptTokens, answer.Usage.CompletionTokens)
	// Output: 200 sim-shed length 5 5
}
