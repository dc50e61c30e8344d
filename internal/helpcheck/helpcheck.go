package helpcheck

import (
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// typePlaceholder matches a flag placeholder that is only the flag's Go
// type (what pflag shows when the usage names none).
var typePlaceholder = regexp.MustCompile(`^(string|strings|stringArray|int|int32|int64|uint|float32|float64|duration|bool|rate)$`)

// commands are the commands a user can ask --help of: the root and every
// subcommand but cobra's own help and completion.
func commands(root *cobra.Command) []*cobra.Command {
	cmds := []*cobra.Command{root}
	for _, c := range root.Commands() {
		if c.Name() != "help" && c.Name() != "completion" {
			cmds = append(cmds, commands(c)...)
		}
	}
	return cmds
}

// exampleLines are the command lines of an Example: no blank or comment
// lines; a trailing "# comment" and what follows a pipe or && are cut.
func exampleLines(ex string) []string {
	var lines []string
	for _, l := range strings.Split(ex, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		for _, cut := range []string{"  #", " | ", " && "} {
			if i := strings.Index(l, cut); i >= 0 {
				l = strings.TrimSpace(l[:i]) // a comment, or the next command of a pipe
			}
		}
		lines = append(lines, l)
	}
	return lines
}

// Examples checks the tree newRoot builds; name is the binary's name as
// the examples spell it ("llmrec"). Each example is parsed by a fresh tree,
// so a renamed flag breaks the test.
func Examples(t *testing.T, name string, newRoot func() *cobra.Command) {
	t.Helper()
	for _, c := range commands(newRoot()) {
		t.Run(c.CommandPath(), func(t *testing.T) {
			lines := exampleLines(c.Example)
			if n := len(lines); n < 2 || n > 4 {
				t.Errorf("%d examples, want 2 to 4:\n%s", n, c.Example)
			}
			own := 0
			for _, l := range lines {
				if !strings.HasPrefix(l, name+" ") {
					continue
				}
				args := strings.Fields(strings.TrimPrefix(l, name+" "))
				sub, rest, err := newRoot().Find(args)
				if err != nil {
					t.Errorf("example %q: %v", l, err)
					continue
				}
				if sub.CommandPath() == c.CommandPath() || strings.HasPrefix(sub.CommandPath(), c.CommandPath()+" ") || c.Parent() == nil {
					own++
				}
				if err := sub.ParseFlags(rest); err != nil {
					t.Errorf("example %q: %v", l, err)
				}
			}
			if own == 0 {
				t.Errorf("no example runs %s:\n%s", c.CommandPath(), c.Example)
			}
			c.LocalFlags().VisitAll(func(f *pflag.Flag) {
				if p, _ := pflag.UnquoteUsage(f); typePlaceholder.MatchString(p) {
					t.Errorf("--%s shows its type %q as the placeholder: put a `WORD` in its usage", f.Name, p)
				}
			})
		})
	}
}
