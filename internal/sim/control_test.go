package sim_test

import (
	"bytes"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/sim"
	"github.com/mockhelthjem/mockhelthjem/spec"
)

// TestServedEndpoints: health, readiness and the served specs.
func TestServedEndpoints(t *testing.T) {
	e := newEnv(t)
	for _, tt := range []struct {
		path   string
		status int
		body   []byte
	}{
		{"/healthz", 200, []byte(`{"status":"ok"}`)},
		{"/readyz", 200, []byte(`{"status":"ok"}`)},
		{"/openapi.yaml", 200, spec.Helthjem},
		{"/__sim/openapi.yaml", 200, spec.Sim},
	} {
		t.Run(tt.path, func(t *testing.T) {
			r := e.do("GET", tt.path, "", nil)
			if r.Status != tt.status || !bytes.Equal(r.Body, tt.body) {
				t.Errorf("= %d %.80s", r.Status, r.Body)
			}
		})
	}
	e.srv.Shutdown()
	if r := e.do("GET", "/readyz", "", nil); r.Status != 503 {
		t.Errorf("readyz while stopping = %d, want 503", r.Status)
	}
	if r := e.do("GET", "/healthz", "", nil); r.Status != 200 {
		t.Errorf("healthz while stopping = %d, want 200", r.Status)
	}
}

// TestAdminToken: with an admin token, /__sim/ needs it; health and the
// carrier API do not.
func TestAdminToken(t *testing.T) {
	e := newEnv(t, func(o *sim.Options) { o.AdminToken = "s3cret-admin" })
	for _, tt := range []struct {
		name, method, path, auth string
		status                   int
	}{
		{"no token", "GET", "/__sim/state", "", 401},
		{"wrong token", "GET", "/__sim/state", "Bearer nope", 401},
		{"client token is not admin", "POST", "/__sim/reset", "Bearer " + e.demo(), 401},
		{"admin token", "GET", "/__sim/state", "Bearer s3cret-admin", 200},
		{"health stays open", "GET", "/healthz", "", 200},
		{"spec stays open", "GET", "/openapi.yaml", "", 200},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := e.do(tt.method, tt.path, "", nil, "Authorization", tt.auth)
			if r.Status != tt.status {
				t.Errorf("= %d %s, want %d", r.Status, r.Body, tt.status)
			}
		})
	}
}
