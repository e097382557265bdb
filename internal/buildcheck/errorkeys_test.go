package buildcheck

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The errorKeys are public interface in three places that must agree: the
// README's error table (what users read), package errorkey (what Go users
// match on) and the code (what the simulator answers). The code writes a
// key only through an errorkey constant, so no key is written twice and
// none is answered that errorkey does not name.

// errorKeyConsts parses package errorkey: constant name → value.
func errorKeyConsts(t *testing.T) map[string]string {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), filepath.Join(root, "errorkey", "errorkey.go"), nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	consts := map[string]string{}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			t.Errorf("errorkey declares something other than constants at %v", d.Pos())
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				lit, ok := vs.Values[i].(*ast.BasicLit)
				if !ok || lit.Kind != token.STRING {
					t.Fatalf("errorkey.%s is not a string literal", name.Name)
				}
				consts[name.Name], _ = strconv.Unquote(lit.Value)
			}
		}
	}
	return consts
}

// readmeErrorKeys are the backquoted keys of the README's "## Errors" table.
func readmeErrorKeys(t *testing.T) []string {
	t.Helper()
	readme := readRepoFile(t, "README.md")
	_, sec, ok := strings.Cut(readme, "\n## Errors\n")
	if !ok {
		t.Fatal(`README.md has no "## Errors" section`)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	var keys []string
	for _, line := range strings.Split(sec, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) < 4 || !strings.HasPrefix(line, "|") {
			continue
		}
		for _, m := range regexp.MustCompile("`([a-zA-Z]+(?:\\.[a-zA-Z]+)+)`").FindAllStringSubmatch(cells[2], -1) {
			keys = append(keys, m[1])
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

func TestErrorKeysREADMEMatchesPackage(t *testing.T) {
	consts := errorKeyConsts(t)
	var values []string
	for _, v := range consts {
		values = append(values, v)
	}
	slices.Sort(values)
	if n := len(slices.Compact(slices.Clone(values))); n != len(values) {
		t.Errorf("errorkey has %d constants for %d values: a value is written twice", len(values), n)
	}
	if diff := cmp.Diff(values, readmeErrorKeys(t)); diff != "" {
		t.Errorf("README.md's error table and package errorkey differ (-errorkey +README):\n%s", diff)
	}
}

// TestErrorKeysOnlyFromPackage walks the module's non-test Go code: no
// string literal is an errorKey (it must be an errorkey constant), no
// Key… constant and no call of apierror.New or Newf has a literal key, and
// every errorkey constant is used, so every key in the README is one the
// simulator can answer.
// The spec's x-error-key values must be errorkey values too.
func TestErrorKeysOnlyFromPackage(t *testing.T) {
	consts := errorKeyConsts(t)
	isKey := map[string]string{}
	for name, v := range consts {
		isKey[v] = name
	}
	used := map[string]bool{}
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, path)
		if d.IsDir() {
			if rel == "errorkey" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && rel != "." {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		ast.Inspect(f, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.BasicLit:
				if n.Kind == token.STRING {
					if v, err := strconv.Unquote(n.Value); err == nil && isKey[v] != "" {
						t.Errorf("%s: the errorKey %q is a literal; use errorkey.%s", fset.Position(n.Pos()), v, isKey[v])
					}
				}
			case *ast.ValueSpec:
				// const KeyX = "some.key": a key that errorkey does not name.
				for i, name := range n.Names {
					if i >= len(n.Values) || !strings.HasPrefix(name.Name, "Key") {
						continue
					}
					if lit, ok := n.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
						t.Errorf("%s: %s is an errorKey literal; add it to package errorkey and write %s = errorkey.…",
							fset.Position(n.Pos()), name.Name, name.Name)
					}
				}
			case *ast.SelectorExpr:
				if id, ok := n.X.(*ast.Ident); ok && id.Name == "errorkey" {
					used[n.Sel.Name] = true
				}
			case *ast.CallExpr:
				sel, ok := n.Fun.(*ast.SelectorExpr)
				if !ok || len(n.Args) < 2 {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "apierror" && (sel.Sel.Name == "New" || sel.Sel.Name == "Newf") {
					if _, lit := n.Args[1].(*ast.BasicLit); lit {
						t.Errorf("%s: apierror.%s with a literal errorKey; add it to package errorkey", fset.Position(n.Pos()), sel.Sel.Name)
					}
				}
			}
			return true
		})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for name := range consts {
		if !used[name] {
			t.Errorf("errorkey.%s is used by no code: the simulator cannot answer it", name)
		}
	}
	for _, spec := range []string{"helthjem.yaml", "sim.yaml"} {
		for _, m := range regexp.MustCompile(`x-error-key:\s*(\S+)`).FindAllStringSubmatch(readRepoFile(t, filepath.Join("spec", spec)), -1) {
			if isKey[m[1]] == "" {
				t.Errorf("spec/%s: x-error-key %s is not in package errorkey", spec, m[1])
			}
		}
	}
}
