//go:build unix

package target

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/llmrec/llmrec/schemas"
)

// TestGeneratorClassRealEMFILE runs a request in a child process whose file
// descriptors are all taken: the failure is the recorder's own, class
// generator, not protocol or connect.
func TestGeneratorClassRealEMFILE(t *testing.T) {
	if u := os.Getenv("LLMREC_EMFILE_CHILD"); u != "" {
		emfileChild(u)
		return
	}
	srv := quietServer(t, &fakeOpenAI{})
	cmd := exec.Command(os.Args[0], "-test.run=^TestGeneratorClassRealEMFILE$", "-test.v")
	cmd.Env = append(os.Environ(), "LLMREC_EMFILE_CHILD="+srv.URL)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if !strings.Contains(string(out), "class="+schemas.ErrGenerator+" ") {
		t.Errorf("child output:\n%s", out)
	}
}

func emfileChild(url string) {
	o := testOptions(APIChat, url)
	c, err := New(o)
	if err != nil {
		fmt.Println("new:", err)
		return
	}
	lim := syscall.Rlimit{Cur: 32, Max: 32}
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		fmt.Println("setrlimit:", err)
		return
	}
	var held []*os.File
	for {
		f, err := os.Open(os.DevNull)
		if err != nil {
			break
		}
		held = append(held, f)
	}
	res := c.Do(context.Background(), Prompt{Text: "hi"})
	for _, f := range held {
		f.Close()
	}
	fmt.Printf("class=%s error=%q\n", res.ErrorClass, res.Error)
}
