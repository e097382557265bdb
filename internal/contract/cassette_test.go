package contract

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/contract/drifttest"
	"github.com/mockhelthjem/mockhelthjem/internal/fixture"
)

var update = flag.Bool("update", false, "rewrite testdata/mock.cassette.json from the mock")

// mockCassette is the cassette recorded from the mock, compared in every
// test run.
const mockCassette = "testdata/mock.cassette.json"

// recordedAt is the wall clock of the recording runs.
var recordedAt = time.Date(2026, 6, 16, 8, 0, 0, 0, time.UTC)

// recordMock records every flow against a fresh mock, its port replaced by
// 8080 so that the cassette does not change from run to run.
func recordMock(t *testing.T) []byte {
	t.Helper()
	srv := drifttest.Serve(t, drifttest.Sim(t))
	path := filepath.Join(t.TempDir(), "c.json")
	cfg := Config{Target: srv.URL, RecordPath: path, Seed: 1, Version: "test", Now: func() time.Time { return recordedAt }, Sleep: (&sleeper{}).sleep}
	if err := Execute(context.Background(), cfg, io.Discard, io.Discard); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.ReplaceAll(b, []byte(srv.URL), []byte("http://127.0.0.1:8080"))
}

// TestMockCassette records the mock and holds it against the committed
// cassette: when the mock's answers change, this fails until the cassette
// is recorded again (go test ./internal/contract -run TestMockCassette
// -update) and the change reviewed.
func TestMockCassette(t *testing.T) {
	got := recordMock(t)
	if *update {
		if err := os.WriteFile(mockCassette, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(mockCassette)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/contract -run TestMockCassette -update)", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("the mock's answers differ from %s (-want +got); if the change is meant, run go test ./internal/contract -run TestMockCassette -update:\n%s", mockCassette, diff)
	}
	c, err := LoadCassette(mockCassette)
	if err != nil {
		t.Fatal(err)
	}
	if c.Format != CassetteFormat || c.Version != CassetteVersion || c.Verdict != VerdictPass || len(c.Exchanges) != 19 {
		t.Errorf("cassette %s v%d, verdict %s, %d exchanges; want 19 (the probe and 18 steps)", c.Format, c.Version, c.Verdict, len(c.Exchanges))
	}
	// Secrets, tokens and the personal data of the fixture addresses are
	// redacted; generated values are kept.
	for _, leak := range []string{"demo-secret", "eyJ", "Test sender", "Test receiver", "Eksempelveien", "Vækerøveien", "12345678", "test@gmail.com"} {
		if bytes.Contains(got, []byte(leak)) {
			t.Errorf("the cassette holds %q", leak)
		}
	}
	for _, kept := range []string{`"shipmentId": "(401)7072476`, `"trackingReference": "(00)37072476`, `"returnCode": "T-`, `"orderId": 2`, `"token": "<redacted>"`, `"name": "<personal data>"`, `"Authorization": "Bearer <redacted>"`} {
		if !bytes.Contains(got, []byte(kept)) {
			t.Errorf("the cassette lacks %s", kept)
		}
	}
}

// compareRun compares a target with the mock's cassette.
func compareRun(t *testing.T, h http.Handler, flows ...string) (*Report, string) {
	t.Helper()
	return run(t, h, flowsOf(flows...), func(c *Config) { c.ComparePath = mockCassette })
}

// TestCompareWithMockCassette: the mock compared with its own cassette
// passes, every step compared.
func TestCompareWithMockCassette(t *testing.T) {
	rep, out := compareRun(t, drifttest.Sim(t))
	if rep.Failed() || rep.Compare == nil || rep.Compare.Steps != 18 || rep.Summary.Warnings != 0 {
		t.Errorf("verdict %s, compare %+v\n%s", rep.Verdict, rep.Compare, out)
	}
	if !strings.Contains(out, "; 18 compared with the cassette (") {
		t.Errorf("summary:\n%s", out)
	}
}

// breakCheckDigit changes the last digit of the first tracked parcel's
// trackingNumber.
func breakCheckDigit(status int, body any) (int, any) {
	arr, _ := body.([]any)
	if len(arr) == 0 {
		return status, body
	}
	item := arr[0].(map[string]any)["items"].([]any)[0].(map[string]any)
	s := item["trackingNumber"].(string)
	item["trackingNumber"] = s[:len(s)-1] + string(rune('0'+(s[len(s)-1]-'0'+1)%10))
	return status, body
}

// TestCompareDrift: targets that differ from the cassette in structure
// fail (exit 1), and the finding names the step and the path.
func TestCompareDrift(t *testing.T) {
	const tracking = "/parcels/v1/tracking/fetch/"
	tests := []struct {
		name    string
		method  string
		prefix  string
		edit    drifttest.Edit
		flow    string
		want    finding
		message string
	}{
		{"renamed field", "POST", "/parcels/v1/addresses/find/single", drifttest.Rename("handoverCity", "handoverTown"), FlowHomePickup,
			finding{"home-pickup/coverage", MissingField, "$.handoverCity", Failure}, "every answer of the cassette has this field here; the target's lacks it"},
		{"changed type", "POST", "/parcels/v1/bookings", drifttest.Set("id", 49025, "parties", 2), FlowServicePoint,
			finding{"service-point/booking", TypeChanged, "$.parties[2].id", Failure}, "the cassette has null or a string here; the target an integer"},
		// 201 is undocumented for find/single, so the flow leaves the
		// status to conformance: the message is compare's own.
		{"changed status", "POST", "/parcels/v1/addresses/find/single", drifttest.Status(201), FlowHomePickup,
			finding{"home-pickup/coverage", BehaviourChanged, "$", Failure}, "the cassette answered status 200 here; the target 201"},
		{"dropped enum value", "GET", tracking, drifttest.Set("parcelStatus", "WAITING", 0, "items", 0), FlowHomePickup,
			finding{"home-pickup/tracking-by-returncode", BehaviourChanged, "$[*].items[*].parcelStatus", Failure}, `the cassette answers "WAITING_FOR_PACKAGE" here; the target no longer does (it answers "WAITING")`},
		{"broken check digit", "GET", tracking, breakCheckDigit, FlowHomePickup,
			finding{"home-pickup/tracking-by-returncode", TypeChanged, "$[0].items[0].trackingNumber", Failure}, "the cassette has 18 digits, valid GS1 check digit here; the target 18 digits, wrong GS1 check digit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := drifttest.Rewrite(drifttest.Sim(t), tt.method, tt.prefix, tt.edit)
			rep, out := compareRun(t, h, tt.flow)
			if rep.ExitCode != ExitDrift {
				t.Errorf("exit %d, want 1\n%s", rep.ExitCode, out)
			}
			var messages []string
			for _, s := range rep.Steps {
				for _, f := range s.Findings {
					if (finding{s.name(), f.Class, f.Path, f.Severity}) == tt.want {
						messages = append(messages, f.Message)
					}
				}
			}
			if !strings.Contains(strings.Join(messages, "\n"), tt.message) {
				t.Errorf("no finding %+v with %q; the findings:\n%v\n%s", tt.want, tt.message, findingsOf(rep), out)
			}
		})
	}
}

// TestCompareStatus pins a test that could not fail: "changed status" in
// TestCompareDrift changed the target's status to one the flow refuses,
// so the flow's own "want status 400, got 422" passed it whatever compare
// did. Here the target is the mock, answering the 400 the flow expects,
// and the cassette holds another status: only compare can see it.
func TestCompareStatus(t *testing.T) {
	c, err := LoadCassette(mockCassette)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for i := range c.Exchanges {
		if ex := &c.Exchanges[i]; ex.Flow == FlowNegative && ex.Step == "uncovered-address" {
			ex.Response.Status = http.StatusUnprocessableEntity
			changed++
		}
	}
	if changed == 0 {
		t.Fatal("the cassette has no negative/uncovered-address")
	}
	path := filepath.Join(t.TempDir(), "c.json")
	var b bytes.Buffer
	if err := c.Write(&b); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	rep, out := run(t, drifttest.Sim(t), flowsOf(FlowNegative), func(c *Config) { c.ComparePath = path })
	var got []string
	for _, s := range rep.Steps {
		for _, f := range s.Findings {
			got = append(got, fmt.Sprintf("%s: %s %s %s: %s", s.name(), f.Class, f.Path, f.Severity, f.Message))
		}
	}
	want := []string{"negative/uncovered-address: behaviour-changed $ failure: the cassette answered status 422 here; the target 400"}
	if diff := cmp.Diff(want, got); diff != "" || rep.ExitCode != ExitDrift {
		t.Errorf("exit %d, findings (-want +got):\n%s\n%s", rep.ExitCode, diff, out)
	}
}

// TestLoadCassette refuses what is not a cassette this version can read.
func TestLoadCassette(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct{ body, want string }{
		{`{"format":"contracttest-cassette","version":2,"exchanges":[]}`, "cassette version 2; this contracttest reads version 1"},
		{`{"format":"har","version":1}`, "not a contracttest cassette"},
		{`[1, 2]`, "not a contracttest cassette"},
		{`{"format":"contracttest-cassette","version":1,"exchanges":{}}`, "cannot unmarshal"},
		{`{"format":"contracttest-cassette","version":1,"verdict":"configuration","reason":"the token call refused the credentials","exchanges":[]}`,
			"recorded by a run that stopped on a configuration error (the token call refused the credentials): record it again"},
	} {
		path := filepath.Join(dir, "c.json")
		if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := LoadCassette(path)
		var ue *UsageError
		if !errors.As(err, &ue) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadCassette(%s) = %v, want a UsageError with %q", tc.body, err, tc.want)
		}
	}
}

// TestCassetteKeepsRetries: every attempt is recorded, and a comparison
// holds the target against the answer that counted, never a 503: a step
// that only ever got 503s is not compared.
func TestCassetteKeepsRetries(t *testing.T) {
	for _, tc := range []struct {
		name     string
		times    int // 503s before the bookings get through; -1 never
		attempts []int
		compared int
	}{
		{"503 once", 1, []int{503, 200}, 6},
		{"503 always", -1, []int{503, 503, 503}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "c.json")
			srv := drifttest.Serve(t, drifttest.Unavailable(drifttest.Sim(t), 503, tc.times, drifttest.Path("POST", "/parcels/v1/bookings")))
			cfg := Config{Target: srv.URL, Flows: []string{FlowHomePickup}, RecordPath: path, Sleep: (&sleeper{}).sleep}
			_ = Execute(context.Background(), cfg, io.Discard, io.Discard)
			c, err := LoadCassette(path)
			if err != nil {
				t.Fatal(err)
			}
			var attempts []int
			for _, ex := range c.Exchanges {
				if ex.Step == "booking" {
					attempts = append(attempts, ex.Response.Status)
				}
			}
			if diff := cmp.Diff(tc.attempts, attempts); diff != "" {
				t.Errorf("booking attempts (-want +got):\n%s", diff)
			}
			rep, out := run(t, drifttest.Sim(t), flowsOf(FlowHomePickup), func(c *Config) { c.ComparePath = path })
			if rep.Failed() || rep.Compare.Steps != tc.compared {
				t.Errorf("verdict %s, compare %+v, want %d steps compared\n%s", rep.Verdict, rep.Compare, tc.compared, out)
			}
		})
	}
}

// TestCassetteOwnPhoneUnderAnyKey pins the gap where the run's own phone
// survived in a cassette: a string of digits looks like an id, so the
// personal-data redactor skipped it unless its key was a personal one, and
// a number was redacted only under a personal key. A proxy that renames
// phone1 (to mobile) or answers the phone as a number leaked it.
func TestCassetteOwnPhoneUnderAnyKey(t *testing.T) {
	const phone = "98765432"
	set, err := fixture.Default()
	if err != nil {
		t.Fatal(err)
	}
	addrs := set.Contract
	addrs.Sender.Phone1, addrs.Receiver.Phone1 = phone, "+47 "+phone
	renamed := func(status int, body any) (int, any) {
		m, ok := body.(map[string]any)
		if status != http.StatusOK || !ok {
			return status, body
		}
		for _, p := range m["parties"].([]any) {
			party := p.(map[string]any)
			if v, ok := party["phone1"]; ok {
				delete(party, "phone1")
				party["mobile"] = v
			}
		}
		m["contact"] = map[string]any{"number": json.Number(phone), "float": 98765432.0, "digits": phone, "intl": "+47" + phone}
		m[phone] = "a key"
		return status, body
	}
	srv := drifttest.Serve(t, drifttest.Rewrite(drifttest.Sim(t), "POST", "/parcels/v1/bookings", renamed))
	path := filepath.Join(t.TempDir(), "c.json")
	cfg := Config{Target: srv.URL, Addresses: &addrs, Flows: []string{FlowHomePickup}, RecordPath: path, Sleep: (&sleeper{}).sleep}
	_ = Execute(context.Background(), cfg, io.Discard, io.Discard)
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(got, []byte(`"mobile": "<personal data>"`)) {
		t.Fatalf("the proxy's answer is not in the cassette:\n%s", got)
	}
	for _, leak := range []string{phone, "98765432.0", "9.8765432e+07"} {
		if bytes.Contains(got, []byte(leak)) {
			i := bytes.Index(got, []byte(leak))
			t.Errorf("the cassette holds the run's phone %s: …%s…", leak, got[max(0, i-80):min(len(got), i+40)])
		}
	}
	for _, kept := range []string{`"shipmentId": "(401)7072476`, `"trackingReference": "(00)37072476`, `"returnCode": "T-`, `"number": 0`} {
		if !bytes.Contains(got, []byte(kept)) {
			t.Errorf("the cassette lacks %s", kept)
		}
	}
}
