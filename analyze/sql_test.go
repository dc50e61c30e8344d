package analyze

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/llmrec/llmrec/internal/cleantext"
)

// TestSharedSQLIsWrittenOnce: every embedded query renders with its
// fragments in place; every fragment of fragments.sql is used by a query
// and its text is written out in no query file (a shared expression or
// clause is defined once, so the queries that share it cannot drift
// apart).
func TestSharedSQLIsWrittenOnce(t *testing.T) {
	names, err := fs.Glob(sqlFiles, "*.sql")
	if err != nil || len(names) == 0 {
		t.Fatalf("no embedded SQL: %v", err)
	}
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	files := map[string]string{}
	for _, name := range names {
		b, err := sqlFiles.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		files[name] = string(b)
		if name == "fragments.sql" {
			continue
		}
		for _, d := range []queryData{{}, {Ends: true}} {
			if q := queryWith(name, d); strings.Contains(q, "{{") || strings.Contains(q, "}}") {
				t.Errorf("%s renders with a template action left:\n%s", name, q)
			}
		}
	}
	fragments := 0
	for _, tmpl := range sqlTemplates.Templates() {
		name := tmpl.Name()
		if strings.HasSuffix(name, ".sql") || name == "" {
			continue
		}
		fragments++
		// "c_us": the argument of a fragment that takes one; a fragment
		// that reads the query's data (the step spans' .Ends) renders both
		// ways.
		var texts []string
		var b strings.Builder
		if err := tmpl.Execute(&b, "c_us"); err == nil {
			texts = append(texts, flat(b.String()))
		} else {
			for _, d := range []queryData{{}, {Ends: true}} {
				b.Reset()
				if err := tmpl.Execute(&b, d); err != nil {
					t.Fatalf("fragment %s: %v", name, err)
				}
				texts = append(texts, flat(b.String()))
			}
		}
		used := false
		for file, src := range files {
			if file == "fragments.sql" {
				continue
			}
			for _, text := range texts {
				if strings.Contains(flat(src), text) {
					t.Errorf("%s writes out the fragment %s (%q): name it instead", file, name, text)
				}
			}
			used = used || strings.Contains(src, `{{template "`+name+`"`)
		}
		if !used {
			t.Errorf("fragment %s is used by no query", name)
		}
	}
	if fragments == 0 {
		t.Fatal("fragments.sql defines no fragment: the check would prove nothing")
	}
}

// TestPrintableFragment: the SQL's printable fragment writes out the
// character class of the Go rule (cleantext.UnprintableRE2, whose test
// holds it to cleantext.Unprintable), so the reports' error texts, the
// export's text columns and every Go writer clean one way.
func TestPrintableFragment(t *testing.T) {
	var b strings.Builder
	if err := sqlTemplates.ExecuteTemplate(&b, "printable", "error"); err != nil {
		t.Fatal(err)
	}
	if want := "regexp_replace(error, '" + cleantext.UnprintableRE2 + "', ' ', 'g')"; b.String() != want {
		t.Errorf("printable fragment %s, want %s", b.String(), want)
	}
}
