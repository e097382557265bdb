// Package journaltest is a file system for internal/journal that fails on
// demand, for tests: any call (resolve, open, stat, rename, remove,
// directory sync, and on a file read, write, sync, truncate, lock, close),
// or a write at any byte offset (what lands before the offset is written:
// a partial write), with the errno of your choice.
//
// It is not a fake file system: the files are real, reached through the
// FS it wraps (the OS by default). Faults count calls from the moment they
// are injected:
//
//	fsys := journaltest.New(nil)
//	f, _, err := journal.Open(path, journal.Options{FS: fsys}, apply)
//	fsys.Inject(journaltest.Fault{Op: journaltest.OpWriteBytes, After: 10, Err: syscall.ENOSPC, Sticky: true})
//	err = f.Append(rec) // 10 bytes land, then ENOSPC: errors.Is(err, journal.ErrFull)
//	fsys.Heal()         // space returns
package journaltest

import (
	"io/fs"
	"sync"
	"syscall"

	"github.com/mockhelthjem/mockhelthjem/internal/journal"
)

// Op is a kind of call.
type Op string

// The calls FailingFS can fail: one for each method of journal.FS and
// journal.FSFile, and OpWriteBytes, which counts bytes instead of calls.
const (
	OpResolve    Op = "resolve"
	OpOpen       Op = "open"
	OpStat       Op = "stat" // FS.Stat and FSFile.Stat
	OpRename     Op = "rename"
	OpRemove     Op = "remove"
	OpSyncDir    Op = "syncdir"
	OpRead       Op = "read"
	OpWrite      Op = "write" // write calls
	OpWriteBytes Op = "writebytes"
	OpSync       Op = "sync"
	OpTruncate   Op = "truncate"
	OpLock       Op = "lock"
	OpClose      Op = "close" // the file is closed all the same, as close(2) does
)

// AllOps lists every Op, for tests that try each.
func AllOps() []Op {
	return []Op{OpResolve, OpOpen, OpStat, OpRename, OpRemove, OpSyncDir, OpRead, OpWrite, OpWriteBytes, OpSync, OpTruncate, OpLock, OpClose}
}

// Fault makes a call fail.
type Fault struct {
	Op Op
	// After is how many calls of Op still succeed (counted from Inject)
	// before one fails. For OpWriteBytes it is a count of bytes: the
	// write that would go past it writes the bytes up to it, then fails.
	After int64
	// Err is the errno the failing call returns, in an *fs.PathError as
	// the os package returns it. Nil means syscall.EIO.
	Err error
	// Sticky keeps every later call of Op failing (every write, for
	// OpWriteBytes, writing nothing) until Heal: a disk that stays full.
	Sticky bool
}

// FailingFS is a journal.FS that fails the calls its faults name. It is
// safe for concurrent use.
type FailingFS struct {
	fs journal.FS

	mu       sync.Mutex
	faults   []*fault
	calls    map[Op]int64
	failures int
}

type fault struct {
	Fault
	seen  int64 // calls (or bytes) that went through since Inject
	fired bool
}

var _ journal.FS = (*FailingFS)(nil)

// New wraps fsys; nil wraps the real file system (journal.OSFS).
func New(fsys journal.FS) *FailingFS {
	if fsys == nil {
		fsys = journal.OSFS{}
	}
	return &FailingFS{fs: fsys, calls: map[Op]int64{}}
}

// Inject adds faults.
func (f *FailingFS) Inject(faults ...Fault) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, ft := range faults {
		if ft.Err == nil {
			ft.Err = syscall.EIO
		}
		f.faults = append(f.faults, &fault{Fault: ft})
	}
}

// Heal removes every fault: space returns, the disk works again.
func (f *FailingFS) Heal() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.faults = nil
}

// Calls reports how many calls of op were made, failed ones included;
// for OpWriteBytes, how many bytes were written.
func (f *FailingFS) Calls(op Op) int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.calls[op]
}

// Failures reports how many calls the faults failed.
func (f *FailingFS) Failures() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failures
}

// check counts a call of op and returns the error a fault gives it. Every
// fault of op counts the call, whether or not another one fails it.
func (f *FailingFS) check(op Op, path string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls[op]++
	var failed error
	for _, ft := range f.faults {
		if ft.Op != op || ft.fired && !ft.Sticky {
			continue
		}
		if ft.fired || ft.seen >= ft.After {
			ft.fired = true
			if failed == nil {
				failed = &fs.PathError{Op: string(op), Path: path, Err: ft.Err}
			}
			continue
		}
		ft.seen++
	}
	if failed != nil {
		f.failures++
	}
	return failed
}

// write writes what the OpWriteBytes faults let through.
func (f *FailingFS) write(h journal.FSFile, path string, p []byte) (int, error) {
	if err := f.check(OpWrite, path); err != nil {
		return 0, err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	allow := int64(len(p))
	var limit *fault
	for _, ft := range f.faults {
		if ft.Op != OpWriteBytes || ft.fired && !ft.Sticky {
			continue
		}
		room := ft.After - ft.seen
		if ft.fired {
			room = 0
		}
		if room < allow {
			allow, limit = room, ft
		}
	}
	n, err := h.Write(p[:allow])
	f.calls[OpWriteBytes] += int64(n)
	for _, ft := range f.faults {
		if ft.Op == OpWriteBytes && !ft.fired {
			ft.seen += int64(n)
		}
	}
	if err != nil || limit == nil {
		return n, err
	}
	limit.fired = true
	f.failures++
	return n, &fs.PathError{Op: "write", Path: path, Err: limit.Err}
}

// Resolve implements journal.FS.
func (f *FailingFS) Resolve(path string) (string, error) {
	if err := f.check(OpResolve, path); err != nil {
		return "", err
	}
	return f.fs.Resolve(path)
}

// OpenFile implements journal.FS.
func (f *FailingFS) OpenFile(name string, flag int, perm fs.FileMode) (journal.FSFile, error) {
	if err := f.check(OpOpen, name); err != nil {
		return nil, err
	}
	h, err := f.fs.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return &file{fs: f, h: h, name: name}, nil
}

// Stat implements journal.FS.
func (f *FailingFS) Stat(name string) (fs.FileInfo, error) {
	if err := f.check(OpStat, name); err != nil {
		return nil, err
	}
	return f.fs.Stat(name)
}

// Rename implements journal.FS.
func (f *FailingFS) Rename(oldpath, newpath string) error {
	if err := f.check(OpRename, oldpath); err != nil {
		return err
	}
	return f.fs.Rename(oldpath, newpath)
}

// Remove implements journal.FS.
func (f *FailingFS) Remove(name string) error {
	if err := f.check(OpRemove, name); err != nil {
		return err
	}
	return f.fs.Remove(name)
}

// SyncDir implements journal.FS.
func (f *FailingFS) SyncDir(dir string) error {
	if err := f.check(OpSyncDir, dir); err != nil {
		return err
	}
	return f.fs.SyncDir(dir)
}

// file is a journal.FSFile whose calls go through the faults.
type file struct {
	fs   *FailingFS
	h    journal.FSFile
	name string
}

func (f *file) Read(p []byte) (int, error) {
	if err := f.fs.check(OpRead, f.name); err != nil {
		return 0, err
	}
	return f.h.Read(p)
}

func (f *file) Write(p []byte) (int, error) { return f.fs.write(f.h, f.name, p) }

func (f *file) Truncate(size int64) error {
	if err := f.fs.check(OpTruncate, f.name); err != nil {
		return err
	}
	return f.h.Truncate(size)
}

func (f *file) Sync() error {
	if err := f.fs.check(OpSync, f.name); err != nil {
		return err
	}
	return f.h.Sync()
}

func (f *file) Stat() (fs.FileInfo, error) {
	if err := f.fs.check(OpStat, f.name); err != nil {
		return nil, err
	}
	return f.h.Stat()
}

func (f *file) Lock() error {
	if err := f.fs.check(OpLock, f.name); err != nil {
		return err
	}
	return f.h.Lock()
}

func (f *file) Close() error {
	err := f.h.Close()
	if ferr := f.fs.check(OpClose, f.name); ferr != nil {
		return ferr
	}
	return err
}
