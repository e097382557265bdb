package sim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/journal/journaltest"
	"github.com/mockhelthjem/mockhelthjem/internal/sim"
)

// Regression tests of the sim-core review (fix-sim), each named after the
// bug it pins.

// TestClockErrorsRepeatNoValue: a refused set or advance repeated the
// value sent ("set 2001-02-03T04:05:06Z: the simulated clock never goes
// backwards"), and the 100-year range error's errorMap said "must be a
// duration such as …" of a well-formed duration.
func TestClockErrorsRepeatNoValue(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		body, sent, key, field, reason string
	}{
		{`{"set":"2001-02-03T04:05:06Z"}`, "2001-02-03", "clock.backwards", "set", "is before the simulated now"},
		{`{"set":"2199-02-03T04:05:06Z"}`, "2199-02-03", "clock.invalid", "set", "moves the clock more than 100 years from its start"},
		{`{"advance":"36600d"}`, "36600", "clock.invalid", "advance", "moves the clock more than 100 years from its start"},
		{`{"advance":"900000h"}`, "900000", "clock.invalid", "advance", "moves the clock more than 100 years from its start"},
		{`{"advance":"3x7"}`, "3x7", "clock.invalid", "advance", `must be a duration such as "26h", "90m", "1d" or "2d3h"`},
	} {
		r := e.do("POST", "/__sim/clock", "", tc.body)
		if r.Status != 400 || r.errorKey(t) != tc.key {
			t.Errorf("%s = %d %s, want 400 %s", tc.body, r.Status, r.Body, tc.key)
			continue
		}
		if strings.Contains(string(r.Body), tc.sent) {
			t.Errorf("%s: the answer repeats the value sent: %s", tc.body, r.Body)
		}
		m, _ := r.json(t)["errorMap"].(map[string]any)
		assertDiff(t, tc.body+" errorMap", map[string]any{tc.field: tc.reason}, m)
	}
	// Both or neither: an errorMap that names the two fields, not {}.
	for body, reason := range map[string]string{
		`{"set":"2026-06-17T10:00:00Z","advance":"1h"}`: "give set or advance, not both",
		`{}`: "give set or advance",
	} {
		r := e.do("POST", "/__sim/clock", "", body)
		if r.Status != 400 || r.errorKey(t) != sim.KeyClockRequest {
			t.Errorf("%s = %d %s, want 400 %s", body, r.Status, r.Body, sim.KeyClockRequest)
			continue
		}
		m, _ := r.json(t)["errorMap"].(map[string]any)
		assertDiff(t, body+" errorMap", map[string]any{"set": reason, "advance": reason}, m)
	}
}

// TestChangeAfterCloseIsNotSaved: after Server.Close a change still got
// 200 but was no longer written (Close forgot the file, and a server
// without one keeps state in memory only). Now it is 500 storage.failed
// and changes nothing; the file holds what was acknowledged before.
func TestChangeAfterCloseIsNotSaved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	e := newEnv(t, withState(path))
	token := e.demo()
	e.book(token, booking(t, 113, nil))
	before := e.state()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Close(); err != nil {
		t.Errorf("a second Close: %v", err)
	}
	for _, tc := range []struct {
		name string
		do   func() reply
	}{
		{"booking", func() reply { return e.do("POST", pathBooking, token, booking(t, 113, nil)) }},
		{"clock", func() reply { return e.do("POST", "/__sim/clock", "", map[string]string{"advance": "1h"}) }},
		{"reset", func() reply { return e.do("POST", "/__sim/reset", "", nil) }},
	} {
		if r := tc.do(); r.Status != 500 || r.errorKey(t) != "storage.failed" {
			t.Errorf("%s after Close = %d %s, want 500 storage.failed", tc.name, r.Status, r.Body)
		}
	}
	assertDiff(t, "state after the refused changes", before, e.state())
	again := newEnv(t, withState(path))
	defer again.srv.Close()
	assertDiff(t, "state replayed from the file", before, again.state())
}

// slowBooking starts a booking whose body arrives in two parts and
// returns once the handler has read the first byte: past the clock
// reading, authentication and any fault, as a slow upload would be. Call
// the returned function to send the rest and get the answer.
func (e *env) slowBooking(token string, body any) func() reply {
	e.t.Helper()
	b, err := json.Marshal(body)
	if err != nil {
		e.t.Fatal(err)
	}
	pr, pw := io.Pipe()
	req := httptest.NewRequest("POST", pathBooking, pr)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	done := make(chan struct{})
	go func() {
		defer close(done)
		e.srv.ServeHTTP(rec, req)
	}()
	if _, err := pw.Write(b[:1]); err != nil { // returns once the handler reads it
		e.t.Fatal(err)
	}
	return func() reply {
		_, _ = pw.Write(b[1:])
		pw.Close()
		<-done
		return reply{Status: rec.Code, Header: rec.Header(), Body: rec.Body.Bytes()}
	}
}

// TestBookingStampedWithClockBeforeItsLock: a booking was stamped with
// the clock read when the request arrived, before authentication, the body
// and any latency fault. A full reset meanwhile moved the clock two days
// back, and the order was booked two days in the future: no tracking
// events, and a drop-off then failed with 500 ("drop-off of order … before
// its last event"). The order is stamped with the time under the lock that
// stores it, and its date is checked against that time.
func TestBookingStampedWithClockBeforeItsLock(t *testing.T) {
	e := newEnv(t)
	e.advance("2d")
	token := e.demo()
	finish := e.slowBooking(token, booking(t, 113, func(b map[string]any) { delete(b, "desiredDeliveryDate") }))
	if r := e.do("POST", "/__sim/reset", "", nil); r.Status != 200 {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	r := finish()
	if r.Status != 200 {
		t.Fatalf("booking: %d %s", r.Status, r.Body)
	}
	rc := firstItem(r.json(t))["returnCode"].(string)
	var st struct {
		Now    time.Time
		Orders []struct{ BookedAt time.Time }
	}
	if err := json.Unmarshal([]byte(e.state()), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Orders) != 1 || st.Orders[0].BookedAt.After(st.Now) {
		t.Fatalf("state = %+v, want one order booked by now", st)
	}
	if dist := r.json(t)["properties"].(map[string]any)["distributionDate"]; dist != "20260616" {
		t.Errorf("distributionDate = %v, want the booking day after the reset, 20260616", dist)
	}
	e.dropoff(rc, "49003", 200)

	// A date that was offered when the request arrived (the 17th, on the
	// 16th), but is today once
	// the clock moved on, is checked against the new today.
	token = e.demo()
	finish = e.slowBooking(token, booking(t, 23, func(b map[string]any) { b["desiredDeliveryDate"] = 20260617 }))
	if r := e.do("POST", "/__sim/clock", "", map[string]string{"advance": "1d"}); r.Status != 200 {
		t.Fatalf("advance: %d %s", r.Status, r.Body)
	}
	if r := finish(); r.Status != 400 || r.errorKey(t) != "distributionDate.must.be.in.future" {
		t.Errorf("booking for a day that became today = %d %s, want 400 distributionDate.must.be.in.future", r.Status, r.Body)
	}
}

// TestSuppliedShipmentIDEqualToOwnGeneratedCode: within one booking, the
// client's shipmentId could equal the SSCC or returnCode generated for the
// same order (-seed 42: "370724763557360603" became the item's own
// trackingReference). The draw skips the booking's own shipmentId, a
// trackingReference equal to it is refused, and a record holding such an
// order is refused by apply.
func TestSuppliedShipmentIDEqualToOwnGeneratedCode(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	const next = "370724763557360603" // the SSCC -seed 42 draws first for a booking with a shipmentId
	probe := newEnv(t)
	if got := firstItem(probe.book(probe.demo(), booking(t, 113, func(b map[string]any) { b["shipmentId"] = "PROBE" })))["trackingReference"]; got != "(00)"+next {
		t.Fatalf("the first SSCC of -seed 42 is %v, not %s: the test needs another id", got, next)
	}
	resp := e.book(token, booking(t, 113, func(b map[string]any) { b["shipmentId"] = next }))
	it := firstItem(resp)
	if it["trackingReference"] == "(00)"+next || it["returnCode"] == next {
		t.Errorf("the item got the booking's own shipmentId as its id: %v", it)
	}
	for _, id := range []string{"(00)" + next, next} {
		if tr := e.tracked(token, id); len(tr) != 1 {
			t.Errorf("tracking %s: %d shipments, want 1", id, len(tr))
		}
	}
	// A client-supplied trackingReference equal to the shipmentId.
	const own = "370724763557360610"
	r := e.do("POST", pathBooking, token, booking(t, 113, func(b map[string]any) {
		b["shipmentId"] = own
		item(b, 0)["trackingReference"] = "(00)" + own
	}))
	if r.Status != 409 || r.errorKey(t) != "duplicate.trackingReference" {
		t.Errorf("trackingReference equal to the shipmentId = %d %s, want 409 duplicate.trackingReference", r.Status, r.Body)
	}
}

// TestSuppliedShipmentIDEqualToAnotherClientsCode: a client-supplied
// shipmentId equal to another client's SSCC or returnCode was accepted,
// while a trackingReference equal to another client's shipmentId got 409.
// Both are refused now, with the very answer a shipmentId held by the
// client itself gets, so nothing tells that another client exists.
func TestSuppliedShipmentIDEqualToAnotherClientsCode(t *testing.T) {
	e := newEnv(t)
	demo := e.demo()
	it := firstItem(e.book(demo, booking(t, 113, func(b map[string]any) { b["shipmentId"] = "DEMO-1" })))
	sscc, rc := it["trackingReference"].(string), it["returnCode"].(string)
	// The owner's own conflict: the same shipmentId with another body.
	mine := e.do("POST", pathBooking, demo, booking(t, 23, func(b map[string]any) { b["shipmentId"] = "DEMO-1" }))
	if mine.Status != 409 {
		t.Fatalf("the owner's conflict = %d %s", mine.Status, mine.Body)
	}
	before := e.state()
	multi := e.token("multi", "multi-secret")
	for _, id := range []string{sscc, strings.TrimPrefix(sscc, "(00)"), rc, strings.ToLower(rc)} {
		r := e.do("POST", pathBooking, multi, booking(t, 113, func(b map[string]any) { b["shipmentId"] = id; b["shopId"] = 18 }))
		if r.Status != 409 || string(r.Body) != string(mine.Body) {
			t.Errorf("shipmentId %s of another client = %d %s, want the owner's own conflict %s", id, r.Status, r.Body, mine.Body)
		}
	}
	assertDiff(t, "state after the refusals", before, e.state())
}

// TestPopulateStoppedPartWaySaysWhatItBooked: a disk that filled up
// half-way through populate left 68 orders stored while the answer said
// 507 "the change was not recorded and not applied". The answer keeps
// its status and errorKey and says how many orders were booked and
// stored before the failure.
func TestPopulateStoppedPartWaySaysWhatItBooked(t *testing.T) {
	fsys := journaltest.New(nil)
	e := newEnv(t, func(o *sim.Options) {
		o.StateFile, o.StateFS = filepath.Join(t.TempDir(), "state.jsonl"), fsys
	})
	defer e.srv.Close()
	fsys.Inject(journaltest.Fault{Op: journaltest.OpWrite, After: 68, Err: syscall.ENOSPC, Sticky: true})
	r := e.do("POST", "/__sim/populate", "", map[string]int{"orders": 100})
	if r.Status != 507 || r.errorKey(t) != "storage.full" {
		t.Fatalf("populate on a disk that fills up = %d %s, want 507 storage.full", r.Status, r.Body)
	}
	var st struct{ Orders []any }
	if err := json.Unmarshal([]byte(e.state()), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Orders) != 68 {
		t.Fatalf("%d orders stored, want the 68 written before the disk filled up", len(st.Orders))
	}
	msg, _ := r.json(t)["message"].(string)
	if !strings.Contains(msg, "68 orders were booked") || !strings.Contains(msg, "are stored") {
		t.Errorf("message = %q, want it to say the 68 orders booked before the failure are stored", msg)
	}
	// Nothing made: the storage error's own answer.
	fsys.Heal()
	e.do("POST", "/__sim/reset", "", nil)
	fsys.Inject(journaltest.Fault{Op: journaltest.OpWrite, Err: syscall.ENOSPC, Sticky: true})
	r = e.do("POST", "/__sim/populate", "", map[string]int{"orders": 5})
	if msg, _ := r.json(t)["message"].(string); r.Status != 507 || strings.Contains(msg, "part-way") {
		t.Errorf("populate that booked nothing = %d %s, want the plain 507 storage.full", r.Status, r.Body)
	}
}

// TestConversionStoresNoAnswer: a conversion's order kept its whole
// booking answer (both parties' names, phones and addresses) in memory
// and in the state file, and nothing ever read it. The convert record now
// holds no answer and no personal data; a file written before, with the
// answer under "conv", still replays to the same state.
func TestConversionStoresNoAnswer(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	e := newEnv(t, withState(path))
	rc := firstItem(e.book(e.demo(), booking(t, 23, nil)))["returnCode"].(string)
	e.dropoff(rc, "49003", 200)
	before := e.state()
	e.srv.Close()
	recs := stateRecords(t, path)
	conv := recs[len(recs)-1]
	if conv["type"] != "convert" {
		t.Fatalf("last record %v, want the conversion", conv)
	}
	line, _ := json.Marshal(conv)
	for _, personal := range []string{`"conv"`, "Test receiver", "Test sender", "12345678", "Herslebsgate"} {
		if strings.Contains(string(line), personal) {
			t.Errorf("the convert record holds %q: %s", personal, line)
		}
	}
	// As an earlier mock wrote it: the answer kept under "conv".
	conv["order"].(map[string]any)["conv"] = map[string]any{"shipmentId": "(401)x", "parties": []any{map[string]any{"name": "Test receiver"}}}
	old := filepath.Join(t.TempDir(), "state.jsonl")
	writeState(t, old, recs)
	again := newEnv(t, withState(old))
	defer again.srv.Close()
	assertDiff(t, "state replayed from a file with conv", before, again.state())
}

// TestDatesOfferedWithLimitAreBookable: the dates operation with ?limit=30
// offered dates that a booking then refused (a booking accepted only the
// default 14 days). Every date it answers with its largest limit books,
// on TS 23 and TS 113 alike; the day after its last date does not.
func TestDatesOfferedWithLimitAreBookable(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	r := e.do("POST", pathDates+"?limit=30", token, `{"shopId":16,"freightProductId":26,"zipCode":"0561","countryCode":"NO"}`)
	if r.Status != 200 {
		t.Fatalf("dates: %d %s", r.Status, r.Body)
	}
	var dates struct{ Dates []string }
	if err := json.Unmarshal(r.Body, &dates); err != nil {
		t.Fatal(err)
	}
	if len(dates.Dates) < 20 || dates.Dates[len(dates.Dates)-1] != "2026-07-16" {
		t.Fatalf("dates with limit 30 = %v, want about 26 ending 2026-07-16", dates.Dates)
	}
	for _, d := range []string{dates.Dates[12], dates.Dates[len(dates.Dates)-1]} {
		for _, ts := range []int{23, 113} {
			r := e.do("POST", pathBooking, token, booking(t, ts, func(b map[string]any) { b["desiredDeliveryDate"] = d }))
			if r.Status != 200 {
				t.Errorf("TS %d on offered %s = %d %s", ts, d, r.Status, r.Body)
			}
		}
	}
	r = e.do("POST", pathBooking, token, booking(t, 23, func(b map[string]any) { b["desiredDeliveryDate"] = "2026-07-17" }))
	if r.Status != 400 || r.errorKey(t) != "desiredDeliveryDate.not.available" {
		t.Errorf("the day after the last offered date = %d %s, want 400 desiredDeliveryDate.not.available", r.Status, r.Body)
	}
}

// TestRestartOverridesFlagsSilently: a restart with a state file ignored
// -clock and only partly honoured -seed (the meta record took the new
// seed while the generators kept the file's sequence, and a later full
// reset used the new seed), without a word; the listening line printed
// "frozen" from the flag. Now the file's seed is restored (a full reset
// restarts its sequence), a WARN names the flags it overrides, and Frozen
// reports the restored clock.
func TestRestartOverridesFlagsSilently(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	first := newEnv(t, withState(path))
	token := first.demo()
	first.book(token, booking(t, 113, nil))
	first.srv.Close()

	var logs bytes.Buffer
	again := newEnv(t, withState(path), func(o *sim.Options) {
		o.Seed, o.Clock = 7, time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	defer again.srv.Close()
	if got := again.srv.Seed(); got != 42 {
		t.Errorf("Seed() = %d, want the file's 42", got)
	}
	if !again.srv.Frozen() {
		t.Error("Frozen() = false, want the restored frozen clock")
	}
	l := logs.String()
	if !strings.Contains(l, "level=WARN") || !strings.Contains(l, `overridden="-seed -clock"`) || !strings.Contains(l, "seed=42") {
		t.Errorf("log = %s, want a WARN naming -seed and -clock and the file's seed", l)
	}
	// A full reset restarts the file's sequence: the ids of a fresh
	// -seed 42 mock.
	if r := again.do("POST", "/__sim/reset", "", nil); r.Status != 200 {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	fresh := newEnv(t)
	want := fresh.book(fresh.demo(), booking(t, 113, nil))
	got := again.book(again.demo(), booking(t, 113, nil))
	for _, k := range []string{"shipmentId", "orderId"} {
		if got[k] != want[k] {
			t.Errorf("after the reset %s = %v, want -seed 42's %v", k, got[k], want[k])
		}
	}
	// Without flags there is nothing to warn about.
	again.srv.Close()
	logs.Reset()
	quiet := newEnv(t, withState(path), func(o *sim.Options) {
		o.Seed, o.Clock = 0, time.Time{}
		o.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	defer quiet.srv.Close()
	if strings.Contains(logs.String(), "level=WARN") {
		t.Errorf("a restart without -seed or -clock warned: %s", logs.String())
	}
}

// TestFailedCompactionRetriedAtEveryChange: a compaction that failed
// (a disk with room for an append but not for a copy of the file) left
// the growth threshold where it was, so every later change rewrote the
// whole state under the lock and failed again. After a failure the next
// try waits for the file to grow compactGrowth times again.
func TestFailedCompactionRetriedAtEveryChange(t *testing.T) {
	fsys := journaltest.New(nil)
	e := newEnv(t, func(o *sim.Options) {
		o.StateFile, o.StateFS = filepath.Join(t.TempDir(), "state.jsonl"), fsys
	})
	defer e.srv.Close()
	sim.SetCompactFloor(e.srv, 1)
	fsys.Inject(journaltest.Fault{Op: journaltest.OpRename, Err: syscall.EACCES, Sticky: true})
	before := fsys.Calls(journaltest.OpRename)
	for range 60 {
		e.advance("1m") // each answered 200: the change is in the file
	}
	// The file grows about a record per change from a few hundred bytes:
	// a handful of tries by growth, not one per change.
	if n := fsys.Calls(journaltest.OpRename) - before; n == 0 || n > 5 {
		t.Errorf("60 changes tried %d compactions on a disk that refuses them, want between 1 and 5", n)
	}
}

// TestStateFileGrowsWithoutLimit: the state file was compacted only at
// start-up, so 300 rounds of a full reset and one booking left one order
// in memory and 602 lines on disk. It is compacted right after a full
// reset, and when it grows past four times its size at the last
// compaction; the file still replays to the live state.
func TestStateFileGrowsWithoutLimit(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	e := newEnv(t, withState(path))
	defer e.srv.Close()
	for range 30 {
		if r := e.do("POST", "/__sim/reset", "", nil); r.Status != 200 {
			t.Fatalf("reset: %d %s", r.Status, r.Body)
		}
		e.book(e.demo(), booking(t, 113, nil))
	}
	if n := len(stateRecords(t, path)); n != 3 {
		t.Errorf("after 30 resets and bookings the file has %d records, want 3 (meta, reset, the order)", n)
	}

	// Growth without a reset: with the floor lowered, 200 clock changes
	// keep the file within four times its compacted size.
	sim.SetCompactFloor(e.srv, 1)
	compacted := int64(len(readFile(t, path)))
	for range 200 {
		e.advance("1m")
	}
	if size := int64(len(readFile(t, path))); size > 4*compacted+512 {
		t.Errorf("after 200 clock changes the file holds %d bytes, more than four times the %d after compaction", size, compacted)
	}
	before := e.state()
	e.srv.Close()
	again := newEnv(t, withState(path))
	defer again.srv.Close()
	assertDiff(t, "state replayed from the compacted file", before, again.state())
}
