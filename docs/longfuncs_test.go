package docs

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"
)

// maxFuncLines is the longest a function of non-test code may be, from
// its func keyword to its closing brace, unless long lists it.
const maxFuncLines = 60

// long are the functions allowed over maxFuncLines, by file and name
// (Type.Method for a method), each with its reason. "to do" marks one
// that should be split and is not yet.
var long = map[string]string{
	"scripts/bench/peers/main.go figureStream":   "a benchmark program, not the product",
	"scripts/bench/peers/pacing.go pacingVegeta": "a benchmark program, not the product",
	"analyze/analyzetest/runs.go Records":        "test support: one synthetic run, row by row, read top to bottom",
	"record/target/options.go Options.Validate":  "one check per option, in the order of the flags",
	"record/config.go Config.Validate":           "one check per option, in the order of the flags",
	"record/search.go SearchConfig.Validate":     "one check per option, in the order of the flags",
}

// TestNoLongFunctions fails on a function of non-test code over
// maxFuncLines lines that long does not list, and on a listed one that
// is no longer long (or gone), so the list stays true.
func TestNoLongFunctions(t *testing.T) {
	seen := map[string]bool{}
	err := filepath.WalkDir("..", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && d.Name() != "..") {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		fset := token.NewFileSet()
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel("..", path)
		for _, decl := range f.Decls {
			fd, ok := decl.(*ast.FuncDecl)
			if !ok || fd.Body == nil {
				continue
			}
			n := fset.Position(fd.End()).Line - fset.Position(fd.Pos()).Line + 1
			if n <= maxFuncLines {
				continue
			}
			key := filepath.ToSlash(rel) + " " + funcName(fd)
			seen[key] = true
			if long[key] == "" {
				t.Errorf("%s is %d lines, over %d: split it, or list it in long with the reason", key, n, maxFuncLines)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for key := range long {
		if !seen[key] {
			t.Errorf("%s is listed in long but is not over %d lines (or is gone): take it off the list", key, maxFuncLines)
		}
	}
}

// funcName is fd's name, Type.Method for a method.
func funcName(fd *ast.FuncDecl) string {
	if fd.Recv == nil || len(fd.Recv.List) == 0 {
		return fd.Name.Name
	}
	t := fd.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if g, ok := t.(*ast.IndexExpr); ok {
		t = g.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fd.Name.Name
	}
	return fd.Name.Name
}
