package sim

import (
	"net/http"
	"slices"
	"strings"

	"github.com/mockhelthjem/mockhelthjem/internal/apierror"
	"github.com/mockhelthjem/mockhelthjem/internal/validate"
)

// knownPath is a path of one of the specs, for the answers to requests
// that match none: the nearest path to a 404, the allowed methods of a 405.
type knownPath struct {
	template string   // as the spec writes it: /parcels/v1/tracking/fetch/{identifier}/…
	segs     []string // its segments; "" stands for a {parameter}
	methods  []string // upper case, sorted
}

func knownPaths(vs ...*validate.Validator) []knownPath {
	var out []knownPath
	for _, v := range vs {
		for tmpl, methods := range v.Paths() {
			kp := knownPath{template: tmpl, methods: methods}
			for _, seg := range strings.Split(strings.Trim(tmpl, "/"), "/") {
				if strings.HasPrefix(seg, "{") {
					seg = ""
				}
				kp.segs = append(kp.segs, seg)
			}
			out = append(out, kp)
		}
	}
	slices.SortFunc(out, func(a, b knownPath) int { return strings.Compare(a.template, b.template) })
	return out
}

// notFound is the 404 for a path no spec has. It names the nearest known
// path, computed from the specs, never the path that was sent.
func (s *Server) notFound(r *http.Request) *apierror.Error {
	msg := "no such path; the carrier API is described at /openapi.yaml, the control plane at /__sim/openapi.yaml"
	if kp, found := nearestPath(s.paths, r.URL.Path, r.Method); found {
		msg = "no such path; did you mean " + kp.template + " (" + strings.Join(kp.methods, ", ") + ")?"
	}
	return apierror.New(http.StatusNotFound, apierror.KeyNotFound, msg)
}

// methodNotAllowed is the 405 for a path v has, with the methods it takes
// (in the message and the Allow header), never the method that was sent.
func methodNotAllowed(v *validate.Validator, r *http.Request) *apierror.Error {
	var allowed []string
	for _, m := range []string{"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "POST", "PUT", "TRACE"} {
		probe := r.WithContext(r.Context()) // a shallow copy
		probe.Method = m
		if _, aerr := v.Find(probe); aerr == nil {
			allowed = append(allowed, m)
		}
	}
	e := apierror.New(http.StatusMethodNotAllowed, apierror.KeyMethodNotAllowed,
		"this path does not take that method; it takes "+strings.Join(allowed, ", "))
	e.Header = http.Header{"Allow": {strings.Join(allowed, ", ")}}
	return e
}

// maxSuggestPath is the longest path a 404 looks for a near match of: the
// search costs the path's length times the specs' paths.
const maxSuggestPath = 256

// nearestPath returns the known path closest to path, by an edit distance
// over segments (a {parameter} matches any one segment; a segment is
// changed at the cost of its own edit distance, case differences counting
// one), when it is close enough to be what was meant. On a tie, a path
// that takes method wins.
func nearestPath(paths []knownPath, path, method string) (knownPath, bool) {
	if len(path) > maxSuggestPath {
		return knownPath{}, false
	}
	segs := strings.Split(strings.Trim(path, "/"), "/")
	if len(segs) == 1 && segs[0] == "" {
		return knownPath{}, false // "/": nothing to be near
	}
	best, bestCost := -1, 0
	for i, kp := range paths {
		cost := 2 * segmentDistance(segs, kp.segs)
		if !slices.Contains(kp.methods, method) {
			cost++
		}
		if best < 0 || cost < bestCost {
			best, bestCost = i, cost
		}
	}
	// Close enough: a few characters, or a quarter of the path.
	if best < 0 || bestCost/2 > max(3, len(path)/4) {
		return knownPath{}, false
	}
	return paths[best], true
}

// segmentDistance is the edit distance between two sequences of segments:
// inserting or deleting a segment costs its length plus one (a parameter
// two), replacing one costs the edit distance of the two.
func segmentDistance(a, b []string) int {
	weight := func(s string) int {
		if s == "" {
			return 2
		}
		return len(s) + 1
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := 1; j <= len(b); j++ {
		prev[j] = prev[j-1] + weight(b[j-1])
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = prev[0] + weight(a[i-1])
		for j := 1; j <= len(b); j++ {
			sub := prev[j-1] + replaceCost(a[i-1], b[j-1])
			cur[j] = min(sub, prev[j]+weight(a[i-1]), cur[j-1]+weight(b[j-1]))
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// replaceCost is the cost of writing segment got where want (a template
// segment, "" for a parameter) stands.
func replaceCost(got, want string) int {
	switch {
	case want == "":
		if got == "" {
			return 1 // an empty segment is no value
		}
		return 0
	case got == want:
		return 0
	}
	return max(1, levenshtein(strings.ToLower(got), strings.ToLower(want)))
}

// levenshtein is the edit distance of two strings, in bytes.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
