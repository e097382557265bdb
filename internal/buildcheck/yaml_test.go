package buildcheck

import (
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// This file is a parser for the block-style YAML the examples use (no YAML
// library is a direct dependency of the module): mappings, sequences
// (including "- key: value" items), plain, 'single' and "double" quoted
// scalars, flow sequences [a, "b"], literal and folded block scalars
// (| and >, kept as their raw lines) and comments. Every scalar is a
// string. Anchors, aliases, flow mappings, multi-line plain scalars and
// multiple documents are reported as errors rather than misread.

// yline is a non-blank, non-comment line: its number (from 0), its indent
// and its text with the indent and any trailing comment removed.
type yline struct {
	n, indent int
	text      string
}

type yparser struct {
	raw   []string
	lines []yline
	i     int
}

func parseYAML(src string) (any, error) {
	p := &yparser{raw: strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")}
	for n, l := range p.raw {
		if strings.Contains(l, "\t") && strings.TrimLeft(l, " ")[:1] == "\t" {
			return nil, fmt.Errorf("line %d: tab indentation", n+1)
		}
		text := stripComment(l)
		trimmed := strings.TrimLeft(text, " ")
		if strings.TrimSpace(trimmed) == "" {
			continue
		}
		if trimmed == "---" || trimmed == "..." {
			return nil, fmt.Errorf("line %d: multiple documents are not supported", n+1)
		}
		p.lines = append(p.lines, yline{n: n, indent: len(text) - len(trimmed), text: strings.TrimRight(trimmed, " ")})
	}
	if len(p.lines) == 0 {
		return nil, nil
	}
	v, err := p.node(p.lines[0].indent)
	if err != nil {
		return nil, err
	}
	if p.i < len(p.lines) {
		l := p.lines[p.i]
		return nil, fmt.Errorf("line %d: unexpected indentation", l.n+1)
	}
	return v, nil
}

// stripComment removes a "#" comment that is outside quotes and starts the
// line or follows a space.
func stripComment(l string) string {
	var quote byte
	for i := 0; i < len(l); i++ {
		c := l[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			if i == 0 || strings.ContainsRune(" [,:-", rune(l[i-1])) {
				quote = c
			}
		case c == '#' && (i == 0 || l[i-1] == ' '):
			return l[:i]
		}
	}
	return l
}

func isSeqItem(text string) bool { return text == "-" || strings.HasPrefix(text, "- ") }

// node parses the block at indent ind.
func (p *yparser) node(ind int) (any, error) {
	l := p.lines[p.i]
	if l.indent != ind {
		return nil, fmt.Errorf("line %d: unexpected indentation", l.n+1)
	}
	if isSeqItem(l.text) {
		return p.seq(ind)
	}
	if _, _, ok := splitKey(l.text); ok {
		return p.mapping(ind)
	}
	p.i++
	return scalar(l.text, l.n)
}

func (p *yparser) seq(ind int) ([]any, error) {
	out := []any{}
	for p.i < len(p.lines) && p.lines[p.i].indent == ind && isSeqItem(p.lines[p.i].text) {
		l := p.lines[p.i]
		rest := strings.TrimLeft(strings.TrimPrefix(l.text, "-"), " ")
		if rest == "" {
			p.i++
			if p.i >= len(p.lines) || p.lines[p.i].indent <= ind {
				out = append(out, nil)
				continue
			}
			v, err := p.node(p.lines[p.i].indent)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
			continue
		}
		// "- key: value": the item is a mapping indented where key starts.
		p.lines[p.i] = yline{n: l.n, indent: ind + len(l.text) - len(rest), text: rest}
		v, err := p.node(p.lines[p.i].indent)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (p *yparser) mapping(ind int) (map[string]any, error) {
	out := map[string]any{}
	for p.i < len(p.lines) && p.lines[p.i].indent == ind && !isSeqItem(p.lines[p.i].text) {
		l := p.lines[p.i]
		key, val, ok := splitKey(l.text)
		if !ok {
			return nil, fmt.Errorf("line %d: want key: value, got %q", l.n+1, l.text)
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Errorf("line %d: duplicate key %q", l.n+1, key)
		}
		p.i++
		switch {
		case val == "":
			// A nested block, or a sequence at the key's own indent.
			if p.i < len(p.lines) && (p.lines[p.i].indent > ind || p.lines[p.i].indent == ind && isSeqItem(p.lines[p.i].text)) {
				v, err := p.node(p.lines[p.i].indent)
				if err != nil {
					return nil, err
				}
				out[key] = v
			} else {
				out[key] = nil
			}
		case strings.HasPrefix(val, "|") || strings.HasPrefix(val, ">"):
			out[key] = p.block(l, ind)
		default:
			v, err := scalar(val, l.n)
			if err != nil {
				return nil, err
			}
			out[key] = v
		}
	}
	return out, nil
}

// block returns the raw lines of a block scalar after line l (those
// indented more than ind, or blank), with their common indent removed,
// and skips them.
func (p *yparser) block(l yline, ind int) string {
	var body []string
	n := l.n + 1
	for ; n < len(p.raw); n++ {
		r := p.raw[n]
		if strings.TrimSpace(r) != "" && len(r)-len(strings.TrimLeft(r, " ")) <= ind {
			break
		}
		body = append(body, r)
	}
	for len(body) > 0 && strings.TrimSpace(body[len(body)-1]) == "" {
		body = body[:len(body)-1]
	}
	common := -1
	for _, b := range body {
		if strings.TrimSpace(b) == "" {
			continue
		}
		if in := len(b) - len(strings.TrimLeft(b, " ")); common < 0 || in < common {
			common = in
		}
	}
	for i, b := range body {
		if len(b) >= common && common > 0 {
			body[i] = b[common:]
		} else {
			body[i] = strings.TrimLeft(b, " ")
		}
	}
	for p.i < len(p.lines) && p.lines[p.i].n < n {
		p.i++
	}
	return strings.Join(body, "\n") + "\n"
}

// splitKey splits "key: value" or "key:" at the first ": " (or a final
// ":") outside quotes.
func splitKey(text string) (key, val string, ok bool) {
	var quote byte
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case (c == '\'' || c == '"') && i == 0:
			quote = c
		case c == ':' && (i+1 == len(text) || text[i+1] == ' '):
			k := strings.TrimSpace(text[:i])
			if s, err := scalar(k, 0); err == nil {
				if ks, isStr := s.(string); isStr {
					k = ks
				}
			}
			return k, strings.TrimSpace(text[i+1:]), k != ""
		case c == '[' || c == '{':
			if i == 0 {
				return "", "", false
			}
		}
	}
	return "", "", false
}

// scalar parses a scalar or a flow sequence.
func scalar(s string, n int) (any, error) {
	switch {
	case s == "":
		return "", nil
	case strings.HasPrefix(s, "&") || strings.HasPrefix(s, "*"):
		return nil, fmt.Errorf("line %d: anchors and aliases are not supported", n+1)
	case strings.HasPrefix(s, "{"):
		return nil, fmt.Errorf("line %d: flow mappings are not supported", n+1)
	case strings.HasPrefix(s, "["):
		if !strings.HasSuffix(s, "]") {
			return nil, fmt.Errorf("line %d: a flow sequence must end on its line", n+1)
		}
		out := []any{}
		for _, item := range splitFlow(s[1 : len(s)-1]) {
			v, err := scalar(strings.TrimSpace(item), n)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case s[0] == '"':
		v, err := strconv.Unquote(s)
		if err != nil {
			return nil, fmt.Errorf("line %d: bad double-quoted scalar %s", n+1, s)
		}
		return v, nil
	case s[0] == '\'':
		if len(s) < 2 || s[len(s)-1] != '\'' {
			return nil, fmt.Errorf("line %d: bad single-quoted scalar %s", n+1, s)
		}
		return strings.ReplaceAll(s[1:len(s)-1], "''", "'"), nil
	}
	return s, nil
}

// splitFlow splits flow sequence items at commas outside quotes.
func splitFlow(s string) []string {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	var out []string
	var quote byte
	start := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quote != 0:
			if c == quote {
				quote = 0
			}
		case c == '\'' || c == '"':
			quote = c
		case c == ',':
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

func TestParseYAML(t *testing.T) {
	src := `# a comment
name: demo # trailing comment
on:
  push:
list:
- a
- "b # not a comment"
- 'it''s'
nested:
  - name: first
    ports:
      - 8080:8080
  - [x, "y, z", 'w']
  -
    deep: true
url: http://mock:8080
hash: "#tag"
script: |
  echo one
    indented
  # kept: part of the script

  echo two
after: folded >
empty:
`
	got, err := parseYAML(src)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{
		"name": "demo",
		"on":   map[string]any{"push": nil},
		"list": []any{"a", "b # not a comment", "it's"},
		"nested": []any{
			map[string]any{"name": "first", "ports": []any{"8080:8080"}},
			[]any{"x", "y, z", "w"},
			map[string]any{"deep": "true"},
		},
		"url":    "http://mock:8080",
		"hash":   "#tag",
		"script": "echo one\n  indented\n# kept: part of the script\n\necho two\n",
		"after":  "folded >",
		"empty":  nil,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parse mismatch (-want +got):\n%s", diff)
	}

	for _, bad := range []struct{ name, src, want string }{
		{"anchor", "a: &x 1\n", "line 1: anchors and aliases are not supported"},
		{"flow mapping", "a: {b: 1}\n", "line 1: flow mappings are not supported"},
		{"bad indent", "a:\n    b: 1\n  c: 2\n", "line 3: unexpected indentation"},
		{"duplicate key", "a: 1\na: 2\n", `line 2: duplicate key "a"`},
		{"documents", "a: 1\n---\nb: 2\n", "line 2: multiple documents are not supported"},
		{"unclosed flow", "a: [1, 2\n", "line 1: a flow sequence must end on its line"},
	} {
		t.Run(bad.name, func(t *testing.T) {
			_, err := parseYAML(bad.src)
			if err == nil || err.Error() != bad.want {
				t.Errorf("error = %v, want %q", err, bad.want)
			}
		})
	}
}
