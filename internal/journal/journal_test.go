package journal_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/journal"
)

// TestAppendReplay: records come back in order, and the file is exactly
// the documented format.
func TestAppendReplay(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	got, info, f, err := open(t, path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(journal.Info{Path: path}, info); len(got) != 0 || diff != "" {
		t.Fatalf("empty open: %v, info (-want +got):\n%s", got, diff)
	}
	recs := []rec{{N: 1}, {N: 2, S: "line\nbreak \"quoted\" ø <&>"}, {N: 3}}
	appendAll(t, f, recs...)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lines(recs...), readFile(t, path)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	got, info, _, err = open(t, path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(recs, got); diff != "" {
		t.Errorf("replay (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(journal.Info{Replayed: 3, Path: path}, info); diff != "" {
		t.Errorf("info (-want +got):\n%s", diff)
	}
}

// TestRewrite: compaction replaces every record, appends go on after it,
// and no temporary file is left.
func TestRewrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.jsonl")
	_, f := mustOpen(t, path, journal.Options{})
	appendAll(t, f, upTo(5)...)
	if err := f.Rewrite(asAny([]rec{{N: 9}, {N: 10}})); err != nil {
		t.Fatal(err)
	}
	appendAll(t, f, rec{N: 11})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lines(rec{N: 9}, rec{N: 10}, rec{N: 11}), readFile(t, path)); diff != "" {
		t.Errorf("file (-want +got):\n%s", diff)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("directory holds %v, want only the state file", entries)
	}
}

// TestCompactionWritesOneRecordPerLine pins issue 10 finding 3: compaction
// put every order in one final line, so a truncation anywhere in it was
// taken for a torn tail and dropped them all. Now each record has its
// line, and a cut in the last line drops only that record.
func TestCompactionWritesOneRecordPerLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	_, f := mustOpen(t, path, journal.Options{})
	if err := f.Rewrite(asAny(upTo(4))); err != nil {
		t.Fatal(err)
	}
	f.Close()
	content := readFile(t, path)
	if diff := cmp.Diff(lines(upTo(4)...), content); diff != "" {
		t.Fatalf("compacted file (-want +got):\n%s", diff)
	}
	writeFile(t, path, content[:len(content)-5])
	got, info, _, err := open(t, path, journal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(upTo(3), got); diff != "" || info.TornBytes != int64(len(line(rec{N: 4}))-5) {
		t.Errorf("after a cut in the last line: torn %d, records (-want +got):\n%s", info.TornBytes, diff)
	}
}

// TestOpenRefuses: every kind of damage except a torn tail refuses to
// start, names the line and what is wrong, and leaves the file as it was.
func TestOpenRefuses(t *testing.T) {
	one, two := line(rec{N: 1}), line(rec{N: 2})
	sum := func(s string) string { return line(rec{N: 1})[:8] + s } // a checksum that cannot match s
	for _, tt := range []struct {
		name, content string
		line          int
		why           string
	}{
		{"empty line", one + "\n" + two, 2, "an empty line"},
		{"empty last line", one + "\n", 2, "an empty line"},
		{"format 1 file", `{"type":"meta","meta":{"version":1,"seed":1},"at":"2026-06-16T08:00:00Z"}` + "\n", 1,
			"a record without a checksum: the file was written by an older mockhelthjem (state file format 1), which this version cannot read"},
		{"format 1 record after format 2 ones", one + `{"n":2}` + "\n", 2,
			"a record without a checksum: the file was written by an older mockhelthjem (state file format 1), which this version cannot read"},
		{"some other text file", "hello\nworld\n", 1, "not a state file line (no checksum)"},
		{"some other file, one line without a newline", "this is my important notes file, not a journal", 1,
			"an unfinished last line that is not the start of a record"},
		{"upper-case checksum", strings.ToUpper(one[:8]) + one[8:], 1, "not a state file line (no checksum)"},
		{"two spaces after the checksum", one[:9] + " " + one[9:], 1, "checksum mismatch: the line was changed after it was written"},
		{"changed digit", one + strings.Replace(line(rec{N: 12}), "12", "13", 1) + two, 2,
			"checksum mismatch: the line was changed after it was written"},
		{"renamed key", one + strings.Replace(two, `"n"`, `"m"`, 1), 2, "checksum mismatch: the line was changed after it was written"},
		{"changed checksum", one + "0" + two[1:], 2, "checksum mismatch: the line was changed after it was written"},
		{"final complete line with a bad checksum", one + two + sum(` {"n":3}`+"\n"), 3,
			"checksum mismatch: the line was changed after it was written"},
		{"CR LF line end", strings.TrimSuffix(one, "\n") + "\r\n", 1, "checksum mismatch: the line was changed after it was written"},
		{"checksum of something that is not JSON", line(rec{N: 1}) + fmt.Sprintf("%08x %s\n", crc32c([]byte(`{"n":`)), `{"n":`), 2,
			"the checksum matches but the record is not JSON"},
		{"a record apply refuses", one + line(rec{N: -1}) + two, 2, "apply refused a negative n"},
		{"a record of another shape", one + line(map[string]string{"n": "x"}), 2,
			"json: cannot unmarshal string into Go struct field rec.n of type int"},
		{"garbage after the last record", one + two + "garbage", 3, "an unfinished last line that is not the start of a record"},
		{"torn tail with white space before the record", one + one[:8] + "  {", 2, "an unfinished last line that is not the start of a record"},
		{"torn tail that is no JSON", one + one[:8] + " {]", 2, "an unfinished last line that is not the start of a record"},
		{"torn tail: a whole record and more", one + strings.TrimSuffix(two, "\n") + "x", 2, "an unfinished last line that is not the start of a record"},
		{"torn tail with data after zeros", one + two[:12] + "\x00" + two[12:16], 2, "an unfinished last line that is not the start of a record"},
		{"torn tail with a space after the record", one + strings.TrimSuffix(two, "\n") + " ", 2, "an unfinished last line that is not the start of a record"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.jsonl")
			writeFile(t, path, tt.content)
			_, _, _, err := open(t, path, journal.Options{})
			var ce *journal.CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CorruptError", err)
			}
			if diff := cmp.Diff(fmt.Sprintf("line %d: %s", tt.line, tt.why), fmt.Sprintf("line %d: %v", ce.Line, ce.Err)); diff != "" {
				t.Errorf("refusal (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.content, readFile(t, path)); diff != "" {
				t.Errorf("a refused file was changed (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCorruptErrorMessage: the message names the file and the line and
// says how to move it aside, quoting a path the shell would split.
func TestCorruptErrorMessage(t *testing.T) {
	for _, tt := range []struct{ path, want string }{
		{"/var/lib/mock/state.jsonl",
			"state file /var/lib/mock/state.jsonl is corrupt at line 10 (checksum mismatch); it was left untouched: move it aside (mv /var/lib/mock/state.jsonl /var/lib/mock/state.jsonl.bad) to start empty, or restore a backup"},
		{"/tmp/my state's file",
			`state file /tmp/my state's file is corrupt at line 10 (checksum mismatch); it was left untouched: move it aside (mv '/tmp/my state'\''s file' '/tmp/my state'\''s file.bad') to start empty, or restore a backup`},
	} {
		err := &journal.CorruptError{Path: tt.path, Line: 10, Err: errors.New("checksum mismatch")}
		if diff := cmp.Diff(tt.want, err.Error()); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
	}
}

// TestValidJSONCorruptionRefused pins issue 10 finding 5: a record changed
// so that it is still valid JSON (a digit, a renamed key, a key removed)
// was accepted, and an order ended up with no clientId.
func TestValidJSONCorruptionRefused(t *testing.T) {
	order := map[string]any{"type": "put", "orders": []any{map[string]any{"clientId": "demo", "orderId": 227000001}}}
	good := line(map[string]string{"type": "meta"}) + line(order)
	for _, tt := range []struct{ name, from, to string }{
		{"changed digit", "227000001", "227000002"},
		{"renamed key", `"clientId"`, `"clientID"`},
		{"key removed", `"clientId":"demo",`, ``},
	} {
		t.Run(tt.name, func(t *testing.T) {
			content := strings.Replace(good, tt.from, tt.to, 1)
			if content == good {
				t.Fatalf("%q not in %s", tt.from, good)
			}
			path := filepath.Join(t.TempDir(), "state.jsonl")
			writeFile(t, path, content)
			_, _, err := journal.Open(path, journal.Options{}, func(json.RawMessage) error { return nil })
			var ce *journal.CorruptError
			if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(err.Error(), "checksum mismatch") {
				t.Fatalf("err = %v, want a checksum mismatch at line 2", err)
			}
			if readFile(t, path) != content {
				t.Error("the refused file was changed")
			}
		})
	}
}

// TestTornTailThatNoCutWriteLeaves (fix-sim finding 8): a last line
// without its newline was dropped as torn when it was a whole record with
// a wrong checksum (a write cut short leaves a prefix of the right bytes,
// so that is corruption), and a file of a few hex digits and no newline
// (printf cafe > f) was truncated to nothing and turned into a state
// file. Both are refused and left as they were.
func TestTornTailThatNoCutWriteLeaves(t *testing.T) {
	one, two := line(rec{N: 1}), line(rec{N: 2})
	badSum := "0" + strings.TrimSuffix(two, "\n")[1:]
	if badSum[:8] == two[:8] {
		t.Fatal("the edited checksum is the right one")
	}
	const tornFirst = "a first line without its newline, which no write of a state file leaves (its first line is written whole, by a rename)"
	for _, tt := range []struct {
		name, content  string
		firstByRewrite bool // Options.FirstLineByRewrite, as internal/sim sets it
		line           int
		why            string
	}{
		{"a whole last record with a wrong checksum", one + badSum, false, 2, "checksum mismatch: the line was changed after it was written"},
		{"a whole first record with a wrong checksum", badSum, false, 1, "checksum mismatch: the line was changed after it was written"},
		{"a file of four hex digits", "cafe", false, 1, "a first line of a few hex digits and no newline: too short to be told from some other file"},
		{"a file of eight hex digits", "deadbeef", false, 1, "a first line of a few hex digits and no newline: too short to be told from some other file"},
		// A short file that starts like a line: taken for a torn first
		// line, emptied and made a state file, until the caller says its
		// first line is never appended.
		{"eight hex digits and a space, first line by rewrite", "deadbeef ", true, 1, tornFirst},
		{"eight hex digits and the start of JSON, first line by rewrite", `12345678 {"a":`, true, 1, tornFirst},
		{"a torn first record, first line by rewrite", strings.TrimSuffix(one, "\n")[:12], true, 1, tornFirst},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.jsonl")
			writeFile(t, path, tt.content)
			_, _, _, err := open(t, path, journal.Options{FirstLineByRewrite: tt.firstByRewrite})
			var ce *journal.CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a *CorruptError", err)
			}
			if diff := cmp.Diff(fmt.Sprintf("line %d: %s", tt.line, tt.why), fmt.Sprintf("line %d: %v", ce.Line, ce.Err)); diff != "" {
				t.Errorf("refusal (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.content, readFile(t, path)); diff != "" {
				t.Errorf("a refused file was changed (-want +got):\n%s", diff)
			}
		})
	}
}
