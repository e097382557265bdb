package validate

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
)

// This file keeps kin-openapi's own validation of whole requests and
// responses, as the package did it before bodies were checked by compiled
// schemas, so that the differential tests can hold the two side by side.

// KinRequest validates a request with kin-openapi's ValidateRequest alone.
func (v *Validator) KinRequest(ctx context.Context, r *http.Request, rt *Route, body []byte) *apierror.Error {
	req := r
	if rt.HasBody() {
		req = r.Clone(ctx)
		req.Body = io.NopCloser(bytes.NewReader(body))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil }
		req.ContentLength = int64(len(body))
		req.Header = r.Header.Clone()
		req.Header.Set("Content-Type", "application/json")
	}
	in := &openapi3filter.RequestValidationInput{
		Request:    req,
		PathParams: rt.PathParams,
		Route:      rt.route,
		Options: &openapi3filter.Options{
			MultiError:         true,
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		},
	}
	if err := openapi3filter.ValidateRequest(ctx, in); err != nil {
		p := &problem{fields: map[string]string{}}
		p.collect(err, "")
		return p.requestError()
	}
	return nil
}

// KinResponse validates a response with kin-openapi's ValidateResponse
// alone and returns its problems, nil if there are none.
func (v *Validator) KinResponse(ctx context.Context, r *http.Request, rt *Route, status int, header http.Header, body []byte) map[string]string {
	if !Documented(rt.route.Operation, status) {
		return map[string]string{"$": fmt.Sprintf("status %d is not documented", status)}
	}
	if err := v.kinResponse(ctx, r, rt, status, header, body); err != nil {
		return kinResponseProblems(err)
	}
	return nil
}

// KinProblems are the problems of kin-openapi's ValidateResponse error.
func KinProblems(err error) map[string]string { return kinResponseProblems(err) }

func kinResponseProblems(err error) map[string]string {
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

// Documented is Documented as Response decides it, from the compiled
// operation.
func (rt *Route) Documented(status int) bool { return rt.op.documented(status) }

// FindByRouter is Find without its table of paths without parameters:
// every request through the router. v must not be in use elsewhere.
func (v *Validator) FindByRouter(r *http.Request) (*Route, *apierror.Error) {
	static := v.static
	v.static = nil
	defer func() { v.static = static }()
	return v.Find(r)
}
