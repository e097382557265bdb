// Package apierror is Helthjem's error shape: one JSON body for every error
// the mock answers, `{"errorKey", "message", "statusCode", "code",
// "errorMap"}`, which satisfies the three shapes the carrier's docs show.
// It does not decide which error applies; callers do.
package apierror

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"

	"github.com/mockhelthjem/mockhelthjem/errorkey"
)

// Error is an API error. It is also a Go error, so it can travel up a call
// chain and be written once at the edge.
type Error struct {
	Status  int               // HTTP status
	Key     string            // errorKey, e.g. "no.carrier.support"
	Message string            // human-readable, never containing submitted values
	Fields  map[string]string // errorMap: field path to reason
	Header  http.Header       // extra response headers (Retry-After)
}

// New returns an error with a status, key and message.
func New(status int, key, message string) *Error {
	return &Error{Status: status, Key: key, Message: message}
}

// Newf is New with a formatted message.
func Newf(status int, key, format string, args ...any) *Error {
	return New(status, key, fmt.Sprintf(format, args...))
}

// WithField adds an errorMap entry and returns e.
func (e *Error) WithField(field, reason string) *Error {
	if e.Fields == nil {
		e.Fields = map[string]string{}
	}
	e.Fields[field] = reason
	return e
}

func (e *Error) Error() string {
	return fmt.Sprintf("%d %s: %s", e.Status, e.Key, e.Message)
}

// Body is the wire form of an error.
type Body struct {
	ErrorKey   string            `json:"errorKey"`
	Message    string            `json:"message,omitempty"`
	StatusCode int               `json:"statusCode,omitempty"`
	Code       int               `json:"code,omitempty"`
	ErrorMap   map[string]string `json:"errorMap"`
}

// Body returns the JSON body of e.
func (e *Error) Body() Body {
	m := e.Fields
	if m == nil {
		m = map[string]string{}
	}
	return Body{ErrorKey: e.Key, Message: e.Message, StatusCode: e.Status, Code: e.Status, ErrorMap: m}
}

// JSON returns the encoded body.
func (e *Error) JSON() []byte {
	b, err := json.Marshal(e.Body())
	if err != nil { // cannot happen: strings and ints only
		return []byte(`{"errorKey":"` + errorkey.InternalError + `"}`)
	}
	return b
}

// Write writes e as the response.
func (e *Error) Write(w http.ResponseWriter) {
	h := w.Header()
	for k, vs := range e.Header {
		h[k] = vs
	}
	b := e.JSON()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(e.Status)
	_, _ = w.Write(b)
}

// Keys used by the simulator and validation: the public constants of
// package errorkey, where each value is written once.
const (
	KeyNoCarrierSupport     = errorkey.NoCarrierSupport
	KeyAuthMissing          = errorkey.AuthenticationMissing
	KeyAuthInvalid          = errorkey.AuthenticationInvalid
	KeyAuthExpired          = errorkey.AuthenticationExpired
	KeyBadCredentials       = errorkey.AuthenticationFailed
	KeyUnsupportedGrant     = errorkey.UnsupportedGrantType
	KeyNoAccessShop         = errorkey.NoAccessShopID
	KeyCannotFindOrder      = errorkey.CannotFindOrder
	KeyParse                = errorkey.ParseFailed
	KeyInvalidRequest       = errorkey.InvalidRequest
	KeyInvalidDate          = errorkey.InvalidDesiredDeliveryDate
	KeyNotFound             = errorkey.NotFound
	KeyMethodNotAllowed     = errorkey.MethodNotAllowed
	KeyTooLarge             = errorkey.RequestTooLarge
	KeyUnsupportedMediaType = errorkey.UnsupportedMediaType
	KeyInternal             = errorkey.InternalError
	KeyInvalidResponse      = errorkey.MockResponseInvalid
)
