package docs

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestPackageDocs checks that every package with code has a doc.go that
// holds its package comment and, in a paragraph opening "Imports (of
// ours):", names the packages of this module it imports, all of them and
// no other, before the paragraph's first semicolon, or says "nothing", so that what a package may use is stated
// where a reader of the package looks first, and stays true.
func TestPackageDocs(t *testing.T) {
	out, err := exec.Command("go", "list", "-json=ImportPath,Dir,GoFiles,Imports", module+"...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	type pkg struct {
		ImportPath, Dir  string
		GoFiles, Imports []string
	}
	var pkgs []pkg
	var all []string
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
		all = append(all, strings.TrimPrefix(p.ImportPath, module))
	}
	for _, p := range pkgs {
		rel := strings.TrimPrefix(p.ImportPath, module)
		if len(p.GoFiles) == 0 || slices.Equal(p.GoFiles, []string{"doc.go"}) {
			continue // tests only
		}
		b, err := os.ReadFile(filepath.Join(p.Dir, "doc.go"))
		if err != nil {
			t.Errorf("%s: no doc.go: its package comment, what it owns and what it may import, goes there", rel)
			continue
		}
		para := importsParagraph(string(b))
		if para == "" {
			t.Errorf("%s/doc.go: no paragraph opening \"// Imports (of ours):\"", rel)
			continue
		}
		var ours []string
		for _, imp := range p.Imports {
			if s, ok := strings.CutPrefix(imp, module); ok {
				ours = append(ours, s)
			}
		}
		// What follows the first semicolon may name what it never imports.
		head, _, _ := strings.Cut(para, ";")
		named := namedPackages(head, all)
		slices.Sort(ours)
		if len(ours) == 0 && !strings.Contains(para, "nothing") {
			t.Errorf("%s/doc.go: imports nothing of ours, and its Imports paragraph does not say nothing: %q", rel, para)
		}
		if !slices.Equal(named, ours) {
			t.Errorf("%s/doc.go: the Imports paragraph names %v; the package imports %v", rel, named, ours)
		}
	}
}

// importsParagraph is the comment paragraph of doc that opens with
// "Imports (of ours):", its lines joined.
func importsParagraph(doc string) string {
	var para []string
	in := false
	for _, l := range strings.Split(doc, "\n") {
		text, isComment := strings.CutPrefix(l, "//")
		text = strings.TrimSpace(text)
		switch {
		case !in && isComment && strings.HasPrefix(text, "Imports (of ours):"):
			in = true
		case in && (!isComment || text == ""):
			return strings.Join(para, " ")
		}
		if in {
			para = append(para, text)
		}
	}
	return strings.Join(para, " ")
}

// namedPackages are the packages of all that para names, sorted: a name
// stands alone, not as part of a longer path.
func namedPackages(para string, all []string) []string {
	var named []string
	for _, p := range all {
		re := regexp.MustCompile(`(^|[^\w/])` + regexp.QuoteMeta(p) + `($|[^\w/])`)
		if re.MatchString(para) {
			named = append(named, p)
		}
	}
	slices.Sort(named)
	return named
}
