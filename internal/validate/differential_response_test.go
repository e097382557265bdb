package validate_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/sim"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// answer is a response seed: what was asked, and what came back.
type answer struct {
	v            *validate.Validator
	method, path string
	status       int
	contentType  string
	body         []byte
}

// simAnswers runs the C2C flow and the control plane against an
// in-process simulator (response checking off, so that nothing is
// checked before this test does it) and keeps every answer, errors
// included: one of each shape the binary sends.
func simAnswers(t *testing.T) []answer {
	t.Helper()
	srv, err := sim.New(sim.Options{Seed: 7, Clock: time.Date(2026, 6, 16, 10, 0, 0, 0, time.UTC), SkipResponseValidation: true})
	if err != nil {
		t.Fatal(err)
	}
	api, err := validate.Helthjem()
	if err != nil {
		t.Fatal(err)
	}
	ctl, err := validate.Sim()
	if err != nil {
		t.Fatal(err)
	}
	var out []answer
	do := func(method, path, token, body string) []byte {
		t.Helper()
		req := httptest.NewRequest(method, path, strings.NewReader(body))
		if body != "" {
			req.Header.Set("Content-Type", "application/json")
		}
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		v := api
		if strings.HasPrefix(path, "/__sim/") || !strings.HasPrefix(path, "/parcels/") && !strings.HasPrefix(path, "/auth/") {
			v = ctl
		}
		out = append(out, answer{v: v, method: method, path: path, status: rec.Code,
			contentType: rec.Header().Get("Content-Type"), body: rec.Body.Bytes()})
		return rec.Body.Bytes()
	}
	read := func(name string) string {
		b, err := os.ReadFile(filepath.Join("..", "sim", "testdata", "guide", name+".request.json"))
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	var tok struct{ Token string }
	if err := json.Unmarshal(do("POST", "/auth/oauth2/v1/token", "", read("token")), &tok); err != nil {
		t.Fatal(err)
	}
	do("POST", "/auth/oauth2/v1/token", "", `{"client_id":"demo","client_secret":"wrong","grant_type":"client_credentials"}`)
	do("POST", "/parcels/v1/addresses/find/single", tok.Token, read("find-single"))
	do("POST", "/parcels/v1/addresses/find/single", tok.Token, `{"shopId":16,"transportSolutionId":23,"address":"x","zipCode":"9170","postalName":"x","countryCode":"NO"}`)
	do("POST", "/parcels/v1/addresses/find/single", "", read("find-single"))
	do("POST", "/parcels/v1/service-points/nearby/", tok.Token, read("nearby"))
	do("POST", "/parcels/v1/addresses/find/single/dates", tok.Token, read("dates"))
	var booked struct {
		Items []struct{ ReturnCode, TrackingReference string }
	}
	if err := json.Unmarshal(do("POST", "/parcels/v1/bookings", tok.Token, read("booking-23")), &booked); err != nil || len(booked.Items) == 0 {
		t.Fatalf("booking: %v", err)
	}
	do("POST", "/parcels/v1/bookings", tok.Token, read("booking-113"))
	do("POST", "/parcels/v1/bookings", tok.Token, `{"shopId":16}`)
	do("GET", "/parcels/v1/tracking/fetch/"+booked.Items[0].ReturnCode+"/NO/false", tok.Token, "")
	do("POST", "/__sim/dropoffs", "", `{"code":"`+booked.Items[0].ReturnCode+`","servicePointId":"49003"}`)
	do("GET", "/parcels/v1/tracking/fetch/"+booked.Items[0].TrackingReference+"/NO/false", tok.Token, "")
	do("GET", "/parcels/v1/tracking/fetch/T-NOPE1/NO/true", tok.Token, "")
	do("GET", "/__sim/state", "", "")
	do("POST", "/__sim/faults", "", `{"operation":"createBooking","fault":"503","times":1,"probability":null}`)
	do("GET", "/__sim/faults", "", "")
	do("DELETE", "/__sim/faults", "", "")
	do("GET", "/__sim/requests?limit=5", "", "")
	do("POST", "/__sim/clock", "", `{"advance":"26h"}`)
	do("GET", "/__sim/clock", "", "")
	do("POST", "/__sim/reset", "", "")
	do("GET", "/healthz", "", "")
	do("GET", "/readyz", "", "")
	return out
}

// guideAnswers are the C2C guide's responses (testdata/guide): NAME.response.json
// answers NAME's request, with status 400 when NAME ends in -400.
func guideAnswers(t *testing.T) []answer {
	t.Helper()
	v, err := validate.Helthjem()
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]string{
		"token": "/auth/oauth2/v1/token", "find-single": "/parcels/v1/addresses/find/single",
		"nearby": "/parcels/v1/service-points/nearby", "dates": "/parcels/v1/addresses/find/single/dates",
		"booking": "/parcels/v1/bookings",
	}
	files, err := filepath.Glob(filepath.Join("testdata", "guide", "*.response.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no guide responses: %v", err)
	}
	var out []answer
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".response.json")
		status := 200
		if base, ok := strings.CutSuffix(name, "-400"); ok {
			name, status = base, 400
		}
		path, ok := paths[strings.TrimRight(name, "-0123456789")]
		if !ok {
			t.Fatalf("%s answers no operation this test knows", f)
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, answer{v: v, method: "POST", path: path, status: status, contentType: "application/json", body: b})
	}
	return out
}

// compareResponse checks a response both ways and reports any difference.
func compareResponse(t *testing.T, a answer, status int, contentType string, body []byte) {
	t.Helper()
	req := httptest.NewRequest(a.method, a.path, nil)
	rt, aerr := a.v.Find(req)
	if aerr != nil {
		t.Fatalf("%s %s: %s", a.method, a.path, aerr.Message)
	}
	h := http.Header{}
	if contentType != "" {
		h.Set("Content-Type", contentType)
	}
	ctx := context.Background()
	var got map[string]string
	var kinErr error // kin-openapi's account, which a failing Response carries
	if err := a.v.Response(ctx, req, rt, status, h, body); err != nil {
		re, ok := err.(*validate.ResponseError)
		if !ok {
			t.Fatalf("%T: %v", err, err)
		}
		got, kinErr = re.Problems, re.Err
	}
	if trailing(body) {
		if want := map[string]string{"body": "is invalid"}; !cmp.Equal(want, got) {
			t.Errorf("%s %d %q: text after the JSON value: got %v, want %v", rt.OperationID, status, body, got, want)
		}
		return
	}
	var want map[string]string
	if kinErr != nil {
		want = validate.KinProblems(kinErr) // the same call KinResponse makes
	} else {
		want = a.v.KinResponse(ctx, req, rt, status, h, body)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("%s %d %s %q: compiled schemas differ from kin-openapi (-kin +compiled):\n%s", rt.OperationID, status, contentType, body, diff)
	}
}

// TestDifferentialResponses: every answer the simulator gives, and the
// guide's, with every mutation of them, gets the same problems from the
// compiled schemas as from kin-openapi. So does every answer under
// another status and content type.
func TestDifferentialResponses(t *testing.T) {
	answers := append(guideAnswers(t), simAnswers(t)...)
	for _, a := range answers {
		t.Run(a.method+" "+a.path+" "+http.StatusText(a.status), func(t *testing.T) {
			compareResponse(t, a, a.status, a.contentType, a.body)
			for _, status := range []int{200, 201, 204, 301, 304, 400, 401, 404, 409, 418, 500, 503} {
				compareResponse(t, a, status, a.contentType, a.body)
			}
			for _, ct := range []string{"", "text/plain", "application/json; charset=utf-8", "APPLICATION/JSON", "application/yaml", "application/problem+json"} {
				compareResponse(t, a, a.status, ct, a.body)
			}
			if !json.Valid(a.body) {
				return // the served specs
			}
			seed := a.body
			if mutateEvery() > 1 {
				// The sample mutates the answer with its arrays cut to
				// their first element, the one mutate changes: a list
				// of service points is checked once per mutant, not
				// once per point. The whole answer was checked above.
				seed = firstElements(t, seed)
			}
			for _, b := range append(mutate(t, seed, false, mutateEvery()), nil, []byte(" "), []byte("{"), bytes.Repeat([]byte("["), 3)) {
				compareResponse(t, a, a.status, a.contentType, b)
			}
		})
	}
}
