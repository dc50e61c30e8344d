package target_test

import (
	"fmt"
	"strings"

	"github.com/llmrec/llmrec/record/target"
)

func ExampleRedactURL() {
	fmt.Println(target.RedactURL("https://bob:hunter2@llm.example/v1?api_key=sk-123&model=m"))
	// Output: https://***@llm.example/v1?api_key=REDACTED&model=m
}

func ExampleRedactor() {
	r := target.NewRedactor("sk-123", "Bearer tok-9")
	fmt.Println(r.String(`server said: bad key sk-123 (auth "Bearer tok-9") at http://h/v1?token=abc`))
	// Output: server said: bad key REDACTED (auth "REDACTED") at http://h/v1?token=REDACTED
}

func ExampleReadPrompts() {
	in := `{"prompt": "Say hi."}
{"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Say hi."}]}
`
	ps, err := target.ReadPrompts(strings.NewReader(in))
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, p := range ps {
		fmt.Printf("text=%q messages=%d\n", p.Text, len(p.Messages))
	}
	_, err = target.ReadPrompts(strings.NewReader(`{"prompt": "ok"}` + "\n" + `{"prompt": 3}`))
	fmt.Println(err != nil && strings.HasPrefix(err.Error(), "line 2:"))
	// Output:
	// text="Say hi." messages=0
	// text="" messages=2
	// true
}
