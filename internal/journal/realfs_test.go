//go:build linux

package journal_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/journal"
)

// Tests on real file systems that run out of room, where the machine
// allows: a small tmpfs (needs root, as CI has) and a file-size limit
// (RLIMIT_FSIZE, in a helper process).

func init() { helpers["fsize"] = fsizeHelper }

// mountTmpfs mounts a tmpfs of size bytes on a new directory until the
// test ends. Without the right to mount it skips; under CI=true any other
// failure fails.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			t.Skipf("not allowed to mount a tmpfs here (%v): the real full-disk test needs root, as CI has", err)
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount a tmpfs for the real full-disk test: %v", err)
		}
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
			syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	return dir
}

// TestFullFileSystem fills a real 64 KiB tmpfs with appends. The append
// that does not fit says ErrFull and leaves exactly the acknowledged
// records; compaction on the full disk fails and leaves them too; when
// space is freed the next append succeeds, and a reopen replays every
// acknowledged record.
func TestFullFileSystem(t *testing.T) {
	dir := mountTmpfs(t, "64k")
	filler := filepath.Join(dir, "filler")
	writeFile(t, filler, strings.Repeat("f", 16<<10))
	path := filepath.Join(dir, "state.jsonl")
	_, f := mustOpen(t, path, journal.Options{})

	var acked []rec
	var err error
	var failed rec
	for i := 1; i <= 1000 && err == nil; i++ {
		failed = rec{N: i, S: strings.Repeat("r", 100)}
		if err = f.Append(failed); err == nil {
			acked = append(acked, failed)
		}
	}
	if !errors.Is(err, journal.ErrFull) || !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("after %d appends: %v, want ErrFull (ENOSPC)", len(acked), err)
	}
	if len(acked) < 100 {
		t.Fatalf("only %d appends fitted: the disk was not filled by them", len(acked))
	}
	if diff := cmp.Diff(lines(acked...), readFile(t, path)); diff != "" {
		t.Fatalf("file after the failed append (-want +got):\n%s", diff)
	}
	if err := f.Rewrite(asAny(acked)); !errors.Is(err, journal.ErrFull) {
		t.Errorf("compaction on a full disk: %v, want ErrFull", err)
	}
	if err := f.Append(failed); !errors.Is(err, journal.ErrFull) {
		t.Errorf("append on a still full disk: %v, want ErrFull", err)
	}
	if diff := cmp.Diff(lines(acked...), readFile(t, path)); diff != "" {
		t.Fatalf("file after the failed compaction and append (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary file left on the full disk: %v", err)
	}

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	after := rec{N: 1001, S: "after space returned"}
	appendAll(t, f, after)
	closeAndReplay(t, f, path, append(acked, after))
}

// fsizeResult is what the fsize helper reports.
type fsizeResult struct {
	Rewrite     string // Rewrite's error
	RewriteFull bool   // it wraps ErrFull and EFBIG
	Acked       int    // appends that succeeded before the limit
	Append      string // the first failing Append's error
	AppendFull  bool   // it wraps ErrFull and EFBIG
}

// fsizeHelper runs under a 1 KiB file-size limit with SIGXFSZ ignored (as
// Go does by default), so writes past it fail with EFBIG: it compacts the
// journal at path into more than the limit, then appends until an append
// fails.
func fsizeHelper(path string) int {
	signal.Ignore(syscall.SIGXFSZ)
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		fmt.Print(err)
		return 1
	}
	lim.Cur = 1024
	if err := syscall.Setrlimit(syscall.RLIMIT_FSIZE, &lim); err != nil {
		fmt.Print(err)
		return 1
	}
	f, _, err := journal.Open(path, journal.Options{}, func(json.RawMessage) error { return nil })
	if err != nil {
		fmt.Print(err)
		return 1
	}
	defer f.Close()
	full := func(err error) bool { return errors.Is(err, journal.ErrFull) && errors.Is(err, syscall.EFBIG) }
	var res fsizeResult
	var big []any
	for i := range 50 {
		big = append(big, rec{N: i, S: strings.Repeat("x", 40)})
	}
	if err := f.Rewrite(big); err != nil {
		res.Rewrite, res.RewriteFull = err.Error(), full(err)
	}
	for i := 100; i < 200; i++ {
		if err := f.Append(rec{N: i}); err != nil {
			res.Append, res.AppendFull = err.Error(), full(err)
			break
		}
		res.Acked++
	}
	b, _ := json.Marshal(res)
	fmt.Print(string(b))
	return 0
}

// TestRewriteUnderRealFileSizeLimit pins issue 10 finding 1 on a real
// limit: under RLIMIT_FSIZE start-up compaction replaced the state file
// with a truncated 1 KiB file and reported success. Now the compaction
// fails with ErrFull and the file is untouched; appends fill it up to the
// limit, the one that does not fit fails, and every acknowledged record
// replays.
func TestRewriteUnderRealFileSizeLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	_, f := mustOpen(t, path, journal.Options{})
	appendAll(t, f, upTo(5)...)
	f.Close()
	before := readFile(t, path)

	code, out := runHelper(t, "fsize", path)
	var res fsizeResult
	if err := json.Unmarshal([]byte(out), &res); code != 0 || err != nil {
		t.Fatalf("helper: exit %d: %s", code, out)
	}
	if !res.RewriteFull || !strings.Contains(res.Rewrite, "write temporary file") {
		t.Errorf("compaction past the limit: %q, want ErrFull (EFBIG) naming the write", res.Rewrite)
	}
	if !res.AppendFull {
		t.Errorf("append past the limit: %q, want ErrFull (EFBIG)", res.Append)
	}
	want := upTo(5)
	for i := range res.Acked {
		want = append(want, rec{N: 100 + i})
	}
	if got := readFile(t, path); !strings.HasPrefix(got, before) || len(got) > 1024 {
		t.Errorf("file after the helper: %d bytes, want the original %d bytes and appends up to 1024", len(got), len(before))
	}
	if res.Acked == 0 {
		t.Error("no append fitted under the limit: the test does not show that appends stop at it")
	}
	wantReplay(t, path, want)
}
