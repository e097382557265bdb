package sim

import (
	"bytes"
	"errors"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// maxJournalBody is the largest body -journal-bodies keeps; a larger one
// is journaled as a note of its size.
const maxJournalBody = 64 << 10

// redactedValue stands in for a value of a personal or secret key.
const redactedValue = "<redacted>"

// extPersonal marks a property of spec/helthjem.yaml whose value is
// personal data: `x-personal: true` (names, phone numbers, e-mail and
// street addresses, free text addressed to people, references), or
// `x-personal: false` for one whose name looks personal but is not (a
// service point's name, a product's). A property whose name looks personal
// must carry it either way (TestSpecMarksEveryPersonalProperty).
const extPersonal = "x-personal"

// secretKeys are the keys whose values are secrets: never kept, whatever
// the spec says. Compared as keyName makes them.
var secretKeys = []string{"clientsecret", "secret", "password", "token", "accesstoken", "authorization"}

// redactKeys tells, by keyName, whether a key's value is one -journal-bodies
// never keeps: a key the spec marks personal on any property (a key is
// redacted wherever it appears, so a service point's postalName goes with
// a person's), and a secret. A key the spec does not mark is kept when the
// spec has it, and redacted when the spec does not and its name looks
// personal (a client's own "mobile" or "firstName").
type redactKeys map[string]bool

// newRedactKeys reads the marks of every property v's operations read or
// answer. It runs once, in New; the journal then looks keys up.
func newRedactKeys(v *validate.Validator) redactKeys {
	keys := redactKeys{}
	walkProperties(v, func(_, name string, p *openapi3.SchemaRef) {
		k := keyName(name)
		personal, marked := personalMark(p)
		if !marked {
			personal = looksPersonal(k) // TestSpecMarksEveryPersonalProperty fails first
		}
		keys[k] = keys[k] || personal
	})
	for _, k := range secretKeys {
		keys[k] = true
	}
	return keys
}

// redacted reports whether the value of key name is redacted.
func (keys redactKeys) redacted(name string) bool {
	k := keyName(name)
	if r, known := keys[k]; known {
		return r
	}
	return looksPersonal(k)
}

// keyName is a key compared in lower case without spaces, '_' or '-'
// ("customer name", client_secret).
func keyName(name string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '_', '-':
			return -1
		}
		return unicode.ToLower(r)
	}, name)
}

// personalWords are what a key that looks personal contains, by keyName.
var personalWords = []string{"name", "phone", "mobile", "mail", "address", "street", "contact"}

// looksPersonal reports whether a key, by keyName, looks like it holds
// personal data.
func looksPersonal(k string) bool {
	for _, w := range personalWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// personalMark reads a property's x-personal, written beside a $ref or in
// the property's own schema: whether it is personal, and whether it is
// marked at all.
func personalMark(p *openapi3.SchemaRef) (personal, marked bool) {
	v, marked := p.Extensions[extPersonal]
	if !marked && p.Value != nil {
		v, marked = p.Value.Extensions[extPersonal]
	}
	personal, _ = v.(bool)
	return personal, marked
}

// walkProperties calls visit for every property of every schema that an
// operation of v reads or answers, at any depth, once per schema; where
// names the property's schema for messages ("PartyIn", or the operationId
// for one written in place).
func walkProperties(v *validate.Validator, visit func(where, name string, p *openapi3.SchemaRef)) {
	seen := map[*openapi3.Schema]bool{}
	var walk func(where string, ref *openapi3.SchemaRef)
	walk = func(where string, ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		if ref.Ref != "" {
			where = ref.Ref[strings.LastIndexByte(ref.Ref, '/')+1:]
		}
		s := ref.Value
		seen[s] = true
		for _, name := range slices.Sorted(maps.Keys(s.Properties)) {
			visit(where, name, s.Properties[name])
			walk(where+"."+name, s.Properties[name])
		}
		walk(where+"[]", s.Items)
		walk(where, s.Not)
		walk(where, s.AdditionalProperties.Schema)
		for _, refs := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, r := range refs {
				walk(where, r)
			}
		}
	}
	content := func(where string, c openapi3.Content) {
		for _, mt := range c {
			if mt != nil {
				walk(where, mt.Schema)
			}
		}
	}
	ids := v.OperationIDs()
	slices.Sort(ids)
	for _, id := range ids {
		op := v.Operation(id)
		if op.RequestBody != nil && op.RequestBody.Value != nil {
			content(id+" request", op.RequestBody.Value.Content)
		}
		if op.Responses == nil {
			continue
		}
		for status, res := range op.Responses.Map() {
			if res.Value != nil {
				content(id+" "+status, res.Value.Content)
			}
		}
	}
}

// journalBody is body as the journal keeps it: JSON with the value of
// every key keys redacts replaced by "<redacted>" (null and "" stay, they
// say nothing), or, for a body that is not JSON or is too large, a JSON
// string that gives its size. Nil for no body.
func journalBody(body []byte, keys redactKeys) []byte {
	switch {
	case len(body) == 0:
		return nil
	case len(body) > maxJournalBody:
		return note(strconv.Itoa(len(body)) + " bytes, over the " + strconv.Itoa(maxJournalBody) + " kept")
	}
	b, err := redact(body, keys)
	if err != nil {
		return note(strconv.Itoa(len(body)) + " bytes, not JSON")
	}
	return b
}

func note(s string) []byte { return strconv.AppendQuote(nil, "<"+s+">") }

// redact copies the JSON document body token by token, replacing the
// values of the keys keys redacts at any depth.
func redact(body []byte, keys redactKeys) ([]byte, error) {
	opts := []jsontext.Options{jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true)}
	dec := jsontext.NewDecoder(bytes.NewReader(body), opts...)
	var out bytes.Buffer
	enc := jsontext.NewEncoder(&out, opts...)
	for {
		kind, n := dec.StackIndex(dec.StackDepth())
		if kind == '{' && n%2 == 0 && dec.PeekKind() == '"' {
			name, err := dec.ReadToken()
			if err != nil {
				return nil, err
			}
			if err := enc.WriteToken(name); err != nil {
				return nil, err
			}
			if !keys.redacted(name.String()) {
				continue
			}
			v, err := dec.ReadValue()
			if err != nil {
				return nil, err
			}
			if s := string(v); s != "null" && s != `""` {
				v = jsontext.Value(strconv.Quote(redactedValue))
			}
			if err := enc.WriteValue(v); err != nil {
				return nil, err
			}
			continue
		}
		tok, err := dec.ReadToken()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if err := enc.WriteToken(tok); err != nil {
			return nil, err
		}
	}
	v := jsontext.Value(bytes.TrimSuffix(out.Bytes(), []byte("\n")))
	if !v.IsValid(opts...) { // more than one value
		return nil, errors.New("not one JSON value")
	}
	return v, nil
}
