package buildcheck

import (
	"path/filepath"
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
