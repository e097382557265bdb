package contract

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
)

func TestJSONPath(t *testing.T) {
	var body any
	if err := json.Unmarshal([]byte(`{"items":[{"returnCode":"T-1"}],"errorMap":{"0":"x"},"a b":{"c":1}}`), &body); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		ptr  []string
		want string
	}{
		{nil, "$"},
		{[]string{"items", "0", "returnCode"}, "$.items[0].returnCode"},
		{[]string{"errorMap", "0"}, `$.errorMap["0"]`},
		{[]string{"a b", "c"}, `$["a b"].c`},
		{[]string{"missing", "0"}, "$.missing[0]"},
	}
	for _, tt := range tests {
		if got := jsonPath(body, tt.ptr, &redactor{}); got != tt.want {
			t.Errorf("jsonPath(%v) = %q, want %q", tt.ptr, got, tt.want)
		}
	}
	arr := []any{map[string]any{"shipmentNumber": 1}}
	if got := jsonPath(arr, []string{"0", "shipmentNumber"}, &redactor{}); got != "$[0].shipmentNumber" {
		t.Errorf("array root: %q", got)
	}
}

func TestLookup(t *testing.T) {
	body, err := decodeBody([]byte(`{"items":[{"returnCode":"T-1","n":2}],"customer name":"x","dates":[]}`))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path    string
		want    any
		present bool
	}{
		{"$.items[0].returnCode", "T-1", true},
		{"$.items[0].n", int64(2), true},
		{`$["customer name"]`, "x", true},
		{"$.dates", []any{}, true},
		{"$.items[1].returnCode", nil, false},
		{"$.items.returnCode", nil, false},
		{"$.nothing", nil, false},
		{"items", nil, false},
	}
	for _, tt := range tests {
		got, ok := lookup(body, tt.path)
		if ok != tt.present || !cmp.Equal(got, tt.want) {
			t.Errorf("lookup(%s) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.present)
		}
	}
}

func TestRedactor(t *testing.T) {
	r := &redactor{}
	r.add("s3cr3t-token")
	r.add("s3cr3t")
	r.add(`quo"te<>`)
	r.add(`Pa$$w0rd"&x9`)
	r.add("Zébra\tSecret")
	r.add("dact") // a secret inside the placeholder
	r.add("abc")  // too short to replace in free text
	tests := []struct{ in, want string }{
		{"Bearer s3cr3t-token and s3cr3t", "Bearer <redacted> and <redacted>"},
		{`{"client_secret":"quo\"te\u003c\u003e"}`, `{"client_secret":"<redacted>"}`},
		{`raw quo"te<>`, "raw <redacted>"},
		{`echo: "Pa$$w0rd\"&x9"`, `echo: "<redacted>"`},                                  // %q, as in issue 11
		{`<e>Pa$$w0rd&#34;&amp;x9</e>`, `<e><redacted></e>`},                             // XML
		{`?s=Pa%24%24w0rd%22%26x9&t=Pa%24%24w0rd%22%26x9`, `?s=<redacted>&t=<redacted>`}, // query escape
		{`Z\u00e9bra\tSecret Zébra\tSecret Z%C3%A9bra%09Secret z%c3%a9bra%09secret`, `<redacted> <redacted> <redacted> z%c3%a9bra%09secret`},
		{"s3cr3t and dact", "<redacted> and <redacted>"}, // never "<re<redacted>ed>"
		{"abc stays", "abc stays"},
	}
	for _, tt := range tests {
		if got := r.str(tt.in); got != tt.want {
			t.Errorf("str(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// TestRedactorPersonal: personal data reads <personal data> in str, and
// stays for secrets (the cassette places it itself); where a secret and
// personal data overlap, the secret's placeholder wins.
func TestRedactorPersonal(t *testing.T) {
	r := &redactor{}
	r.add("s3cr3t-token")
	r.addPersonal("Vækerøveien 164d")
	r.addPersonal("token-of-mine") // overlaps the secret's "token"
	r.addPersonal("s3cr3t-token")  // a secret too: stays a secret
	tests := []struct{ in, str, secrets string }{
		{`got "Vækerøveien 164d"`, `got "<personal data>"`, `got "Vækerøveien 164d"`},
		{`"Vækerøveien 164d"`, `"<personal data>"`, `"Vækerøveien 164d"`},
		{"s3cr3t-token-of-mine", "<redacted>", "<redacted>-of-mine"},
		{"s3cr3t-token", "<redacted>", "<redacted>"},
	}
	for _, tt := range tests {
		if got := r.str(tt.in); got != tt.str {
			t.Errorf("str(%q) = %q, want %q", tt.in, got, tt.str)
		}
		if got := r.secrets(tt.in); got != tt.secrets {
			t.Errorf("secrets(%q) = %q, want %q", tt.in, got, tt.secrets)
		}
	}
}

// TestIDForm: the forms --compare holds ids, codes and dates to.
func TestIDForm(t *testing.T) {
	for in, want := range map[string]string{
		"(401)70724763469418064":    "(401) + 17 digits, valid GS1 check digit",
		"(401)70724763469418065":    "(401) + 17 digits, wrong GS1 check digit",
		"(00)370724763469418096":    "(00) + 18 digits, valid GS1 check digit",
		"370724763469418096":        "18 digits, valid GS1 check digit",
		"0468":                      "4 digits",
		"T-NXXW9":                   "T- + 5 characters",
		"R-1234":                    "R- + 4 characters",
		"...8096":                   "... + 4 digits",
		"2026-06-17":                "ISO date",
		"2026-06-17 11:00:00":       "date and time",
		"2026-06-16T10:00:00+02:00": "RFC 3339 time",
		"07:00":                     "hh:mm",
		"HELTHJEM_MEGTILDEG":        "",
		"Oslo":                      "",
		Redacted:                    "",
		PersonalData:                "",
	} {
		if got := idForm(in); got != want {
			t.Errorf("idForm(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCurl(t *testing.T) {
	rq := request{method: "POST", path: pathToken, body: tokenBody{ClientID: "me", ClientSecret: "it's-secret", GrantType: "client_credentials"}}
	sent, shown, err := rq.encode()
	if err != nil {
		t.Fatal(err)
	}
	if string(sent) != `{"client_id":"me","client_secret":"it's-secret","grant_type":"client_credentials"}` {
		t.Errorf("sent %s", sent)
	}
	ex := &exchange{req: rq, url: "http://h" + pathToken, header: http.Header{"Content-Type": {"application/json"}, "Authorization": {"Bearer tok"}}, shown: shown}
	want := `curl -sS -X POST 'http://h/auth/oauth2/v1/token' -H 'Content-Type: application/json' -H 'Authorization: Bearer <redacted>' --data-raw '{"client_id":"me","client_secret":"<redacted>","grant_type":"client_credentials"}'`
	if got := ex.curl(); got != want {
		t.Errorf("curl:\n got %s\nwant %s", got, want)
	}
	if got := shellQuote("it's"); got != `'it'\''s'` {
		t.Errorf("shellQuote = %s", got)
	}
}

func TestCheckDates(t *testing.T) {
	today := calendar.Date{Year: 2026, Month: 6, Day: 16}
	tests := []struct {
		dates   any
		problem string
	}{
		{[]any{"2026-06-17", "2026-06-18", "2026-06-20", "2026-06-22"}, ""},
		{[]any{"2026-06-16"}, "dates[0] 2026-06-16 is not after today, 2026-06-16"},
		{[]any{"2026-06-18", "2026-06-17"}, "dates[1] 2026-06-17 does not come after 2026-06-18"},
		{[]any{"2026-06-18", "2026-06-18"}, "dates[1] 2026-06-18 does not come after 2026-06-18"},
		{[]any{"2026-06-21"}, "dates[0] 2026-06-21 is a Sunday"},
		{[]any{"20260617"}, "dates[0] is not an ISO date"},
		{[]any{17}, "dates[0] is not an ISO date"},
		{[]any{}, "no dates"},
		{"2026-06-17", "not an array"},
	}
	for _, tt := range tests {
		if _, got := checkDates(tt.dates, today, &redactor{}); got != tt.problem {
			t.Errorf("checkDates(%v) = %q, want %q", tt.dates, got, tt.problem)
		}
	}
}

func TestForms(t *testing.T) {
	tests := []struct {
		name  string
		valid func(any) bool
		v     any
		want  bool
	}{
		{"shipment", validShipmentID, "(401)70724763469418064", true},
		{"shipment bare", validShipmentID, "70724763469418064", false},
		{"shipment check digit", validShipmentID, "(401)70724763469418065", false},
		{"sscc", validSSCC, "(00)370724763469418096", true},
		{"sscc check digit", validSSCC, "(00)370724763469418097", false},
		{"sscc as shipment", validSSCC, "(401)70724763469418064", false},
		{"returnCode", validReturnCode, "T-NXXW9", true},
		{"returnCode legacy", validReturnCode, "R-1234", false},
		{"returnCode lower", validReturnCode, "t-nxxw9", false},
		{"returnCode null", validReturnCode, nil, false},
		{"orderId", validOrderID, int64(227218777), true},
		{"orderId string", validOrderID, "227218777", false},
		{"orderId zero", validOrderID, int64(0), false},
		{"token", nonEmptyString, " ", false},
	}
	for _, tt := range tests {
		if got := tt.valid(tt.v); got != tt.want {
			t.Errorf("%s: valid(%v) = %v, want %v", tt.name, tt.v, got, tt.want)
		}
	}
}

// TestConformance checks single responses against the spec, without a
// flow: which statuses count as documented, and what a broken body gives.
func TestConformance(t *testing.T) {
	c, err := apiSpec()
	if err != nil {
		t.Fatal(err)
	}
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	tests := []struct {
		name     string
		method   string
		path     string
		status   int
		expected int
		header   http.Header
		body     string
		want     []Finding
	}{
		{
			name: "documented error via default", method: "POST", path: pathBookings, status: 500, expected: 200, header: jsonCT,
			body: `{"errorKey":"internal.error"}`,
		},
		{
			name: "redirect is undocumented", method: "POST", path: pathBookings, status: 302, expected: 200, header: jsonCT,
			body: `{}`,
			want: []Finding{{Class: UndocumentedStatus, Path: "$", Severity: Failure,
				Message: "status 302 is not documented for createBooking (spec/helthjem.yaml documents 200, 400, 401, 403, 409; default covers other errors (400 and up)); the flow expects 200"}},
		},
		{
			name: "html error page", method: "POST", path: pathCoverage, status: 502, expected: 200,
			header: http.Header{"Content-Type": {"text/html"}}, body: `<html></html>`,
			want: []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: `response header Content-Type has unexpected value: "text/html"`}},
		},
		{
			name: "empty 401", method: "POST", path: pathCoverage, status: 401, expected: 401, header: jsonCT,
			want: []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: "the body is not the documented JSON (empty, truncated or another format)"}},
		},
		{
			name: "error without errorKey, extra key", method: "POST", path: pathCoverage, status: 400, expected: 400, header: jsonCT,
			body: `{"error":"no.carrier.support","errorMap":{"zipCode":"x"}}`,
			want: []Finding{
				{Class: MissingField, Path: "$.errorKey", Severity: Failure, Message: "required by the spec, absent"},
				{Class: UndocumentedField, Path: "$.error", Severity: Warning, Message: "not a property of the spec's Error schema"},
			},
		},
		{
			name: "open objects", method: "POST", path: pathNearby, status: 200, expected: 200, header: jsonCT,
			body: `{"freightProducts":[{"freightProductId":92,"servicePoints":[],"properties":{"anything":1}}]}`,
		},
		{
			name: "booking properties are open, item properties closed", method: "POST", path: pathBookings, status: 200, expected: 200, header: jsonCT,
			body: `{"shipmentId":"x","freightProductId":26,"parties":[],"orderId":1,"properties":{"newKey":"v"},
				"items":[{"properties":{"shortItemIdentifier":"...1","newKey":"v"}}]}`,
			want: []Finding{{Class: UndocumentedField, Path: "$.items[0].properties.newKey", Severity: Warning, Message: "not documented by the spec"}},
		},
		{
			name: "null where none is allowed", method: "GET", path: "/parcels/v1/tracking/fetch/T-AAAAA/NO/false", status: 200, expected: 200, header: jsonCT,
			body: `[{"shipmentNumber":null,"items":[]}]`,
			want: []Finding{{Class: TypeChanged, Path: "$[0].shipmentNumber", Severity: Failure, Message: "null, where the spec allows no null"}},
		},
		{
			name: "enum", method: "POST", path: pathToken, status: 200, expected: 200, header: jsonCT,
			body: `{"token":"t","expires_in":1,"token_type":"bearer"}`,
			want: []Finding{{Class: TypeChanged, Path: "$.token_type", Severity: Failure, Message: "value is not one of the allowed values [\"Bearer\"] (spec: type string)"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ex := &exchange{req: request{method: tt.method, path: tt.path}, status: tt.status, respHdr: tt.header, respBody: []byte(tt.body)}
			vd, err := c.check(context.Background(), ex, tt.expected, Warning, &redactor{})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, vd.findings); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
