package buildcheck

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestDockerDocs: docs/docker.md lists every variable mockhelthjem reads
// and names none it does not.
func TestDockerDocs(t *testing.T) {
	doc := readRepoFile(t, filepath.Join("docs", "docker.md"))
	known := mockEnvVars(t)
	listed := map[string]bool{}
	for _, v := range projectVar.FindAllString(doc, -1) {
		listed[v] = true
	}
	for v := range known {
		if !listed[v] {
			t.Errorf("docs/docker.md does not list %s", v)
		}
	}
	ct := map[string]bool{}
	for _, v := range contracttestEnvVars(t) {
		ct[v] = true
	}
	for v := range listed {
		if !known[v] && !ct[v] {
			t.Errorf("docs/docker.md names %s, which neither binary reads", v)
		}
	}
}

// TestDockerDocsBuildContext pins docs/docker.md's list of what
// .dockerignore sends, which left out errorkey/: every path the file lets
// back in ("!path") is named there.
func TestDockerDocsBuildContext(t *testing.T) {
	doc := readRepoFile(t, filepath.Join("docs", "docker.md"))
	i := strings.Index(doc, "sends only")
	if i < 0 {
		t.Fatal(`docs/docker.md does not say what .dockerignore "sends only"`)
	}
	end := strings.Index(doc[i:], "testdata")
	if end < 0 {
		t.Fatal("docs/docker.md's list of what .dockerignore sends does not end with testdata/")
	}
	list := doc[i : i+end]
	n := 0
	for _, l := range strings.Split(readRepoFile(t, ".dockerignore"), "\n") {
		if p, ok := strings.CutPrefix(strings.TrimSpace(l), "!"); ok {
			n++
			if !strings.Contains(list, "`"+p+"`") {
				t.Errorf("docs/docker.md's list of what .dockerignore sends lacks `%s`:\n%s", p, list)
			}
		}
	}
	if n == 0 {
		t.Fatal(".dockerignore lets nothing back in: has its form changed?")
	}
}
