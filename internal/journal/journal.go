// Package journal is the state file: an append-only file of opaque JSON
// records, one per line, each with its checksum, fsynced before Append
// returns, so that whatever a caller acknowledges after Append survives
// kill -9 or a power cut. Open replays the records in order; Rewrite
// (compaction) replaces them all at once, atomically.
//
// It knows nothing of what the records mean: internal/sim builds and
// applies them, and checks the format version in its first record. It is
// not a database (no index, no lookup, one writer) and not a log of
// requests.
//
// # Format
//
// Each line is the CRC-32C (Castagnoli) of the record as 8 lowercase hex
// digits, one space, the record as json.Marshal writes it, and a newline:
//
//	a2e6d0bf {"n":1}
//
// docs/state-file.md describes the format, the guarantees and every
// refusal for operators.
//
// # Rules
//
//   - Open resolves symbolic links (the link stays a link; its target is
//     the file), takes an exclusive flock(2) (ErrLocked when another open
//     file holds it) and keeps it until Close, across Rewrite too.
//   - Only a last line without its newline is a torn tail: a write cut
//     short, never acknowledged. Open drops it (Info.TornBytes, a WARN)
//     when it is the start of a line this package writes (a whole record
//     only with its right checksum; on the first line, more than a
//     checksum's hex digits, so that a short file of hex digits is not
//     taken for a torn state file, and never with
//     Options.FirstLineByRewrite). Any other damage
//     (an empty line, a line without a checksum, a checksum mismatch, a
//     record that is not JSON, a record apply refuses, a torn tail that is
//     not the start of a record) is a *CorruptError: Open fails and the
//     file is left byte for byte as it was.
//   - Append never leaves part of a record: on any failure it truncates
//     the file back to its last whole record and returns an error wrapping
//     ErrFull (ENOSPC, EDQUOT, EFBIG) or ErrFailed (anything else). The
//     File stays usable; if the truncate fails too, each later Append
//     retries it first and fails until it succeeds.
//   - Rewrite writes a temporary file beside the original, fsyncs it and
//     renames it over the original (the rename is the commit point), then
//     fsyncs the directory. A failure before the rename leaves the
//     original untouched and in use.
//
// # Files
//
// journal.go holds File and its operations, format.go the line format and
// CorruptError, fs.go the FS interface and the real file system (OSFS).
// Package journaltest has a failing FS for tests.
package journal

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
)

// Errors a caller maps to answers (sim: 507 storage.full, 500
// storage.failed) or to a start-up message.
var (
	// ErrFull: no room for the record (ENOSPC, EDQUOT or EFBIG).
	ErrFull = errors.New("no room for the record (disk full, quota or file-size limit)")
	// ErrFailed: any other write or sync failure (EIO, ...).
	ErrFailed = errors.New("write failed")
	// ErrLocked: another open file holds the state file's lock.
	ErrLocked = errors.New("locked by another process")
)

// Options configure Open. The zero value uses the real file system and
// discards log lines.
type Options struct {
	// FS is the file system; nil means OSFS. Tests inject a failing one
	// (journaltest.FailingFS).
	FS FS
	// Logger gets a WARN line for a dropped torn tail, with its byte
	// count; nil discards.
	Logger *slog.Logger
	// FirstLineByRewrite says the caller writes a file's first record only
	// by Rewrite (temporary file, fsync, rename), never by Append: a
	// first line without its newline then cannot be a write cut short,
	// and Open refuses it as corruption instead of dropping it and turning
	// someone's short file ("deadbeef ") into a state file. internal/sim
	// compacts at every start, so it sets it.
	FirstLineByRewrite bool
}

// Info is what Open found.
type Info struct {
	Replayed  int    // complete records applied
	TornBytes int64  // bytes of a dropped torn tail; 0 if none
	Path      string // the file opened: path with its symbolic links resolved
}

// File is an open journal. Its methods are safe for concurrent use.
type File struct {
	fs   FS
	log  *slog.Logger
	path string // resolved

	mu           sync.Mutex
	h            FSFile
	size         int64 // bytes of whole records: where the next one goes
	needTruncate bool  // a failed append may have left bytes past size
	needDirSync  bool  // Rewrite's rename is not yet known to be durable
	closed       bool
}

// Open opens the journal at path, creating it if missing, and calls apply
// for each complete record in order. See the package doc for the rules.
// A refused file gives a *CorruptError; a held lock an error wrapping
// ErrLocked.
func Open(path string, opts Options, apply func(rec json.RawMessage) error) (*File, Info, error) {
	fsys := opts.FS
	if fsys == nil {
		fsys = OSFS{}
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	resolved, err := fsys.Resolve(path)
	if err != nil {
		return nil, Info{}, fmt.Errorf("resolve state file %s: %w", path, err)
	}
	h, err := openLocked(fsys, resolved)
	if err != nil {
		return nil, Info{}, err
	}
	info, size, err := replay(fsys, h, resolved, log, opts.FirstLineByRewrite, apply)
	if err != nil {
		h.Close()
		return nil, Info{}, err
	}
	return &File{fs: fsys, log: log, path: resolved, h: h, size: size}, info, nil
}

// maxReplaced bounds how often Open retries when the file it locked was
// replaced by another process's Rewrite in the meantime.
const maxReplaced = 3

// openLocked opens path and takes its lock.
func openLocked(fsys FS, path string) (FSFile, error) {
	for range maxReplaced {
		h, err := fsys.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return nil, fmt.Errorf("open state file: %w", err)
		}
		if err := h.Lock(); err != nil {
			h.Close()
			if errors.Is(err, syscall.EWOULDBLOCK) {
				return nil, lockedError(path)
			}
			return nil, fmt.Errorf("lock state file %s: %w", path, err)
		}
		// The lock is on the file opened. If another process's Rewrite
		// renamed a new file over path in between, that one is at path
		// and locked by its owner: open again to find out.
		same, err := isAt(fsys, h, path)
		if err != nil {
			h.Close()
			return nil, err
		}
		if same {
			return h, nil
		}
		h.Close()
	}
	return nil, lockedError(path)
}

func lockedError(path string) error {
	return fmt.Errorf("state file %s: %w; is another mockhelthjem using it? Stop it, or give this one its own state file", path, ErrLocked)
}

// isAt reports whether h is still the file at path. A file that is not a
// regular file (a FIFO, a device) is an error: reading it could block or
// never end.
func isAt(fsys FS, h FSFile, path string) (bool, error) {
	hi, err := h.Stat()
	if err != nil {
		return false, fmt.Errorf("stat state file: %w", err)
	}
	if !hi.Mode().IsRegular() {
		return false, fmt.Errorf("state file %s is not a regular file (%s)", path, hi.Mode().Type())
	}
	pi, err := fsys.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("stat state file: %w", err)
	}
	return os.SameFile(hi, pi), nil
}

// replay reads every line of h, applies the records and drops a torn
// tail. It returns the size of the whole records.
func replay(fsys FS, h FSFile, path string, log *slog.Logger, firstByRewrite bool, apply func(json.RawMessage) error) (Info, int64, error) {
	info := Info{Path: path}
	r := bufio.NewReaderSize(h, 64<<10)
	var size int64
	line := 1
	for ; ; line++ {
		b, err := r.ReadBytes('\n')
		if err == io.EOF {
			if len(b) > 0 {
				if line == 1 && firstByRewrite {
					return Info{}, 0, &CorruptError{Path: path, Line: line, Err: errTornFirst}
				}
				if err := tornTail(b, line == 1); err != nil {
					return Info{}, 0, &CorruptError{Path: path, Line: line, Err: err}
				}
				info.TornBytes = int64(len(b))
			}
			break
		}
		if err != nil {
			return Info{}, 0, fmt.Errorf("read state file: %w", err)
		}
		rec, err := decodeLine(b[:len(b)-1])
		if err == nil {
			err = apply(rec)
		}
		if err != nil {
			return Info{}, 0, &CorruptError{Path: path, Line: line, Err: err}
		}
		size += int64(len(b))
		info.Replayed++
	}
	if info.TornBytes > 0 {
		if err := h.Truncate(size); err != nil {
			return Info{}, 0, fmt.Errorf("drop the torn tail of state file: %w", err)
		}
		if err := h.Sync(); err != nil {
			return Info{}, 0, fmt.Errorf("drop the torn tail of state file: %w", err)
		}
		log.Warn("state file: dropped a torn last line, a write cut short that was never acknowledged",
			"path", path, "line", line, "bytes", info.TornBytes)
	}
	// The file may be new (or created by a run that crashed before this
	// point): its directory entry must be durable before any record is.
	if err := fsys.SyncDir(filepath.Dir(path)); err != nil {
		return Info{}, 0, fmt.Errorf("sync the state file's directory: %w", err)
	}
	return info, size, nil
}

// Append encodes rec with json.Marshal, writes it as one line and fsyncs.
// On failure the file holds the old records only, and the error wraps
// ErrFull or ErrFailed (a rec json.Marshal refuses wraps neither).
func (f *File) Append(rec any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("append to state file: encode record: %w", err)
	}
	line := encodeLine(b)
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.readyLocked(); err != nil {
		return fmt.Errorf("append to state file: %w", err)
	}
	n, err := f.h.Write(line)
	if err == nil && n < len(line) {
		err = io.ErrShortWrite
	}
	if err == nil {
		err = f.h.Sync()
	}
	if err == nil {
		f.size += int64(n)
		return nil
	}
	kind := classify(err)
	if rerr := f.rollbackLocked(); rerr != nil {
		return fmt.Errorf("append to state file: %w: %w; removing the unfinished record failed too (%w) and is retried before the next append", kind, err, rerr)
	}
	return fmt.Errorf("append to state file: %w: %w", kind, err)
}

// readyLocked finishes what an earlier failure left to do before a record
// may be appended.
func (f *File) readyLocked() error {
	if f.closed {
		return fmt.Errorf("%w: %w", ErrFailed, os.ErrClosed)
	}
	if f.needDirSync {
		if err := f.fs.SyncDir(filepath.Dir(f.path)); err != nil {
			return fmt.Errorf("%w: the directory sync after compaction still fails: %w", classify(err), err)
		}
		f.needDirSync = false
	}
	if f.needTruncate {
		if err := f.rollbackLocked(); err != nil {
			return fmt.Errorf("%w: removing the unfinished record of a failed append: %w", classify(err), err)
		}
	}
	return nil
}

// rollbackLocked truncates the file back to its whole records, durably.
func (f *File) rollbackLocked() error {
	f.needTruncate = true
	if err := f.h.Truncate(f.size); err != nil {
		return err
	}
	if err := f.h.Sync(); err != nil {
		return err
	}
	f.needTruncate = false
	return nil
}

// classify maps a file-system error to ErrFull or ErrFailed.
func classify(err error) error {
	for _, full := range []syscall.Errno{syscall.ENOSPC, syscall.EDQUOT, syscall.EFBIG} {
		if errors.Is(err, full) {
			return ErrFull
		}
	}
	return ErrFailed
}

// Rewrite replaces the journal's records with recs, one line each: it
// writes them to a temporary file beside the state file (its name plus
// ".tmp"), fsyncs it, renames it over the state file (a symlink's target,
// never the link) and fsyncs the directory. The new file is locked before
// it replaces the old one, so the lock is never let go.
//
// If a step before the rename fails, the original is untouched and still
// the file Append writes to, and the error (wrapping ErrFull or ErrFailed
// and the cause) names the step. If only the directory sync after the
// rename fails, the new file is in place and in use, but the rename may
// not survive a crash: Rewrite says so, and each later Append retries the
// directory sync first and fails until it succeeds, so nothing is
// acknowledged that a crash could take back.
func (f *File) Rewrite(recs []any) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rewriteLocked(recs)
}

func (f *File) rewriteLocked(recs []any) (err error) {
	if f.closed {
		return fmt.Errorf("compact state file: %w: %w", ErrFailed, os.ErrClosed)
	}
	step := func(what string, err error) error {
		return fmt.Errorf("compact state file %s: %s: %w: %w", f.path, what, classify(err), err)
	}
	fi, err := f.h.Stat()
	if err != nil {
		return step("stat", err)
	}
	tmp := f.path + ".tmp"
	// A temporary file is left only by a crash during an earlier Rewrite
	// (this process holds the lock, so no other one is writing it).
	if err := f.fs.Remove(tmp); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return step("remove a stale temporary file", err)
	}
	t, err := f.fs.OpenFile(tmp, os.O_RDWR|os.O_CREATE|os.O_EXCL|os.O_APPEND, fi.Mode().Perm())
	if err != nil {
		return step("create temporary file", err)
	}
	committed := false
	defer func() {
		if committed {
			return
		}
		// Report the cause; add what cleaning up could not do.
		if cerr := t.Close(); cerr != nil {
			err = fmt.Errorf("%w (closing the temporary file: %w)", err, cerr)
		}
		if rerr := f.fs.Remove(tmp); rerr != nil {
			err = fmt.Errorf("%w (removing the temporary file: %w)", err, rerr)
		}
	}()
	if err := t.Lock(); err != nil {
		return step("lock temporary file", err)
	}
	w := bufio.NewWriterSize(t, 64<<10)
	var size int64
	for i, rec := range recs {
		b, err := json.Marshal(rec)
		if err != nil {
			return fmt.Errorf("compact state file %s: encode record %d: %w", f.path, i+1, err)
		}
		n, err := w.Write(encodeLine(b))
		if err != nil {
			return step("write temporary file", err)
		}
		size += int64(n)
	}
	if err := w.Flush(); err != nil {
		return step("write temporary file", err)
	}
	if err := t.Sync(); err != nil {
		return step("sync temporary file", err)
	}
	if err := f.fs.Rename(tmp, f.path); err != nil {
		return step("rename temporary file over the state file", err)
	}
	committed = true
	old := f.h
	f.h, f.size, f.needTruncate = t, size, false
	// The old file's data is on disk and it is no longer at f.path:
	// closing it can lose nothing, so a failure is only logged.
	defer func() {
		if cerr := old.Close(); cerr != nil {
			f.log.Warn("state file: closing the file compaction replaced failed", "path", f.path, "error", cerr.Error())
		}
	}()
	if err := f.fs.SyncDir(filepath.Dir(f.path)); err != nil {
		f.needDirSync = true
		return fmt.Errorf("compact state file %s: sync directory: %w: %w; the compacted file is in place but its rename may not survive a crash, and appends fail until the directory can be synced", f.path, classify(err), err)
	}
	f.needDirSync = false
	return nil
}

// Size is the bytes of the file's whole records: where the next one goes.
func (f *File) Size() int64 {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.size
}

// Close closes the file and releases its lock. If a failed append's
// record could not be removed yet, Close tries once more.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		return fmt.Errorf("close state file %s: %w", f.path, os.ErrClosed)
	}
	f.closed = true
	var rerr error
	if f.needTruncate {
		if err := f.rollbackLocked(); err != nil {
			rerr = fmt.Errorf("close state file %s: removing the unfinished record of a failed append: %w", f.path, err)
		}
	}
	if err := f.h.Close(); err != nil {
		return errors.Join(rerr, fmt.Errorf("close state file %s: %w", f.path, err))
	}
	return rerr
}
