package journal

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"regexp"
	"strconv"
	"strings"
)

// castagnoli is the CRC-32C table (hardware-accelerated on amd64 and arm64).
var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// sumLen is the checksum's length: 8 lowercase hex digits, then one space.
const sumLen = 8

// encodeLine returns the line for one record: the CRC-32C of rec as 8
// lowercase hex digits, a space, rec, a newline. json.Marshal escapes
// every control character inside strings, so rec holds no newline.
func encodeLine(rec []byte) []byte {
	line := make([]byte, 0, sumLen+1+len(rec)+1)
	line = fmt.Appendf(line, "%08x ", crc32.Checksum(rec, castagnoli))
	line = append(line, rec...)
	return append(line, '\n')
}

// What is wrong with a line. They are CorruptError.Err, and
// docs/state-file.md quotes them.
var (
	errEmptyLine  = errors.New("an empty line")
	errFormat1    = errors.New("a record without a checksum: the file was written by an older mockhelthjem (state file format 1), which this version cannot read")
	errNoSum      = errors.New("not a state file line (no checksum)")
	errChecksum   = errors.New("checksum mismatch: the line was changed after it was written")
	errNotJSON    = errors.New("the checksum matches but the record is not JSON")
	errBadTail    = errors.New("an unfinished last line that is not the start of a record")
	errShortFirst = errors.New("a first line of a few hex digits and no newline: too short to be told from some other file")
	errTornFirst  = errors.New("a first line without its newline, which no write of a state file leaves (its first line is written whole, by a rename)")
)

// decodeLine checks one complete line (without its newline) and returns
// its record.
func decodeLine(line []byte) (json.RawMessage, error) {
	if len(line) == 0 {
		return nil, errEmptyLine
	}
	if !hasSum(line) {
		if json.Valid(line) {
			return nil, errFormat1
		}
		return nil, errNoSum
	}
	want, _ := strconv.ParseUint(string(line[:sumLen]), 16, 32)
	rec := line[sumLen+1:]
	if crc32.Checksum(rec, castagnoli) != uint32(want) {
		return nil, errChecksum
	}
	if !json.Valid(rec) {
		return nil, errNotJSON
	}
	return rec, nil
}

// hasSum reports whether line starts with a checksum and its space.
func hasSum(line []byte) bool {
	return len(line) > sumLen && line[sumLen] == ' ' && isHex(line[:sumLen])
}

func isHex(b []byte) bool {
	for _, c := range b {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// tornTail reports why tail, a last line without its newline, is not
// what a write cut short leaves, or nil when it is: a prefix of a line
// encodeLine makes, perhaps followed by zero bytes (after a crash some
// file systems show the end of a file whose size grew before its data was
// written as zeros). Anything else (some other file, a line edited by
// hand) is corruption, not a torn write, and is never dropped:
//
//   - a whole record (valid JSON) whose checksum does not match: a write
//     cut short leaves a prefix of the right bytes, so only the newline
//     can be missing;
//   - on the first line, nothing but a few hex digits (or zeros): too
//     little to tell a state file from some other short file (printf cafe
//     > f), which must not be emptied and turned into a state file.
func tornTail(tail []byte, first bool) error {
	tail = bytes.TrimRight(tail, "\x00")
	if !isHex(tail[:min(len(tail), sumLen)]) {
		return errBadTail
	}
	if len(tail) <= sumLen {
		if first {
			return errShortFirst
		}
		return nil
	}
	if tail[sumLen] != ' ' {
		return errBadTail
	}
	rec := tail[sumLen+1:]
	switch {
	case len(rec) == 0:
		return nil
	case isSpace(rec[0]):
		return errBadTail // json.Marshal writes no white space around a value
	case json.Valid(rec):
		// The whole record: only its newline may be missing.
		if isSpace(rec[len(rec)-1]) {
			return errBadTail
		}
		if want, _ := strconv.ParseUint(string(tail[:sumLen]), 16, 32); crc32.Checksum(rec, castagnoli) != uint32(want) {
			return errChecksum
		}
		return nil
	}
	// A cut JSON value ends early: the decoder wants more input. A
	// syntax error, or a whole value followed by more, is not a cut.
	var v json.RawMessage
	if json.NewDecoder(bytes.NewReader(rec)).Decode(&v) != io.ErrUnexpectedEOF {
		return errBadTail
	}
	return nil
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\r' || c == '\n' }

// CorruptError reports a state file that Open refused. The file was left
// byte for byte as it was.
type CorruptError struct {
	Path string // the file (a symlink's target)
	Line int    // 1-based
	Err  error  // what is wrong with the line
}

func (e *CorruptError) Error() string {
	return fmt.Sprintf("state file %s is corrupt at line %d (%v); it was left untouched: move it aside (mv %s %s) to start empty, or restore a backup",
		e.Path, e.Line, e.Err, shellQuote(e.Path), shellQuote(e.Path+".bad"))
}

func (e *CorruptError) Unwrap() error { return e.Err }

var shellSafe = regexp.MustCompile(`^[A-Za-z0-9_./:@%+=,-]+$`)

// shellQuote quotes s for a POSIX shell when it needs it, so the advised
// command can be pasted.
func shellQuote(s string) string {
	if shellSafe.MatchString(s) {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
