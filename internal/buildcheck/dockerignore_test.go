package buildcheck

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// ignoreRule is one .dockerignore line.
type ignoreRule struct {
	re        *regexp.Regexp
	exclusion bool // "!pattern": let back in
}

// parseDockerignore reads .dockerignore as Docker does: one pattern a
// line, "#" comments, "!" exceptions, patterns cleaned and relative to the
// context root, "**" for any number of directories.
func parseDockerignore(src string) []ignoreRule {
	var rules []ignoreRule
	for _, l := range strings.Split(src, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		r := ignoreRule{}
		if strings.HasPrefix(l, "!") {
			r.exclusion, l = true, strings.TrimSpace(l[1:])
		}
		l = strings.TrimPrefix(path.Clean("/"+l), "/")
		r.re = regexp.MustCompile("^" + globRegexp(l) + "$")
		rules = append(rules, r)
	}
	return rules
}

func globRegexp(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case strings.HasPrefix(p[i:], "**/"):
			b.WriteString("(.*/)?")
			i += 2
		case strings.HasPrefix(p[i:], "**"):
			b.WriteString(".*")
			i++
		case c == '*':
			b.WriteString("[^/]*")
		case c == '?':
			b.WriteString("[^/]")
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	return b.String()
}

// excluded reports whether Docker leaves file (slash-separated, relative
// to the context) out of the build context: the last rule matching the
// file or one of its parent directories decides.
func excluded(rules []ignoreRule, file string) bool {
	out := false
	for _, r := range rules {
		for p := file; p != "." && p != "/"; p = path.Dir(p) {
			if r.re.MatchString(p) {
				out = !r.exclusion
				break
			}
		}
	}
	return out
}

func TestDockerignoreMatcher(t *testing.T) {
	rules := parseDockerignore("# comment\n*\n!cmd/\n!go.mod\n**/testdata/\n**/*_test.go\n!cmd/keep_test.go\n")
	for file, want := range map[string]bool{
		"go.mod":                    false,
		"go.sum":                    true,
		"README.md":                 true,
		".git/HEAD":                 true,
		"cmd/x/main.go":             false,
		"cmd/x/main_test.go":        true,
		"cmd/keep_test.go":          false,
		"cmd/x/testdata/a.json":     true,
		"cmd/testdata":              true,
		"internal/x/x.go":           true,
		"cmd/x/testdatax/fine.json": false,
	} {
		if got := excluded(rules, file); got != want {
			t.Errorf("excluded(%q) = %v, want %v", file, got, want)
		}
	}
}

// TestDockerignore: the build context keeps every file the image's two
// binaries are built from (their module packages' Go and embedded files,
// go.mod, go.sum) and leaves out what an image never needs.
func TestDockerignore(t *testing.T) {
	rules := parseDockerignore(readRepoFile(t, ".dockerignore"))
	pkgs := []string{"./cmd/mockhelthjem", "./cmd/contracttest"}
	cmd := exec.Command("go", append([]string{"list", "-deps", "-json=ImportPath,Dir,Module,GoFiles,EmbedFiles"}, pkgs...)...)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.Bytes())
	}
	abs, err := filepath.Abs(root)
	if err != nil {
		t.Fatal(err)
	}
	need := []string{"go.mod", "go.sum"}
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			Dir        string
			Module     *struct{ Path string }
			GoFiles    []string
			EmbedFiles []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		if p.Module == nil || p.Module.Path != modulePath {
			continue
		}
		rel, err := filepath.Rel(abs, p.Dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range append(p.GoFiles, p.EmbedFiles...) {
			need = append(need, filepath.ToSlash(filepath.Join(rel, f)))
		}
	}
	if len(need) < 10 {
		t.Fatalf("go list found only %q", need)
	}
	for _, f := range need {
		if excluded(rules, f) {
			t.Errorf(".dockerignore leaves out %s, which the build needs", f)
		}
	}
	for _, f := range []string{".git/HEAD", "README.md", "examples/docker-compose.yml", "internal/server/server_test.go",
		"internal/sim/testdata/guide/token.request.json", "docs/docker.md"} {
		if !excluded(rules, f) {
			t.Errorf(".dockerignore sends %s to the build context", f)
		}
	}
}
