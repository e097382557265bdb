package sim_test

import (
	"encoding/json"
	"maps"
	"path/filepath"
	"regexp"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

type populated struct {
	Booked     int            `json:"booked"`
	DroppedOff int            `json:"droppedOff"`
	Converted  int            `json:"converted"`
	OrderIDs   []int64        `json:"orderIds"`
	Statuses   map[string]int `json:"statuses"`
}

func (e *env) populate(n int) populated {
	e.t.Helper()
	r := e.do("POST", "/__sim/populate", "", map[string]int{"orders": n})
	if r.Status != 200 {
		e.t.Fatalf("populate %d: %d %s", n, r.Status, r.Body)
	}
	var p populated
	if err := json.Unmarshal(r.Body, &p); err != nil {
		e.t.Fatal(err)
	}
	return p
}

type stateOrders struct {
	Orders []struct {
		ClientID            string    `json:"clientId"`
		OrderID             int64     `json:"orderId"`
		TransportSolutionID int       `json:"transportSolutionId"`
		Status              string    `json:"status"`
		BookedAt            time.Time `json:"bookedAt"`
		ReplacesOrderID     *int64    `json:"replacesOrderId"`
	} `json:"orders"`
}

// TestPopulateWorld: a populated world has every client, every bookable
// transport solution and every stage of the lifecycle, with bookings in
// the past week and the clock where it was.
func TestPopulateWorld(t *testing.T) {
	// At 12:30 every stage can be seen: today's pickups are done (11:00),
	// yesterday's are in transit until their delivery at 14:00.
	afternoon := time.Date(2026, 6, 16, 12, 30, 0, 0, mustOslo())
	e := newEnv(t, func(o *sim.Options) { o.Clock = afternoon })
	p := e.populate(200)

	var st stateOrders
	if err := json.Unmarshal([]byte(e.state()), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Orders) != p.Booked+p.Converted || p.Booked != 200 || len(p.OrderIDs) != len(st.Orders) {
		t.Fatalf("populate answered %+v; the state has %d orders", p, len(st.Orders))
	}
	clients, solutions, statuses := map[string]bool{}, map[int]bool{}, map[string]int{}
	for _, o := range st.Orders {
		clients[o.ClientID], solutions[o.TransportSolutionID] = true, true
		statuses[o.Status]++
		if o.BookedAt.After(afternoon) || o.BookedAt.Before(afternoon.AddDate(0, 0, -7)) {
			t.Errorf("order %d booked at %s, outside the last week", o.OrderID, o.BookedAt)
		}
	}
	if got := slices.Sorted(maps.Keys(clients)); len(got) != 4 {
		t.Errorf("clients %v, want the fixtures' four", got)
	}
	if diff := cmp.Diff([]int{1, 2, 23, 62, 86, 113, 115}, slices.Sorted(maps.Keys(solutions))); diff != "" {
		t.Errorf("transport solutions (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff([]string{"CANCELLED", "DELIVERED", "DROPPED_OFF", "IN_TRANSIT", "PICKED_UP", "WAITING_FOR_PACKAGE"},
		slices.Sorted(maps.Keys(statuses))); diff != "" {
		t.Errorf("statuses (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(statuses, p.Statuses); diff != "" {
		t.Errorf("the answer's statuses and the state's (-want +got):\n%s", diff)
	}
	if p.Converted == 0 || p.DroppedOff == 0 || statuses["CANCELLED"] != p.Converted {
		t.Errorf("populate answered %+v with statuses %v: want conversions (each cancels an order) and drop-offs", p, statuses)
	}
	if now := e.do("GET", "/__sim/clock", "", nil).json(t)["now"]; !sameInstant(t, now.(string), afternoon.Format(time.RFC3339)) {
		t.Errorf("the clock moved to %v", now)
	}
}

// TestPopulatePeople: the parties of the demo bookings look like
// Norwegian people: two names, an eight-digit mobile number, an email made
// of the name, a postal code of the register with its place.
func TestPopulatePeople(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	e := newEnv(t, withState(path))
	e.populate(30)
	shops := map[string]bool{"Demo shop": true, "Second demo shop": true, "Two-shop integrator": true, "Testbutikken Helthjem": true}
	var people int
	for _, rec := range stateRecords(t, path) {
		o, _ := rec["order"].(map[string]any)
		req, _ := o["req"].(map[string]any)
		if req == nil {
			continue
		}
		for _, p := range req["parties"].([]any) {
			p := p.(map[string]any)
			people++
			name, _ := p["name"].(string)
			if shops[name] { // a B2C booking's sender is the shop
				name = "Shop Name"
			}
			if !nameRE.MatchString(name) || !phoneRE.MatchString(p["phone1"].(string)) || !emailRE.MatchString(p["email"].(string)) ||
				!zipRE.MatchString(p["zipCode"].(string)) || p["postalName"] == "" || !streetRE.MatchString(p["address"].(string)) {
				t.Errorf("party %v", p)
			}
		}
	}
	if people != 60 {
		t.Errorf("%d parties in 30 bookings, want 60", people)
	}
}

var (
	nameRE   = regexp.MustCompile(`^\p{Lu}[\p{L}]+( \p{Lu}[\p{L}]+)+$`)
	phoneRE  = regexp.MustCompile(`^[49][0-9]{7}$`)
	emailRE  = regexp.MustCompile(`^[a-z]+\.[a-z]+[0-9]*@[a-z]+\.(com|no)$`)
	zipRE    = regexp.MustCompile(`^[0-9]{4}$`)
	streetRE = regexp.MustCompile(`^\p{Lu}.* [0-9]+[A-C]?$`)
)

// TestPopulateDeterministic: the same seed and clock give the same world;
// a full reset and the same populate give it again; a restart from the
// state file replays it.
func TestPopulateDeterministic(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	a := newEnv(t)
	a.populate(80)
	b := newEnv(t, withState(path))
	b.populate(80)
	if diff := sim.StateDiff(a.srv, b.srv); diff != "" {
		t.Fatalf("two worlds of one seed and clock differ (-a +b):\n%s", diff)
	}
	b.do("POST", "/__sim/reset", "", nil)
	b.populate(80)
	if diff := sim.StateDiff(a.srv, b.srv); diff != "" {
		t.Errorf("after a reset, the same populate made another world (-a +b):\n%s", diff)
	}
	if err := b.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := sim.StateDiff(a.srv, newEnv(t, withState(path)).srv); diff != "" {
		t.Errorf("the state file replays another world (-live +replayed):\n%s", diff)
	}
	// A second call adds other people's orders, not the same again.
	second := a.populate(5)
	if len(second.OrderIDs) < 5 {
		t.Errorf("second populate: %+v", second)
	}
}

func TestPopulateRefusals(t *testing.T) {
	tests := []struct {
		name   string
		opts   func(*sim.Options)
		body   string
		status int
		key    string
	}{
		{"zero", nil, `{"orders":0}`, 400, errorkey.InvalidRequest},
		{"too many", nil, `{"orders":1001}`, 400, errorkey.InvalidRequest},
		{"not a number", nil, `{"orders":"50"}`, 400, errorkey.InvalidRequest},
		{"missing", nil, `{}`, 400, errorkey.InvalidRequest},
		{"unknown key", nil, `{"orders":5,"clientId":"demo"}`, 400, errorkey.InvalidRequest},
		{"not JSON", nil, `orders=5`, 400, errorkey.ParseFailed},
		{"a query", nil, `{"orders":5}`, 400, errorkey.InvalidRequest},
		{"past max orders", func(o *sim.Options) { o.MaxOrders = 9 }, `{"orders":10}`, 507, errorkey.OrderLimitReached},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var mods []func(*sim.Options)
			if tc.opts != nil {
				mods = append(mods, tc.opts)
			}
			e := newEnv(t, mods...)
			before := e.state()
			path := "/__sim/populate"
			if tc.name == "a query" {
				path += "?orders=5"
			}
			r := e.do("POST", path, "", tc.body)
			if r.Status != tc.status || r.errorKey(t) != tc.key {
				t.Errorf("status %d %s, want %d %s: %s", r.Status, r.errorKey(t), tc.status, tc.key, r.Body)
			}
			assertDiff(t, "state after a refused populate", before, e.state())
		})
	}
	// Under the cap, it books.
	e := newEnv(t, func(o *sim.Options) { o.MaxOrders = 1000 })
	if p := e.populate(maxPopulateForTest); p.Booked != maxPopulateForTest {
		t.Errorf("populate %d booked %d", maxPopulateForTest, p.Booked)
	}
}

const maxPopulateForTest = 1000 - 300 // leaves room for the conversions

// TestPopulateAsAdmin: with an admin token, populate needs it like every
// /__sim/ call.
func TestPopulateAsAdmin(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.AdminToken = "s3cret" })
	if r := e.do("POST", "/__sim/populate", "", `{"orders":1}`); r.Status != 401 {
		t.Errorf("without the admin token: %d %s", r.Status, r.Body)
	}
	if r := e.do("POST", "/__sim/populate", "", `{"orders":1}`, "Authorization", "Bearer s3cret"); r.Status != 200 {
		t.Errorf("with the admin token: %d %s", r.Status, r.Body)
	}
}

// TestPopulateWithoutShops: fixtures whose clients have no shop get a 400,
// not a panic.
func TestPopulateWithoutShops(t *testing.T) {
	fx, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	if fx, err = fx.WithClients([]fixture.Client{{ID: "shopless", Secret: "s"}}); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, func(o *sim.Options) { o.Fixtures = fx })
	if r := e.do("POST", "/__sim/populate", "", `{"orders":3}`); r.Status != 400 || r.errorKey(t) != errorkey.InvalidRequest {
		t.Errorf("populate without shops: %d %s", r.Status, r.Body)
	}
}
