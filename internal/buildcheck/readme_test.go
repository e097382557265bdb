package buildcheck

import (
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// readmeTable returns the cells of the rows of the first table in the
// README's section with the given heading: its lines from the header to the
// first line that is not a table row. A row set apart from the table by a
// paragraph is not part of it (Markdown shows it as text), so it is not
// returned.
func readmeTable(t *testing.T, heading string) [][]string {
	t.Helper()
	_, sec, ok := strings.Cut(readRepoFile(t, "README.md"), "\n"+heading+"\n")
	if !ok {
		t.Fatalf("README.md has no %q section", heading)
	}
	sec, _, _ = strings.Cut(sec, "\n## ")
	lines := strings.Split(sec, "\n")
	start := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, "|") })
	if start < 0 || start+1 >= len(lines) || !strings.HasPrefix(lines[start+1], "|---") {
		t.Fatalf("README.md %q has no table", heading)
	}
	var rows [][]string
	for _, l := range lines[start+2:] {
		if !strings.HasPrefix(l, "|") {
			break
		}
		rows = append(rows, strings.Split(strings.Trim(l, "|"), " | "))
	}
	return rows
}

var backquoted = regexp.MustCompile("`([^`]+)`")

// TestREADMEFlagTableHasVersion: the -version row sat after the paragraph
// below the flag table, where it showed as "| `-version` | | | …" text.
// Every flag of mockhelthjem -h is a row of the table, and every row is a
// flag of -h.
func TestREADMEFlagTableHasVersion(t *testing.T) {
	var help []string
	for _, m := range flagLine.FindAllStringSubmatch(mockHelp(t, "-h"), -1) {
		help = append(help, m[1])
	}
	var table []string
	for _, row := range readmeTable(t, "## Configuration") {
		m := backquoted.FindStringSubmatch(row[0])
		if m == nil || !strings.HasPrefix(m[1], "-") {
			t.Errorf("README.md flag table: row %q does not start with a flag", row)
			continue
		}
		table = append(table, strings.TrimPrefix(m[1], "-"))
	}
	slices.Sort(help)
	slices.Sort(table)
	if diff := cmp.Diff(help, table); diff != "" {
		t.Errorf("flags of mockhelthjem -h (-) and of the README's flag table (+):\n%s", diff)
	}
}

// flagLine is a flag in PrintDefaults output: "  -name type".
var flagLine = regexp.MustCompile(`(?m)^  -([a-z][a-z0-9-]*)`)

// TestREADMELayoutNamesEveryPackage: the layout table left out
// internal/loopback and internal/version. Every directory with Go files is
// named in it (in backquotes, with or without a trailing slash), and every
// path its first column names exists.
func TestREADMELayoutNamesEveryPackage(t *testing.T) {
	rows := readmeTable(t, "## Layout")
	named := map[string]bool{}
	for _, row := range rows {
		for _, m := range backquoted.FindAllStringSubmatch(strings.Join(row, " | "), -1) {
			named[strings.TrimSuffix(m[1], "/")] = true
		}
		for _, m := range backquoted.FindAllStringSubmatch(row[0], -1) {
			if _, err := os.Stat(filepath.Join(root, m[1])); err != nil {
				t.Errorf("README.md layout table names %s: %v", m[1], err)
			}
		}
	}

	var dirs []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		name := d.Name()
		if d.IsDir() && path != root && (strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_") || name == "testdata" || name == "vendor" || name == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(name, ".go") {
			rel, err := filepath.Rel(root, filepath.Dir(path))
			if err != nil {
				return err
			}
			if rel = filepath.ToSlash(rel); !slices.Contains(dirs, rel) {
				dirs = append(dirs, rel)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(dirs) < 10 {
		t.Fatalf("found only %d package directories: %v", len(dirs), dirs)
	}
	for _, d := range dirs {
		if !named[d] {
			t.Errorf("README.md layout table does not name %s", d)
		}
	}
}
