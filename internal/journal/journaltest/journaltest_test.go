package journaltest_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/journal"
	"github.com/mockhelthjem/mockhelthjem/internal/journal/journaltest"
)

// newFile creates a file through fsys, returning its path.
func newFile(t *testing.T, fsys *journaltest.FailingFS) (string, journal.FSFile) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "f")
	h, err := fsys.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return path, h
}

// TestEveryOpCanFail: a fault on each Op fails the call it names, with
// the chosen errno in an *fs.PathError.
func TestEveryOpCanFail(t *testing.T) {
	calls := map[journaltest.Op]func(fsys *journaltest.FailingFS, path string, h journal.FSFile) error{
		journaltest.OpResolve: func(fsys *journaltest.FailingFS, path string, _ journal.FSFile) error {
			_, err := fsys.Resolve(path)
			return err
		},
		journaltest.OpOpen: func(fsys *journaltest.FailingFS, path string, _ journal.FSFile) error {
			_, err := fsys.OpenFile(path, os.O_RDONLY, 0)
			return err
		},
		journaltest.OpStat: func(fsys *journaltest.FailingFS, path string, _ journal.FSFile) error {
			_, err := fsys.Stat(path)
			return err
		},
		journaltest.OpRename: func(fsys *journaltest.FailingFS, path string, _ journal.FSFile) error {
			return fsys.Rename(path, path+".new")
		},
		journaltest.OpRemove: func(fsys *journaltest.FailingFS, path string, _ journal.FSFile) error {
			return fsys.Remove(path)
		},
		journaltest.OpSyncDir: func(fsys *journaltest.FailingFS, path string, _ journal.FSFile) error {
			return fsys.SyncDir(filepath.Dir(path))
		},
		journaltest.OpRead: func(_ *journaltest.FailingFS, _ string, h journal.FSFile) error {
			_, err := h.Read(make([]byte, 1))
			return err
		},
		journaltest.OpWrite: func(_ *journaltest.FailingFS, _ string, h journal.FSFile) error {
			_, err := h.Write([]byte("x"))
			return err
		},
		journaltest.OpWriteBytes: func(_ *journaltest.FailingFS, _ string, h journal.FSFile) error {
			_, err := h.Write([]byte("x"))
			return err
		},
		journaltest.OpSync:     func(_ *journaltest.FailingFS, _ string, h journal.FSFile) error { return h.Sync() },
		journaltest.OpTruncate: func(_ *journaltest.FailingFS, _ string, h journal.FSFile) error { return h.Truncate(0) },
		journaltest.OpLock:     func(_ *journaltest.FailingFS, _ string, h journal.FSFile) error { return h.Lock() },
		journaltest.OpClose:    func(_ *journaltest.FailingFS, _ string, h journal.FSFile) error { return h.Close() },
	}
	for _, op := range journaltest.AllOps() {
		t.Run(string(op), func(t *testing.T) {
			call := calls[op]
			if call == nil {
				t.Fatalf("no call for %s", op)
			}
			fsys := journaltest.New(nil)
			path, h := newFile(t, fsys)
			fsys.Inject(journaltest.Fault{Op: op, Err: syscall.ENOSPC})
			err := call(fsys, path, h)
			var pe *fs.PathError
			if !errors.As(err, &pe) || !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("err = %v, want an *fs.PathError wrapping ENOSPC", err)
			}
			if fsys.Failures() != 1 {
				t.Errorf("Failures() = %d, want 1", fsys.Failures())
			}
		})
	}
	if len(calls) != len(journaltest.AllOps()) {
		t.Errorf("%d calls for %d ops", len(calls), len(journaltest.AllOps()))
	}
}

// TestAfterCountsCalls: After calls succeed, the next fails, later ones
// succeed again unless the fault is sticky; Heal ends a sticky fault.
func TestAfterCountsCalls(t *testing.T) {
	for _, sticky := range []bool{false, true} {
		fsys := journaltest.New(nil)
		_, h := newFile(t, fsys)
		h.Sync() // before Inject: not counted by the fault
		fsys.Inject(journaltest.Fault{Op: journaltest.OpSync, After: 2, Sticky: sticky})
		var got []bool
		for range 5 {
			got = append(got, h.Sync() == nil)
		}
		fsys.Heal()
		got = append(got, h.Sync() == nil)
		want := []bool{true, true, false, true, true, true}
		if sticky {
			want = []bool{true, true, false, false, false, true}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("sticky %v: which syncs succeeded (-want +got):\n%s", sticky, diff)
		}
		if fsys.Calls(journaltest.OpSync) != 7 {
			t.Errorf("Calls = %d, want 7", fsys.Calls(journaltest.OpSync))
		}
	}
}

// TestDefaultErrIsEIO: a fault without an Err fails with EIO.
func TestDefaultErrIsEIO(t *testing.T) {
	fsys := journaltest.New(nil)
	_, h := newFile(t, fsys)
	fsys.Inject(journaltest.Fault{Op: journaltest.OpTruncate})
	if err := h.Truncate(0); !errors.Is(err, syscall.EIO) {
		t.Errorf("err = %v, want EIO", err)
	}
}

// TestWriteBytes: the write that crosses the byte offset writes what
// comes before it and fails; a sticky fault then writes nothing.
func TestWriteBytes(t *testing.T) {
	fsys := journaltest.New(nil)
	path, h := newFile(t, fsys)
	if _, err := h.Write([]byte("ab")); err != nil {
		t.Fatal(err)
	}
	fsys.Inject(journaltest.Fault{Op: journaltest.OpWriteBytes, After: 5, Err: syscall.EFBIG, Sticky: true})
	type result struct {
		N   int
		Err bool
	}
	var got []result
	for _, p := range []string{"cd", "efghij", "k"} {
		n, err := h.Write([]byte(p))
		if err != nil && !errors.Is(err, syscall.EFBIG) {
			t.Fatalf("err = %v, want EFBIG", err)
		}
		got = append(got, result{n, err != nil})
	}
	if diff := cmp.Diff([]result{{2, false}, {3, true}, {0, true}}, got); diff != "" {
		t.Errorf("writes (-want +got):\n%s", diff)
	}
	if b, _ := os.ReadFile(path); string(b) != "abcdefg" {
		t.Errorf("file = %q, want abcdefg", b)
	}
	if n := fsys.Calls(journaltest.OpWriteBytes); n != 7 {
		t.Errorf("Calls(OpWriteBytes) = %d bytes, want 7", n)
	}
	fsys.Heal()
	if n, err := h.Write([]byte("k")); n != 1 || err != nil {
		t.Errorf("after Heal: %d %v", n, err)
	}
}

// TestCloseFaultStillCloses: like close(2), a failed close releases the
// file.
func TestCloseFaultStillCloses(t *testing.T) {
	fsys := journaltest.New(nil)
	_, h := newFile(t, fsys)
	fsys.Inject(journaltest.Fault{Op: journaltest.OpClose})
	if err := h.Close(); err == nil {
		t.Fatal("close succeeded")
	}
	fsys.Heal()
	if _, err := h.Write([]byte("x")); !errors.Is(err, os.ErrClosed) {
		t.Errorf("write after a failed close: %v, want os.ErrClosed", err)
	}
}
