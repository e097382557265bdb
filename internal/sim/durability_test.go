package sim_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"maps"
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

// TestTokenUniqueAcrossRestart: a restarted mock numbers its tokens from
// the start again, at the same seed and frozen instant, while the tokens
// it issued before still work; each new token is still a new one (issue
// 12: a unique jti).
func TestTokenUniqueAcrossRestart(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.jsonl")
	e := newEnv(t, withState(path))
	e.advance("1h") // the clock is in the file
	before := e.demo()
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	again := newEnv(t, withState(path))
	if after := again.demo(); after == before {
		t.Error("a restarted mock reissued the token it issued first before the restart")
	}
}

// TestStateFileRefusesCorruption: a corrupt file stops start-up with a
// clear message and is left exactly as it was. These lines have no
// checksums (format 1, or some other file), so the journal refuses them
// before the simulator reads a record; TestRecordThatParsesButIsImpossible
// has the simulator's own refusals.
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
	f.WriteString(`0badc0de {"type":"order","order":{"clientId":"demo","ord`) // a checksum, then a record cut short
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

// stateRecords reads the records of a state file, without their checksums.
func stateRecords(t *testing.T, path string) []map[string]any {
	t.Helper()
	var recs []map[string]any
	for _, line := range strings.Split(strings.TrimSuffix(string(readFile(t, path)), "\n"), "\n") {
		_, rec, ok := strings.Cut(line, " ")
		var m map[string]any
		if err := json.Unmarshal([]byte(rec), &m); !ok || err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		recs = append(recs, m)
	}
	return recs
}

// writeState writes records as a state file, checksummed as the journal
// writes them: what a hand edit with recomputed checksums would leave.
func writeState(t *testing.T, path string, recs []map[string]any) {
	t.Helper()
	f, _, err := journal.Open(path, journal.Options{}, func(json.RawMessage) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range recs {
		if err := f.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// recordsOfEveryType leaves a state file with a record of each type
// (meta, reset, order, convert, dropoff, clock) and returns its path.
func recordsOfEveryType(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "state.jsonl")
	e := newEnv(t, withState(path))
	tok := e.demo()
	rc := firstItem(e.book(tok, booking(t, 23, nil)))["returnCode"].(string)
	e.dropoff(rc, "49003", 200)
	rc = firstItem(e.book(tok, booking(t, 113, nil)))["returnCode"].(string)
	e.dropoff(rc, "49003", 200)
	e.advance("1h")
	e.srv.Close()
	return path
}

// TestRecordThatParsesButIsImpossible (issue 10, finding 5): corruption
// that stays valid JSON (a renamed key, a changed digit) was accepted, and
// an order ended up with no clientId. Even with its checksum recomputed, a
// record that is semantically impossible refuses start-up, names its line
// and leaves the file as it was.
func TestRecordThatParsesButIsImpossible(t *testing.T) {
	src := recordsOfEveryType(t)
	base := stateRecords(t, src)
	find := func(typ string, nth int) int {
		for i, r := range base {
			if r["type"] == typ {
				if nth == 0 {
					return i
				}
				nth--
			}
		}
		t.Fatalf("no %s record in %v", typ, base)
		return 0
	}
	order := func(r map[string]any) map[string]any { return r["order"].(map[string]any) }
	for _, tc := range []struct {
		name string
		line int // 0-based index of the record edited
		edit func(r map[string]any)
	}{
		{"order without clientId", find("order", 0), func(r map[string]any) { delete(order(r), "clientId") }},
		{"renamed key", find("order", 0), func(r map[string]any) { o := order(r); o["client"] = o["clientId"]; delete(o, "clientId") }},
		// An optional key renamed: the record stays valid without it, so
		// only the refusal of unknown keys catches it (finding 14).
		{"renamed optional key", find("order", 1), func(r map[string]any) {
			o := order(r)
			if o["bookedPoint"] == nil {
				t.Fatalf("the TS 113 order has no bookedPoint: %v", o)
			}
			o["bookedPt"] = o["bookedPoint"]
			delete(o, "bookedPoint")
		}},
		{"changed digit of an SSCC", find("order", 1), func(r map[string]any) {
			it := order(r)["items"].([]any)[0].(map[string]any)
			s := it["sscc"].(string)
			it["sscc"] = s[:10] + string('0'+(s[10]-'0'+1)%10) + s[11:]
		}},
		{"shipmentId equal to the order's own SSCC", find("order", 1), func(r map[string]any) {
			o := order(r)
			o["shipmentId"] = o["items"].([]any)[0].(map[string]any)["sscc"]
		}},
		{"orderId held twice", find("order", 1), func(r map[string]any) { order(r)["orderId"] = order(base[find("order", 0)])["orderId"] }},
		{"unknown record type", find("clock", 0), func(r map[string]any) { r["type"] = "explode" }},
		{"clock record without clock", find("clock", 0), func(r map[string]any) { delete(r, "clock") }},
		{"conversion of a missing order", find("convert", 0), func(r map[string]any) { r["orderId"] = 1; order(r)["replaces"] = 1 }},
		{"drop-off of a missing order", find("dropoff", 0), func(r map[string]any) { r["orderId"] = 1 }},
		{"unknown event kind", find("order", 1), func(r map[string]any) { order(r)["events"].([]any)[0].(map[string]any)["kind"] = 42 }},
		{"a second meta record", find("clock", 0), func(r map[string]any) {
			clear(r)
			maps.Copy(r, base[0])
		}},
		{"meta of version 1", 0, func(r map[string]any) { r["meta"].(map[string]any)["version"] = 1 }},
		{"meta of a future version", 0, func(r map[string]any) { r["meta"].(map[string]any)["version"] = 3 }},
		{"no meta record first", 0, func(r map[string]any) {
			clear(r)
			maps.Copy(r, base[1])
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			recs := stateRecords(t, src) // a fresh copy to edit
			tc.edit(recs[tc.line])
			path := filepath.Join(t.TempDir(), "state.jsonl")
			writeState(t, path, recs)
			before := readFile(t, path)
			_, err := sim.New(sim.Options{Seed: 42, Clock: guideClock, StateFile: path})
			var ce *journal.CorruptError
			if !errors.As(err, &ce) || ce.Line != tc.line+1 {
				t.Fatalf("err = %v, want corruption at line %d", err, tc.line+1)
			}
			assertDiff(t, "file after the refusal", string(before), string(readFile(t, path)))
		})
	}
	// The unedited file starts.
	path := filepath.Join(t.TempDir(), "state.jsonl")
	writeState(t, path, base)
	s, err := sim.New(sim.Options{Seed: 42, Clock: guideClock, StateFile: path})
	if err != nil {
		t.Fatalf("the unedited records: %v", err)
	}
	s.Close()
}

// TestCompactionWritesOneLinePerOrder (issue 10, finding 3): compaction
// wrote every order into one final line, so a truncation anywhere in it
// dropped them all as a torn tail. Start-up now writes meta, the clock and
// generators, then one line per order, and cutting the file inside the
// last order's line loses that line only.
func TestCompactionWritesOneLinePerOrder(t *testing.T) {
	src := recordsOfEveryType(t)
	s, err := sim.New(sim.Options{Seed: 42, Clock: guideClock, StateFile: src})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	var types []string
	for _, r := range stateRecords(t, src) {
		types = append(types, r["type"].(string))
	}
	assertDiff(t, "compacted records", []string{"meta", "reset", "order", "order", "order"}, types)

	b := readFile(t, src)
	cut := bytes.LastIndexByte(b[:len(b)-1], '\n') + 40 // inside the last line
	if err := os.WriteFile(src, b[:cut], 0o600); err != nil {
		t.Fatal(err)
	}
	again := newEnv(t, withState(src))
	defer again.srv.Close()
	if n := again.orders(); n != 2 {
		t.Errorf("%d orders after cutting the last line, want the other 2", n)
	}
}

// TestSymlinkedStateFileStaysALink (issue 10, finding 5): start-up
// compaction replaced a symlinked state file by a regular file. The link
// stays a link, and its target holds the orders.
func TestSymlinkedStateFileStaysALink(t *testing.T) {
	dir := t.TempDir()
	link, target := filepath.Join(dir, "state.jsonl"), filepath.Join(dir, "volume", "real.jsonl")
	if err := os.Mkdir(filepath.Dir(target), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, withState(link))
	rc := firstItem(e.book(e.demo(), booking(t, 113, nil)))["returnCode"].(string)
	e.srv.Close()
	again := newEnv(t, withState(link)) // replays and compacts
	defer again.srv.Close()
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Fatalf("%s after compaction: %v, %v; want the symlink", link, fi.Mode(), err)
	}
	if !strings.Contains(string(readFile(t, target)), rc) {
		t.Errorf("the link's target does not hold the order")
	}
	again.tracked(again.demo(), rc)
}

// TestStateFileCutInItsLastRecords: a state file of real records cut at
// byte offsets all through its last three records (each offset near a line's
// ends, a stride in between): start-up keeps every whole line and drops
// only the cut one, so the orders are those of the whole lines; it never
// drops a whole record and never refuses a cut file.
func TestStateFileCutInItsLastRecords(t *testing.T) {
	src := recordsOfEveryType(t)
	full := readFile(t, src)
	var ends []int // offsets just past each newline
	for i, c := range full {
		if c == '\n' {
			ends = append(ends, i+1)
		}
	}
	if len(ends) < 5 {
		t.Fatalf("%d lines", len(ends))
	}
	// The orders a prefix of whole lines holds.
	ordersIn := func(lines int) int {
		path := filepath.Join(t.TempDir(), "state.jsonl")
		if err := os.WriteFile(path, full[:ends[lines-1]], 0o600); err != nil {
			t.Fatal(err)
		}
		e := newEnv(t, withState(path))
		defer e.srv.Close()
		return e.orders()
	}
	tried := 0
	for line := len(ends) - 3; line < len(ends); line++ {
		want := ordersIn(line)
		start, end := ends[line-1], ends[line]
		for cut := start + 1; cut < end; cut++ {
			if cut-start > 12 && end-cut > 12 && cut%41 != 0 {
				continue
			}
			tried++
			path := filepath.Join(t.TempDir(), "state.jsonl")
			if err := os.WriteFile(path, full[:cut], 0o600); err != nil {
				t.Fatal(err)
			}
			s, err := sim.New(sim.Options{Seed: 42, Clock: guideClock, StateFile: path})
			if err != nil {
				t.Fatalf("cut at byte %d (line %d): %v", cut, line+1, err)
			}
			e := &env{t: t, srv: s}
			if got := e.orders(); got != want {
				t.Errorf("cut at byte %d (line %d): %d orders, want the %d of the whole lines", cut, line+1, got, want)
			}
			s.Close()
		}
	}
	if tried < 60 {
		t.Fatalf("only %d cuts tried", tried)
	}
}
