package sim_test

import (
	"context"
	"encoding/json"
	"io/fs"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/journal"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// syncGate is the real file system, except that once armed the next Sync
// of a state file blocks until release: a disk slow to fsync, held for as
// long as the test needs.
type syncGate struct {
	journal.FS
	armed   atomic.Bool
	entered chan struct{} // closed when the armed Sync begins
	release chan struct{} // closed to let it finish
	once    sync.Once
}

func newSyncGate() *syncGate {
	return &syncGate{FS: journal.OSFS{}, entered: make(chan struct{}), release: make(chan struct{})}
}

func (g *syncGate) open() { g.once.Do(func() { close(g.release) }) }

func (g *syncGate) OpenFile(name string, flag int, perm fs.FileMode) (journal.FSFile, error) {
	f, err := g.FS.OpenFile(name, flag, perm)
	if err != nil {
		return nil, err
	}
	return gatedFile{f, g}, nil
}

type gatedFile struct {
	journal.FSFile
	g *syncGate
}

func (f gatedFile) Sync() error {
	if f.g.armed.CompareAndSwap(true, false) {
		close(f.g.entered)
		<-f.g.release
	}
	return f.FSFile.Sync()
}

// fsyncBound is how long a request may take while a change is blocked in
// its fsync before the test calls it stuck behind it: generous, as the
// machine is shared; on the old code the requests never answer.
const fsyncBound = 5 * time.Second

// serveAsync sends a request from its own goroutine and delivers the
// answer on the returned channel. body is nil or a string, which env.do
// sends without a way to fail the test from that goroutine.
func serveAsync(e *env, method, path, token string, body any) <-chan reply {
	ch := make(chan reply, 1)
	go func() { ch <- e.do(method, path, token, body) }()
	return ch
}

// holdInSync starts a change and returns once it is blocked in its
// state file's fsync, holding the simulator's lock; the channel delivers
// its answer after gate.open.
func holdInSync(t *testing.T, e *env, gate *syncGate, method, path, token string, body any) <-chan reply {
	t.Helper()
	gate.armed.Store(true)
	ch := serveAsync(e, method, path, token, body)
	select {
	case <-gate.entered:
	case r := <-ch:
		t.Fatalf("%s %s answered %d %s without reaching its fsync", method, path, r.Status, r.Body)
	case <-time.After(fsyncBound):
		t.Fatalf("%s %s never reached its fsync", method, path)
	}
	return ch
}

// TestHealthWaitsBehindFsync: a change holds the simulator's lock while it
// appends and fsyncs its record, and every request took that lock to read
// the clock, so with a disk slow to sync (a Sync sleeping 1 s) /healthz
// answered after 0.91 s. Probes, the clock, tokens and coverage read no
// order and no longer wait for a pending fsync.
func TestHealthWaitsBehindFsync(t *testing.T) {
	gate := newSyncGate()
	e := newEnv(t, func(o *sim.Options) {
		o.StateFile, o.StateFS = filepath.Join(t.TempDir(), "state.jsonl"), gate
	})
	defer e.srv.Close()
	defer gate.open() // before Close, which waits for the held lock
	token := e.demo()
	body, err := json.Marshal(booking(t, 23, nil))
	if err != nil {
		t.Fatal(err)
	}
	before := e.do("GET", "/__sim/clock", "", nil)

	booked := holdInSync(t, e, gate, "POST", pathBooking, token, string(body))
	probes := []struct {
		name, method, path, token string
		body                      any
	}{
		{"healthz", "GET", "/healthz", "", nil},
		{"readyz", "GET", "/readyz", "", nil},
		{"clock", "GET", "/__sim/clock", "", nil},
		{"token", "POST", pathToken, "", `{"client_id":"demo","client_secret":"demo-secret","grant_type":"client_credentials"}`},
		{"find single", "POST", pathSingle, token, `{"shopId":16,"transportSolutionId":23,"address":"Eksempelveien 12","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`},
		{"nearby", "POST", pathNearby, token, `{"shopId":16,"transportSolutionId":113,"zipCode":"0468","countryCode":"NO"}`},
		{"dates", "POST", pathDates, token, `{"shopId":16,"freightProductId":26,"zipCode":"0561","countryCode":"NO"}`},
	}
	answers := make([]<-chan reply, len(probes))
	for i, p := range probes {
		answers[i] = serveAsync(e, p.method, p.path, p.token, p.body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), fsyncBound) // one bound for all
	defer cancel()
	for i, p := range probes {
		select {
		case r := <-answers[i]:
			if r.Status != 200 {
				t.Errorf("%s during a pending fsync = %d %s, want 200", p.name, r.Status, r.Body)
			}
			if p.name == "clock" {
				assertDiff(t, "clock during a pending booking", string(before.Body), string(r.Body))
			}
		case <-ctx.Done():
			t.Errorf("%s did not answer within %v while a booking was in its fsync: it waits behind it", p.name, fsyncBound)
		}
	}
	gate.open()
	if r := <-booked; r.Status != 200 {
		t.Fatalf("the held booking = %d %s, want 200", r.Status, r.Body)
	}
}

// TestClockReadDuringPendingClockChange: while a clock change waits for
// its fsync, GET /__sim/clock answers at once with the clock as it was:
// the change is not made until its record is durable. Its own answer and
// every read after it show the moved clock.
func TestClockReadDuringPendingClockChange(t *testing.T) {
	gate := newSyncGate()
	e := newEnv(t, func(o *sim.Options) {
		o.StateFile, o.StateFS = filepath.Join(t.TempDir(), "state.jsonl"), gate
	})
	defer e.srv.Close()
	defer gate.open()
	before := e.do("GET", "/__sim/clock", "", nil)

	moved := holdInSync(t, e, gate, "POST", "/__sim/clock", "", `{"advance":"1d"}`)
	select {
	case r := <-serveAsync(e, "GET", "/__sim/clock", "", nil):
		assertDiff(t, "clock while an advance waits for its fsync", string(before.Body), string(r.Body))
	case <-time.After(fsyncBound):
		t.Errorf("GET /__sim/clock did not answer within %v while an advance was in its fsync", fsyncBound)
	}
	gate.open()
	r := <-moved
	if r.Status != 200 {
		t.Fatalf("advance = %d %s, want 200", r.Status, r.Body)
	}
	var ans, now struct{ Now time.Time }
	if err := json.Unmarshal(r.Body, &ans); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(e.do("GET", "/__sim/clock", "", nil).Body, &now); err != nil {
		t.Fatal(err)
	}
	if want := guideClock.Add(24 * time.Hour); !ans.Now.Equal(want) || !now.Now.Equal(want) || !e.srv.Now().Equal(want) {
		t.Errorf("after the advance: answer %v, GET %v, Server.Now %v; want %v", ans.Now, now.Now, e.srv.Now(), want)
	}
}
