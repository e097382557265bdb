package sim_test

import (
	"path/filepath"
	"strings"
	"testing"
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
