package journal_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/journal"
	jt "github.com/mockhelthjem/mockhelthjem/internal/journal/journaltest"
)

// openFailing opens a new journal on a FailingFS and appends recs.
func openFailing(t *testing.T, recs ...rec) (string, *jt.FailingFS, *journal.File) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.jsonl")
	fsys := jt.New(nil)
	_, f := mustOpen(t, path, journal.Options{FS: fsys})
	appendAll(t, f, recs...)
	return path, fsys, f
}

// kindOf is the error Append and Rewrite must wrap for errno.
func kindOf(errno syscall.Errno) error {
	switch errno {
	case syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG:
		return journal.ErrFull
	}
	return journal.ErrFailed
}

// wantFailure checks that err wraps both errno and its kind.
func wantFailure(t *testing.T, err error, errno syscall.Errno) {
	t.Helper()
	if !errors.Is(err, errno) || !errors.Is(err, kindOf(errno)) {
		t.Fatalf("err = %v, want one wrapping %v and %v", err, kindOf(errno), errno)
	}
}

// TestAppendFailurePoints fails every call an Append makes (the write,
// every byte offset of it, the sync) with each errno, alone and with its
// rollback failing too. Whatever fails: the failed Append returns an error
// of the right kind, the file holds exactly the acknowledged records (or,
// while a failed truncate is pending, those plus part of the failed one,
// which the next Append removes first), and once the disk works again the
// next Append succeeds and a reopen replays exactly the acknowledged
// records.
func TestAppendFailurePoints(t *testing.T) {
	failing := rec{N: 4, S: "the record that fails"}
	failingLine := line(failing)
	type point struct {
		name  string
		fault jt.Fault
	}
	var points []point
	for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG, syscall.EIO} {
		points = append(points,
			point{fmt.Sprintf("write call, %v", errno), jt.Fault{Op: jt.OpWrite, Err: errno}},
			point{fmt.Sprintf("sync, %v", errno), jt.Fault{Op: jt.OpSync, Err: errno}},
			point{fmt.Sprintf("write at byte 10, %v", errno), jt.Fault{Op: jt.OpWriteBytes, After: 10, Err: errno}},
		)
	}
	for off := range int64(len(failingLine)) {
		points = append(points, point{fmt.Sprintf("disk full at byte %d", off), jt.Fault{Op: jt.OpWriteBytes, After: off, Err: syscall.ENOSPC, Sticky: true}})
	}
	rollbacks := []struct {
		name string
		// faults returns the rollback's faults for a primary fault on op.
		faults func(op jt.Op) []jt.Fault
		// stuck: the rollback still fails on the next Append.
		pending, stuck bool
	}{
		{"", func(jt.Op) []jt.Fault { return nil }, false, false},
		{"truncate fails once", func(jt.Op) []jt.Fault { return []jt.Fault{{Op: jt.OpTruncate}} }, true, false},
		{"truncate keeps failing", func(jt.Op) []jt.Fault { return []jt.Fault{{Op: jt.OpTruncate, Sticky: true}} }, true, true},
		{"its sync fails once", func(op jt.Op) []jt.Fault {
			// The rollback's sync comes after the Append's own, if any.
			if op == jt.OpSync {
				return []jt.Fault{{Op: jt.OpSync, After: 1}}
			}
			return []jt.Fault{{Op: jt.OpSync}}
		}, true, false},
	}
	for _, p := range points {
		for _, rb := range rollbacks {
			name := p.name
			if rb.name != "" {
				name += ", rollback " + rb.name
			}
			t.Run(name, func(t *testing.T) {
				acked := upTo(3)
				path, fsys, f := openFailing(t, acked...)
				fsys.Inject(p.fault)
				fsys.Inject(rb.faults(p.fault.Op)...)

				err := f.Append(failing)
				wantFailure(t, err, p.fault.Err.(syscall.Errno))
				if rb.pending != strings.Contains(err.Error(), "removing the unfinished record failed too") {
					t.Errorf("err = %v; want the rollback failure reported: %v", err, rb.pending)
				}
				content := readFile(t, path)
				if !rb.pending && content != lines(acked...) {
					t.Fatalf("after the failed append the file is\n%q\nwant the acknowledged records only", content)
				}
				if rest, ok := strings.CutPrefix(content, lines(acked...)); !ok || !strings.HasPrefix(failingLine, rest) {
					t.Fatalf("after the failed append the file is\n%q\nwant the acknowledged records and at most part of the failed one", content)
				}
				if rb.stuck {
					// The disk still refuses: nothing is appended after
					// the half record.
					if err := f.Append(rec{N: 5}); !errors.Is(err, journal.ErrFailed) || !strings.Contains(err.Error(), "removing the unfinished record of a failed append") {
						t.Errorf("append while the truncate still fails: %v", err)
					}
					if after := readFile(t, path); after != content {
						t.Errorf("append while the truncate still fails changed the file to %q", after)
					}
				}

				fsys.Heal() // space returns
				appendAll(t, f, rec{N: 5})
				acked = append(acked, rec{N: 5})
				if diff := cmp.Diff(lines(acked...), readFile(t, path)); diff != "" {
					t.Errorf("after space returned (-want +got):\n%s", diff)
				}
				closeAndReplay(t, f, path, acked)
			})
		}
	}
}

// TestAppendOnFullDiskLeavesNoHalfRecord pins issue 10 finding 2: a full
// disk left half a record in the file, the next append landed on the same
// line, and the next start refused the file.
func TestAppendOnFullDiskLeavesNoHalfRecord(t *testing.T) {
	path, fsys, f := openFailing(t, upTo(9)...)
	fsys.Inject(jt.Fault{Op: jt.OpWriteBytes, After: int64(len(line(rec{N: 10})) / 2), Err: syscall.ENOSPC, Sticky: true})
	for range 2 {
		if err := f.Append(rec{N: 10}); !errors.Is(err, journal.ErrFull) {
			t.Fatalf("append on a full disk: %v", err)
		}
		if diff := cmp.Diff(lines(upTo(9)...), readFile(t, path)); diff != "" {
			t.Fatalf("file after a failed append (-want +got):\n%s", diff)
		}
	}
	fsys.Heal()
	appendAll(t, f, rec{N: 10})
	closeAndReplay(t, f, path, upTo(10))
}

// TestCloseRetriesRollback: a failed append whose record could not be
// removed yet is removed by Close.
func TestCloseRetriesRollback(t *testing.T) {
	path, fsys, f := openFailing(t, rec{N: 1})
	fsys.Inject(jt.Fault{Op: jt.OpSync, Err: syscall.EIO}, jt.Fault{Op: jt.OpTruncate})
	if err := f.Append(rec{N: 2}); err == nil {
		t.Fatal("append succeeded")
	}
	if got := readFile(t, path); got != lines(rec{N: 1}, rec{N: 2}) {
		t.Fatalf("the test needs the whole failed record still in the file; it holds %q", got)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(lines(rec{N: 1}), readFile(t, path)); diff != "" {
		t.Errorf("after Close (-want +got):\n%s", diff)
	}
}

// rewriteSteps names, for each call Rewrite makes, the step its error
// names.
var rewriteSteps = map[jt.Op]string{
	jt.OpStat:       "stat",
	jt.OpRemove:     "remove a stale temporary file",
	jt.OpOpen:       "create temporary file",
	jt.OpLock:       "lock temporary file",
	jt.OpWrite:      "write temporary file",
	jt.OpWriteBytes: "write temporary file",
	jt.OpSync:       "sync temporary file",
	jt.OpRename:     "rename temporary file over the state file",
	jt.OpSyncDir:    "sync directory",
	jt.OpClose:      "", // closing the replaced file, after the commit: logged only
}

// TestRewriteFailurePoints fails every call a Rewrite makes, at every
// count and byte offset, with ENOSPC and with EIO. Before the rename the
// original is untouched and still appended to; a failed directory sync
// after it leaves the new file in place and says so; nothing is lost, and
// once the disk works a reopen replays what was acknowledged.
func TestRewriteFailurePoints(t *testing.T) {
	old := upTo(3)
	compacted := []rec{{N: 7, S: "compacted"}, {N: 8}, {N: 9}}
	setup := func(t *testing.T) (string, *jt.FailingFS, *journal.File, *bytes.Buffer) {
		path := filepath.Join(t.TempDir(), "state.jsonl")
		fsys := jt.New(nil)
		logger, logs := newLogger()
		_, f := mustOpen(t, path, journal.Options{FS: fsys, Logger: logger})
		appendAll(t, f, old...)
		return path, fsys, f, logs
	}

	// How many calls of each kind a clean Rewrite makes.
	_, fsys, f, _ := setup(t)
	before := map[jt.Op]int64{}
	for _, op := range jt.AllOps() {
		before[op] = fsys.Calls(op)
	}
	if err := f.Rewrite(asAny(compacted)); err != nil {
		t.Fatal(err)
	}
	tried := 0
	for _, op := range jt.AllOps() {
		calls := fsys.Calls(op) - before[op]
		step, known := rewriteSteps[op]
		if calls > 0 && !known {
			t.Errorf("Rewrite calls %s, which this test does not know", op)
		}
		for n := range calls {
			for _, errno := range []syscall.Errno{syscall.ENOSPC, syscall.EIO} {
				tried++
				t.Run(fmt.Sprintf("%s %d %v", op, n, errno), func(t *testing.T) {
					path, fsys, f, logs := setup(t)
					fsys.Inject(jt.Fault{Op: op, After: n, Err: errno})
					err := f.Rewrite(asAny(compacted))
					if fsys.Failures() != 1 {
						t.Fatalf("%d calls failed, want 1", fsys.Failures())
					}
					want := old // what the file must hold
					switch op {
					case jt.OpClose:
						if err != nil {
							t.Fatalf("err = %v; a failed close of the replaced file loses nothing", err)
						}
						if !strings.Contains(logs.String(), "level=WARN") {
							t.Errorf("the failed close was not logged: %q", logs)
						}
						want = compacted
					case jt.OpSyncDir:
						wantFailure(t, err, errno)
						if !strings.Contains(err.Error(), "the compacted file is in place") {
							t.Errorf("err = %v, want it to say the compacted file is in place", err)
						}
						want = compacted
					default:
						wantFailure(t, err, errno)
					}
					if err != nil && !strings.Contains(err.Error(), "compact state file "+path+": "+step+": ") {
						t.Errorf("err = %v, want it to name the step %q", err, step)
					}
					if diff := cmp.Diff(lines(want...), readFile(t, path)); diff != "" {
						t.Errorf("file after the rewrite (-want +got):\n%s", diff)
					}
					if _, err := os.Stat(path + ".tmp"); !errors.Is(err, os.ErrNotExist) {
						t.Errorf("temporary file left: %v", err)
					}
					// The file in use is the one at the path.
					appendAll(t, f, rec{N: 10})
					closeAndReplay(t, f, path, append(want, rec{N: 10}))
				})
			}
		}
	}
	if tried < 20 {
		t.Errorf("only %d failure points: the call counting is broken", tried)
	}
}

// TestRewriteDirSyncKeepsFailing: while the directory sync after a
// compaction fails, nothing is acknowledged (the rename might not survive
// a crash); when it works again appends go on.
func TestRewriteDirSyncKeepsFailing(t *testing.T) {
	path, fsys, f := openFailing(t, upTo(2)...)
	fsys.Inject(jt.Fault{Op: jt.OpSyncDir, Err: syscall.EIO, Sticky: true})
	if err := f.Rewrite(asAny([]rec{{N: 9}})); !errors.Is(err, journal.ErrFailed) {
		t.Fatalf("rewrite: %v", err)
	}
	if err := f.Append(rec{N: 10}); !errors.Is(err, journal.ErrFailed) || !strings.Contains(err.Error(), "the directory sync after compaction still fails") {
		t.Errorf("append while the directory cannot be synced: %v", err)
	}
	fsys.Heal()
	appendAll(t, f, rec{N: 11})
	closeAndReplay(t, f, path, []rec{{N: 9}, {N: 11}})
}

// TestRewriteReportsFlushErrorUnderFileSizeLimit pins issue 10 finding 1:
// Rewrite re-declared err around the flush, so under a file-size limit
// start-up compaction replaced the state file with a truncated 1 KiB file
// and reported success. The records fit in the write buffer, so the
// failing write is the flush's.
func TestRewriteReportsFlushErrorUnderFileSizeLimit(t *testing.T) {
	old := upTo(5)
	path, fsys, f := openFailing(t, old...)
	var big []rec
	for i := range 50 {
		big = append(big, rec{N: i, S: strings.Repeat("x", 40)})
	}
	if len(lines(big...)) <= 1024 || len(lines(big...)) >= 64<<10 {
		t.Fatalf("%d bytes: want more than the limit and less than the write buffer", len(lines(big...)))
	}
	fsys.Inject(jt.Fault{Op: jt.OpWriteBytes, After: 1024, Err: syscall.EFBIG, Sticky: true})
	err := f.Rewrite(asAny(big))
	wantFailure(t, err, syscall.EFBIG)
	if fsys.Calls(jt.OpWrite) != int64(len(old))+1 {
		t.Errorf("%d write calls: the failing write was not the flush", fsys.Calls(jt.OpWrite)-int64(len(old)))
	}
	if diff := cmp.Diff(lines(old...), readFile(t, path)); diff != "" {
		t.Errorf("the original was changed (-want +got):\n%s", diff)
	}
}

// TestRewriteReportsSyncError: the other half of finding 1, the lost sync
// error.
func TestRewriteReportsSyncError(t *testing.T) {
	path, fsys, f := openFailing(t, upTo(2)...)
	fsys.Inject(jt.Fault{Op: jt.OpSync, Err: syscall.EIO})
	err := f.Rewrite(asAny(upTo(1)))
	wantFailure(t, err, syscall.EIO)
	if !strings.Contains(err.Error(), "sync temporary file") {
		t.Errorf("err = %v, want it to name the sync", err)
	}
	if diff := cmp.Diff(lines(upTo(2)...), readFile(t, path)); diff != "" {
		t.Errorf("the original was changed (-want +got):\n%s", diff)
	}
}

// TestRewriteCleanupFailures: when cleaning up after a failed step fails
// too, both are reported, the original is untouched, and the stale
// temporary file is removed by the next Rewrite.
func TestRewriteCleanupFailures(t *testing.T) {
	path, fsys, f := openFailing(t, upTo(2)...)
	fsys.Inject(
		jt.Fault{Op: jt.OpSync, Err: syscall.EIO},
		jt.Fault{Op: jt.OpClose, Err: syscall.EIO},
		jt.Fault{Op: jt.OpRemove, After: 1, Err: syscall.EACCES}, // the stale-file removal works; the cleanup's fails
	)
	err := f.Rewrite(asAny(upTo(1)))
	for _, want := range []string{"sync temporary file", "closing the temporary file: close ", "removing the temporary file: remove "} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("err = %v, want it to contain %q", err, want)
		}
	}
	if diff := cmp.Diff(lines(upTo(2)...), readFile(t, path)); diff != "" {
		t.Errorf("the original was changed (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(path + ".tmp"); err != nil {
		t.Fatalf("the test needs the temporary file left behind: %v", err)
	}
	fsys.Heal()
	if err := f.Rewrite(asAny([]rec{{N: 7}})); err != nil {
		t.Fatal(err)
	}
	closeAndReplay(t, f, path, []rec{{N: 7}})
}

// TestOpenFailurePoints fails every call Open makes on a file with a torn
// tail. Open returns an error (never a *CorruptError: the file is fine),
// the file keeps its records, and once the disk works Open succeeds.
func TestOpenFailurePoints(t *testing.T) {
	content := lines(upTo(2)...) + line(rec{N: 3})[:7]
	counter := jt.New(nil)
	path := filepath.Join(t.TempDir(), "state.jsonl")
	writeFile(t, path, content)
	_, f := mustOpen(t, path, journal.Options{FS: counter})
	f.Close()
	tried := 0
	for _, op := range jt.AllOps() {
		if op == jt.OpClose {
			continue // Open closes nothing it keeps
		}
		for n := range counter.Calls(op) {
			tried++
			t.Run(fmt.Sprintf("%s %d", op, n), func(t *testing.T) {
				path := filepath.Join(t.TempDir(), "state.jsonl")
				writeFile(t, path, content)
				fsys := jt.New(nil)
				fsys.Inject(jt.Fault{Op: op, After: n})
				_, _, _, err := open(t, path, journal.Options{FS: fsys})
				var ce *journal.CorruptError
				if err == nil || errors.As(err, &ce) || errors.Is(err, journal.ErrLocked) {
					t.Fatalf("err = %v, want a plain failure", err)
				}
				if got := readFile(t, path); got != content && got != lines(upTo(2)...) {
					t.Errorf("file after a failed open: %q", got)
				}
				wantReplay(t, path, upTo(2))
			})
		}
	}
	if tried < 8 {
		t.Errorf("only %d failure points: the call counting is broken", tried)
	}
	t.Run("lock held", func(t *testing.T) {
		fsys := jt.New(nil)
		fsys.Inject(jt.Fault{Op: jt.OpLock, Err: syscall.EWOULDBLOCK})
		if _, _, _, err := open(t, path, journal.Options{FS: fsys}); !errors.Is(err, journal.ErrLocked) {
			t.Errorf("err = %v, want ErrLocked", err)
		}
	})
}
