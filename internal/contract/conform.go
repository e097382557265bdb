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

// check validates ex's response. expected is the status the flow expects;
// sev is the severity of undocumented fields.
func (c *conformance) check(ctx context.Context, ex *exchange, expected int, sev Severity) (verdict, error) {
	// Route on the path alone: the target's host and base path are not the
	// spec's business.
	r, err := http.NewRequestWithContext(ctx, ex.req.method, "http://target.invalid"+ex.req.path, nil)
	if err != nil {
		return verdict{}, err
	}
	rt, aerr := c.v.Find(r)
	if aerr != nil {
		return verdict{}, fmt.Errorf("%s %s is not an operation of %s: %s", ex.req.method, ex.req.path, c.name, aerr.Message)
	}
	op := c.v.Operation(rt.OperationID)
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
		vd.findings = append(vd.findings, classify(err, body)...)
	}
	if bodyErr == nil {
		if ref := responseSchema(op, status, ex.respHdr.Get("Content-Type")); ref != nil {
			walkUndocumented(body, ref, "$", sev, &vd.findings)
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
func classify(err error, body any) []Finding {
	var re *openapi3filter.ResponseError
	if !errors.As(err, &re) {
		return []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: err.Error()}}
	}
	switch {
	case re.Reason == "failed to decode response body":
		return []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: "the body is not the documented JSON (empty, truncated or another format)"}}
	case strings.Contains(re.Reason, "Content-Type"):
		return []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: re.Reason}}
	case re.Err == nil:
		return []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: re.Reason}}
	}
	var out []Finding
	collectSchemaErrors(re.Err, body, &out)
	if len(out) == 0 {
		out = append(out, Finding{Class: TypeChanged, Path: "$", Severity: Failure, Message: re.Reason})
	}
	return out
}

func collectSchemaErrors(err error, body any, out *[]Finding) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, inner := range e {
			collectSchemaErrors(inner, body, out)
		}
	case *openapi3.SchemaError:
		*out = append(*out, schemaFinding(e, body))
	default:
		if inner := errors.Unwrap(err); inner != nil {
			collectSchemaErrors(inner, body, out)
			return
		}
		*out = append(*out, Finding{Class: TypeChanged, Path: "$", Severity: Failure, Message: err.Error()})
	}
}

// schemaFinding classifies one schema violation. Its message is built from
// the schema, never from the value (which could be personal data).
func schemaFinding(e *openapi3.SchemaError, body any) Finding {
	ptr := e.JSONPointer()
	f := Finding{Path: jsonPath(body, ptr), Severity: Failure}
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
		f.Message = fmt.Sprintf("%s (spec: %s)", e.Reason, schemaSummary(e.Schema, e.SchemaField))
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
func jsonPath(body any, ptr []string) string {
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
		writeKey(&b, seg)
		if m, ok := cur.(map[string]any); ok {
			cur = m[seg]
		} else {
			cur = nil
		}
	}
	return b.String()
}

// writeKey appends .key, or ["key"] for keys that are not identifiers.
func writeKey(b *strings.Builder, key string) {
	if identRE.MatchString(key) {
		b.WriteString("." + key)
		return
	}
	q, _ := json.Marshal(key)
	b.WriteString("[" + string(q) + "]")
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
func walkUndocumented(body any, ref *openapi3.SchemaRef, path string, sev Severity, out *[]Finding) {
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
			var b strings.Builder
			b.WriteString(path)
			writeKey(&b, k)
			child := b.String()
			if p, ok := sh.props[k]; ok {
				walkUndocumented(v[k], p, child, sev, out)
				continue
			}
			if sh.open {
				walkUndocumented(v[k], sh.extra, child, sev, out)
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
			walkUndocumented(el, sh.items, fmt.Sprintf("%s[%d]", path, i), sev, out)
		}
	}
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
