// Package validate matches HTTP requests to the operations of an OpenAPI
// document and checks requests and responses against it. The document is
// the one routing table: kin-openapi's gorilla/mux router matches a request
// to its operation, and callers get an operationId back and dispatch on it.
//
// Bodies are checked by schemas compiled once per document (schema.go):
// each body is parsed once into a flat token tape (tape.go) and checked
// against it (check.go), with kin-openapi's verdicts and reasons but
// without decoding into Go values. Path and query parameters are checked
// by kin-openapi itself. A differential test holds the two to the same
// verdicts and the same error fields. RequestBody hands a passing body's
// tape to the caller (body.go), so that it is read without a second parse.
//
// Validation failures come back as *apierror.Error in Helthjem's error shape,
// one errorMap entry per problem, naming the field and the reason and never
// the submitted value. This package does not authenticate (callers do, before
// validating the body) and holds no per-request state (a Body is the
// caller's until released).
package validate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/spec"
)

// MaxBodyBytes is the largest request body accepted (413 above it).
const MaxBodyBytes = 1 << 20

// Extension names read from the spec.
const (
	// ExtErrorKey on a schema names the errorKey for a value that fails it,
	// e.g. invalid.format.desiredDeliveryDate.
	ExtErrorKey = "x-error-key"
	// ExtReason on a schema is the reason reported for a value that fails
	// it, instead of kin-openapi's generic one.
	ExtReason = "x-reason"
)

// Validator validates against one OpenAPI document.
type Validator struct {
	doc       *openapi3.T
	router    routers.Router
	paramOpts *openapi3filter.Options
	resOpts   *openapi3filter.Options
	ops       map[string]*openapi3.Operation
	compiled  map[*openapi3.Operation]*operation
	// static is the route of each path without parameters, by path (as
	// the router matches it, escaped) and method, found once through the
	// router, so that Find need not try every route's pattern for them.
	static map[string]map[string]*routers.Route
	// media holds the compiled schema of each response media type.
	media map[*openapi3.MediaType]*node
}

// operation is what checking an operation's requests needs, found once.
type operation struct {
	// params are checked by kin-openapi, in its order: the path item's
	// (unless the operation overrides them), then the operation's.
	params       []*openapi3.Parameter
	body         *node // the application/json request body; nil if none
	bodyRequired bool
	// The responses, by status, by class (2XX at 2) and default.
	byStatus  map[int]*openapi3.ResponseRef
	byClass   [6]*openapi3.ResponseRef
	byDefault *openapi3.ResponseRef
}

// response is the response documented for status, as kin-openapi's
// Responses.Status and then Default find it; nil if there is none.
func (o *operation) response(status int) *openapi3.ResponseRef {
	if ref := o.byStatus[status]; ref != nil {
		return ref
	}
	if 99 < status && status < 600 && o.byClass[status/100] != nil {
		return o.byClass[status/100]
	}
	return o.byDefault
}

// documented is Documented(op, status) for the operation's op.
func (o *operation) documented(status int) bool {
	if o.byStatus[status] != nil || (0 < status && status < 600 && o.byClass[status/100] != nil) {
		return true
	}
	return status >= 400 && o.byDefault != nil
}

// Route is a request matched to an operation.
type Route struct {
	OperationID string
	PathParams  map[string]string
	// Secured reports whether the operation requires a security scheme.
	Secured bool
	route   *routers.Route
	op      *operation
}

// The embedded specs are loaded once per process: a Validator is safe for
// concurrent use and never changes its document, so every simulator and
// contract run shares these two (and their compiled schemas).
var (
	helthjemOnce = sync.OnceValues(func() (*Validator, error) { return load(spec.Helthjem, false) })
	simOnce      = sync.OnceValues(func() (*Validator, error) { return load(spec.Sim, false) })
)

// Helthjem returns the process's Validator of spec/helthjem.yaml.
func Helthjem() (*Validator, error) { return helthjemOnce() }

// Sim returns the process's Validator of spec/sim.yaml.
func Sim() (*Validator, error) { return simOnce() }

// New loads, validates and indexes an OpenAPI 3.0 document.
func New(specYAML []byte) (*Validator, error) { return load(specYAML, true) }

// load is New. The embedded specs are not validated against OpenAPI again
// at every start (a millisecond each, and the memory of its work):
// TestEmbeddedSpecsAreValid proves them valid once, in the test command.
func load(specYAML []byte, validateDoc bool) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(specYAML)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	if validateDoc {
		if err := doc.Validate(loader.Context); err != nil {
			return nil, fmt.Errorf("invalid spec: %w", err)
		}
	}
	if doc.IsOpenAPI31OrLater() {
		return nil, errors.New("spec must be OpenAPI 3.0.x: the compiled schemas implement 3.0's keywords")
	}
	// The servers list names the carrier's hosts; without clearing it no
	// request to localhost or a test server would match.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	v := &Validator{
		doc:      doc,
		router:   router,
		ops:      map[string]*openapi3.Operation{},
		compiled: map[*openapi3.Operation]*operation{},
		media:    map[*openapi3.MediaType]*node{},
		// A parameter's default is not written into the request: the
		// caller's request is not this package's to change.
		paramOpts: &openapi3filter.Options{MultiError: true, SkipSettingDefaults: true},
		resOpts: &openapi3filter.Options{
			MultiError:            true,
			IncludeResponseStatus: true,
		},
	}
	c := newCompiler()
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				return nil, fmt.Errorf("%s %s has no operationId", method, path)
			}
			if _, dup := v.ops[op.OperationID]; dup {
				return nil, fmt.Errorf("operationId %q is used twice", op.OperationID)
			}
			v.ops[op.OperationID] = op
			compiled, err := v.compile(c, item, op)
			if err != nil {
				return nil, fmt.Errorf("%s %s (%s): %w", method, path, op.OperationID, err)
			}
			v.compiled[op] = compiled
		}
	}
	v.static = map[string]map[string]*routers.Route{}
	for path, item := range doc.Paths.Map() {
		if strings.Contains(path, "{") {
			continue
		}
		u := &url.URL{Path: path}
		for method := range item.Operations() {
			route, _, err := router.FindRoute(&http.Request{Method: method, URL: u})
			if err != nil || route.Path != path {
				continue // the router decides, every time
			}
			if v.static[u.EscapedPath()] == nil {
				v.static[u.EscapedPath()] = map[string]*routers.Route{}
			}
			v.static[u.EscapedPath()][method] = route
		}
	}
	return v, nil
}

// compile finds what checking op's requests needs and compiles the schemas
// of its request and response bodies.
func (v *Validator) compile(c *compiler, item *openapi3.PathItem, op *openapi3.Operation) (*operation, error) {
	o := &operation{byStatus: map[int]*openapi3.ResponseRef{}}
	for _, p := range item.Parameters {
		if op.Parameters.GetByInAndName(p.Value.In, p.Value.Name) == nil {
			o.params = append(o.params, p.Value)
		}
	}
	for _, p := range op.Parameters {
		o.params = append(o.params, p.Value)
	}
	if rb := op.RequestBody; rb != nil {
		mt := rb.Value.Content.Get("application/json")
		if mt == nil || mt.Schema == nil || len(rb.Value.Content) != 1 {
			return nil, errors.New("a request body must have exactly one media type, application/json, with a schema")
		}
		var err error
		if o.body, err = c.ref("requestBody", mt.Schema); err != nil {
			return nil, err
		}
		o.bodyRequired = rb.Value.Required
	}
	for status, res := range op.Responses.Map() {
		if res.Value == nil {
			return nil, fmt.Errorf("response %s is not resolved", status)
		}
		switch code, err := strconv.Atoi(status); {
		case status == "default":
			o.byDefault = res
		case len(status) == 3 && status[1:] == "XX" && '1' <= status[0] && status[0] <= '5':
			o.byClass[status[0]-'0'] = res
		case err == nil:
			o.byStatus[code] = res
		default:
			return nil, fmt.Errorf("response %s: not a status", status)
		}
		for name := range res.Value.Headers {
			if !strings.EqualFold(name, "Content-Type") {
				return nil, fmt.Errorf("response %s: response headers are not checked", status)
			}
		}
		for ct, mt := range res.Value.Content {
			if mt.Schema == nil {
				continue
			}
			if !IsJSON(ct) || ct == "" {
				if ct != "" && isFile(mt.Schema) {
					continue // a file (a label): its status and media type are checked, not its bytes
				}
				return nil, fmt.Errorf("response %s: only JSON bodies are checked, and files (type string, format binary or none, nothing else), not %s", status, ct)
			}
			n, err := c.ref(fmt.Sprintf("response %s", status), mt.Schema)
			if err != nil {
				return nil, err
			}
			v.media[mt] = n
		}
	}
	return o, nil
}

// isFile reports whether a schema describes a file and nothing more: a
// string, of format binary or none, without a bound, pattern, enum or
// combinator that a check would have to hold the bytes to.
func isFile(ref *openapi3.SchemaRef) bool {
	s := ref.Value
	return s != nil && s.Type != nil && s.Type.Is(openapi3.TypeString) && len(s.Type.Slice()) == 1 &&
		(s.Format == "" || s.Format == "binary") && s.Pattern == "" && s.MinLength == 0 && s.MaxLength == nil &&
		len(s.Enum) == 0 && s.Not == nil && len(s.AllOf)+len(s.OneOf)+len(s.AnyOf) == 0
}

// OperationIDs lists every operationId in the document.
func (v *Validator) OperationIDs() []string {
	ids := make([]string, 0, len(v.ops))
	for id := range v.ops {
		ids = append(ids, id)
	}
	return ids
}

// Operation returns the operation of an operationId, nil if there is none.
// Callers must not modify it.
func (v *Validator) Operation(id string) *openapi3.Operation { return v.ops[id] }

// Find matches r to an operation. A trailing slash is ignored (real clients
// send one; the guide writes nearby/ with it). It returns a 404 or 405
// *apierror.Error when nothing matches.
func (v *Validator) Find(r *http.Request) (*Route, *apierror.Error) {
	path := r.URL.EscapedPath()
	if len(path) > 1 {
		if path = strings.TrimRight(path, "/"); path == "" {
			path = "/"
		}
	}
	if route := v.static[path][r.Method]; route != nil {
		return v.matched(route, map[string]string{}), nil
	}
	req := r
	if p := r.URL.Path; len(p) > 1 && strings.HasSuffix(p, "/") {
		u := *r.URL
		u.Path = strings.TrimRight(p, "/")
		if u.Path == "" {
			u.Path = "/"
		}
		u.RawPath = ""
		req = r.Clone(r.Context())
		req.URL = &u
	}
	route, params, err := v.router.FindRoute(req)
	switch {
	case err == nil:
	case errors.Is(err, routers.ErrMethodNotAllowed):
		return nil, apierror.Newf(http.StatusMethodNotAllowed, apierror.KeyMethodNotAllowed,
			"method %s is not allowed on this path", r.Method)
	default:
		return nil, apierror.New(http.StatusNotFound, apierror.KeyNotFound, "no such path")
	}
	// The router matches the escaped path and leaves parameters escaped:
	// T%2DNXXW9 is T-NXXW9.
	for k, v := range params {
		if u, err := url.PathUnescape(v); err == nil {
			params[k] = u
		}
	}
	return v.matched(route, params), nil
}

// matched is the Route of a request the router matched to route.
func (v *Validator) matched(route *routers.Route, params map[string]string) *Route {
	sec := route.Operation.Security
	if sec == nil {
		sec = &v.doc.Security
	}
	return &Route{
		OperationID: route.Operation.OperationID,
		PathParams:  params,
		Secured:     len(*sec) > 0,
		route:       route,
		op:          v.compiled[route.Operation],
	}
}

// HasBody reports whether the operation takes a request body.
func (rt *Route) HasBody() bool { return rt.route.Operation.RequestBody != nil }

// ReadBody reads at most MaxBodyBytes of r's body and checks its media
// type, giving 413 or 415 errors in the carrier's shape. A missing
// Content-Type is taken as JSON (curl users forget it; the body is still
// parsed as JSON and rejected if it is not).
func ReadBody(r *http.Request) ([]byte, *apierror.Error) {
	if r.Body == nil || r.Body == http.NoBody {
		return nil, nil
	}
	if r.ContentLength > MaxBodyBytes {
		return nil, tooLarge()
	}
	body, err := readAll(io.LimitReader(r.Body, MaxBodyBytes+1), r.ContentLength)
	if err != nil {
		return nil, apierror.New(http.StatusBadRequest, apierror.KeyParse, "the request body could not be read")
	}
	if len(body) > MaxBodyBytes {
		return nil, tooLarge()
	}
	if len(body) > 0 && !IsJSON(r.Header.Get("Content-Type")) {
		return nil, apierror.New(http.StatusUnsupportedMediaType, apierror.KeyUnsupportedMediaType,
			"Content-Type must be application/json").WithField("Content-Type", "must be application/json")
	}
	return body, nil
}

// readAll is io.ReadAll into a buffer sized for the declared length (net/http
// never delivers more than it), so that a body is read without growing.
// The length is a client's word: a buffer sized on it is capped, so that
// a header announcing a megabyte it never sends costs no megabyte.
func readAll(rd io.Reader, length int64) ([]byte, error) {
	if length <= 0 {
		return io.ReadAll(rd)
	}
	// One byte more than declared, to see the end without growing.
	b := make([]byte, 0, min(length, maxPresized)+1)
	for {
		n, err := rd.Read(b[len(b):cap(b)])
		b = b[:len(b)+n]
		switch {
		case err == io.EOF:
			return b, nil
		case err != nil:
			return b, err
		case len(b) == cap(b):
			b = append(b, 0)[:len(b)]
		}
	}
}

// maxPresized bounds the buffer readAll sizes on a declared length; the
// carrier's bodies are a few kilobytes.
const maxPresized = 64 << 10

func tooLarge() *apierror.Error {
	return apierror.Newf(http.StatusRequestEntityTooLarge, apierror.KeyTooLarge,
		"the request body is larger than %d bytes", MaxBodyBytes)
}

// IsJSON reports whether a Content-Type header names JSON (or is absent).
func IsJSON(ct string) bool {
	if ct == "" {
		return true
	}
	mt, _, _ := strings.Cut(ct, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "application/json" || (strings.HasPrefix(mt, "application/") && strings.HasSuffix(mt, "+json"))
}

// Request validates the request's parameters and body (already read by
// ReadBody) against the route's operation. Any JSON body is checked as
// application/json: ReadBody has refused every other media type.
func (v *Validator) Request(ctx context.Context, r *http.Request, rt *Route, body []byte) *apierror.Error {
	b, aerr := v.RequestBody(ctx, r, rt, body)
	b.Release()
	return aerr
}

// RequestBody is Request for a caller that reads the body next: when the
// request passes and has a JSON body, the body comes back as it was
// parsed to be checked, to be read without parsing it again and then
// released. It is nil otherwise.
func (v *Validator) RequestBody(ctx context.Context, r *http.Request, rt *Route, body []byte) (*Body, *apierror.Error) {
	if q := r.URL.RawQuery; q != "" {
		if _, err := url.ParseQuery(q); err != nil {
			// Go drops a malformed pair silently; a client should hear of it.
			return nil, apierror.New(http.StatusBadRequest, apierror.KeyInvalidRequest, "the query string is not valid URL encoding").
				WithField("query", "is not valid URL encoding")
		}
	}
	var p *problem
	if op := rt.op; len(op.params) > 0 {
		// kin-openapi checks one value of a parameter given twice (the
		// first that is not empty) and a handler reads another
		// (URL.Query().Get: the first), so a parameter that takes one
		// value must come once: what is checked is then what is read.
		q := r.URL.Query()
		for _, param := range op.params {
			if param.In == openapi3.ParameterInQuery && len(q[param.Name]) > 1 && !isArray(param) {
				p = p.orNew()
				p.add(param.Name, "is given more than once")
			}
		}
		if p != nil {
			return nil, p.requestError()
		}
		in := &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: rt.PathParams,
			Route:      rt.route,
			Options:    v.paramOpts,
		}
		for _, param := range op.params {
			if err := openapi3filter.ValidateParameter(ctx, in, param); err != nil {
				p = p.orNew()
				p.collect(err, "")
			}
		}
	}
	var parsed *checker
	if op := rt.op; op.body != nil {
		switch {
		case len(body) == 0:
			if op.bodyRequired {
				p = p.orNew()
				p.add("body", "is required")
			}
		default:
			var isJSON bool
			if parsed, isJSON, _ = checkKeep(op.body, body, &p); !isJSON {
				p.parse = true
				p.add("body", "is not valid JSON")
			}
		}
	}
	if p == nil {
		if parsed == nil {
			return nil, nil
		}
		parsed.body.c = parsed
		return &parsed.body, nil
	}
	if parsed != nil { // the body passed, a parameter did not
		parsed.release()
	}
	return nil, p.requestError()
}

// Response validates a response the simulator is about to send, status
// included (an undocumented status fails). It returns a plain error, since
// a broken response is the mock's bug, not the client's.
func (v *Validator) Response(ctx context.Context, r *http.Request, rt *Route, status int, header http.Header, body []byte) error {
	if !rt.op.documented(status) {
		return &ResponseError{Operation: rt.OperationID, Status: status,
			Problems: map[string]string{"$": fmt.Sprintf("status %d is not documented", status)}}
	}
	problems := v.responseProblems(r, rt, status, header, body)
	if problems == nil {
		return nil
	}
	// kin-openapi's account of the same response, with its details, for
	// callers that classify them (internal/contract). Only a failure pays
	// for it.
	return &ResponseError{Operation: rt.OperationID, Status: status, Problems: problems,
		Err: v.kinResponse(ctx, r, rt, status, header, body)}
}

// kinResponse validates a response with kin-openapi's ValidateResponse.
func (v *Validator) kinResponse(ctx context.Context, r *http.Request, rt *Route, status int, header http.Header, body []byte) error {
	return openapi3filter.ValidateResponse(ctx, &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request:    r,
			PathParams: rt.PathParams,
			Route:      rt.route,
			Options:    v.resOpts,
		},
		Status:  status,
		Header:  header,
		Body:    io.NopCloser(bytes.NewReader(body)),
		Options: v.resOpts,
	})
}

// responseProblems checks a response as kin-openapi's ValidateResponse
// does, nil when it passes.
func (v *Validator) responseProblems(r *http.Request, rt *Route, status int, header http.Header, body []byte) map[string]string {
	if r.Method == http.MethodHead {
		return nil
	}
	switch status {
	case http.StatusNotModified, http.StatusPermanentRedirect, http.StatusTemporaryRedirect, http.StatusMovedPermanently:
		return nil // kin never checks these
	}
	if rt.route.Operation.Responses.Len() == 0 {
		return nil
	}
	ref := rt.op.response(status)
	if ref == nil || ref.Value == nil {
		return map[string]string{"$": "status is not supported"}
	}
	if len(ref.Value.Content) == 0 {
		return nil
	}
	ct := header.Get("Content-Type")
	mt := ref.Value.Content.Get(ct)
	if mt == nil {
		return map[string]string{"$": fmt.Sprintf("response header Content-Type has unexpected value: %q", ct)}
	}
	n := v.media[mt]
	if n == nil {
		// No schema, or a file (a label: New compiled none for it): the
		// status and the media type, which match, are all there is to
		// check, and the body is not read.
		return nil
	}
	var p *problem
	if parsed, ok := checkJSON(n, body, &p); !parsed {
		return map[string]string{"body": "is invalid"}
	} else if ok {
		return nil
	}
	if len(p.fields) == 0 {
		p.add("body", "is invalid")
	}
	return p.fields
}

// checkJSON checks body against n. parsed is false when body is not one
// JSON value; ok reports whether it matches n. When it does not, the
// problems are added to *p (allocated if nil).
func checkJSON(n *node, body []byte, p **problem) (parsed, ok bool) {
	c, parsed, ok := checkKeep(n, body, p)
	if c != nil {
		c.release()
	}
	return parsed, ok
}

// checkKeep is checkJSON that keeps the parsed body when it matches n: c
// holds its tape then (release it), and is nil otherwise.
func checkKeep(n *node, body []byte, p **problem) (c *checker, parsed, ok bool) {
	c = checkers.Get().(*checker)
	if c.t.parse(body) != nil {
		c.release()
		*p = (*p).orNew()
		return nil, false, false
	}
	if c.check(n, 0) {
		return c, true, true
	}
	// Go over it again, recording every problem as kin would report it.
	*p = (*p).orNew()
	c.explain, c.p = true, *p
	c.check(n, 0)
	c.release()
	return nil, true, false
}

// checkers are reused, with their tape and string buffer.
var checkers = sync.Pool{New: func() any { return &checker{t: &tape{}} }}

// release returns c to the pool, unless a large body grew its buffers.
func (c *checker) release() {
	c.body.c = nil
	if cap(c.t.toks) > 1<<14 || cap(c.buf) > 1<<16 || cap(c.body.key) > 1<<16 {
		return
	}
	c.t.src, c.t.toks = nil, c.t.toks[:0]
	c.buf, c.body.key = c.buf[:0], c.body.key[:0]
	c.explain, c.p, c.path = false, nil, c.path[:0]
	checkers.Put(c)
}

// Documented reports whether an operation documents a status: listed
// explicitly (or as a range such as 2XX), or an error status (400 and up)
// that the operation's default response covers. kin-openapi lets default
// cover any status; in these specs default describes errors, so a 201 a
// spec never mentions is undocumented.
func Documented(op *openapi3.Operation, status int) bool {
	if op == nil || op.Responses == nil {
		return false
	}
	if op.Responses.Value(strconv.Itoa(status)) != nil || op.Responses.Value(fmt.Sprintf("%dXX", status/100)) != nil {
		return true
	}
	return status >= 400 && op.Responses.Default() != nil
}

// ResponseError is a response that breaks the spec. Its message names the
// fields and reasons only: kin-openapi's own message quotes the whole
// body, which may hold names and addresses.
type ResponseError struct {
	Operation string
	Status    int
	Problems  map[string]string // field path ("$" for the body) to reason
	Err       error             // kin-openapi's error, with details
}

func (e *ResponseError) Error() string {
	keys := make([]string, 0, len(e.Problems))
	for k := range e.Problems {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+": "+e.Problems[k])
	}
	return fmt.Sprintf("response %d to %s does not match the spec: %s", e.Status, e.Operation, strings.Join(parts, "; "))
}

func (e *ResponseError) Unwrap() error { return e.Err }

// requestError is the one 400 that reports p's problems, an errorMap
// entry each.
func (p *problem) requestError() *apierror.Error {
	key := apierror.KeyInvalidRequest
	msg := "the request does not match the API specification"
	switch {
	case p.parse:
		key, msg = apierror.KeyParse, "the request body is not valid JSON"
	case p.key != "":
		key = p.key
	}
	if len(p.fields) == 0 {
		p.fields["body"] = "is invalid"
	}
	e := apierror.New(http.StatusBadRequest, key, msg)
	e.Fields = p.fields
	return e
}

// problem collects the problems with one request or response: kin's
// errors (collect) and the compiled schemas' (checker.fail).
type problem struct {
	fields map[string]string
	parse  bool
	key    string // from x-error-key, first one wins
}

// orNew returns p, or a new problem when p is nil.
func (p *problem) orNew() *problem {
	if p == nil {
		p = &problem{fields: map[string]string{}}
	}
	return p
}

func (p *problem) collect(err error, prefix string) {
	switch e := err.(type) {
	case openapi3.MultiError:
		for _, inner := range e {
			p.collect(inner, prefix)
		}
	case *openapi3filter.RequestError:
		p.request(e)
	case *openapi3.SchemaError:
		p.schema(e, prefix)
	default:
		if inner := errors.Unwrap(err); inner != nil {
			p.collect(inner, prefix)
			return
		}
		p.add(prefix, "is invalid")
	}
}

func (p *problem) request(re *openapi3filter.RequestError) {
	switch {
	case re.Parameter != nil:
		name := re.Parameter.Name
		switch inner := re.Err.(type) {
		case *openapi3.SchemaError, openapi3.MultiError:
			p.collect(inner, name)
			return
		}
		if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
			p.add(name, "is required")
			return
		}
		p.add(name, "must be a "+paramType(re.Parameter))
	case re.RequestBody != nil:
		if re.Err == nil {
			p.add("body", "is invalid")
			return
		}
		if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) || errors.Is(re.Err, openapi3filter.ErrInvalidEmptyValue) {
			p.add("body", "is required")
			return
		}
		if re.Reason == "failed to decode request body" {
			p.parse = true
			p.add("body", "is not valid JSON")
			return
		}
		p.collect(re.Err, "")
	default:
		p.add("request", "is invalid")
	}
}

// schema records one schema violation. For oneOf failures the inner errors
// are not listed: the schema's x-reason says what the value may be.
func (p *problem) schema(se *openapi3.SchemaError, prefix string) {
	field := fieldPath(prefix, se.JSONPointer())
	reason := se.Reason
	if se.SchemaField == "required" {
		// The pointer already ends with the missing property's name.
		reason = "is required"
	}
	if se.Schema != nil {
		if r, ok := se.Schema.Extensions[ExtReason].(string); ok && se.SchemaField != "required" {
			reason = r
		}
		if k, ok := se.Schema.Extensions[ExtErrorKey].(string); ok && p.key == "" && se.SchemaField != "required" {
			p.key = k
		}
	}
	if se.Value == nil && se.SchemaField != "required" {
		reason = "must not be null"
	}
	p.add(field, reason)
}

func (p *problem) add(field, reason string) {
	if field == "" {
		field = "body"
	}
	if _, dup := p.fields[field]; dup {
		return
	}
	p.fields[field] = reason
}

// fieldPath renders a JSON pointer as parties[0].name.
func fieldPath(prefix string, ptr []string) string {
	var b strings.Builder
	b.WriteString(prefix)
	for _, part := range ptr {
		if isIndex(part) {
			b.WriteString("[" + part + "]")
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(part)
	}
	return b.String()
}

func isIndex(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// isArray reports whether a parameter takes a list (repeated, exploded).
func isArray(p *openapi3.Parameter) bool {
	return p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type != nil && p.Schema.Value.Type.Is(openapi3.TypeArray)
}

func paramType(p *openapi3.Parameter) string {
	if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type != nil {
		if ts := p.Schema.Value.Type.Slice(); len(ts) > 0 {
			return ts[0]
		}
	}
	return "valid value"
}
