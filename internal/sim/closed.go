package sim

import (
	"bytes"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// closedInput is what a control-plane operation takes: its query
// parameters and, when it has a body, the body's keys. The control plane
// refuses anything else, so that a misspelt parameter or key is a 400
// that changes nothing, not an ignored word (POST /__sim/reset?clientid=
// demo once reset every client). The carrier API keeps ignoring unknown
// keys, as the carrier documents.
type closedInput struct {
	query   []string // sorted
	hasBody bool
	keys    []string // sorted; the body's top-level keys
}

// healthTag tags the operations of spec/sim.yaml that are not the control
// plane's: health probes and the carrier's spec, which a probe or a cache
// may ask with any query string (/healthz?probe=1, /openapi.yaml?v=2).
const healthTag = "health"

// closedInputs reads every operation of the control plane from v's spec:
// each one of v's operations that is not tagged health. Which operation a
// request is decides whether it is the control plane's, never its path's
// spelling (/__sim, without a slash, is the dashboard's).
func closedInputs(v *validate.Validator) map[string]closedInput {
	out := map[string]closedInput{}
	for _, id := range v.OperationIDs() {
		op := v.Operation(id)
		if slices.Contains(op.Tags, healthTag) {
			continue
		}
		var in closedInput
		for _, p := range op.Parameters {
			if p.Value != nil && p.Value.In == "query" {
				in.query = append(in.query, p.Value.Name)
			}
		}
		if rb := op.RequestBody; rb != nil && rb.Value != nil {
			in.hasBody = true
			if mt := rb.Value.Content.Get("application/json"); mt != nil && mt.Schema != nil && mt.Schema.Value != nil {
				for k := range mt.Schema.Value.Properties {
					in.keys = append(in.keys, k)
				}
			}
		}
		slices.Sort(in.query)
		slices.Sort(in.keys)
		out[id] = in
	}
	return out
}

// checkClosed refuses a query parameter, a body or a body key that the
// control-plane operation does not take. The answer names what the
// operation takes, never what was sent.
func (in closedInput) check(r *http.Request, body []byte) *apierror.Error {
	refuse := func(field, reason string) *apierror.Error {
		return apierror.New(http.StatusBadRequest, apierror.KeyInvalidRequest,
			"the request does not match the control plane's specification (/__sim/openapi.yaml); nothing was changed").
			WithField(field, reason)
	}
	if q, err := url.ParseQuery(r.URL.RawQuery); err == nil {
		for name := range q {
			if !slices.Contains(in.query, name) {
				return refuse("query", "has a parameter this operation does not take; it takes "+list(in.query))
			}
		}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	if !in.hasBody {
		return refuse("body", "must be empty: this operation takes its input from the query string")
	}
	dec := jsontext.NewDecoder(bytes.NewReader(body), jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true))
	if tok, err := dec.ReadToken(); err != nil || tok.Kind() != '{' {
		return nil // not an object: validation says so
	}
	for dec.PeekKind() == '"' {
		name, err := dec.ReadToken()
		if err != nil {
			return nil
		}
		if !slices.Contains(in.keys, name.String()) {
			return refuse("body", "has a key this operation does not take (keys are case-sensitive); it takes "+list(in.keys))
		}
		if err := dec.SkipValue(); err != nil {
			return nil
		}
	}
	return nil
}

func list(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
