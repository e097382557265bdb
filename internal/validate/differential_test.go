package validate_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
	"github.com/mockhelthjem/mockhelthjem/spec"
)

// The differential tests send the same inputs through the compiled
// schemas (Request, Response) and through kin-openapi's own validation
// (KinRequest, KinResponse, as this package validated before) and require
// the same verdict, errorKey and errorMap: completeness is shown, not
// assumed. The inputs are the guide's requests and answers, the fuzz
// corpus, and every mutation of them that mutate generates (a field
// removed, sent twice, renamed in another case, or given another type,
// null, a huge number, a numeric string, a long or non-ASCII string...).
//
// Two differences are deliberate, and each is pinned by a test of its own:
// text after the first JSON value is refused as unparsable (kin reads the
// first value only, and the simulator's decoder then refused the body
// with the same answer), and a date whose day is not in its month is
// reported without quoting it.

// bodyOp is an operation that takes a JSON body.
type bodyOp struct {
	v            *validate.Validator
	method, path string
	id           string
}

// bodyOps lists the operations of both specs that take a body.
func bodyOps(t testing.TB) []bodyOp { return operations(t, true) }

// operations lists the operations of both specs, only those that take a
// body if bodies is set. A path parameter {p} is written p.
func operations(t testing.TB, bodies bool) []bodyOp {
	t.Helper()
	var ops []bodyOp
	for _, doc := range []struct {
		yaml []byte
		load func() (*validate.Validator, error)
	}{{spec.Helthjem, validate.Helthjem}, {spec.Sim, validate.Sim}} {
		v, err := doc.load()
		if err != nil {
			t.Fatal(err)
		}
		d, err := openapi3.NewLoader().LoadFromData(doc.yaml)
		if err != nil {
			t.Fatal(err)
		}
		for path, item := range d.Paths.Map() {
			for method, op := range item.Operations() {
				if op.RequestBody != nil || !bodies {
					path := strings.NewReplacer("{", "", "}", "").Replace(path)
					ops = append(ops, bodyOp{v: v, method: method, path: path, id: op.OperationID})
				}
			}
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].id < ops[j].id })
	return ops
}

func opByID(t *testing.T, ops []bodyOp, id string) bodyOp {
	t.Helper()
	for _, op := range ops {
		if op.id == id {
			return op
		}
	}
	t.Fatalf("no body operation %s", id)
	return bodyOp{}
}

// compareRequest validates body both ways and reports any difference.
func compareRequest(t testing.TB, op bodyOp, query string, body []byte) {
	t.Helper()
	target := op.path
	if query != "" {
		target += "?" + query
	}
	req := httptest.NewRequest(op.method, target, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rt, aerr := op.v.Find(req)
	if aerr != nil {
		t.Fatalf("%s: %s", target, aerr.Message)
	}
	ctx := context.Background()
	got := op.v.Request(ctx, req, rt, body)
	if trailing(body) {
		if got == nil || got.Key != apierror.KeyParse {
			t.Errorf("%s %q: text after the JSON value: got %v, want %s", op.id, body, errorJSON(got), apierror.KeyParse)
		}
		return
	}
	want := op.v.KinRequest(ctx, req, rt, body)
	if want != nil {
		for f, reason := range want.Fields {
			want.Fields[f] = dayOutOfRange.ReplaceAllString(reason, "(day out of range)")
		}
	}
	if diff := cmp.Diff(errorJSON(want), errorJSON(got)); diff != "" {
		t.Errorf("%s?%s %q: compiled schemas differ from kin-openapi (-kin +compiled):\n%s", op.id, query, body, diff)
	}
}

// dayOutOfRange is kin's reason for a date whose day is not in its month,
// which quotes the date.
var dayOutOfRange = regexp.MustCompile(`\(parsing time "[^"]*": day out of range\)`)

func errorJSON(e *apierror.Error) string {
	if e == nil {
		return "pass"
	}
	return string(e.JSON())
}

// trailing reports whether body holds text after its first JSON value,
// which a json.Decoder (kin-openapi's) never reads.
func trailing(body []byte) bool {
	if json.Valid(body) {
		return false // one value and nothing after it (Valid does not build the value)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	var v any
	if dec.Decode(&v) != nil {
		return false
	}
	return len(bytes.TrimLeft(body[dec.InputOffset():], " \t\r\n")) > 0
}

// guideRequests are the C2C guide's requests (internal/sim/testdata/guide),
// by operation.
func guideRequests(t testing.TB) map[string][][]byte {
	t.Helper()
	ops := map[string]string{
		"token": "getToken", "find-single": "findSingleAddress", "nearby": "findNearbyServicePoints",
		"dates": "findPickupDates", "booking-23": "createBooking", "booking-113": "createBooking",
	}
	out := map[string][][]byte{}
	for name, id := range ops {
		b, err := os.ReadFile(filepath.Join("..", "sim", "testdata", "guide", name+".request.json"))
		if err != nil {
			t.Fatal(err)
		}
		out[id] = append(out[id], b)
	}
	// The control plane's requests, as its documentation writes them.
	out["setClock"] = [][]byte{[]byte(`{"set":"2026-06-17T10:00:00+02:00"}`), []byte(`{"advance":"26h"}`)}
	out["createDropoff"] = [][]byte{[]byte(`{"code":"T-NXXW9","servicePointId":"49003"}`)}
	out["createFault"] = [][]byte{[]byte(`{"operation":"createBooking","clientId":"demo","fault":"503","times":2,"probability":0.5}`)}
	return out
}

// fuzzBodies are the bodies of the FuzzRequest seed corpus.
func fuzzBodies(t *testing.T) [][]byte {
	t.Helper()
	dir := filepath.Join("..", "sim", "testdata", "fuzz", "FuzzRequest")
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	for _, e := range entries {
		f, err := os.Open(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			line := sc.Text()
			if q, ok := strings.CutPrefix(line, "[]byte("); ok {
				b, err := strconv.Unquote(strings.TrimSuffix(q, ")"))
				if err != nil {
					t.Fatalf("%s: %v", e.Name(), err)
				}
				out = append(out, []byte(b))
			}
		}
		f.Close()
	}
	if len(out) < 50 {
		t.Fatalf("only %d fuzz seeds in %s", len(out), dir)
	}
	return out
}

// oddBodies are bodies at the edges of JSON itself.
func oddBodies() [][]byte {
	deep := func(n int) []byte {
		return []byte(strings.Repeat("[", n) + strings.Repeat("]", n))
	}
	out := [][]byte{
		nil, []byte(" "), []byte("{}"), []byte("[]"), []byte("null"), []byte("1"), []byte(`"x"`), []byte("true"),
		[]byte("{} "), []byte("\xef\xbb\xbf{}"), []byte("{"), []byte(`{"a":}`), []byte(`{"a" 1}`), []byte(`{"a":1,}`),
		[]byte(`[1,]`), []byte(`{"a":01}`), []byte(`{"a":-}`), []byte(`{"a":1.}`), []byte(`{"a":1e}`), []byte(`{"a":.5}`),
		[]byte(`{"a":tru}`), []byte(`{"a":nul}`), []byte(`{"a":"\x}`), []byte(`{"a":"\u12"}`), []byte("{\"a\":\"\x01\"}"),
		[]byte("{\"a\":\"\x7f\"}"), []byte(`{"a":"\/\b\f\n\r\t\"\\"}`), []byte(`{'a':1}`), []byte(`{"a":1}{"b":2}`),
		[]byte(`{"a":1} x`), []byte("1 2"), []byte(`{"a":NaN}`), []byte(`{"a":Infinity}`), []byte(`{"a":+1}`),
		deep(10000), deep(10001),
	}
	return out
}

// TestDifferentialRequests: every request body, on every operation that
// takes one, gets the same answer from the compiled schemas as from
// kin-openapi.
func TestDifferentialRequests(t *testing.T) {
	ops := bodyOps(t)
	seeds := guideRequests(t)
	extra := append(fuzzBodies(t), oddBodies()...)
	for _, op := range ops {
		bodies := append([][]byte(nil), extra...)
		for _, s := range seeds[op.id] {
			bodies = append(bodies, s)
			bodies = append(bodies, mutate(t, s, true, mutateEvery())...)
		}
		// Every operation's seeds go to every other operation too.
		for id, ss := range seeds {
			if id != op.id {
				bodies = append(bodies, ss...)
			}
		}
		t.Run(op.id, func(t *testing.T) {
			for _, b := range bodies {
				compareRequest(t, op, "", b)
			}
		})
	}
	t.Run("query", func(t *testing.T) {
		dates := opByID(t, ops, "findPickupDates")
		good := seeds["findPickupDates"][0]
		bad := []byte(`{"shopId":null,"freightProductId":"x","zipCode":"","countryCode":"NOR"}`)
		for _, q := range []string{"limit=3", "limit=0", "limit=31", "limit=x", "limit=", "limit=1.5", "limit=3&limit=x", "other=1"} {
			for _, b := range [][]byte{good, bad, []byte("{"), nil} {
				compareRequest(t, dates, q, b)
			}
		}
	})
}

// TestTrailingTextIsUnparsable pins the first deliberate difference: a
// body that holds text after its JSON value is not valid JSON.
func TestTrailingTextIsUnparsable(t *testing.T) {
	v := newValidator(t)
	for _, body := range []string{`{"shopId":16}x`, `{"shopId":16}{}`, `{} {}`, "{}\x00"} {
		req := httptest.NewRequest("POST", "/parcels/v1/addresses/find/single", strings.NewReader(body))
		rt, aerr := v.Find(req)
		if aerr != nil {
			t.Fatal(aerr)
		}
		got := v.Request(context.Background(), req, rt, []byte(body))
		want := map[string]string{"body": "is not valid JSON"}
		if got == nil || got.Key != apierror.KeyParse || !cmp.Equal(want, got.Fields) {
			t.Errorf("%q: %s, want %s %v", body, errorJSON(got), apierror.KeyParse, want)
		}
	}
}

// TestDateFormatErrorsDoNotEchoTheValue pins the second: kin-openapi's
// reason for 2026-02-30 quotes it; ours says what is wrong without it.
func TestDateFormatErrorsDoNotEchoTheValue(t *testing.T) {
	v, err := validate.Sim()
	if err != nil {
		t.Fatal(err)
	}
	body := `{"set":"2026-02-30T10:00:00Z"}`
	req := httptest.NewRequest("POST", "/__sim/clock", strings.NewReader(body))
	rt, aerr := v.Find(req)
	if aerr != nil {
		t.Fatal(aerr)
	}
	got := v.Request(context.Background(), req, rt, []byte(body))
	want := map[string]string{"set": `string doesn't match the format "date-time" (day out of range)`}
	if got == nil {
		t.Fatal("2026-02-30 passed")
	}
	if diff := cmp.Diff(want, got.Fields); diff != "" {
		t.Errorf("errorMap (-want +got):\n%s", diff)
	}
	if strings.Contains(string(got.JSON()), "2026-02-30") {
		t.Errorf("the error echoes the value: %s", got.JSON())
	}
}

// keywordSpec has one operation per schema, each a keyword the compiled
// schemas implement or a combination of them the carrier's specs do not
// (yet) use, with seed bodies for mutate.
const keywordSpec = `
openapi: 3.0.3
info: {title: keywords, version: "1"}
paths:
  /nullable-branch:
    post:
      operationId: nullableBranch
      requestBody: {required: true, content: {application/json: {schema: {type: object, properties: {
        a: {anyOf: [{type: string, nullable: true}, {type: integer}], x-reason: a string or an integer},
        b: {allOf: [{type: string, nullable: true}, {maxLength: 3, nullable: true}]},
        c: {oneOf: [{type: integer}, {type: number, maximum: 10}, {type: string, nullable: true}]},
        d: {enum: [x, "y", "<&>"], type: string},
        e: {enum: [x], nullable: true},
        v: {enum: [null]},
        f: {allOf: [{$ref: '#/components/schemas/Closed'}], nullable: true},
        g: {nullable: true},
        h: {},
        i: {type: array, items: {}},
        j: {type: array, minItems: 1, maxItems: 2, items: {type: integer, format: int32, minimum: -5}},
        k: {type: integer, format: int64, maximum: 100},
        l: {type: number, format: double, minimum: 0.5, maximum: 1e300},
        m: {type: string, format: date},
        n: {type: string, format: byte, minLength: 2},
        o: {type: string, format: uuid},
        p: {type: string, pattern: '^\u00C6[a-z]*$', x-error-key: invalid.p},
        q: {type: boolean},
        r: {type: object, additionalProperties: {type: integer}, required: [only]},
        s: {type: object, additionalProperties: false, properties: {a: {type: string}}, required: [a]},
        t: {type: object, properties: {x: {type: string, x-error-key: invalid.t.x}, y: {type: string, x-error-key: invalid.t.y}}},
        u: {type: string, nullable: true, enum: [x, null]}
      }, required: [a]}}}}
      responses: {'200': {description: ok}}
components:
  schemas:
    Closed:
      type: object
      additionalProperties: false
      required: [id]
      properties:
        id: {type: integer, x-reason: must be an id}
`

var keywordSeeds = []string{
	`{"a":"x","b":"abc","c":1,"d":"x","e":"x","f":{"id":1},"g":1,"h":[],"i":[1,"a",null],"j":[1,2],"k":5,"l":0.75,"m":"2026-06-17","n":"AAAA","o":"x","p":"Æab","q":true,"r":{"only":1,"b":2},"s":{"a":"x"},"t":{"x":"a","y":"b"},"u":"x"}`,
	`{"a":null,"b":null,"c":null,"f":null,"g":null,"u":null}`,
	`{"a":1,"c":"s","t":{"x":1,"y":2},"j":[],"r":{}}`,
}

// TestDifferentialKeywords: each keyword and combination the compiled
// schemas implement gives kin-openapi's verdicts and errors, including
// those the carrier's specs do not exercise.
func TestDifferentialKeywords(t *testing.T) {
	v, err := validate.New([]byte(keywordSpec))
	if err != nil {
		t.Fatal(err)
	}
	op := bodyOp{v: v, method: "POST", path: "/nullable-branch", id: "nullableBranch"}
	for _, seed := range keywordSeeds {
		compareRequest(t, op, "", []byte(seed))
		for _, b := range mutate(t, []byte(seed), true, mutateEvery()) {
			compareRequest(t, op, "", b)
		}
	}
}

// FuzzDifferential sends any body to any operation that takes one, both
// ways (see compareRequest).
//
//	go test ./internal/validate -run '^$' -fuzz '^FuzzDifferential$' -fuzztime 5m
func FuzzDifferential(f *testing.F) {
	for _, ss := range guideRequests(f) {
		for _, s := range ss {
			f.Add(uint8(0), s)
		}
	}
	ops := bodyOps(f)
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		compareRequest(t, ops[int(op)%len(ops)], "", body)
	})
}
