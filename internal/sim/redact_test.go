package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/mockhelthjem/mockhelthjem/internal/personal"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// TestJournalKeepsNoMarkedValue: with -journal-bodies, no value of a
// property the spec marks personal reaches GET /__sim/requests or the log.
// Each of the guide's requests gets a distinct value in every marked
// property its schema has (added where the guide leaves one out), so the
// answers that repeat them (a booking's parties) are checked too.
func TestJournalKeepsNoMarkedValue(t *testing.T) {
	api, err := validate.Helthjem()
	if err != nil {
		t.Fatal(err)
	}
	oslo, err := time.LoadLocation("Europe/Oslo")
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	s, err := New(Options{Seed: 42, Clock: time.Date(2026, 6, 16, 10, 0, 0, 0, oslo), StrictResponses: true,
		JournalBodies: true, Logger: slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	send := sender(s)
	token := demoToken(t, send)
	var values []string // every value put in a marked property
	mark := func(name string) string {
		n := len(values)
		v := fmt.Sprintf("Marked%dQz %s", n, name)
		switch k := personal.Name(name); {
		case strings.Contains(k, "phone"):
			v = fmt.Sprintf("+47 91 %02d 77 %02d", n, n)
		case strings.Contains(k, "mail"):
			v = fmt.Sprintf("marked%dqz@example.test", n)
		}
		values = append(values, v)
		return v
	}
	var fill func(*openapi3.SchemaRef, any)
	fill = func(ref *openapi3.SchemaRef, v any) {
		if ref == nil || ref.Value == nil {
			return
		}
		switch v := v.(type) {
		case map[string]any:
			for name, p := range ref.Value.Properties {
				if personal, _ := personal.Mark(p); personal && p.Value != nil && p.Value.Type.Is("string") {
					v[name] = mark(name)
				} else if sub, ok := v[name]; ok {
					fill(p, sub)
				}
			}
		case []any:
			for _, e := range v {
				fill(ref.Value.Items, e)
			}
		}
	}
	answered := 0 // marked values found in the answers themselves
	for _, tc := range []struct{ op, path, guide string }{
		{"findSingleAddress", "/parcels/v1/addresses/find/single", "find-single"},
		{"findNearbyServicePoints", "/parcels/v1/service-points/nearby", "nearby"},
		{"findPickupDates", "/parcels/v1/addresses/find/single/dates", "dates"},
		{"createBooking", "/parcels/v1/bookings", "booking-113"},
		{"createBooking", "/parcels/v1/bookings", "booking-23"},
	} {
		op := api.Operation(tc.op)
		if op == nil {
			t.Fatalf("no operation %s", tc.op)
		}
		raw, err := os.ReadFile(filepath.Join("testdata", "guide", tc.guide+".request.json"))
		if err != nil {
			t.Fatal(err)
		}
		var body map[string]any
		if err := json.Unmarshal(raw, &body); err != nil {
			t.Fatal(err)
		}
		fill(op.RequestBody.Value.Content.Get("application/json").Schema, body)
		sent, _ := json.Marshal(body)
		code, answer := send("POST", tc.path, token, sent)
		if code != 200 {
			t.Fatalf("%s with every personal field = %d %s\n%s", tc.guide, code, answer, sent)
		}
		for _, v := range values {
			if bytes.Contains(answer, []byte(v)) {
				answered++
			}
		}
	}
	if len(values) < 30 || answered == 0 {
		t.Fatalf("%d marked values sent, %d found in the answers: the test checks too little", len(values), answered)
	}
	code, journal := send("GET", "/__sim/requests", "", nil)
	if code != 200 || !bytes.Contains(journal, []byte(`"requestBody":{`)) || !bytes.Contains(journal, []byte(`"responseBody":{`)) {
		t.Fatalf("GET /__sim/requests = %d %.300s", code, journal)
	}
	for _, v := range values {
		if bytes.Contains(journal, []byte(v)) {
			t.Errorf("the journal holds the marked value %q", v)
		}
		if bytes.Contains(logs.Bytes(), []byte(v)) {
			t.Errorf("the log holds the marked value %q", v)
		}
	}
	t.Logf("%d marked values sent, %d of them repeated in answers; none in the journal or the log", len(values), answered)
}
