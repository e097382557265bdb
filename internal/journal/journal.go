// Package journal is an append-only file of JSON records, one per line,
// each written and fsynced before Append returns, so that whatever a
// caller acknowledged after Append survives kill -9. On open the existing
// records are replayed in order.
//
// A final line without its newline, after at least one complete record, is
// a write the process died in the middle of; it was never acknowledged, so
// it is dropped. Any other line
// that does not decode is corruption: Open fails and leaves the file as it
// was. The package knows nothing of what the records mean.
package journal

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// File is an open journal.
type File struct {
	f    *os.File
	path string
}

// CorruptError reports a record that could not be replayed.
type CorruptError struct {
	Path string
	Line int
	Err  error
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("state file %s is corrupt at line %d (left untouched; move it away to start empty): %v", e.Path, e.Line, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Open opens or creates the journal at path and calls apply for each
// complete record, in order. It returns how many records were replayed
// and whether a torn final record was dropped.
func Open(path string, apply func(rec json.RawMessage) error) (f *File, replayed int, torn bool, err error) {
	fh, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, 0, false, fmt.Errorf("open state file: %w", err)
	}
	defer func() {
		if err != nil {
			fh.Close()
		}
	}()
	r := bufio.NewReaderSize(fh, 64<<10)
	var good int64 // bytes of complete records
	for line := 1; ; line++ {
		b, rerr := r.ReadBytes('\n')
		if rerr == io.EOF {
			if len(bytes.TrimSpace(b)) > 0 {
				if replayed == 0 {
					// Nothing before it was ever a record: this is not a
					// journal cut short but some other file.
					return nil, 0, false, &CorruptError{Path: path, Line: line, Err: errors.New("not a journal record")}
				}
				torn = true
			}
			break
		}
		if rerr != nil {
			return nil, 0, false, fmt.Errorf("read state file: %w", rerr)
		}
		good += int64(len(b))
		b = bytes.TrimSpace(b)
		if len(b) == 0 {
			continue
		}
		if !json.Valid(b) {
			return nil, 0, false, &CorruptError{Path: path, Line: line, Err: errors.New("not a JSON record")}
		}
		if err := apply(b); err != nil {
			return nil, 0, false, &CorruptError{Path: path, Line: line, Err: err}
		}
		replayed++
	}
	if torn {
		// Drop the half-written record so the next append starts clean.
		if err := fh.Truncate(good); err != nil {
			return nil, 0, false, fmt.Errorf("drop torn record: %w", err)
		}
	}
	if _, err := fh.Seek(good, io.SeekStart); err != nil {
		return nil, 0, false, fmt.Errorf("seek state file: %w", err)
	}
	return &File{f: fh, path: path}, replayed, torn, nil
}

// Append writes one record and syncs it to disk.
func (f *File) Append(rec any) error {
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("encode record: %w", err)
	}
	b = append(b, '\n')
	if _, err := f.f.Write(b); err != nil {
		return fmt.Errorf("write state file: %w", err)
	}
	if err := f.f.Sync(); err != nil {
		return fmt.Errorf("sync state file: %w", err)
	}
	return nil
}

// Rewrite replaces the journal with records, atomically: a crash leaves
// either the old file or the new one.
func (f *File) Rewrite(records []any) error {
	tmp := f.path + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return fmt.Errorf("compact state file: %w", err)
	}
	w := bufio.NewWriter(out)
	enc := json.NewEncoder(w)
	for _, rec := range records {
		if err := enc.Encode(rec); err != nil {
			out.Close()
			os.Remove(tmp)
			return fmt.Errorf("compact state file: %w", err)
		}
	}
	if err := w.Flush(); err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compact state file: %w", err)
	}
	if err := os.Rename(tmp, f.path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compact state file: %w", err)
	}
	if d, err := os.Open(filepath.Dir(f.path)); err == nil {
		_ = d.Sync()
		d.Close()
	}
	nf, err := os.OpenFile(f.path, os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("reopen state file: %w", err)
	}
	f.f.Close()
	f.f = nf
	return nil
}

// Close closes the file.
func (f *File) Close() error { return f.f.Close() }
