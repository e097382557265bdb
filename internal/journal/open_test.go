package journal_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/journal"
)

// TestOpenDropsTornTail: a last line without its newline that is the
// start of a record is dropped, with a WARN naming its bytes, and the
// records before it are kept.
func TestOpenDropsTornTail(t *testing.T) {
	one, two := line(rec{N: 1}), line(rec{N: 2, S: "x y"})
	for _, tail := range []string{
		two[:1],
		two[:8],
		two[:9],
		two[:10],
		two[:len(two)-5],
		two[:len(two)-1], // the whole record, only its newline missing
		"\x00\x00\x00",   // a file system showed the unwritten end as zeros
		two[:12] + "\x00\x00",
	} {
		t.Run(fmt.Sprintf("%q", tail), func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.jsonl")
			writeFile(t, path, one+tail)
			logger, logs := newLogger()
			got, info, _, err := open(t, path, journal.Options{Logger: logger})
			if err != nil {
				t.Fatal(err)
			}
			want := journal.Info{Replayed: 1, TornBytes: int64(len(tail)), Path: path}
			if diff := cmp.Diff(want, info); diff != "" {
				t.Errorf("info (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]rec{{N: 1}}, got); diff != "" {
				t.Errorf("records (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(one, readFile(t, path)); diff != "" {
				t.Errorf("file after (-want +got):\n%s", diff)
			}
			if l := logs.String(); !strings.Contains(l, "level=WARN") || !strings.Contains(l, fmt.Sprintf("bytes=%d", len(tail))) {
				t.Errorf("log = %q, want a WARN with bytes=%d", l, len(tail))
			}
		})
	}
	t.Run("a torn first record", func(t *testing.T) {
		// A crash during the very first write: nothing was acknowledged.
		path := filepath.Join(t.TempDir(), "state.jsonl")
		writeFile(t, path, one[:12])
		got, info, _, err := open(t, path, journal.Options{})
		if err != nil || len(got) != 0 || info.TornBytes != 12 || readFile(t, path) != "" {
			t.Errorf("= %v %+v %v, file %q; want the 12 bytes dropped", got, info, err, readFile(t, path))
		}
	})
}

// TestTruncatedAtEveryOffset cuts a small state file at every byte offset
// of its last three records. Open must keep every complete line and drop
// only the partial last one (a prefix of a real line is always a torn
// tail, never refused); it never drops a whole record.
func TestTruncatedAtEveryOffset(t *testing.T) {
	recs := []rec{
		{N: 1}, {N: 2, S: "plain"},
		{N: 3, S: `quotes " and \ and a tab	and a newline` + "\n"},
		{N: 123456789, S: "ÆØÅ æøå 🚚 \u2028 <tag>&amp;"},
		{N: 4, S: strings.Repeat("z", 40)},
	}
	full := lines(recs...)
	start := len(lines(recs[:2]...))
	dir := t.TempDir()
	for off := start; off <= len(full); off++ {
		path := filepath.Join(dir, fmt.Sprintf("cut-%d", off))
		writeFile(t, path, full[:off])
		got, info, f, err := open(t, path, journal.Options{})
		if err != nil {
			t.Errorf("cut at %d of %d: %v", off, len(full), err)
			continue
		}
		f.Close()
		whole := strings.LastIndexByte(full[:off], '\n') + 1
		wantRecs := recs[:strings.Count(full[:whole], "\n")]
		if diff := cmp.Diff(wantRecs, got); diff != "" {
			t.Errorf("cut at %d: records (-want +got):\n%s", off, diff)
		}
		if info.TornBytes != int64(off-whole) {
			t.Errorf("cut at %d: torn %d bytes, want %d", off, info.TornBytes, off-whole)
		}
		if after := readFile(t, path); after != full[:whole] {
			t.Errorf("cut at %d: file after open is %q, want %q", off, after, full[:whole])
		}
	}
}

// TestSymlinkKept pins issue 10 finding 5: a symlinked state file was
// replaced by a regular file. The link stays a link; its target holds the
// records, and compaction replaces the target.
func TestSymlinkKept(t *testing.T) {
	for _, tt := range []struct {
		name   string
		exists bool // whether the target exists before the first Open
	}{
		{"to an existing file", true},
		{"to a file not created yet", false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			target := filepath.Join(dir, "data", "state.jsonl")
			if err := os.Mkdir(filepath.Dir(target), 0o700); err != nil {
				t.Fatal(err)
			}
			if tt.exists {
				writeFile(t, target, lines(rec{N: 1}))
			}
			link := filepath.Join(dir, "state.jsonl")
			if err := os.Symlink("data/state.jsonl", link); err != nil {
				t.Fatal(err)
			}
			got, info, f, err := open(t, link, journal.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if info.Path != target {
				t.Errorf("Info.Path = %s, want the target %s", info.Path, target)
			}
			if err := f.Rewrite(asAny(append(got, rec{N: 2}))); err != nil {
				t.Fatal(err)
			}
			appendAll(t, f, rec{N: 3})
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
			if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
				t.Fatalf("the link is no longer a link: %v %v", fi, err)
			}
			if dest, _ := os.Readlink(link); dest != "data/state.jsonl" {
				t.Errorf("the link points to %q now", dest)
			}
			want := []rec{{N: 2}, {N: 3}}
			if tt.exists {
				want = []rec{{N: 1}, {N: 2}, {N: 3}}
			}
			if diff := cmp.Diff(lines(want...), readFile(t, target)); diff != "" {
				t.Errorf("target (-want +got):\n%s", diff)
			}
			if entries, _ := os.ReadDir(filepath.Dir(target)); len(entries) != 1 {
				t.Errorf("the target's directory holds %v, want only the state file", entries)
			}
		})
	}
}

// TestLocked: while one File is open, a second Open of the same file (in
// this process or another, directly or through a symlink, before and
// after a Rewrite) fails with ErrLocked; after Close it succeeds.
func TestLocked(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.jsonl")
	link := filepath.Join(dir, "link")
	if err := os.Symlink("state.jsonl", link); err != nil {
		t.Fatal(err)
	}
	_, f := mustOpen(t, path, journal.Options{})
	appendAll(t, f, rec{N: 1})
	wantMsg := "state file " + path + ": locked by another process; is another mockhelthjem using it? Stop it, or give this one its own state file"
	check := func(when string) {
		t.Helper()
		for _, p := range []string{path, link} {
			_, _, _, err := open(t, p, journal.Options{})
			if !errors.Is(err, journal.ErrLocked) {
				t.Errorf("%s, second open of %s in this process: %v, want ErrLocked", when, p, err)
			} else if diff := cmp.Diff(wantMsg, err.Error()); diff != "" {
				t.Errorf("message (-want +got):\n%s", diff)
			}
			if code, out := runHelper(t, "open", p); code != 3 || out != wantMsg {
				t.Errorf("%s, open of %s in another process: exit %d %q, want 3 (ErrLocked) %q", when, p, code, out, wantMsg)
			}
		}
	}
	check("while open")
	if err := f.Rewrite(asAny([]rec{{N: 2}})); err != nil {
		t.Fatal(err)
	}
	check("after a rewrite")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if code, out := runHelper(t, "open", path); code != 0 {
		t.Errorf("after Close, another process: exit %d %s", code, out)
	}
	wantReplay(t, path, []rec{{N: 2}})
}

// replacingFS renames another file over the state file between Open's
// open and its lock, as another process's Rewrite could.
type replacingFS struct {
	journal.OSFS
	path, with string
	done       bool
}

func (r *replacingFS) OpenFile(name string, flag int, perm os.FileMode) (journal.FSFile, error) {
	h, err := r.OSFS.OpenFile(name, flag, perm)
	if err != nil || r.done || name != r.path {
		return h, err
	}
	r.done = true
	return h, os.Rename(r.with, r.path)
}

// TestOpenReplacedBeforeLock: a lock taken on a file that is no longer at
// the path is worthless; Open opens the path again and reads what is
// there now.
func TestOpenReplacedBeforeLock(t *testing.T) {
	dir := t.TempDir()
	path, with := filepath.Join(dir, "state.jsonl"), filepath.Join(dir, "new")
	writeFile(t, path, lines(rec{N: 1}))
	writeFile(t, with, lines(rec{N: 1}, rec{N: 2}))
	fsys := &replacingFS{path: path, with: with}
	got, _, f, err := open(t, path, journal.Options{FS: fsys})
	if err != nil {
		t.Fatal(err)
	}
	if !fsys.done {
		t.Fatal("the file was never replaced: the test tests nothing")
	}
	if diff := cmp.Diff([]rec{{N: 1}, {N: 2}}, got); diff != "" {
		t.Errorf("records (-want +got):\n%s", diff)
	}
	appendAll(t, f, rec{N: 3})
	closeAndReplay(t, f, path, []rec{{N: 1}, {N: 2}, {N: 3}})
}

// TestClosed: a closed File refuses appends, rewrites and a second Close.
func TestClosed(t *testing.T) {
	_, f := mustOpen(t, filepath.Join(t.TempDir(), "state.jsonl"), journal.Options{})
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Append(rec{N: 1}); !errors.Is(err, os.ErrClosed) || !errors.Is(err, journal.ErrFailed) {
		t.Errorf("append after close: %v", err)
	}
	if err := f.Rewrite(nil); !errors.Is(err, os.ErrClosed) {
		t.Errorf("rewrite after close: %v", err)
	}
	if err := f.Close(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second close: %v", err)
	}
}

// TestAppendUnencodable: a record json.Marshal refuses is the caller's
// error, neither ErrFull nor ErrFailed, and leaves the file alone.
func TestAppendUnencodable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	_, f := mustOpen(t, path, journal.Options{})
	appendAll(t, f, rec{N: 1})
	err := f.Append(map[string]any{"c": make(chan int)})
	var ue *json.UnsupportedTypeError
	if !errors.As(err, &ue) || errors.Is(err, journal.ErrFull) || errors.Is(err, journal.ErrFailed) {
		t.Errorf("err = %v", err)
	}
	if err := f.Rewrite([]any{rec{N: 2}, make(chan int)}); !errors.As(err, &ue) {
		t.Errorf("rewrite: %v", err)
	}
	appendAll(t, f, rec{N: 2})
	f.Close()
	if diff := cmp.Diff(lines(rec{N: 1}, rec{N: 2}), readFile(t, path)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

// TestOpenRefusesNonRegularFile: a FIFO (or a device) as the state file
// would block start-up on its first read; it is refused.
func TestOpenRefusesNonRegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "fifo")
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Skipf("cannot make a FIFO here: %v", err)
	}
	_, _, _, err := open(t, path, journal.Options{})
	if err == nil || !strings.Contains(err.Error(), "is not a regular file") {
		t.Errorf("err = %v, want a refusal of a file that is not regular", err)
	}
}

// TestAppendIndentedRawMessage: a record that is already JSON, with line
// breaks in it, is still written on one line (json.Marshal compacts it).
func TestAppendIndentedRawMessage(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	_, f := mustOpen(t, path, journal.Options{})
	if err := f.Append(json.RawMessage("{\n  \"n\": 1,\n  \"s\": \"a\"\n}")); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lines(rec{N: 1, S: "a"}), readFile(t, path)); diff != "" {
		t.Errorf("after append (-want +got):\n%s", diff)
	}
	if err := f.Rewrite([]any{json.RawMessage("{\n\"n\": 2\n}")}); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lines(rec{N: 2}), readFile(t, path)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
	appendAll(t, f, rec{N: 3})
	closeAndReplay(t, f, path, []rec{{N: 2}, {N: 3}})
}
