package sim

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/journal"
)

// Storage errorKeys: a change the state file could not record. It was not
// applied, so nothing unrecorded is ever acknowledged.
const (
	KeyStorageFull   = errorkey.StorageFull   // 507: no room on the disk (or over a file-size limit)
	KeyStorageFailed = errorkey.StorageFailed // 500: any other write or sync failure
)

// commitLocked is the one road for a change: r is appended to the state
// file (when one is configured) and then applied with the function a
// restart's replay uses. When the append fails nothing was applied, so
// memory is unchanged without any undo.
func (s *Server) commitLocked(r *record) *apierror.Error {
	if s.file != nil {
		// Refuse before writing a record that the replay would refuse.
		if _, err := s.st.check(r); err != nil {
			return s.refused(r, err)
		}
		if err := s.file.Append(r); err != nil {
			return s.storageError(err)
		}
	}
	if err := s.st.apply(r); err != nil {
		return s.refused(r, err)
	}
	if s.file != nil && (r.Type == recReset && r.Client == "" || s.file.Size() > compactGrowth*max(s.compacted, s.compactFloor)) {
		s.compactRunningLocked()
	}
	return nil
}

// When the state file is compacted while the mock runs (start-up always
// compacts): right after a full reset, when the state is tiny, and when
// the file has grown past compactGrowth times its size after the last
// compaction (and past Server.compactFloor, compactFloor unless a test
// lowers it), so it stays within a small multiple of the state it holds.
// docs/state-file.md states the rule.
const (
	compactGrowth       = 4
	compactFloor  int64 = 1 << 20
)

// compactRunningLocked compacts after a change was applied. The change is
// durable in the file already, so a failed compaction does not change its
// answer: Rewrite leaves the original file in place and in use (or, when
// only its directory sync failed, the new one, with appends refused until
// the sync succeeds), and the failure is logged. The next try by growth
// waits for another compactGrowth times the file's size now: a disk with
// room for an append but not for a copy of the file would otherwise
// rewrite the whole state, under the lock, at every change.
func (s *Server) compactRunningLocked() {
	if err := s.compactLocked(); err != nil {
		s.compacted = s.file.Size()
		s.log.Error("state file compaction failed; the file keeps every record and the mock goes on", "error", err.Error())
	}
}

// refused answers a record apply would not take: a bug in the handler that
// built it, never the client's fault.
func (s *Server) refused(r *record, err error) *apierror.Error {
	s.log.Error("change refused by apply", "record", r.Type, "error", err.Error())
	return apierror.New(http.StatusInternalServerError, apierror.KeyInternal, "the change is inconsistent with the stored state and was not applied")
}

// storageError answers a failed append: 507 storage.full when the disk
// has no room, 500 storage.failed otherwise.
func (s *Server) storageError(err error) *apierror.Error {
	s.log.Error("state file write failed", "error", err.Error())
	if errors.Is(err, journal.ErrFull) {
		return apierror.New(http.StatusInsufficientStorage, KeyStorageFull,
			"the state file's disk is full: the change was not recorded and not applied; free space and retry")
	}
	return apierror.New(http.StatusInternalServerError, KeyStorageFailed,
		"the state file could not be written: the change was not recorded and not applied")
}

// openState replays the state file and compacts it. Called from New
// before the server is shared.
func (s *Server) openState(path string) error {
	first, clockRestored := true, false
	flagSeed := s.seed
	opts := journal.Options{FS: s.opts.StateFS, Logger: s.log, FirstLineByRewrite: true}
	f, info, err := journal.Open(path, opts, func(raw json.RawMessage) error {
		// A renamed key is corruption, not a missing field: readRecord
		// refuses it.
		r, err := readRecord(raw)
		if err != nil {
			return fmt.Errorf("not a mockhelthjem record: %w", err)
		}
		if first {
			first = false
			return s.applyMeta(r)
		}
		clockRestored = clockRestored || r.Type == recClock || (r.Type == recReset && r.Client == "")
		return s.st.apply(r)
	})
	if err != nil {
		return err
	}
	s.file = f
	s.log.Info("state file loaded", "path", info.Path, "records", info.Replayed, "orders", len(s.st.orders), "torn_bytes_dropped", info.TornBytes)
	// The file's seed and clock win over the options (-seed, -clock): the
	// generators continue the file's sequence, and a full reset restarts
	// them from its seed. Say so when an option was given and lost.
	var overridden []string
	if s.opts.Seed != 0 && flagSeed != s.seed {
		overridden = append(overridden, "-seed")
	}
	if !s.opts.Clock.IsZero() && clockRestored {
		overridden = append(overridden, "-clock")
	}
	if len(overridden) > 0 {
		s.log.Warn("state file: its seed and clock are used, not the flags given",
			"path", info.Path, "overridden", strings.Join(overridden, " "), "seed", s.seed,
			"clock", s.st.clock.now().Format(time.RFC3339), "frozen", s.st.clock.frozen)
	}
	if err := s.compactLocked(); err != nil {
		// New fails, so nobody would ever Close the file.
		s.file = nil
		return errors.Join(err, f.Close())
	}
	return nil
}

// applyMeta checks the first record: every state file starts with its
// meta record, so a file without one is some other file and must not be
// overwritten. It restores a generated signing key and the seed, with
// generators started from it (the records after it restore where they
// stand).
func (s *Server) applyMeta(r *record) error {
	if r.Type != recMeta || r.Meta == nil {
		return errors.New("not a mockhelthjem state file (no meta record first)")
	}
	if r.Meta.Version != stateVersion {
		return fmt.Errorf("state file version %d, this mockhelthjem reads version %d", r.Meta.Version, stateVersion)
	}
	if key, err := base64.StdEncoding.DecodeString(r.Meta.JWTKey); err == nil && len(s.opts.JWTKey) == 0 && len(key) > 0 {
		s.jwtKey = key
	}
	if r.Meta.Seed != 0 && r.Meta.Seed != s.seed {
		s.seed = r.Meta.Seed
		s.st.gen = newGen(s.seed)
	}
	return nil
}

// metaLocked is the state file's meta record. A generated signing key is
// kept so tokens survive a restart; a configured one (-jwt-secret) is the
// operator's secret and is never written.
func (s *Server) metaLocked() *metaRec {
	m := &metaRec{Version: stateVersion, Seed: s.seed}
	if len(s.opts.JWTKey) == 0 {
		m.JWTKey = base64.StdEncoding.EncodeToString(s.jwtKey)
	}
	return m
}

// compactionLocked is the state as records, one per line: meta, a full
// reset to the clock and generators, then one order record per order (an
// order that continues another comes after it, as booked).
func (s *Server) compactionLocked() []any {
	now, g := s.st.clock.now(), s.st.gen
	recs := make([]any, 0, 2+len(s.st.orders))
	recs = append(recs,
		&record{Type: recMeta, At: now, Meta: s.metaLocked()},
		&record{Type: recReset, At: now, Clock: s.st.clock.rec(), Gen: &g})
	for _, o := range s.st.orders {
		recs = append(recs, &record{Type: recOrder, At: now, Order: o})
	}
	return recs
}

// compactLocked rewrites the state file as compactionLocked, and notes
// its size for the next one.
func (s *Server) compactLocked() error {
	if err := s.file.Rewrite(s.compactionLocked()); err != nil {
		return err
	}
	s.compacted = s.file.Size()
	return nil
}

// Close closes the state file, if any. The file stays the server's: a
// change after Close is refused with 500 storage.failed (its append fails),
// never applied in memory only. Closing again does nothing.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.file == nil || s.fileClosed {
		return nil
	}
	s.fileClosed = true
	return s.file.Close()
}
