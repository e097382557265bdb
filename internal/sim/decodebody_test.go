package sim

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// bodyDecoders are the operations whose bodies are read from the parse.
var bodyDecoders = []struct {
	path  string
	check func(t *testing.T, body []byte, parsed *validate.Body) bool
}{
	{"/parcels/v1/addresses/find/single", checkBodyDecoding(readAddress)},
	{"/parcels/v1/service-points/nearby", checkBodyDecoding(readAddress)},
	{"/parcels/v1/addresses/find/single/dates", checkBodyDecoding(readAddress)},
	{"/parcels/v1/bookings", checkBodyDecoding(readBooking)},
}

// checkBodyDecoding fails unless read, when it reads the body, gets what
// decode gets (and decode succeeds). It reports whether read read it.
func checkBodyDecoding[T any](read func(*T, validate.Value) bool) func(*testing.T, []byte, *validate.Body) bool {
	return func(t *testing.T, body []byte, parsed *validate.Body) bool {
		t.Helper()
		var fast, want T
		if !read(&fast, parsed.Root()) {
			return false // decode reads it
		}
		if aerr := decode(body, &want); aerr != nil {
			t.Fatalf("%s\nread from the parse, decode fails: %v %v", body, aerr, aerr.Fields)
		}
		if diff := cmp.Diff(want, fast); diff != "" {
			t.Fatalf("%s\nread from the parse (-decode +read):\n%s", body, diff)
		}
		return true
	}
}

// checkBody validates body for the operation at path and, when it passes,
// compares the two ways of reading it. It reports whether it passed, and
// whether it was read from the parse.
func checkBody(t *testing.T, v *validate.Validator, path string, check func(*testing.T, []byte, *validate.Body) bool, body []byte) (passed, fast bool) {
	t.Helper()
	r := httptest.NewRequest("POST", path, bytes.NewReader(body))
	rt, aerr := v.Find(r)
	if aerr != nil {
		t.Fatal(aerr)
	}
	parsed, aerr := v.RequestBody(r.Context(), r, rt, body)
	defer parsed.Release()
	if aerr != nil {
		return false, false
	}
	return true, check(t, body, parsed)
}

// mutations are variants of a JSON object body: each key sent again
// with another value, escaped, in another case, and each value replaced.
func mutations(t *testing.T, body []byte) [][]byte {
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	values := []string{`null`, `""`, `"x"`, `1`, `"16"`, `16.0`, `1e3`, `-0`, `"\u0031\u0036"`, `true`, `[]`, `{}`, `[null]`, `[1]`,
		"\"\xff\xfe\"", `"\ud800"`, `"<&>\u2028"`, `" 20260617 "`, `"2026-06-17"`, `20260617`, `"49003"`, `49003`, `[{}]`}
	var out [][]byte
	inner := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(string(body)), "{"), "}")
	for k, val := range m {
		enc, _ := json.Marshal(val)
		for _, nv := range values {
			out = append(out, fmt.Appendf(nil, `{%s,%q:%s}`, inner, k, nv)) // sent again, last wins
			out = append(out, fmt.Appendf(nil, `{%q:%s,%s}`, k, nv, inner)) // sent again, first
			out = append(out, bytes.Replace(body, fmt.Appendf(nil, "%q", k), fmt.Appendf(nil, "%q", strings.ToUpper(k[:1])+k[1:]), 1))
		}
		out = append(out, fmt.Appendf(nil, `{%s,"\u0%04x%s":%s}`, inner, k[0], k[1:], enc)) // an escaped key
		if list, isList := val.([]any); isList && len(list) > 0 {
			if first, isObj := list[0].(map[string]any); isObj {
				// The list with its first element mutated, the rest of the
				// body as it was.
				others := map[string]any{}
				for ok, ov := range m {
					if ok != k {
						others[ok] = ov
					}
				}
				rest, _ := json.Marshal(others)
				rest = rest[1 : len(rest)-1]
				firstJSON, _ := json.Marshal(first)
				tail, _ := json.Marshal(list[1:])
				tail = tail[1 : len(tail)-1]
				for _, sub := range mutations(t, firstJSON) {
					if len(tail) > 0 {
						sub = fmt.Appendf(sub, ",%s", tail)
					}
					out = append(out, fmt.Appendf(nil, `{%s,%q:[%s]}`, rest, k, sub))
				}
			}
		}
	}
	return out
}

// TestBodyDecodingMatchesDecode: the coverage and booking bodies read from
// the validator's parse are decode's, for the guide's requests and every
// mutation of them the spec lets through (null values, keys sent twice,
// escaped keys, numbers as strings, invalid UTF-8, lists sent twice...).
func TestBodyDecodingMatchesDecode(t *testing.T) {
	v, err := validate.Helthjem()
	if err != nil {
		t.Fatal(err)
	}
	guide := map[string]string{
		"/parcels/v1/addresses/find/single":       "find-single",
		"/parcels/v1/service-points/nearby":       "nearby",
		"/parcels/v1/addresses/find/single/dates": "dates",
		"/parcels/v1/bookings":                    "booking-113",
	}
	for _, d := range bodyDecoders {
		body, err := os.ReadFile(filepath.Join("testdata", "guide", guide[d.path]+".request.json"))
		if err != nil {
			t.Fatal(err)
		}
		if passed, fast := checkBody(t, v, d.path, d.check, body); !passed || !fast {
			t.Fatalf("%s: the guide's request does not pass, or is not read from the parse", d.path)
		}
		passed, fast, all := 0, 0, mutations(t, body)
		for _, m := range all {
			p, f := checkBody(t, v, d.path, d.check, m)
			passed, fast = passed+btoi(p), fast+btoi(f)
		}
		t.Logf("%s: of %d mutations, %d pass validation, %d of them read from the parse", d.path, len(all), passed, fast)
	}
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// FuzzBodyDecoding: any body the spec accepts reads the same both ways.
//
//	go test ./internal/sim -run '^$' -fuzz '^FuzzBodyDecoding$' -fuzztime 1m
func FuzzBodyDecoding(f *testing.F) {
	for i, name := range []string{"find-single", "nearby", "dates", "booking-113", "booking-23"} {
		body, err := os.ReadFile(filepath.Join("testdata", "guide", name+".request.json"))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(uint8(min(i, 3)), body)
	}
	v, err := validate.Helthjem()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, op uint8, body []byte) {
		d := bodyDecoders[int(op)%len(bodyDecoders)]
		checkBody(t, v, d.path, d.check, body)
	})
}
