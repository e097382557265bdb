package contract

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
)

// Redacted replaces secrets in everything the package outputs.
const Redacted = "<redacted>"

// minSecretLen is the shortest secret replaced wherever it appears. A
// shorter one (a test value such as "x") would blank out ordinary text; it
// is still redacted where the package knows it is a secret (headers, the
// token request's body).
const minSecretLen = 4

// redactor replaces known secrets (the client secret, the sim token and
// every token the run receives) in strings bound for output.
type redactor struct {
	mu      sync.Mutex
	secrets []string
}

// add registers a secret, with its JSON-escaped form when that differs.
func (r *redactor) add(secret string) {
	if len(secret) < minSecretLen {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	forms := []string{secret}
	if b, err := json.Marshal(secret); err == nil {
		if esc := string(b[1 : len(b)-1]); esc != secret {
			forms = append(forms, esc)
		}
	}
	for _, f := range forms {
		if !slices.Contains(r.secrets, f) {
			r.secrets = append(r.secrets, f)
		}
	}
	// Longest first, so that a secret containing another is replaced whole.
	slices.SortStableFunc(r.secrets, func(a, b string) int { return len(b) - len(a) })
}

// str returns s with every known secret replaced.
func (r *redactor) str(s string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, sec := range r.secrets {
		if strings.Contains(s, sec) {
			s = strings.ReplaceAll(s, sec, Redacted)
		}
	}
	return s
}
