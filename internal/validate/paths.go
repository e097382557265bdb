package validate

import (
	"slices"
	"strings"
)

// Paths returns every path of the document (as the spec writes it, with
// {parameters}) and the methods it takes, upper case and sorted. Callers
// use it to say what exists when a request matches nothing: the nearest
// path to a 404, the allowed methods of a 405.
func (v *Validator) Paths() map[string][]string {
	out := map[string][]string{}
	for path, item := range v.doc.Paths.Map() {
		for method := range item.Operations() {
			out[path] = append(out[path], strings.ToUpper(method))
		}
		slices.Sort(out[path])
	}
	return out
}
