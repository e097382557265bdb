package sim_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// opsClient is a fixture client the random operations book for.
type opsClient struct {
	id, secret string
	shop       int
}

var opsClients = []opsClient{{"demo", "demo-secret", 16}, {"demo2", "demo2-secret", 17}, {"multi", "multi-secret", 18}}

// opsRun drives a simulator with random operations of every kind that
// changes state, and remembers what it was answered so later operations
// can reuse ids: retries, conflicts within and across clients, ids the
// generators are about to draw, drop-offs of known parcels.
type opsRun struct {
	t      *testing.T
	e      *env
	rnd    *rand.Rand
	bodies []sentBooking // answered bookings, for retries
	codes  []string      // returnCodes and trackingReferences answered
	ids    []string      // shipmentIds and SSCCs answered
	serial uint64        // the serial of the last generated id seen
	// count is how many operations of each kind got which status.
	count map[string]int
}

type sentBooking struct {
	client opsClient
	body   map[string]any
}

func (r *opsRun) now() time.Time {
	var c struct{ Now time.Time }
	if err := json.Unmarshal(r.e.do("GET", "/__sim/clock", "", nil).Body, &c); err != nil {
		r.t.Fatal(err)
	}
	return c.Now
}

func (r *opsRun) pick(xs []string) string { return xs[r.rnd.IntN(len(xs))] }

// nextID is a GS1 id the generators are about to draw (or just drew).
func (r *opsRun) nextID(make func(uint64) (string, error)) string {
	id, err := make(r.serial + uint64(r.rnd.IntN(4)))
	if err != nil {
		r.t.Fatal(err)
	}
	return id
}

func (r *opsRun) step() {
	switch n := r.rnd.IntN(100); {
	case n < 55:
		r.book()
	case n < 65 && len(r.bodies) > 0:
		b := r.bodies[r.rnd.IntN(len(r.bodies))]
		r.note("retry", r.e.do("POST", pathBooking, r.e.token(b.client.id, b.client.secret), b.body))
	case n < 80 && len(r.codes) > 0:
		r.note("dropoff", r.e.do("POST", "/__sim/dropoffs", "", map[string]string{"code": r.pick(r.codes), "servicePointId": "49003"}))
	case n < 88:
		r.note("advance", r.e.do("POST", "/__sim/clock", "", map[string]string{"advance": fmt.Sprintf("%dm", 30+r.rnd.IntN(3000))}))
	case n < 93:
		to := r.now().Add(time.Duration(r.rnd.IntN(600)) * time.Minute)
		r.note("set", r.e.do("POST", "/__sim/clock", "", map[string]string{"set": to.Format(time.RFC3339)}))
	case n < 98:
		r.note("reset client", r.e.do("POST", "/__sim/reset?clientId="+opsClients[r.rnd.IntN(len(opsClients))].id, "", nil))
	default:
		r.note("reset", r.e.do("POST", "/__sim/reset", "", nil))
	}
}

// book sends a booking of a random transport solution for a random
// client, with client-supplied ids now and then.
func (r *opsRun) book() {
	c := opsClients[r.rnd.IntN(len(opsClients))]
	ts := []int{23, 23, 23, 113, 113, 115, 1, 2, 62, 86}[r.rnd.IntN(10)]
	body := booking(r.t, ts, func(b map[string]any) {
		b["shopId"] = c.shop
		switch {
		case ts != 23 || r.rnd.IntN(4) == 0:
			delete(b, "desiredDeliveryDate")
		default:
			dates, _ := calendar.PickupDates(calendar.DateOf(r.now().In(mustOslo())), 5)
			b["desiredDeliveryDate"] = dates[r.rnd.IntN(len(dates))].String()
		}
		switch n := r.rnd.IntN(10); {
		case n == 0:
			b["shipmentId"] = fmt.Sprintf("ORDER-%d", r.rnd.IntN(5))
		case n == 1 && len(r.ids) > 0:
			b["shipmentId"] = r.pick(r.ids) // held, perhaps by another client
		case n == 2:
			b["shipmentId"] = "(401)" + r.nextID(ids.ShipmentNumber) // one the generator is about to draw
		}
		items := []any{}
		for i := range 1 + r.rnd.IntN(3) {
			it := map[string]any{"itemNumber": i + 1, "trackingReference": "", "weight": 100 * (1 + r.rnd.IntN(20))}
			switch n := r.rnd.IntN(12); {
			case n == 0:
				it["trackingReference"] = "(00)" + r.nextID(ids.SSCC)
			case n == 1 && len(r.ids) > 0:
				it["trackingReference"] = r.pick(r.ids)
			}
			items = append(items, it)
		}
		b["items"] = items
	})
	res := r.e.do("POST", pathBooking, r.e.token(c.id, c.secret), body)
	r.note(fmt.Sprintf("book %d", ts), res)
	if res.Status != 200 {
		return
	}
	r.bodies = append(r.bodies, sentBooking{c, body})
	var bk booked
	if err := json.Unmarshal(res.Body, &bk); err != nil {
		r.t.Fatal(err)
	}
	r.ids = append(r.ids, bk.ShipmentID)
	if k, v := ids.Parse(bk.ShipmentID); k == ids.KindShipment {
		r.serial = max(r.serial, serialOf(v))
	}
	for _, it := range bk.Items {
		r.ids = append(r.ids, it.TrackingReference)
		r.codes = append(r.codes, it.TrackingReference)
		if it.ReturnCode != "" {
			r.codes = append(r.codes, it.ReturnCode)
		}
	}
}

// serialOf is the serial inside a generated 17-digit shipment number.
func serialOf(v string) uint64 {
	var n uint64
	for _, c := range v[7:16] {
		n = n*10 + uint64(c-'0')
	}
	return n
}

func (r *opsRun) note(kind string, res reply) {
	r.t.Helper()
	if res.Status >= 500 {
		r.t.Fatalf("%s: %d %s", kind, res.Status, res.Body)
	}
	key := fmt.Sprintf("%s %d", kind, res.Status)
	if kind == "dropoff" && res.Status == 200 {
		key += " " + map[bool]string{true: "conversion", false: "dropoff"}[strings.Contains(string(res.Body), `"kind":"conversion"`)]
	}
	r.count[key]++
}

// TestLiveEqualsReplay is the one-road property: random sequences of
// every change (bookings of each transport solution, with client-supplied
// shipmentIds and SSCCs among them; retries; drop-offs and conversions;
// clock set and advance; full and per-client resets) across three clients,
// run live with a state file. A fresh Server replaying the file, and
// another replaying the file as the first one compacted it, must hold
// exactly the live state: orders, indexes, clock and generators.
//
// Six runs of 80 changes (480 in all; it was 1,200, 15 s under -race) are
// enough for the check at the end: every kind of change, conflict and
// retry happens, and every perturbation finds something to perturb.
func TestLiveEqualsReplay(t *testing.T) {
	var mu sync.Mutex // guards total
	total := map[string]int{}
	// The runs, each with its own state file, go in parallel: a group
	// ends when they all have, before total is checked.
	t.Run("runs", func(t *testing.T) {
		for seed := uint64(1); seed <= 6; seed++ {
			t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
				t.Parallel()
				liveEqualsReplay(t, seed, func(count map[string]int) {
					mu.Lock()
					defer mu.Unlock()
					for k, n := range count {
						total[k] += n
					}
				})
			})
		}
	})
	// The runs did what they are meant to: every kind of change happened,
	// and so did the conflicts and retries.
	for _, kind := range []string{"book 23 200", "book 113 200", "book 115 200", "book 1 200", "book 2 200", "book 62 200", "book 86 200",
		"book 23 409", "book 113 409", "retry 200", "dropoff 200 dropoff", "dropoff 200 conversion", "dropoff 409",
		"advance 200", "set 200", "reset client 200", "reset 200",
		"perturbed generator", "perturbed clock", "perturbed shown clock", "perturbed index", "perturbed event", "perturbed link"} {
		if total[kind] == 0 {
			t.Errorf("no %q in any run: %v", kind, total)
		}
	}
}

// liveEqualsReplay is one run of TestLiveEqualsReplay; it reports what
// was done to add.
func liveEqualsReplay(t *testing.T, seed uint64, add func(count map[string]int)) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	opts := func(o *sim.Options) {
		o.Seed, o.StateFile = seed, path
		o.Wall = func() time.Time { return guideClock } // wall0 is compared too
	}
	live := newEnv(t, opts)
	run := &opsRun{t: t, e: live, rnd: rand.New(rand.NewPCG(seed, 10)), count: map[string]int{}}
	defer func() { add(run.count) }()
	for range 80 {
		run.step()
	}
	if err := live.srv.Close(); err != nil {
		t.Fatal(err)
	}
	replayed := newEnv(t, opts)
	if diff := sim.StateDiff(live.srv, replayed.srv); diff != "" {
		t.Fatalf("replayed state differs from the live one (-live +replayed):\n%s", diff)
	}
	if err := replayed.srv.Close(); err != nil {
		t.Fatal(err)
	}
	compacted := newEnv(t, opts)
	if diff := sim.StateDiff(live.srv, compacted.srv); diff != "" {
		t.Fatalf("state replayed from the compacted file differs (-live +compacted):\n%s", diff)
	}
	if err := compacted.srv.Close(); err != nil {
		t.Fatal(err)
	}
	// A test of the test: the comparison sees each kind of change made
	// behind apply's back.
	for _, what := range sim.Perturbations {
		p := newEnv(t, opts)
		if sim.Perturb(p.srv, what) {
			run.count["perturbed "+what]++
			if sim.StateDiff(live.srv, p.srv) == "" {
				t.Errorf("StateDiff does not see a perturbed %s", what)
			}
		}
		p.srv.Close()
	}
}

// TestReplayAfterEveryOrderIsGone: a per-client reset that removes the last
// order, replayed and compacted, is the same empty state.
func TestReplayAfterEveryOrderIsGone(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	live := newEnv(t, withState(path))
	live.book(live.demo(), booking(t, 113, nil))
	live.do("POST", "/__sim/reset?clientId=demo", "", nil)
	live.srv.Close()
	for _, what := range []string{"replayed", "compacted"} {
		again := newEnv(t, withState(path))
		if diff := sim.StateDiff(live.srv, again.srv); diff != "" {
			t.Errorf("%s (-live +%s):\n%s", what, what, diff)
		}
		again.srv.Close()
	}
}
