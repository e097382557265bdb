package contract

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// Class is the kind of a drift finding.
type Class string

// The drift classes.
const (
	// MissingField: a field the spec requires, or the flow needs, is absent.
	MissingField Class = "missing-field"
	// TypeChanged: a value no longer fits its documented schema (type,
	// oneOf, format, pattern, enum, null, range or length), or the body is
	// not JSON of the documented media type.
	TypeChanged Class = "type-changed"
	// UndocumentedField: a field the response schema does not list.
	UndocumentedField Class = "undocumented-field"
	// UndocumentedStatus: a status the operation does not document.
	UndocumentedStatus Class = "undocumented-status"
	// BehaviourChanged: the response conforms but is not what the flow
	// expects (another status, product, form of a generated value...).
	BehaviourChanged Class = "behaviour-changed"
)

// Label is the class as people read it: "missing field".
func (c Class) Label() string { return strings.ReplaceAll(string(c), "-", " ") }

// Severity says whether a finding fails its step.
type Severity string

// The severities.
const (
	Failure Severity = "failure"
	Warning Severity = "warning"
)

// Finding is one difference between the target and the spec or the flow.
type Finding struct {
	Class    Class    `json:"class"`
	Path     string   `json:"path"` // JSON path into the response body, e.g. $.items[0].returnCode
	Message  string   `json:"message"`
	Severity Severity `json:"severity"`
}

// conformance checks responses against one OpenAPI document.
type conformance struct {
	name string // for messages: spec/helthjem.yaml
	v    *validate.Validator
}

func newConformance(load func() (*validate.Validator, error), name string) (*conformance, error) {
	v, err := load()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &conformance{name: name, v: v}, nil
}

// listed renders the statuses op documents, for messages.
func listed(op *openapi3.Operation) string {
	var codes []string
	hasDefault := false
	for k := range op.Responses.Map() {
		if k == "default" {
			hasDefault = true
			continue
		}
		codes = append(codes, k)
	}
	slices.Sort(codes)
	s := strings.Join(codes, ", ")
	if hasDefault {
		s += "; default covers other errors (400 and up)"
	}
	return s
}

// verdict is what conformance found about one response.
type verdict struct {
	findings []Finding
	// undocumentedStatus is set when the status is undocumented; the body
	// was then checked against the expected status's schema, if the two
	// are of the same class (2xx, 4xx...).
	undocumentedStatus bool
	// bodyChecked reports whether the body was validated.
	bodyChecked bool
}

// route finds ex's operation. It routes on the path alone: the target's
// host and base path are not the spec's business.
func (c *conformance) route(ctx context.Context, ex *exchange) (*http.Request, *validate.Route, *openapi3.Operation, error) {
	r, err := http.NewRequestWithContext(ctx, ex.req.method, "http://target.invalid"+ex.req.path, nil)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("route %s: %w", ex.shownPath, err)
	}
	rt, aerr := c.v.Find(r)
	if aerr != nil {
		return nil, nil, nil, fmt.Errorf("%s %s is not an operation of %s: %s", ex.req.method, ex.shownPath, c.name, aerr.Message)
	}
	return r, rt, c.v.Operation(rt.OperationID), nil
}

// check validates ex's response. expected is the status the flow expects;
// sev is the severity of undocumented fields. Text from the response
// (keys, header values, kin-openapi's reasons that quote values) goes
// through red.
func (c *conformance) check(ctx context.Context, ex *exchange, expected int, sev Severity, red *redactor) (verdict, error) {
	r, rt, op, err := c.route(ctx, ex)
	if err != nil {
		return verdict{}, err
	}
	var vd verdict
	status := ex.status
	if !validate.Documented(op, status) {
		vd.undocumentedStatus = true
		vd.findings = append(vd.findings, Finding{
			Class: UndocumentedStatus, Path: "$", Severity: Failure,
			Message: fmt.Sprintf("status %d is not documented for %s (%s documents %s); the flow expects %d", status, rt.OperationID, c.name, listed(op), expected),
		})
		if expected/100 != status/100 || !validate.Documented(op, expected) {
			return vd, nil
		}
		status = expected
	}
	vd.bodyChecked = true
	var body any
	bodyErr := json.Unmarshal(ex.respBody, &body)
	if err := c.v.Response(ctx, r, rt, status, ex.respHdr, ex.respBody); err != nil {
		vd.findings = append(vd.findings, classify(err, body, red)...)
	}
	if bodyErr == nil {
		if ref := responseSchema(op, status, ex.respHdr.Get("Content-Type")); ref != nil {
			walkUndocumented(body, ref, "$", sev, red, &vd.findings)
		}
	}
	vd.findings = dedupe(vd.findings)
	return vd, nil
}

// responseSchema returns the schema of op's response for status and
// content type, nil when there is none.
func responseSchema(op *openapi3.Operation, status int, contentType string) *openapi3.SchemaRef {
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return nil
	}
	mt := ref.Value.Content.Get(contentType)
	if mt == nil {
		mt = ref.Value.Content.Get("application/json")
	}
	if mt == nil {
		return nil
	}
	return mt.Schema
}

// classify turns kin-openapi's response validation error into findings.
// Its reasons can quote the response (a Content-Type header, a value), so
// they go through red.
func classify(err error, body any, red *redactor) []Finding {
	var re *openapi3filter.ResponseError
	if !errors.As(err, &re) {
		return []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: red.str(err.Error())}}
	}
	switch {
	case re.Reason == "failed to decode response body":
		return []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: "the body is not the documented JSON (empty, truncated or another format)"}}
	case strings.Contains(re.Reason, "Content-Type"):
		return []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: red.str(re.Reason)}}
	case re.Err == nil:
		return []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: red.str(re.Reason)}}
	}
	var out []Finding
	collectSchemaErrors(re.Err, body, red, &out)
	if len(out) == 0 {
		out = append(out, Finding{Class: TypeChanged, Path: "$", Severity: Failure, Message: red.str(re.Reason)})
	}
	return out
}

func collectSchemaErrors(err error, body any, red *redactor, out *[]Finding) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, inner := range e {
			collectSchemaErrors(inner, body, red, out)
		}
	case *openapi3.SchemaError:
		*out = append(*out, schemaFinding(e, body, red))
	default:
		if inner := errors.Unwrap(err); inner != nil {
			collectSchemaErrors(inner, body, red, out)
			return
		}
		*out = append(*out, Finding{Class: TypeChanged, Path: "$", Severity: Failure, Message: red.str(err.Error())})
	}
}

// schemaFinding classifies one schema violation. Its message is built from
// the schema and kin-openapi's reason, never from the value (which could be
// personal data).
func schemaFinding(e *openapi3.SchemaError, body any, red *redactor) Finding {
	ptr := e.JSONPointer()
	f := Finding{Path: jsonPath(body, ptr, red), Severity: Failure}
	switch e.SchemaField {
	case "required":
		f.Class = MissingField
		f.Message = "required by the spec, absent"
	case "additionalProperties":
		f.Class = UndocumentedField
		f.Message = "not allowed by the spec"
	case "nullable":
		f.Class = TypeChanged
		f.Message = "null, where the spec allows no null"
	default:
		f.Class = TypeChanged
		if e.Value == nil && e.SchemaField == "type" {
			f.Message = "null, where the spec allows no null"
			break
		}
		f.Message = fmt.Sprintf("%s (spec: %s)", red.str(e.Reason), schemaSummary(e.Schema, e.SchemaField))
	}
	return f
}

// schemaSummary describes what the schema wanted, e.g. "type integer".
func schemaSummary(s *openapi3.Schema, field string) string {
	if s == nil {
		return field
	}
	var parts []string
	if s.Type != nil && len(s.Type.Slice()) > 0 {
		parts = append(parts, "type "+strings.Join(s.Type.Slice(), "|"))
	}
	if s.Format != "" {
		parts = append(parts, "format "+s.Format)
	}
	if len(s.OneOf) > 0 {
		var alts []string
		for _, o := range s.OneOf {
			if o.Value != nil && o.Value.Type != nil {
				alts = append(alts, strings.Join(o.Value.Type.Slice(), "|"))
			}
		}
		parts = append(parts, "oneOf "+strings.Join(alts, ", "))
	}
	if len(parts) == 0 {
		return field
	}
	return strings.Join(parts, ", ")
}

var identRE = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// jsonPath renders a JSON pointer as a JSON path ($.items[0].returnCode),
// using the body to tell array indexes from object keys that are digits.
// Keys the body has are the target's, and go through red.
func jsonPath(body any, ptr []string, red *redactor) string {
	var b strings.Builder
	b.WriteString("$")
	cur := body
	for _, seg := range ptr {
		if arr, isArr := cur.([]any); isArr || cur == nil {
			if i, err := strconv.Atoi(seg); err == nil && i >= 0 {
				b.WriteString("[" + seg + "]")
				cur = nil
				if isArr && i < len(arr) {
					cur = arr[i]
				}
				continue
			}
		}
		m, _ := cur.(map[string]any)
		if _, theirs := m[seg]; theirs {
			writeKey(&b, red.str(seg))
		} else {
			writeKey(&b, seg)
		}
		cur = m[seg]
	}
	return b.String()
}

// writeKey appends .key, or ["key"] for keys that are not identifiers.
func writeKey(b *strings.Builder, key string) {
	if identRE.MatchString(key) {
		b.WriteString("." + key)
		return
	}
	b.WriteString(`["` + jsonString(key, false) + `"]`)
}

// shape is what a schema documents about an object or array: its
// properties, whether other keys are expected (open), the schema of extra
// keys and of array items.
type shape struct {
	props map[string]*openapi3.SchemaRef
	open  bool
	extra *openapi3.SchemaRef
	items *openapi3.SchemaRef
	name  string
}

// shapeOf merges a schema with its allOf, oneOf and anyOf alternatives: a
// key any of them documents is documented.
func shapeOf(ref *openapi3.SchemaRef) shape {
	sh := shape{props: map[string]*openapi3.SchemaRef{}}
	var visit func(r *openapi3.SchemaRef, depth int)
	visit = func(r *openapi3.SchemaRef, depth int) {
		if r == nil || r.Value == nil || depth > 16 {
			return
		}
		s := r.Value
		if sh.name == "" && r.Ref != "" {
			sh.name = r.Ref[strings.LastIndex(r.Ref, "/")+1:]
		}
		for k, p := range s.Properties {
			if _, dup := sh.props[k]; !dup {
				sh.props[k] = p
			}
		}
		if ap := s.AdditionalProperties.Schema; ap != nil {
			sh.open, sh.extra = true, ap
		}
		if s.Items != nil && sh.items == nil {
			sh.items = s.Items
		}
		for _, group := range []openapi3.SchemaRefs{s.AllOf, s.OneOf, s.AnyOf} {
			for _, alt := range group {
				visit(alt, depth+1)
			}
		}
	}
	visit(ref, 0)
	if len(sh.props) == 0 {
		sh.open = true // an object without properties is a free-form map
	}
	return sh
}

// walkUndocumented reports every key of body that its schema does not
// document. Objects whose schema lists no properties, or gives
// additionalProperties a schema, are open: their extra keys are expected.
// Undocumented keys are the target's, and go through red.
func walkUndocumented(body any, ref *openapi3.SchemaRef, path string, sev Severity, red *redactor, out *[]Finding) {
	if ref == nil {
		return
	}
	switch v := body.(type) {
	case map[string]any:
		sh := shapeOf(ref)
		keys := make([]string, 0, len(v))
		for k := range v {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for _, k := range keys {
			if p, ok := sh.props[k]; ok {
				walkUndocumented(v[k], p, childPath(path, k, nil), sev, red, out)
				continue
			}
			child := childPath(path, k, red)
			if sh.open {
				walkUndocumented(v[k], sh.extra, child, sev, red, out)
				continue
			}
			msg := "not documented by the spec"
			if sh.name != "" {
				msg = "not a property of the spec's " + sh.name + " schema"
			}
			*out = append(*out, Finding{Class: UndocumentedField, Path: child, Severity: sev, Message: msg})
		}
	case []any:
		sh := shapeOf(ref)
		for i, el := range v {
			walkUndocumented(el, sh.items, fmt.Sprintf("%s[%d]", path, i), sev, red, out)
		}
	}
}

// childPath is path and key; a key of the target's (red not nil) is
// redacted.
func childPath(path, key string, red *redactor) string {
	var b strings.Builder
	b.WriteString(path)
	if red != nil {
		key = red.str(key)
	}
	writeKey(&b, key)
	return b.String()
}

// dedupe drops findings with the same class and path as an earlier one.
func dedupe(fs []Finding) []Finding {
	seen := map[[2]string]bool{}
	out := fs[:0]
	for _, f := range fs {
		k := [2]string{string(f.Class), f.Path}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}
