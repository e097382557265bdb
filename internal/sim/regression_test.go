package sim_test

import (
	"strings"
	"testing"
)

// Regression tests, each named after the bug it pins (found by fuzzing
// and review, see docs/benchmarks.md).

// TestClockAdvanceOverflow: two huge advances overflowed the offset and
// moved the clock backwards; a far "set" stopped short silently.
func TestClockAdvanceOverflow(t *testing.T) {
	e := newEnv(t)
	before := e.do("GET", "/__sim/clock", "", nil).json(t)["now"]
	for _, body := range []string{`{"advance":"2562047h"}`, `{"advance":"2562047h"}`, `{"set":"9999-12-31T23:59:59Z"}`} {
		if r := e.do("POST", "/__sim/clock", "", body); r.Status != 400 || r.errorKey(t) != "clock.invalid" {
			t.Errorf("%s = %d %s, want 400 clock.invalid", body, r.Status, r.Body)
		}
	}
	if after := e.do("GET", "/__sim/clock", "", nil).json(t)["now"]; after != before {
		t.Errorf("clock moved from %v to %v", before, after)
	}
	e.advance("8760h") // a year is fine
}

// TestHugeShopIDIsNotAParseError: an integer past int64 was answered
// "not valid JSON" (failed.to.parse.request) although the body was JSON.
func TestHugeShopIDIsNotAParseError(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", pathSingle, e.demo(), `{"shopId":9223372036854775808,"transportSolutionId":23,"address":"x","zipCode":"0468","postalName":"Oslo","countryCode":"NO"}`)
	if r.Status != 400 || r.errorKey(t) != "invalid.request" || !strings.Contains(string(r.Body), `"shopId"`) {
		t.Fatalf("= %d %s, want 400 invalid.request naming shopId", r.Status, r.Body)
	}
}

// TestEscapedTrackingIdentifier: path parameters were matched escaped, so
// T%2DQ7HHX (a client escaping the dash) was not found.
func TestEscapedTrackingIdentifier(t *testing.T) {
	e := newEnv(t)
	token := e.demo()
	rc := firstItem(e.book(token, booking(t, 113, nil)))["returnCode"].(string)
	escaped := strings.Replace(rc, "-", "%2D", 1)
	if r := e.do("GET", "/parcels/v1/tracking/fetch/"+escaped+"/NO/false", token, nil); r.Status != 200 {
		t.Fatalf("%s = %d %s", escaped, r.Status, r.Body)
	}
}

// TestMalformedQuery: ?limit=%zz was dropped silently and the default used.
func TestMalformedQuery(t *testing.T) {
	e := newEnv(t)
	r := e.do("POST", pathDates+"?limit=%zz", e.demo(), `{"shopId":16,"freightProductId":26,"zipCode":"0561","countryCode":"NO"}`)
	if r.Status != 400 || r.errorKey(t) != "invalid.request" {
		t.Fatalf("= %d %s", r.Status, r.Body)
	}
}
