package validate_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
	"github.com/mockhelthjem/mockhelthjem/spec"
)

func newValidator(t testing.TB) *validate.Validator {
	t.Helper()
	v, err := validate.New(spec.Helthjem)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestGuideResponsesMatchSpec: the spec accepts every response the C2C
// guide shows (see testdata/guide/README.md for the repairs of its JSON).
func TestGuideResponsesMatchSpec(t *testing.T) {
	v := newValidator(t)
	tests := []struct {
		file, path string
		status     int
	}{
		{"token", "/auth/oauth2/v1/token", 200},
		{"find-single", "/parcels/v1/addresses/find/single", 200},
		{"find-single-400", "/parcels/v1/addresses/find/single", 400},
		{"nearby", "/parcels/v1/service-points/nearby/", 200},
		{"dates", "/parcels/v1/addresses/find/single/dates", 200},
		{"booking-23", "/parcels/v1/bookings", 200},
		{"booking-113", "/parcels/v1/bookings", 200},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			body, err := os.ReadFile(filepath.Join("testdata", "guide", tt.file+".response.json"))
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("POST", tt.path, strings.NewReader("{}"))
			h := http.Header{"Content-Type": {"application/json"}}
			if _, err := responseFor(t, v, req, tt.status, h, body); err != nil {
				t.Errorf("the guide's response does not match the spec: %v", err)
			}
		})
	}
}

// TestResponseChecks: what the spec must refuse in a response.
func TestResponseChecks(t *testing.T) {
	v := newValidator(t)
	h := http.Header{"Content-Type": {"application/json"}}
	for _, tt := range []struct {
		name, path, body string
		status           int
		wantErr          bool
	}{
		{"undocumented status", "/parcels/v1/bookings", `{}`, 201, true},
		{"error without errorKey", "/parcels/v1/bookings", `{"message":"x"}`, 400, true},
		{"dates not an array", "/parcels/v1/addresses/find/single/dates", `{"dates":"2026-06-17"}`, 200, true},
		{"servicePointCoordinates not an array", "/parcels/v1/service-points/nearby", `{"freightProducts":[{"freightProductId":92,"servicePoints":[{"servicePointExternalId":"1","servicePointName":"x","servicePointCoordinates":{"northing":1,"easting":2}}]}]}`, 200, true},
		{"bad returnCode", "/parcels/v1/bookings", `{"shipmentId":"x","freightProductId":92,"parties":[],"items":[{"returnCode":"NXXW9"}],"orderId":1}`, 200, true},
		{"error shape", "/parcels/v1/bookings", `{"errorKey":"no.carrier.support","statusCode":400,"errorMap":{}}`, 400, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", tt.path, strings.NewReader("{}"))
			_, err := responseFor(t, v, req, tt.status, h, []byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Errorf("err = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}

// TestFileResponses: a label (a body that is not JSON) is checked for its
// status and media type only, never parsed as JSON; an error answer of the
// same operation is still JSON checked against the error schema.
func TestFileResponses(t *testing.T) {
	v := newValidator(t)
	pdf := []byte("%PDF-1.3\n\x00\xff binary")
	for _, tt := range []struct {
		name, ct string
		status   int
		body     []byte
		wantErr  string // a substring of the error, "" for none
	}{
		{"pdf", "application/pdf", 200, pdf, ""},
		{"png", "image/png", 200, []byte("\x89PNG\r\n\x1a\n"), ""},
		{"svg", "image/svg+xml", 200, []byte(`<?xml version="1.0"?><svg/>`), ""},
		{"zpl", "application/zpl", 200, []byte("^XA^XZ"), ""},
		{"empty pdf", "application/pdf", 200, nil, ""},
		{"a media type the operation does not answer", "image/gif", 200, pdf, "Content-Type has unexpected value"},
		{"a file as an error", "application/pdf", 404, pdf, "Content-Type has unexpected value"},
		{"an undocumented status", "application/pdf", 201, pdf, "status 201 is not documented"},
		{"JSON where a file is due", "application/json", 200, []byte(`{"errorKey":"x"}`), "Content-Type has unexpected value"},
		{"an error", "application/json", 406, []byte(`{"errorKey":"not.acceptable"}`), ""},
		{"an error without errorKey", "application/json", 406, []byte(`{"message":"x"}`), "errorKey"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("GET", "/parcels/v1/labels/(00)370724763469418096/unified-large", nil)
			_, err := responseFor(t, v, req, tt.status, http.Header{"Content-Type": {tt.ct}}, tt.body)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("err = %v, want none", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("err = %v, want one saying %q", err, tt.wantErr)
			}
		})
	}
}

// TestFind covers routing: operationIds, trailing slashes, 404 and 405.
func TestFind(t *testing.T) {
	v := newValidator(t)
	for _, tt := range []struct {
		method, path string
		op           string
		status       int
		params       map[string]string
	}{
		{"POST", "/auth/oauth2/v1/token", "getToken", 0, nil},
		{"POST", "/parcels/v1/service-points/nearby", "findNearbyServicePoints", 0, nil},
		{"POST", "/parcels/v1/service-points/nearby/", "findNearbyServicePoints", 0, nil},
		{"POST", "/parcels/v1/addresses/find/single/dates?limit=3", "findPickupDates", 0, nil},
		{"GET", "/parcels/v1/tracking/fetch/(401)70724763469418064/NO/false", "fetchTracking", 0,
			map[string]string{"identifier": "(401)70724763469418064", "locale": "NO", "onlyLastEvent": "false"}},
		{"GET", "/parcels/v1/bookings", "", 405, nil},
		{"POST", "/parcels/v1/nothing", "", 404, nil},
		{"POST", "/", "", 404, nil},
	} {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			rt, aerr := v.Find(httptest.NewRequest(tt.method, tt.path, nil))
			if tt.status != 0 {
				if aerr == nil || aerr.Status != tt.status {
					t.Fatalf("= %v, %v; want status %d", rt, aerr, tt.status)
				}
				return
			}
			if aerr != nil {
				t.Fatal(aerr)
			}
			if rt.OperationID != tt.op {
				t.Errorf("operation = %s, want %s", rt.OperationID, tt.op)
			}
			if tt.params != nil {
				if diff := cmp.Diff(tt.params, rt.PathParams); diff != "" {
					t.Errorf("params (-want +got):\n%s", diff)
				}
			}
			if wantSecured := tt.op != "getToken"; rt.Secured != wantSecured {
				t.Errorf("secured = %v", rt.Secured)
			}
		})
	}
}

// TestRequestProblems: field paths and reasons, never the value.
func TestRequestProblems(t *testing.T) {
	v := newValidator(t)
	const leak = "LEAKED-VALUE-42"
	for _, tt := range []struct {
		name, body string
		key        string
		want       map[string]string
	}{
		{"nested paths", `{"shopId":16,"transportSolutionId":23,"parties":[{"type":"consignee"},{"type":"` + leak + `"}],"items":[{"itemNumber":"x` + leak + `","trackingReference":""}]}`,
			"invalid.request", map[string]string{
				"parties[1].type":     `value is not one of the allowed values ["consignee","consignor","servicePoint","returnAddress","pickupAddress"]`,
				"items[0].itemNumber": "must be an integer or a string of digits",
			}},
		{"date form gets its own key", `{"shopId":16,"transportSolutionId":23,"desiredDeliveryDate":"` + leak + `","parties":[{"type":"consignee"},{"type":"consignor"}],"items":[{"itemNumber":1,"trackingReference":""}]}`,
			"invalid.format.desiredDeliveryDate", map[string]string{"desiredDeliveryDate": `must be a date as 20260617, "20260617" or "2026-06-17"`}},
		{"missing", `{"shopId":16}`, "invalid.request", map[string]string{
			"transportSolutionId": "is required", "parties": "is required", "items": "is required",
		}},
		{"null required", `{"shopId":null,"transportSolutionId":23,"parties":[{"type":"consignee"},{"type":"consignor"}],"items":[{"itemNumber":1,"trackingReference":""}]}`,
			"invalid.request", map[string]string{"shopId": "must not be null"}},
		{"parse", `{"shopId":`, "failed.to.parse.request", map[string]string{"body": "is not valid JSON"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest("POST", "/parcels/v1/bookings", strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/json")
			rt, aerr := v.Find(req)
			if aerr != nil {
				t.Fatal(aerr)
			}
			got := v.Request(context.Background(), req, rt, []byte(tt.body))
			if got == nil {
				t.Fatal("no error")
			}
			if got.Key != tt.key || got.Status != 400 {
				t.Errorf("= %d %s, want 400 %s", got.Status, got.Key, tt.key)
			}
			if diff := cmp.Diff(tt.want, got.Fields); diff != "" {
				t.Errorf("errorMap (-want +got):\n%s", diff)
			}
			if strings.Contains(string(got.JSON()), leak) {
				t.Errorf("the error echoes the value: %s", got.JSON())
			}
		})
	}
}

func TestIsJSON(t *testing.T) {
	for ct, want := range map[string]bool{
		"": true, "application/json": true, "Application/JSON; charset=utf-8": true,
		"application/problem+json": true, "text/plain": false, "application/x-www-form-urlencoded": false,
		"multipart/form-data; boundary=x": false, "application/jsonx": false,
	} {
		if got := validate.IsJSON(ct); got != want {
			t.Errorf("IsJSON(%q) = %v, want %v", ct, got, want)
		}
	}
}

// TestUndocumentedStatus: default covers errors only; a success the spec
// never lists is undocumented even though kin-openapi would accept it.
func TestUndocumentedStatus(t *testing.T) {
	v := newValidator(t)
	h := http.Header{"Content-Type": {"application/json"}}
	for _, tt := range []struct {
		status  int
		body    string
		wantErr bool
	}{
		{201, `{"errorKey":"x"}`, true},
		{204, `{"errorKey":"x"}`, true},
		{302, `{"errorKey":"x"}`, true},
		{503, `{"errorKey":"service.unavailable"}`, false},
		{409, `{"errorKey":"duplicate.shipmentId"}`, false},
	} {
		req := httptest.NewRequest("POST", "/parcels/v1/bookings", strings.NewReader("{}"))
		_, err := responseFor(t, v, req, tt.status, h, []byte(tt.body))
		if (err != nil) != tt.wantErr {
			t.Errorf("status %d: err = %v, want error %v", tt.status, err, tt.wantErr)
		}
	}
}

// TestPassCacheKeepsFailures: a remembered pass never lets another input
// through, and a failure is reported every time.
func TestPassCacheKeepsFailures(t *testing.T) {
	v := newValidator(t)
	check := func(body string) *apierror.Error {
		req := httptest.NewRequest("POST", "/parcels/v1/addresses/find/single", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rt, aerr := v.Find(req)
		if aerr != nil {
			t.Fatal(aerr)
		}
		return v.Request(context.Background(), req, rt, []byte(body))
	}
	good := `{"shopId":16,"transportSolutionId":23,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`
	bad := strings.Replace(good, `"shopId":16`, `"shopId":true`, 1)
	for i := 0; i < 3; i++ {
		if err := check(good); err != nil {
			t.Fatalf("run %d: good body refused: %v", i, err)
		}
		if err := check(bad); err == nil || err.Fields["shopId"] == "" {
			t.Fatalf("run %d: bad body = %v, want a shopId problem", i, err)
		}
	}
	h := http.Header{"Content-Type": {"application/json"}}
	req := httptest.NewRequest("POST", "/parcels/v1/addresses/find/single", nil)
	for i := 0; i < 2; i++ {
		if _, err := responseFor(t, v, req, 200, h, []byte(`{"productName":"HELTHJEM"}`)); err != nil {
			t.Fatal(err)
		}
		if _, err := responseFor(t, v, req, 200, h, []byte(`{"productName":7}`)); err == nil {
			t.Fatalf("run %d: a bad response passed after a good one", i)
		}
		if _, err := responseFor(t, v, req, 201, h, []byte(`{"productName":"HELTHJEM"}`)); err == nil {
			t.Fatalf("run %d: the good body with an undocumented status passed", i)
		}
	}
}

// responseFor routes r and validates a response to it.
func responseFor(t *testing.T, v *validate.Validator, r *http.Request, status int, header http.Header, body []byte) (*validate.Route, error) {
	t.Helper()
	rt, aerr := v.Find(r)
	if aerr != nil {
		t.Fatalf("%s %s matches no operation: %s", r.Method, r.URL.Path, aerr.Message)
	}
	return rt, v.Response(context.Background(), r, rt, status, header, body)
}
