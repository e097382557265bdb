package buildcheck

import (
	"path/filepath"
	"slices"
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

// TestChangelogSections pins the CHANGELOG that had two "### Added"
// sections under Unreleased: each release has at most one section of each
// kind, Keep a Changelog's kinds only, in its order.
func TestChangelogSections(t *testing.T) {
	kinds := []string{"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
	release, last := "", -1
	seen := map[string]bool{}
	for i, l := range strings.Split(readRepoFile(t, "CHANGELOG.md"), "\n") {
		switch {
		case strings.HasPrefix(l, "## "):
			release, last = l, -1
			clear(seen)
		case strings.HasPrefix(l, "### "):
			kind := strings.TrimPrefix(l, "### ")
			k := slices.Index(kinds, kind)
			switch {
			case release == "":
				t.Errorf("CHANGELOG.md:%d: %s outside a release", i+1, l)
			case k < 0:
				t.Errorf("CHANGELOG.md:%d: %q is none of %q", i+1, kind, kinds)
			case seen[kind]:
				t.Errorf("CHANGELOG.md:%d: a second %q section in %s: merge them", i+1, kind, release)
			case k < last:
				t.Errorf("CHANGELOG.md:%d: %q after %q in %s: the order is %q", i+1, kind, kinds[last], release, kinds)
			}
			seen[kind], last = true, max(last, k)
		}
	}
}
