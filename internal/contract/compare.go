package contract

import (
	"context"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/mockhelthjem/mockhelthjem/internal/ids"
	"github.com/mockhelthjem/mockhelthjem/internal/personal"
)

// NewField is a compare finding: a field the target answers that the
// cassette's answer at that place never had.
const NewField Class = "new-field"

// enumKeys are the keys whose values are codes the flows depend on: a
// value the cassette has that the target no longer answers, or a value it
// never had, is a change. Other values are data (names, counts, dates) and
// are compared by their form only.
var enumKeys = map[string]bool{
	"token_type": true, "type": true, "kind": true, "parcelStatus": true, "productName": true, "errorKey": true,
}

// compare holds the target's answer to the current step against the
// cassette's answer to the same step, in structure: the status, which
// fields are there, their JSON types, the values of enum-like keys and the
// forms of identifiers and dates. Values themselves are not compared:
// generated values differ from run to run. Findings are failures, except
// new fields, which have the severity of undocumented ones.
func (r *Runner) compare(ctx context.Context, f *flowState, ex *exchange, conf *conformance, sev Severity) []Finding {
	rec := r.cas.answer(f.name, f.step)
	if rec == nil || rec.Request.Method != ex.req.method {
		return nil
	}
	f.compared = true
	want := rec.Response
	if want.Status != ex.status {
		return []Finding{{Class: BehaviourChanged, Path: "$", Severity: Failure,
			Message: fmt.Sprintf("the cassette answered status %d here; the target %d", want.Status, ex.status)}}
	}
	if gotCT := ex.respHdr.Get("Content-Type"); want.BodySHA256 != "" || isFile(gotCT) {
		return compareFiles(want, gotCT, r.red)
	}
	var ref *openapi3.SchemaRef
	if _, _, op, err := conf.route(ctx, ex); err == nil {
		ref = responseSchema(op, ex.status, ex.respHdr.Get("Content-Type"))
	}
	got, gotText := r.rec.body(ex.respBody, personal.Answer)
	c := &comparer{red: r.red, sev: sev, got: map[string]map[string]bool{}}
	switch {
	case want.Body == nil && got == nil:
		return nil
	case want.Body == nil:
		what := "no body"
		if want.BodyText != "" {
			what = "a body that is not JSON"
		}
		return []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: "the cassette has " + what + " here; the target answers JSON"}}
	case got == nil:
		what := "no body"
		if gotText != "" {
			what = "a body that is not JSON"
		}
		return []Finding{{Class: TypeChanged, Path: "$", Severity: Failure, Message: "the cassette has JSON here; the target answers " + what}}
	}
	shape := &node{}
	shape.add(want.Body, "")
	c.walk(got, shape, ref, "$", "$", "")
	c.enums(shape, "$")
	return c.out
}

// compareFiles compares answers of which one, at least, is a file (a
// label): by media type only. Their bytes differ from run to run (ids,
// dates), so neither size nor digest is compared.
// Media types are the target's words, shown redacted.
func compareFiles(want *RecordedResponse, gotCT string, red *redactor) []Finding {
	w, g := red.str(mediaType(want.Headers["Content-Type"])), red.str(mediaType(gotCT))
	if w == g {
		return nil
	}
	what := func(mt string, file bool) string {
		switch {
		case mt == "":
			return "an answer without a Content-Type"
		case file:
			return "a file of " + mt
		}
		return mt
	}
	return []Finding{{Class: TypeChanged, Path: "$", Severity: Failure,
		Message: fmt.Sprintf("the cassette has %s here; the target answers %s", what(w, want.BodySHA256 != ""), what(g, isFile(gotCT)))}}
}

// node is the structure of the cassette's answer at one place, merged over
// the elements of arrays: the JSON kinds seen, the forms of strings, the
// keys of objects and how often each was there, the values of enum-like
// keys.
type node struct {
	kinds   map[string]bool
	forms   map[string]bool
	values  map[string]bool
	objects int
	keys    map[string]int
	child   map[string]*node
	elem    *node
}

func (n *node) add(v any, key string) {
	if n.kinds == nil {
		n.kinds, n.forms, n.values = map[string]bool{}, map[string]bool{}, map[string]bool{}
	}
	n.kinds[kindOf(v)] = true
	switch x := v.(type) {
	case string:
		n.forms[idForm(x)] = true
		if enumKeys[key] {
			n.values[x] = true
		}
	case map[string]any:
		n.objects++
		if n.child == nil {
			n.keys, n.child = map[string]int{}, map[string]*node{}
		}
		for k, e := range x {
			n.keys[k]++
			if n.child[k] == nil {
				n.child[k] = &node{}
			}
			n.child[k].add(e, k)
		}
	case []any:
		for _, e := range x {
			if n.elem == nil {
				n.elem = &node{}
			}
			n.elem.add(e, key)
		}
	}
}

// comparer walks the target's answer against the cassette's structure.
type comparer struct {
	red *redactor
	sev Severity
	out []Finding
	got map[string]map[string]bool // values of enum-like keys, by wildcard path
}

func (c *comparer) find(class Class, path string, sev Severity, format string, args ...any) {
	c.out = append(c.out, Finding{Class: class, Path: path, Severity: sev, Message: fmt.Sprintf(format, args...)})
}

// walk compares v, at path (wild: with [*] for indexes), with n. ref is
// v's schema, when known: keys an open object's schema does not list are
// data, not structure.
func (c *comparer) walk(v any, n *node, ref *openapi3.SchemaRef, path, wild, key string) {
	k := kindOf(v)
	if !n.kinds[k] && !(k == "integer" && n.kinds["number"]) {
		c.find(TypeChanged, path, Failure, "the cassette has %s here; the target %s", listKinds(n.kinds), article(k))
		return
	}
	switch x := v.(type) {
	case string:
		form := idForm(x)
		if !n.forms[form] && !n.forms[""] {
			c.find(TypeChanged, path, Failure, "the cassette has %s here; the target %s", listForms(n.forms), describeForm(form))
		}
		if enumKeys[key] {
			if c.got[wild] == nil {
				c.got[wild] = map[string]bool{}
			}
			c.got[wild][x] = true
		}
	case map[string]any:
		sh := shapeOf(ref)
		data := func(k string) bool { _, listed := sh.props[k]; return ref != nil && sh.open && !listed }
		for _, k := range slices.Sorted(maps.Keys(n.child)) {
			if _, there := x[k]; !there && n.keys[k] == n.objects && !data(k) {
				c.find(MissingField, childPath(path, k, nil), Failure, "every answer of the cassette has this field here; the target's lacks it")
			}
		}
		for _, k := range slices.Sorted(maps.Keys(x)) {
			child := n.child[k]
			switch {
			case child != nil:
				c.walk(x[k], child, propOf(sh, k), childPath(path, k, c.red), childPath(wild, k, c.red), k)
			case !data(k):
				c.find(NewField, childPath(path, k, c.red), c.sev, "the cassette's answers have no such field here")
			}
		}
	case []any:
		if n.elem == nil {
			return
		}
		for i, e := range x {
			c.walk(e, n.elem, shapeOf(ref).items, fmt.Sprintf("%s[%d]", path, i), wild+"[*]", key)
		}
	}
}

// propOf is the schema of key in sh: its property, or the schema of extra
// keys.
func propOf(sh shape, key string) *openapi3.SchemaRef {
	if p, ok := sh.props[key]; ok {
		return p
	}
	return sh.extra
}

// enums compares the values of enum-like keys, where the target answered
// any: a value of the cassette's that is gone, or a value it never had.
func (c *comparer) enums(n *node, wild string) {
	if n == nil {
		return
	}
	if got := c.got[wild]; len(n.values) > 0 && len(got) > 0 && !maps.Equal(n.values, got) {
		for _, v := range slices.Sorted(maps.Keys(n.values)) {
			if !got[v] {
				c.find(BehaviourChanged, wild, Failure, "the cassette answers %q here; the target no longer does (it answers %s)", c.red.str(v), c.quoted(got))
			}
		}
		for _, v := range slices.Sorted(maps.Keys(got)) {
			if !n.values[v] {
				c.find(BehaviourChanged, wild, Failure, "the target answers %q here, a value the cassette does not have (it answers %s)", c.red.str(v), c.quoted(n.values))
			}
		}
	}
	for _, k := range slices.Sorted(maps.Keys(n.child)) {
		c.enums(n.child[k], childPath(wild, k, c.red))
	}
	c.enums(n.elem, wild+"[*]")
}

func (c *comparer) quoted(set map[string]bool) string {
	var out []string
	for _, v := range slices.Sorted(maps.Keys(set)) {
		out = append(out, fmt.Sprintf("%q", c.red.str(v)))
	}
	return strings.Join(out, ", ")
}

// kindOf is the JSON kind of a decoded value, integers apart from other
// numbers.
func kindOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case int64:
		return "integer"
	case float64:
		return "number"
	case string:
		return "string"
	case map[string]any:
		return "object"
	case []any:
		return "array"
	}
	return fmt.Sprintf("%T", v)
}

func article(kind string) string {
	switch kind {
	case "null":
		return "null"
	case "integer", "object", "array":
		return "an " + kind
	}
	return "a " + kind
}

// listKinds renders the JSON kinds of a node for a message.
func listKinds(kinds map[string]bool) string {
	var out []string
	for _, k := range slices.Sorted(maps.Keys(kinds)) {
		out = append(out, article(k))
	}
	return strings.Join(out, " or ")
}

// listForms renders the forms of a node's strings for a message.
func listForms(forms map[string]bool) string {
	var out []string
	for _, f := range slices.Sorted(maps.Keys(forms)) {
		out = append(out, describeForm(f))
	}
	return strings.Join(out, " or ")
}

// Forms of strings that idForm tells apart.
var (
	prefixedRE   = regexp.MustCompile(`^\((\d+)\)(\d+)$`)
	digitsRE     = regexp.MustCompile(`^\d+$`)
	codeRE       = regexp.MustCompile(`^([A-Z])-([A-Z0-9]+)$`)
	shortItemRE  = regexp.MustCompile(`^\.\.\.(\d+)$`)
	isoDateRE    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	dateTimeRE   = regexp.MustCompile(`^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2})?$`)
	rfc3339RE    = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$`)
	clockTimeRE  = regexp.MustCompile(`^\d{2}:\d{2}$`)
	placeholders = map[string]bool{Redacted: true, PersonalData: true}
)

// idForm describes the form of an identifier, code or date: "(401) + 17
// digits, valid GS1 check digit", "T- + 5 characters", "ISO date". It is ""
// for free text, whose form is not compared.
func idForm(s string) string {
	if placeholders[s] {
		return ""
	}
	if m := prefixedRE.FindStringSubmatch(s); m != nil {
		return fmt.Sprintf("(%s) + %s", m[1], digitsForm(m[2]))
	}
	switch {
	case digitsRE.MatchString(s):
		return digitsForm(s)
	case codeRE.MatchString(s):
		m := codeRE.FindStringSubmatch(s)
		return fmt.Sprintf("%s- + %d characters", m[1], len(m[2]))
	case shortItemRE.MatchString(s):
		return fmt.Sprintf("... + %d digits", len(s)-3)
	case isoDateRE.MatchString(s):
		return "ISO date"
	case dateTimeRE.MatchString(s):
		return "date and time"
	case rfc3339RE.MatchString(s):
		return "RFC 3339 time"
	case clockTimeRE.MatchString(s):
		return "hh:mm"
	}
	return ""
}

// digitsForm describes a string of digits: its length and, for the lengths
// of GS1 shipment numbers and SSCCs, whether its check digit is valid.
func digitsForm(d string) string {
	form := fmt.Sprintf("%d digits", len(d))
	if len(d) == 17 || len(d) == 18 {
		if ids.ValidGS1(d) {
			form += ", valid GS1 check digit"
		} else {
			form += ", wrong GS1 check digit"
		}
	}
	return form
}

func describeForm(form string) string {
	if form == "" {
		return "free text"
	}
	return form
}
