package contract

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/calendar"
	"github.com/mockhelthjem/mockhelthjem/internal/ids"
)

// statusKey is the projection's entry for the HTTP status.
const statusKey = "HTTP status"

// expect is a flow's expectation of one response: a projection of the
// body onto the JSON paths the flow cares about. want holds what the flow
// expects at each path, got what the body has there; a generated value
// that passes its check is replaced by the description of its form in
// both, so that only a value of the wrong form shows in the diff. A path
// the body lacks is absent from got.
//
// Values in want and got can come from the target (got, and ids earlier
// steps handed on), so findings and the diff show them redacted; the paths
// are the flow's own.
type expect struct {
	body  any
	red   *redactor
	paths []string // in the order checked
	want  map[string]any
	got   map[string]any
	why   map[string]string // what exactly is wrong at a path
}

func newExpect(body any, red *redactor) *expect {
	return &expect{body: body, red: red, want: map[string]any{}, got: map[string]any{}, why: map[string]string{}}
}

// decodeBody decodes JSON with numbers as int64 where they are integers.
func decodeBody(b []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return normalize(v), nil
}

func normalize(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case int:
		return int64(x)
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
	}
	return v
}

// value returns the body's value at a path such as $.items[0].returnCode
// or $["customer name"], and whether it is there.
func (x *expect) value(path string) (any, bool) {
	return lookup(x.body, path)
}

func lookup(body any, path string) (any, bool) {
	if !strings.HasPrefix(path, "$") {
		return nil, false
	}
	cur, rest := body, path[1:]
	for rest != "" {
		key, index, next, ok := segment(rest)
		if !ok {
			return nil, false
		}
		rest = next
		if index >= 0 {
			arr, isArr := cur.([]any)
			if !isArr || index >= len(arr) {
				return nil, false
			}
			cur = arr[index]
			continue
		}
		m, isMap := cur.(map[string]any)
		if !isMap {
			return nil, false
		}
		if cur, ok = m[key]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// segment splits the first segment off a JSON path: .key, ["key"] or
// [index] (index is -1 for keys).
func segment(rest string) (key string, index int, next string, ok bool) {
	switch {
	case strings.HasPrefix(rest, "."):
		end := strings.IndexAny(rest[1:], ".[")
		if end < 0 {
			end = len(rest) - 1
		}
		return rest[1 : end+1], -1, rest[end+1:], true
	case strings.HasPrefix(rest, `["`):
		end := strings.Index(rest, `"]`)
		if end < 0 || json.Unmarshal([]byte(rest[1:end+1]), &key) != nil {
			return "", 0, "", false
		}
		return key, -1, rest[end+2:], true
	case strings.HasPrefix(rest, "["):
		end := strings.Index(rest, "]")
		if end < 0 {
			return "", 0, "", false
		}
		i, err := strconv.Atoi(rest[1:end])
		if err != nil || i < 0 {
			return "", 0, "", false
		}
		return "", i, rest[end+1:], true
	}
	return "", 0, "", false
}

// put records one entry of the projection. present false means the body
// lacks the path; why, when set, explains a mismatch.
func (x *expect) put(path string, want, got any, present bool, why string) {
	if _, dup := x.want[path]; !dup {
		x.paths = append(x.paths, path)
	}
	x.want[path] = normalize(want)
	delete(x.got, path)
	if present {
		x.got[path] = normalize(got)
	}
	if why != "" {
		x.why[path] = why
	}
}

// eq expects the value at path to equal want.
func (x *expect) eq(path string, want any) {
	v, ok := x.value(path)
	x.put(path, want, v, ok, "")
}

// form expects a value of a form: form describes it, valid checks it. It
// returns the value as a string when it passes, "" otherwise.
func (x *expect) form(path, form string, valid func(any) bool) string {
	v, ok := x.value(path)
	if ok && valid(v) {
		x.put(path, form, form, true, "")
		s, _ := v.(string)
		if s == "" {
			s = fmt.Sprint(v)
		}
		return s
	}
	x.put(path, form, v, ok, "")
	return ""
}

// status records the HTTP status in the projection.
func (x *expect) status(want, got int) {
	x.put(statusKey, want, got, true, "")
}

// covered reports whether conformance has already failed path or a path
// that contains it.
func covered(reported map[string]bool, path string) bool {
	for q := range reported {
		if path == q || strings.HasPrefix(path, q+".") || strings.HasPrefix(path, q+"[") {
			return true
		}
	}
	return false
}

// findings returns one finding per path where got differs from want,
// leaving out body paths conformance has already reported (the status is
// always reported).
func (x *expect) findings(reported map[string]bool) []Finding {
	var out []Finding
	for _, p := range x.paths {
		want := x.want[p]
		got, present := x.got[p]
		if present && cmp.Equal(want, got) {
			continue
		}
		path, whole := p, !strings.HasPrefix(p, "$")
		switch {
		case whole:
			// The status, or a key about a file answer as a whole.
			path = "$"
		case covered(reported, path):
			continue
		}
		f := Finding{Path: path, Severity: Failure}
		want, got = x.red.value(want), x.red.value(got)
		switch {
		case !present:
			f.Class = MissingField
			f.Message = fmt.Sprintf("the flow expects %s here; the field is absent", show(want))
		case p == statusKey:
			f.Class = BehaviourChanged
			f.Message = fmt.Sprintf("want status %v, got %v", want, got)
		case whole:
			f.Class = BehaviourChanged
			f.Message = fmt.Sprintf("%s: want %s, got %s", p, show(want), show(got))
		default:
			f.Class = BehaviourChanged
			f.Message = fmt.Sprintf("want %s, got %s", show(want), showValue(got))
		}
		if w := x.why[p]; w != "" {
			f.Message += " (" + w + ")"
		}
		out = append(out, f)
	}
	return out
}

// diff is the projection's cmp.Diff, "" when equal.
func (x *expect) diff() string {
	return cmp.Diff(x.red.value(x.want), x.red.value(x.got))
}

// showValue renders a value of the target's for a message: strings are
// always quoted, even one that looks like a form.
func showValue(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	return show(v)
}

// show renders a projected value for a message: a form such as
// <returnCode: ...> as it is, other strings quoted.
func show(v any) string {
	switch s := v.(type) {
	case string:
		if strings.HasPrefix(s, "<") && strings.HasSuffix(s, ">") {
			return s
		}
		return strconv.Quote(s)
	case nil:
		return "null"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Forms of generated values, as the projection shows them.
const (
	formToken      = "<a non-empty string>"
	formShipmentID = "<shipmentId: (401) + 17 digits, valid GS1 check digit>"
	formSSCC       = "<trackingReference: (00) + 18-digit SSCC, valid GS1 check digit>"
	formReturnCode = "<returnCode: ^T-[A-Z0-9]{5}$>"
	formOrderID    = "<orderId: a positive integer>"
	formPointID    = "<servicePointExternalId: a non-empty string>"
)

// returnCodeRE is the form of the returnCodes the flows expect: "T-" and
// five characters, as in the guide's "T-NXXW9" and "T-H1MN3". The spec
// accepts a wider pattern (ids.ReturnCodePattern); a code outside this one
// conforms but is a change of behaviour worth knowing about.
var returnCodeRE = regexp.MustCompile(`^T-[A-Z0-9]{5}$`)

func nonEmptyString(v any) bool {
	s, ok := v.(string)
	return ok && strings.TrimSpace(s) != ""
}

var (
	validShipmentID = gs1Form(ids.ShipmentPrefix, ids.KindShipment)
	validSSCC       = gs1Form(ids.TrackingPrefix, ids.KindSSCC)
)

// gs1Form accepts a string that is prefix, then a GS1 number of kind with
// a valid check digit.
func gs1Form(prefix string, kind ids.Kind) func(any) bool {
	return func(v any) bool {
		s, ok := v.(string)
		if !ok || !strings.HasPrefix(s, prefix) {
			return false
		}
		k, digits := ids.Parse(s)
		return k == kind && ids.ValidGS1(digits)
	}
}

func validReturnCode(v any) bool {
	s, ok := v.(string)
	return ok && returnCodeRE.MatchString(s)
}

func validOrderID(v any) bool {
	i, ok := v.(int64)
	return ok && i > 0
}

// bare returns the digits of a shipmentId or trackingReference.
func bare(id string) string {
	_, v := ids.Parse(id)
	return v
}

// idString renders a party id (a JSON string or integer) as a string.
func idString(v any) any {
	if i, ok := v.(int64); ok {
		return strconv.FormatInt(i, 10)
	}
	return v
}

// checkDates checks a pickup dates list: ISO dates, strictly ascending,
// the first after today, no Sundays. It returns the dates, or the first
// problem, the target's dates in it redacted.
func checkDates(v any, today calendar.Date, red *redactor) ([]calendar.Date, string) {
	list, ok := v.([]any)
	if !ok {
		return nil, "not an array"
	}
	if len(list) == 0 {
		return nil, "no dates"
	}
	out := make([]calendar.Date, 0, len(list))
	for i, e := range list {
		s, _ := e.(string)
		d, err := calendar.ParseISO(s)
		if err != nil {
			return nil, fmt.Sprintf("dates[%d] is not an ISO date", i)
		}
		switch {
		case i == 0 && !d.After(today):
			return nil, fmt.Sprintf("dates[0] %s is not after today, %s", red.str(d.String()), today)
		case i > 0 && !d.After(out[i-1]):
			return nil, fmt.Sprintf("dates[%d] %s does not come after %s", i, red.str(d.String()), red.str(out[i-1].String()))
		case d.Weekday() == time.Sunday:
			return nil, fmt.Sprintf("dates[%d] %s is a Sunday", i, red.str(d.String()))
		}
		out = append(out, d)
	}
	return out, ""
}

// indexOf returns the index of the first element of the array at path for
// which match is true, or -1.
func (x *expect) indexOf(path string, match func(el map[string]any) bool) int {
	v, _ := x.value(path)
	arr, _ := v.([]any)
	for i, el := range arr {
		if m, ok := el.(map[string]any); ok && match(m) {
			return i
		}
	}
	return -1
}

// contains expects the array at path to contain want (a string).
func (x *expect) contains(path, want string) {
	v, ok := x.value(path)
	form := "<contains " + want + ">"
	if arr, isArr := v.([]any); isArr {
		for _, e := range arr {
			if e == want {
				x.put(path, form, form, true, "")
				return
			}
		}
	}
	x.put(path, form, v, ok, "")
}
