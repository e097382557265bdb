package sim_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/journal"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

func withState(path string) func(*sim.Options) {
	return func(o *sim.Options) { o.StateFile = path }
}

// TestStateFileRestart: orders, events, links, the clock and the id
// sequence survive a restart.
func TestStateFileRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	e := newEnv(t, withState(path))
	token := e.demo()
	pickup := e.book(token, booking(t, 23, nil))
	rc := firstItem(pickup)["returnCode"].(string)
	e.advance("2h")
	e.dropoff(rc, "49003", 200) // a conversion: two linked orders
	sp := e.book(token, booking(t, 113, func(b map[string]any) { b["shipmentId"] = "KEEP-1" }))
	beforeState := e.state()
	beforeTrack := e.track(token, rc, false).Body
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}

	again := newEnv(t, withState(path))
	assertDiff(t, "state after restart", beforeState, again.state())
	// The old token still works: the signing key is kept too.
	assertDiff(t, "tracking after restart", string(beforeTrack), string(again.track(token, rc, false).Body))
	// A retry of the stored booking is still recognised.
	retry := again.book(token, booking(t, 113, func(b map[string]any) { b["shipmentId"] = "KEEP-1" }))
	assertDiff(t, "retry after restart", sp["orderId"], retry["orderId"])
	// The next ids continue the sequence rather than repeating it.
	next := again.book(token, booking(t, 113, nil))
	for _, id := range []string{firstItem(next)["returnCode"].(string), next["shipmentId"].(string), firstItem(next)["trackingReference"].(string)} {
		if strings.Contains(beforeState, `"`+id+`"`) {
			t.Errorf("a restarted mock reissued %s", id)
		}
	}
	if again.do("GET", "/__sim/clock", "", nil).json(t)["now"] != e.do("GET", "/__sim/clock", "", nil).json(t)["now"] {
		t.Error("the clock was not restored")
	}
}

// TestStateFileRefusesCorruption: a corrupt file stops start-up with a
// clear message and is left exactly as it was.
func TestStateFileRefusesCorruption(t *testing.T) {
	for _, tt := range []struct{ name, content string }{
		{"garbage line", `{"type":"meta","meta":{"version":1,"jwtKey":"","seed":1},"at":"2026-06-16T08:00:00Z"}` + "\nthis is not json\n"},
		{"no meta record first", `{"type":"explode","at":"2026-06-16T08:00:00Z"}` + "\n"},
		{"unknown record", `{"type":"meta","meta":{"version":1,"jwtKey":"","seed":1},"at":"2026-06-16T08:00:00Z"}` + "\n" + `{"type":"explode","at":"2026-06-16T08:00:00Z"}` + "\n"},
		{"clock record without clock", `{"type":"meta","meta":{"version":1,"jwtKey":"","seed":1},"at":"2026-06-16T08:00:00Z"}` + "\n" + `{"type":"clock","at":"2026-06-16T08:00:00Z"}` + "\n"},
		{"future version", `{"type":"meta","meta":{"version":99},"at":"2026-06-16T08:00:00Z"}` + "\n"},
		// Regression: a one-line file without a newline was taken for a
		// torn record, dropped, and the file overwritten.
		{"some other file, one line", "this is my important notes file, not a journal"},
		{"some other JSON lines", `{"n":1}` + "\n" + `{"n":2}` + "\n"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "state.jsonl")
			if err := os.WriteFile(path, []byte(tt.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := sim.New(sim.Options{Seed: 1, StateFile: path})
			var ce *journal.CorruptError
			if !errors.As(err, &ce) || !strings.Contains(err.Error(), "corrupt") || !strings.Contains(err.Error(), path) {
				t.Fatalf("err = %v, want a clear corruption error naming the file", err)
			}
			got, _ := os.ReadFile(path)
			assertDiff(t, "file after refusal", tt.content, string(got))
		})
	}
	t.Run("unreadable", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := sim.New(sim.Options{Seed: 1, StateFile: dir}); err == nil {
			t.Fatal("a directory was accepted as a state file")
		}
	})
}

// TestStateFileTornRecord: a record cut short by a crash was never
// acknowledged; it is dropped and the rest is kept.
func TestStateFileTornRecord(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	e := newEnv(t, withState(path))
	rc := firstItem(e.book(e.demo(), booking(t, 113, nil)))["returnCode"].(string)
	e.srv.Close()
	f, _ := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	f.WriteString(`0badc0de {"type":"put","orders":[{"clientId":"demo","ord`) // a checksum, then a record cut short
	f.Close()
	again := newEnv(t, withState(path))
	if r := again.track(again.demo(), rc, false); r.Status != 200 {
		t.Fatalf("after a torn record: %d %s", r.Status, r.Body)
	}
}

// TestOrderCap: past MaxOrders a booking is refused, nothing is evicted.
func TestOrderCap(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.MaxOrders = 3 })
	token := e.demo()
	var codes []string
	for i := 0; i < 3; i++ {
		codes = append(codes, firstItem(e.book(token, booking(t, 113, nil)))["returnCode"].(string))
	}
	r := e.do("POST", pathBooking, token, booking(t, 113, nil))
	if r.Status != 507 || r.errorKey(t) != "order.limit.reached" {
		t.Fatalf("4th booking = %d %s", r.Status, r.Body)
	}
	for _, c := range codes {
		if r := e.track(token, c, false); r.Status != 200 {
			t.Errorf("%s evicted: %d", c, r.Status)
		}
	}
	e.do("POST", "/__sim/reset", "", nil)
	e.book(e.demo(), booking(t, 113, nil))
}

// TestRequestJournal: bounded, newest first, no bodies or secrets.
func TestRequestJournal(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.JournalSize = 5 })
	token := e.demo()
	secretName := "Ola Nordmann Hemmeligsen"
	for i := 0; i < 4; i++ {
		e.book(token, booking(t, 113, func(b map[string]any) { party(b, 0)["name"] = secretName }))
	}
	e.do("POST", pathSingle, token, `{}`)
	r := e.do("GET", "/__sim/requests", "", nil)
	var got struct {
		Requests []struct {
			Seq       int
			Operation string
			Status    int
			ClientID  string
		}
	}
	if err := json.Unmarshal(r.Body, &got); err != nil {
		t.Fatal(err)
	}
	if len(got.Requests) != 5 {
		t.Fatalf("%d entries, want the 5 newest", len(got.Requests))
	}
	if got.Requests[0].Operation != "findSingleAddress" || got.Requests[0].Status != 400 || got.Requests[0].ClientID != "demo" {
		t.Errorf("newest = %+v", got.Requests[0])
	}
	if got.Requests[0].Seq <= got.Requests[1].Seq {
		t.Errorf("not newest first: %+v", got.Requests)
	}
	for _, leak := range []string{secretName, "demo-secret", token} {
		if bytes.Contains(r.Body, []byte(leak)) {
			t.Errorf("the journal contains %q", leak)
		}
	}
	if r := e.do("GET", "/__sim/requests?limit=2&clientId=nobody", "", nil); !strings.Contains(string(r.Body), `"requests":[]`) {
		t.Errorf("filter by client = %s", r.Body)
	}
}

// TestConfiguredJWTSecretNotWritten: a generated signing key is kept in
// the state file (tokens survive a restart); an operator's -jwt-secret
// must not be copied there.
func TestConfiguredJWTSecretNotWritten(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	e := newEnv(t, withState(path), func(o *sim.Options) { o.JWTKey = []byte("MyJwtSecret123") })
	e.book(e.demo(), booking(t, 113, nil))
	e.srv.Close()
	b, _ := os.ReadFile(path)
	for _, leak := range []string{"MyJwtSecret123", "TXlKd3RTZWNyZXQxMjM"} {
		if bytes.Contains(b, []byte(leak)) {
			t.Errorf("the state file holds the configured secret (%s)", leak)
		}
	}
}
