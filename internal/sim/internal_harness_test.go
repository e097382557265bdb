package sim

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"testing"
)

// sender returns a function that sends one request to s, in process, as
// JSON with an optional bearer token, for the package's internal tests
// (the external ones have env in harness_test.go).
func sender(s *Server) func(method, path, token string, body []byte) (int, []byte) {
	return func(method, path, token string, body []byte) (int, []byte) {
		req := httptest.NewRequest(method, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		return rec.Code, rec.Body.Bytes()
	}
}

// demoToken is a token of the demo client from send.
func demoToken(t *testing.T, send func(method, path, token string, body []byte) (int, []byte)) string {
	t.Helper()
	code, b := send("POST", "/auth/oauth2/v1/token", "", []byte(`{"client_id":"demo","client_secret":"demo-secret","grant_type":"client_credentials"}`))
	var tok struct{ Token string }
	if err := json.Unmarshal(b, &tok); code != 200 || err != nil {
		t.Fatalf("token: %d %s", code, b)
	}
	return tok.Token
}
