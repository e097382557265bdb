package journal

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
)

// FS is the file-system layer a journal goes through: every call that can
// fail is a method here or on FSFile, so a test can fail any one of them
// (journaltest.FailingFS). Errors are returned as the os package returns
// them (*fs.PathError around a syscall.Errno), since the journal classifies
// them with errors.Is.
type FS interface {
	// Resolve returns path with every symbolic link in it resolved,
	// including a last link whose target does not exist yet.
	Resolve(path string) (string, error)
	// OpenFile is os.OpenFile.
	OpenFile(name string, flag int, perm fs.FileMode) (FSFile, error)
	// Stat is os.Stat.
	Stat(name string) (fs.FileInfo, error)
	// Rename is os.Rename.
	Rename(oldpath, newpath string) error
	// Remove is os.Remove.
	Remove(name string) error
	// SyncDir fsyncs the directory dir, so that a file created in it or
	// renamed into it survives a crash.
	SyncDir(dir string) error
}

// FSFile is a file opened through an FS.
type FSFile interface {
	io.Reader
	io.Writer
	Truncate(size int64) error
	Sync() error
	Stat() (fs.FileInfo, error)
	// Lock takes an exclusive flock(2) without waiting. When another open
	// file holds it, the error wraps syscall.EWOULDBLOCK.
	Lock() error
	// Close closes the file and so releases its lock.
	Close() error
}

// OSFS is the real file system.
type OSFS struct{}

var _ FS = OSFS{}

// maxLinks bounds how many symbolic links Resolve follows, as the kernel
// does (ELOOP past 40).
const maxLinks = 40

// Resolve implements FS. filepath.EvalSymlinks fails when the final target
// does not exist; a state file whose link points to a file not created yet
// is resolved to that target, so the link stays a link.
func (OSFS) Resolve(path string) (string, error) {
	for range maxLinks {
		resolved, err := filepath.EvalSymlinks(path)
		if err == nil {
			return resolved, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", err
		}
		fi, lerr := os.Lstat(path)
		if errors.Is(lerr, fs.ErrNotExist) {
			// No such entry: the file is new. Its directory must exist.
			dir, err := filepath.EvalSymlinks(filepath.Dir(path))
			if err != nil {
				return "", err
			}
			return filepath.Join(dir, filepath.Base(path)), nil
		}
		if lerr != nil {
			return "", lerr
		}
		if fi.Mode()&fs.ModeSymlink == 0 {
			return "", err
		}
		target, err := os.Readlink(path)
		if err != nil {
			return "", err
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(filepath.Dir(path), target)
		}
		path = target
	}
	return "", &fs.PathError{Op: "resolve", Path: path, Err: syscall.ELOOP}
}

// OpenFile implements FS.
func (OSFS) OpenFile(name string, flag int, perm fs.FileMode) (FSFile, error) {
	f, err := os.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return osFile{f}, nil
}

// Stat implements FS.
func (OSFS) Stat(name string) (fs.FileInfo, error) { return os.Stat(name) }

// Rename implements FS.
func (OSFS) Rename(oldpath, newpath string) error { return os.Rename(oldpath, newpath) }

// Remove implements FS.
func (OSFS) Remove(name string) error { return os.Remove(name) }

// SyncDir implements FS.
func (OSFS) SyncDir(dir string) (err error) {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer func() {
		if cerr := d.Close(); err == nil {
			err = cerr
		}
	}()
	return d.Sync()
}

type osFile struct{ *os.File }

func (f osFile) Lock() error {
	sc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var ferr error
	if err := sc.Control(func(fd uintptr) {
		ferr = syscall.Flock(int(fd), syscall.LOCK_EX|syscall.LOCK_NB)
	}); err != nil {
		return err
	}
	if ferr != nil {
		return &fs.PathError{Op: "flock", Path: f.Name(), Err: ferr}
	}
	return nil
}
