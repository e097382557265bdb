package sim_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/journal"
	"github.com/mockhelthjem/mockhelthjem/internal/journal/journaltest"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// Storage failures driven through journaltest's failing file layer: a
// change whose record cannot be written is answered with a storage error,
// never 200, and changes nothing; when the disk heals the mock goes on;
// and the file always replays to exactly what was acknowledged.

// change is one kind of state change: setup books what it needs (on the
// mock it is given) and returns the request that makes the change.
type change struct {
	name  string
	setup func(e *env) func() reply
}

var changes = []change{
	{"booking", func(e *env) func() reply {
		tok := e.demo()
		return func() reply { return e.do("POST", pathBooking, tok, booking(e.t, 113, nil)) }
	}},
	{"booking with a pickup date", func(e *env) func() reply {
		tok := e.demo()
		return func() reply { return e.do("POST", pathBooking, tok, booking(e.t, 23, nil)) }
	}},
	{"drop-off", func(e *env) func() reply {
		rc := firstItem(e.book(e.demo(), booking(e.t, 113, nil)))["returnCode"].(string)
		return func() reply {
			return e.do("POST", "/__sim/dropoffs", "", map[string]string{"code": rc, "servicePointId": "49003"})
		}
	}},
	{"conversion", func(e *env) func() reply {
		rc := firstItem(e.book(e.demo(), booking(e.t, 23, nil)))["returnCode"].(string)
		return func() reply {
			return e.do("POST", "/__sim/dropoffs", "", map[string]string{"code": rc, "servicePointId": "49003"})
		}
	}},
	{"clock", func(e *env) func() reply {
		return func() reply { return e.do("POST", "/__sim/clock", "", map[string]string{"advance": "90m"}) }
	}},
	{"reset of a client", func(e *env) func() reply {
		e.book(e.token("demo2", "demo2-secret"), booking(e.t, 113, func(b map[string]any) { b["shopId"] = 17 }))
		return func() reply { return e.do("POST", "/__sim/reset?clientId=demo2", "", nil) }
	}},
	{"full reset", func(e *env) func() reply {
		e.advance("3h")
		return func() reply { return e.do("POST", "/__sim/reset", "", nil) }
	}},
}

// storagePair is a mock with a state file on a failing file system, and a
// shadow in memory that gets only the requests the mock acknowledged: the
// state the mock must have.
type storagePair struct {
	t            *testing.T
	path         string
	fsys         *journaltest.FailingFS
	live, shadow *env
}

func newStoragePair(t *testing.T) *storagePair {
	p := &storagePair{t: t, path: filepath.Join(t.TempDir(), "state.jsonl"), fsys: journaltest.New(nil)}
	p.live = newEnv(t, func(o *sim.Options) { o.StateFile, o.StateFS = p.path, p.fsys })
	p.shadow = newEnv(t)
	t.Cleanup(func() { p.live.srv.Close() })
	return p
}

// same fails unless the mock holds exactly the shadow's state.
func (p *storagePair) same(when string) {
	p.t.Helper()
	if diff := sim.StateDiff(p.shadow.srv, p.live.srv); diff != "" {
		p.t.Fatalf("%s: the mock's state is not what was acknowledged (-want +got):\n%s", when, diff)
	}
}

// replays closes the mock and checks that its file replays to its state.
func (p *storagePair) replays() {
	p.t.Helper()
	if err := p.live.srv.Close(); err != nil {
		p.t.Fatal(err)
	}
	again := newEnv(p.t, func(o *sim.Options) { o.StateFile = p.path })
	defer again.srv.Close()
	if diff := sim.StateDiff(p.live.srv, again.srv); diff != "" {
		p.t.Fatalf("the file does not replay to what was acknowledged (-acknowledged +replayed):\n%s", diff)
	}
}

// failWith sends a change under faults and wants a storage error, with
// memory unchanged; then heals the disk and wants the change to succeed.
func (p *storagePair) failWith(do, shadowDo func() reply, status int, key string, faults ...journaltest.Fault) {
	p.t.Helper()
	p.fsys.Inject(faults...)
	if r := do(); r.Status != status || r.errorKey(p.t) != key {
		p.t.Fatalf("under %+v: %d %s, want %d %s", faults, r.Status, r.Body, status, key)
	}
	p.same("after the failed append")
	p.fsys.Heal()
	if r := do(); r.Status != 200 {
		p.t.Fatalf("after the disk healed: %d %s", r.Status, r.Body)
	}
	if r := shadowDo(); r.Status != 200 {
		p.t.Fatalf("shadow: %d %s", r.Status, r.Body)
	}
	p.same("after the retry")
}

// TestAppendFailureAppliesNothing: each kind of change, under each kind of
// append failure (a full disk at the first byte or in mid-record, a
// file-size limit, a failed write or fsync, a disk that stays full, a
// failed write whose truncation fails too) is answered 507 storage.full or
// 500 storage.failed; memory is as if it was never sent; the retry once
// the disk heals succeeds; the file replays to exactly what was
// acknowledged.
func TestAppendFailureAppliesNothing(t *testing.T) {
	const full, failed = "storage.full", "storage.failed"
	w := func(op journaltest.Op, after int64, err error) journaltest.Fault {
		return journaltest.Fault{Op: op, After: after, Err: err}
	}
	faults := []struct {
		name   string
		faults []journaltest.Fault
		status int
		key    string
	}{
		{"disk full at the first byte", []journaltest.Fault{w(journaltest.OpWriteBytes, 0, syscall.ENOSPC)}, 507, full},
		{"disk full mid-record", []journaltest.Fault{w(journaltest.OpWriteBytes, 17, syscall.ENOSPC)}, 507, full},
		{"quota mid-record", []journaltest.Fault{w(journaltest.OpWriteBytes, 9, syscall.EDQUOT)}, 507, full},
		{"file-size limit", []journaltest.Fault{w(journaltest.OpWriteBytes, 30, syscall.EFBIG)}, 507, full},
		{"write fails", []journaltest.Fault{w(journaltest.OpWrite, 0, syscall.EIO)}, 500, failed},
		{"fsync fails", []journaltest.Fault{w(journaltest.OpSync, 0, syscall.EIO)}, 500, failed},
		{"fsync finds no room", []journaltest.Fault{w(journaltest.OpSync, 0, syscall.ENOSPC)}, 507, full},
		{"write and truncate fail", []journaltest.Fault{w(journaltest.OpWriteBytes, 5, syscall.EIO), w(journaltest.OpTruncate, 0, syscall.EIO)}, 500, failed},
		{"disk stays full", []journaltest.Fault{{Op: journaltest.OpWriteBytes, After: 3, Err: syscall.ENOSPC, Sticky: true}}, 507, full},
	}
	for _, ch := range changes {
		for _, f := range faults {
			t.Run(ch.name+"/"+f.name, func(t *testing.T) {
				t.Parallel() // each its own state file, mock and shadow
				p := newStoragePair(t)
				do, shadowDo := ch.setup(p.live), ch.setup(p.shadow)
				p.same("after the set-up")
				if f.faults[0].Sticky {
					// Still full on a second try: still refused, still nothing applied.
					p.fsys.Inject(f.faults...)
					if r := do(); r.Status != f.status {
						t.Fatalf("first try: %d %s", r.Status, r.Body)
					}
					p.fsys.Heal()
				}
				p.failWith(do, shadowDo, f.status, f.key, f.faults...)
				p.replays()
			})
		}
	}
}

// TestAppendFailureAtEveryByte: a booking's and a clock change's record
// cut by a full disk at each byte offset (every one for the first and last
// 12 bytes, a stride between): never a 200, nothing applied, and the file
// replays to what was acknowledged. The journal writes a record in one
// call, so the offsets differ only in what lies on disk before the
// rollback: the 12 at each end cover the checksum, the space after it and
// the record's opening and closing bytes and newline (internal/journal's
// TestAppendFailurePoints cuts its records at every offset). Each retry
// stores one more booking, and each check compares the whole state, so the
// cost grows with the square of the offsets tried: 40 at each end took
// 12 s under -race.
func TestAppendFailureAtEveryByte(t *testing.T) {
	for _, ch := range []change{changes[0], changes[4]} {
		t.Run(ch.name, func(t *testing.T) {
			t.Parallel() // each its own state file, mock and shadow
			p := newStoragePair(t)
			do, shadowDo := ch.setup(p.live), ch.setup(p.shadow)
			// The record's length: what one acknowledged change writes.
			before := p.fsys.Calls(journaltest.OpWriteBytes)
			if r := do(); r.Status != 200 {
				t.Fatal(r.Status)
			}
			shadowDo()
			n := p.fsys.Calls(journaltest.OpWriteBytes) - before
			if n < 50 {
				t.Fatalf("a record of %d bytes", n)
			}
			for at := int64(0); at < n; at++ {
				if at >= 12 && at < n-12 && at%53 != 0 {
					continue
				}
				p.failWith(do, shadowDo, 507, "storage.full", journaltest.Fault{Op: journaltest.OpWriteBytes, After: at, Err: syscall.ENOSPC})
			}
			p.replays()
		})
	}
}

// TestCompactionFailureAtEveryCall: start-up over a state file with every
// kind of record, with each call of each kind that start-up makes (open,
// read, lock, stat, write, fsync, rename, directory sync, remove, close)
// failing in turn. Start-up either succeeds with the file's state or fails
// with the reason; a failure before the rename leaves the file byte for
// byte as it was; and a clean start afterwards holds the same state.
func TestCompactionFailureAtEveryCall(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.jsonl")
	e := newEnv(t, func(o *sim.Options) { o.StateFile = path })
	for _, ch := range changes[:6] {
		ch.setup(e)()
	}
	e.srv.Close()
	original := readFile(t, path)
	// The state the file holds, and how many calls of each kind a clean
	// start-up makes.
	counter := journaltest.New(nil)
	ref := newEnv(t, func(o *sim.Options) { o.StateFile, o.StateFS = path, counter })
	ref.srv.Close()
	compacted := readFile(t, path)
	if bytes.Equal(compacted, original) {
		t.Fatal("start-up did not compact the file")
	}
	tried := 0
	for _, op := range journaltest.AllOps() {
		calls := counter.Calls(op)
		// Start-up writes the compacted file in one write call, so a byte
		// offset changes only how much of it lands before the failure: the
		// first and last bytes and eight offsets between are tried (every
		// 97th byte made 86 start-ups of this test's 104).
		stride := max(1, calls/8)
		for at := range calls {
			if op == journaltest.OpWriteBytes && at > 0 && at != calls-1 && at%stride != 0 {
				continue
			}
			t.Run(fmt.Sprintf("%s %d", op, at), func(t *testing.T) {
				tried++
				if err := os.WriteFile(path, original, 0o600); err != nil {
					t.Fatal(err)
				}
				fsys := journaltest.New(nil)
				fsys.Inject(journaltest.Fault{Op: op, After: at, Err: syscall.EIO})
				s, err := sim.New(sim.Options{Seed: 42, Clock: guideClock, StateFile: path, StateFS: fsys})
				now := readFile(t, path)
				switch {
				case err == nil:
					s.Close()
				case errors.Is(err, journal.ErrFailed) || errors.As(err, new(*journal.CorruptError)) || errors.Is(err, syscall.EIO):
					if !bytes.Equal(now, original) && !bytes.Equal(now, compacted) {
						t.Fatalf("start-up failed (%v) and left neither the old file nor the compacted one", err)
					}
				default:
					t.Fatalf("start-up failed without the reason: %v", err)
				}
				again, err := sim.New(sim.Options{Seed: 42, Clock: guideClock, StateFile: path})
				if err != nil {
					t.Fatalf("a clean start after the fault: %v", err)
				}
				defer again.Close()
				if diff := sim.StateDiff(ref.srv, again); diff != "" {
					t.Fatalf("state after the fault (-want +got):\n%s", diff)
				}
			})
		}
	}
	if tried < 15 {
		t.Fatalf("only %d failure points tried", tried)
	}
}
