// Package validate matches HTTP requests to the operations of an OpenAPI
// document and checks requests and responses against it, with kin-openapi and
// its gorilla/mux router. The document is the one routing table: callers get
// an operationId back and dispatch on it.
//
// Validation failures come back as *apierror.Error in Helthjem's error shape,
// one errorMap entry per problem, naming the field and the reason and never
// the submitted value. This package does not authenticate (callers do, before
// validating the body) and holds no per-request state.
package validate

import (
	"bytes"
	"context"
	"crypto/sha256"
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
	doc     *openapi3.T
	router  routers.Router
	reqOpts *openapi3filter.Options
	resOpts *openapi3filter.Options
	ops     map[string]*openapi3.Operation
	passed  passCache
}

// Route is a request matched to an operation.
type Route struct {
	OperationID string
	PathParams  map[string]string
	// Secured reports whether the operation requires a security scheme.
	Secured bool
	route   *routers.Route
}

// The embedded specs are loaded once per process: a Validator is safe for
// concurrent use and never changes its document, so every simulator and
// contract run shares these two (and their memory of passing inputs).
var (
	helthjemOnce = sync.OnceValues(func() (*Validator, error) { return New(spec.Helthjem) })
	simOnce      = sync.OnceValues(func() (*Validator, error) { return New(spec.Sim) })
)

// Helthjem returns the process's Validator of spec/helthjem.yaml.
func Helthjem() (*Validator, error) { return helthjemOnce() }

// Sim returns the process's Validator of spec/sim.yaml.
func Sim() (*Validator, error) { return simOnce() }

// New loads, validates and indexes an OpenAPI 3.0 document.
func New(specYAML []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(specYAML)
	if err != nil {
		return nil, fmt.Errorf("load spec: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("invalid spec: %w", err)
	}
	if doc.IsOpenAPI31OrLater() {
		return nil, errors.New("spec must be OpenAPI 3.0.x: kin-openapi recompiles 3.1 schemas per request")
	}
	// The servers list names the carrier's hosts; without clearing it no
	// request to localhost or a test server would match.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("build router: %w", err)
	}
	v := &Validator{
		doc:    doc,
		router: router,
		ops:    map[string]*openapi3.Operation{},
		reqOpts: &openapi3filter.Options{
			MultiError: true,
			// Authentication happens before validation, in the caller, so
			// that an unauthenticated request gets 401 whatever its body.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
		resOpts: &openapi3filter.Options{
			MultiError:            true,
			IncludeResponseStatus: true,
		},
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if op.OperationID == "" {
				return nil, fmt.Errorf("%s %s has no operationId", method, path)
			}
			if _, dup := v.ops[op.OperationID]; dup {
				return nil, fmt.Errorf("operationId %q is used twice", op.OperationID)
			}
			v.ops[op.OperationID] = op
		}
	}
	return v, nil
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
	sec := route.Operation.Security
	if sec == nil {
		sec = &v.doc.Security
	}
	// The router matches the escaped path and leaves parameters escaped:
	// T%2DNXXW9 is T-NXXW9.
	for k, v := range params {
		if u, err := url.PathUnescape(v); err == nil {
			params[k] = u
		}
	}
	return &Route{
		OperationID: route.Operation.OperationID,
		PathParams:  params,
		Secured:     len(*sec) > 0,
		route:       route,
	}, nil
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
	body, err := io.ReadAll(io.LimitReader(r.Body, MaxBodyBytes+1))
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
// ReadBody) against the route's operation.
func (v *Validator) Request(ctx context.Context, r *http.Request, rt *Route, body []byte) *apierror.Error {
	if _, err := url.ParseQuery(r.URL.RawQuery); err != nil {
		// Go drops a malformed pair silently; a client should hear of it.
		return apierror.New(http.StatusBadRequest, apierror.KeyInvalidRequest, "the query string is not valid URL encoding").
			WithField("query", "is not valid URL encoding")
	}
	key, cacheable := requestKey(r, rt, body)
	if cacheable && v.passed.has(key) {
		return nil
	}
	req := r
	if rt.HasBody() {
		// kin-openapi reads the body itself; give it a fresh reader, and a
		// JSON content type where the client sent none.
		req = r.Clone(ctx)
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
		if ct := r.Header.Get("Content-Type"); ct == "" || !strings.HasPrefix(strings.ToLower(ct), "application/json") {
			req.Header = r.Header.Clone()
			req.Header.Set("Content-Type", "application/json")
		}
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: rt.PathParams,
		Route:      rt.route,
		Options:    v.reqOpts,
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		return requestProblem(err)
	}
	if cacheable {
		v.passed.add(key)
	}
	return nil
}

// Response validates a response the simulator is about to send, status
// included (an undocumented status fails). It returns a plain error, since
// a broken response is the mock's bug, not the client's.
func (v *Validator) Response(ctx context.Context, r *http.Request, rt *Route, status int, header http.Header, body []byte) error {
	if ct := header.Get("Content-Type"); !IsJSON(ct) && fileResponse(rt, status, ct) {
		return nil
	}
	var key string
	cacheable := len(body) <= maxCachedBody
	if cacheable {
		key = passKey("res", rt.OperationID, strconv.Itoa(status), header.Get("Content-Type"), body)
		if v.passed.has(key) {
			return nil
		}
	}
	in := &openapi3filter.ResponseValidationInput{
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
	}
	if !Documented(rt.route.Operation, status) {
		return &ResponseError{Operation: rt.OperationID, Status: status,
			Problems: map[string]string{"$": fmt.Sprintf("status %d is not documented", status)}}
	}
	if err := openapi3filter.ValidateResponse(ctx, in); err != nil {
		return &ResponseError{Operation: rt.OperationID, Status: status, Problems: responseProblems(err), Err: err}
	}
	if cacheable {
		v.passed.add(key)
	}
	return nil
}

// fileResponse reports whether a response is a file the operation
// documents for its status (a label: PDF, PNG, SVG, ZPL): a media type
// that is not JSON, with a string schema (format binary or not) or none.
// Such a schema says nothing a check could hold the bytes to, and parsing
// a file as JSON would fail it, so its status and media type are all there
// is to check, and they match: the body is neither read nor hashed. Any
// other response is checked as usual, a wrong media type or status
// included.
func fileResponse(rt *Route, status int, ct string) bool {
	op := rt.route.Operation
	if !Documented(op, status) {
		return false
	}
	ref := op.Responses.Status(status)
	if ref == nil {
		ref = op.Responses.Default()
	}
	if ref == nil || ref.Value == nil {
		return false
	}
	mt := ref.Value.Content.Get(ct)
	if mt == nil {
		return false
	}
	s := mt.Schema
	return s == nil || s.Value != nil && s.Value.Type != nil && s.Value.Type.Is(openapi3.TypeString)
}

// passCache remembers inputs that passed validation. Validation is a pure
// function of what the key holds (operation, path, query and body of a
// request; operation, status, content type and body of a response), and
// kin-openapi's walk (decoding into any, sorting every object's keys) is
// the largest cost of a small request. Clients repeat requests (a CI
// suite sends the same fixtures run after run), and answers repeat
// (coverage, dates, nearby), so a bounded set of passing inputs skips the
// walk for a repeat. Failures are not kept: they need their details.
type passCache struct {
	mu sync.Mutex
	m  map[string]struct{}
}

const (
	passCacheSize = 4096
	maxCachedBody = 64 << 10
)

func (c *passCache) has(key string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, ok := c.m[key]
	return ok
}

func (c *passCache) add(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= passCacheSize {
		c.m = make(map[string]struct{}, 64) // bounded: start over when full
	}
	c.m[key] = struct{}{}
}

// requestKey is what a request's validation depends on: the operation,
// the path and query as sent, and the body. The content type is not in
// it: ReadBody has refused anything but JSON, and Request treats every
// JSON type alike.
func requestKey(r *http.Request, rt *Route, body []byte) (string, bool) {
	if len(body) > maxCachedBody {
		return "", false
	}
	return passKey("req", rt.OperationID, r.URL.EscapedPath(), r.URL.RawQuery, body), true
}

// passKey joins the parts with a digest of the body, so an entry costs
// tens of bytes however large the body (a booking's answer is 2 KB).
func passKey(kind, op, a, b string, body []byte) string {
	sum := sha256.Sum256(body)
	return kind + "\x00" + op + "\x00" + a + "\x00" + b + "\x00" + string(sum[:])
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

func responseProblems(err error) map[string]string {
	p := &problem{fields: map[string]string{}}
	var walk func(error)
	walk = func(err error) {
		switch e := err.(type) {
		case openapi3.MultiError:
			for _, inner := range e {
				walk(inner)
			}
		case *openapi3filter.ResponseError:
			if e.Err == nil {
				p.add("$", e.Reason)
				return
			}
			walk(e.Err)
		default:
			p.collect(err, "")
		}
	}
	walk(err)
	return p.fields
}

// requestProblem turns kin-openapi's errors into one 400 with an errorMap
// entry per problem.
func requestProblem(err error) *apierror.Error {
	p := &problem{fields: map[string]string{}}
	p.collect(err, "")
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

type problem struct {
	fields map[string]string
	parse  bool
	key    string // from x-error-key, first one wins
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

func paramType(p *openapi3.Parameter) string {
	if p.Schema != nil && p.Schema.Value != nil && p.Schema.Value.Type != nil {
		if ts := p.Schema.Value.Type.Slice(); len(ts) > 0 {
			return ts[0]
		}
	}
	return "valid value"
}
