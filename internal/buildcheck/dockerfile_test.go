package buildcheck

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// This file is a parser for the subset of Dockerfile syntax the project's
// Dockerfile uses: instructions with --flags, line continuations (the
// default "\" escape), comments, exec-form (JSON) arguments, and a shell
// word splitter with $VAR/${VAR} expansion for RUN lines. Heredocs and the
// escape directive are not supported and are reported as errors.

// instruction is one Dockerfile instruction.
type instruction struct {
	Line  int                 // line of the keyword, from 1
	Cmd   string              // upper case: FROM, RUN, COPY, ...
	Flags map[string][]string // --name=value options before the arguments
	Args  string              // the rest; continuation lines joined by a space
}

// stage is a FROM and the instructions up to the next FROM.
type stage struct {
	Base   string // image, before ARG expansion
	Name   string // AS name, or ""
	From   instruction
	Instrs []instruction
}

type dockerfile struct {
	Args   []instruction // ARG before the first FROM
	Stages []stage
}

// flagged lists the instructions whose leading --options are flags.
var flagged = map[string]bool{"FROM": true, "RUN": true, "COPY": true, "ADD": true, "HEALTHCHECK": true}

func parseDockerfile(src string) (*dockerfile, error) {
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	df := &dockerfile{}
	for i := 0; i < len(lines); i++ {
		text := strings.TrimSpace(lines[i])
		if text == "" || strings.HasPrefix(text, "#") {
			if strings.HasPrefix(strings.ToLower(strings.ReplaceAll(text, " ", "")), "#escape=") {
				return nil, fmt.Errorf("line %d: the escape directive is not supported", i+1)
			}
			continue
		}
		start := i
		var parts []string
		for {
			cont := strings.HasSuffix(text, `\`)
			parts = append(parts, strings.TrimSpace(strings.TrimSuffix(text, `\`)))
			if !cont {
				break
			}
			// Comment and empty lines inside a continuation are dropped.
			for i++; i < len(lines); i++ {
				text = strings.TrimSpace(lines[i])
				if text != "" && !strings.HasPrefix(text, "#") {
					break
				}
			}
			if i == len(lines) {
				return nil, fmt.Errorf("line %d: the file ends inside a continuation", start+1)
			}
		}
		in, err := parseInstruction(start+1, strings.Join(parts, " "))
		if err != nil {
			return nil, err
		}
		switch {
		case in.Cmd == "FROM":
			f := strings.Fields(in.Args)
			st := stage{From: in}
			switch {
			case len(f) == 1:
				st.Base = f[0]
			case len(f) == 3 && strings.EqualFold(f[1], "AS"):
				st.Base, st.Name = f[0], f[2]
			default:
				return nil, fmt.Errorf("line %d: FROM %q: want IMAGE [AS NAME]", in.Line, in.Args)
			}
			df.Stages = append(df.Stages, st)
		case len(df.Stages) == 0:
			if in.Cmd != "ARG" {
				return nil, fmt.Errorf("line %d: %s before the first FROM", in.Line, in.Cmd)
			}
			df.Args = append(df.Args, in)
		default:
			st := &df.Stages[len(df.Stages)-1]
			st.Instrs = append(st.Instrs, in)
		}
	}
	if len(df.Stages) == 0 {
		return nil, fmt.Errorf("no FROM")
	}
	return df, nil
}

func parseInstruction(line int, s string) (instruction, error) {
	cmd, rest, _ := strings.Cut(s, " ")
	in := instruction{Line: line, Cmd: strings.ToUpper(cmd), Flags: map[string][]string{}}
	rest = strings.TrimSpace(rest)
	for flagged[in.Cmd] && strings.HasPrefix(rest, "--") {
		var tok string
		tok, rest, _ = strings.Cut(rest, " ")
		rest = strings.TrimSpace(rest)
		name, val, _ := strings.Cut(strings.TrimPrefix(tok, "--"), "=")
		in.Flags[name] = append(in.Flags[name], val)
	}
	in.Args = rest
	if strings.Contains(rest, "<<") && (in.Cmd == "RUN" || in.Cmd == "COPY") {
		return in, fmt.Errorf("line %d: heredocs are not supported", line)
	}
	return in, nil
}

// flag returns the single value of --name ("" when absent).
func (in instruction) flag(name string) string {
	if v := in.Flags[name]; len(v) > 0 {
		return v[len(v)-1]
	}
	return ""
}

// exec returns the arguments of an exec-form (JSON array) instruction.
func (in instruction) exec() ([]string, bool) {
	var v []string
	if !strings.HasPrefix(in.Args, "[") || json.Unmarshal([]byte(in.Args), &v) != nil {
		return nil, false
	}
	return v, true
}

// keyValues parses ENV, ARG and LABEL arguments: NAME=value pairs (values
// may be quoted), or ENV's legacy "NAME value" form, or ARG's bare NAME.
func (in instruction) keyValues() (map[string]string, error) {
	words, err := shellWords(in.Args, nil)
	if err != nil {
		return nil, fmt.Errorf("line %d: %w", in.Line, err)
	}
	out := map[string]string{}
	if in.Cmd == "ENV" && len(words) >= 2 && !strings.Contains(words[0], "=") {
		out[words[0]] = strings.Join(words[1:], " ")
		return out, nil
	}
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok && in.Cmd != "ARG" {
			return nil, fmt.Errorf("line %d: %s %q is not NAME=value", in.Line, in.Cmd, w)
		}
		out[k] = v
	}
	return out, nil
}

// Shell operators shellWords returns as words of their own.
var shellOps = []string{"&&", "||", ";", "|"}

// shellWords splits a shell command line into words as sh would, with
// quotes, backslash escapes and $VAR/${VAR} expansion from vars (nil: no
// expansion, $ is kept). A variable vars lacks is an error, so a test can
// never run a command with a silently empty value. The operators &&, ||,
// ; and | are returned as words of their own.
func shellWords(s string, vars map[string]string) ([]string, error) {
	var words []string
	var cur strings.Builder
	inWord := false
	flush := func() {
		if inWord {
			words = append(words, cur.String())
			cur.Reset()
			inWord = false
		}
	}
	expand := func(i int) (int, error) { // s[i] == '$'; returns the index after the reference
		if vars == nil {
			cur.WriteByte('$')
			return i + 1, nil
		}
		j := i + 1
		var name string
		if j < len(s) && s[j] == '{' {
			end := strings.IndexByte(s[j:], '}')
			if end < 0 {
				return 0, fmt.Errorf("unclosed ${ in %q", s)
			}
			name, j = s[j+1:j+end], j+end+1
			if strings.ContainsAny(name, ":-+?=#%/") {
				return 0, fmt.Errorf("${%s}: only plain ${NAME} is supported", name)
			}
		} else {
			for j < len(s) && (s[j] == '_' || s[j] >= 'A' && s[j] <= 'Z' || s[j] >= 'a' && s[j] <= 'z' || s[j] >= '0' && s[j] <= '9') {
				j++
			}
			name = s[i+1 : j]
		}
		if name == "" {
			cur.WriteByte('$')
			return i + 1, nil
		}
		v, ok := vars[name]
		if !ok {
			return 0, fmt.Errorf("variable %s is not set", name)
		}
		cur.WriteString(v)
		return j, nil
	}
	for i := 0; i < len(s); {
		c := s[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n':
			flush()
			i++
		case c == '\\':
			if i+1 < len(s) {
				cur.WriteByte(s[i+1])
			}
			inWord = true
			i += 2
		case c == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, fmt.Errorf("unclosed ' in %q", s)
			}
			cur.WriteString(s[i+1 : i+1+end])
			inWord = true
			i += end + 2
		case c == '"':
			inWord = true
			i++
			for {
				if i >= len(s) {
					return nil, fmt.Errorf(`unclosed " in %q`, s)
				}
				if s[i] == '"' {
					i++
					break
				}
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte("$`\"\\", s[i+1]) >= 0 {
					cur.WriteByte(s[i+1])
					i += 2
					continue
				}
				if s[i] == '$' {
					var err error
					if i, err = expand(i); err != nil {
						return nil, err
					}
					continue
				}
				cur.WriteByte(s[i])
				i++
			}
		case c == '$':
			inWord = true
			var err error
			if i, err = expand(i); err != nil {
				return nil, err
			}
		default:
			if op := opAt(s, i); op != "" {
				flush()
				words = append(words, op)
				i += len(op)
				continue
			}
			cur.WriteByte(c)
			inWord = true
			i++
		}
	}
	flush()
	return words, nil
}

func opAt(s string, i int) string {
	for _, op := range shellOps {
		if strings.HasPrefix(s[i:], op) {
			return op
		}
	}
	return ""
}

// command is one simple command of a RUN line: NAME=value assignments
// before it, then its words.
type command struct {
	Env  map[string]string
	Args []string
}

// commands splits a RUN line into its simple commands.
func commands(run string, vars map[string]string) ([]command, error) {
	words, err := shellWords(run, vars)
	if err != nil {
		return nil, err
	}
	var out []command
	cur := command{Env: map[string]string{}}
	for _, w := range append(words, ";") {
		switch {
		case opAt(w, 0) == w:
			if len(cur.Args) > 0 || len(cur.Env) > 0 {
				out = append(out, cur)
			}
			cur = command{Env: map[string]string{}}
		case len(cur.Args) == 0 && isAssignment(w):
			k, v, _ := strings.Cut(w, "=")
			cur.Env[k] = v
		default:
			cur.Args = append(cur.Args, w)
		}
	}
	return out, nil
}

func isAssignment(w string) bool {
	k, _, ok := strings.Cut(w, "=")
	if !ok || k == "" {
		return false
	}
	for i, c := range k {
		if !(c == '_' || c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

func TestParseDockerfile(t *testing.T) {
	src := `# syntax=docker/dockerfile:1
ARG GO=1.26
FROM --platform=$BUILDPLATFORM golang:${GO} AS build
# a comment
RUN --mount=type=cache,target=/a --mount=type=cache,target=/b \
    echo one \
    # a comment inside
    && echo "two three"
COPY --from=build /out/x /x
from scratch
ENV A=1 B="two words"
ENV LEGACY some value
HEALTHCHECK --interval=10s CMD ["/x", "healthcheck"]
`
	df, err := parseDockerfile(src)
	if err != nil {
		t.Fatal(err)
	}
	type short struct {
		Line        int
		Cmd, Args   string
		Flags       map[string][]string
		Base, Stage string
	}
	var got []short
	for _, a := range df.Args {
		got = append(got, short{Line: a.Line, Cmd: a.Cmd, Args: a.Args, Flags: a.Flags})
	}
	for _, st := range df.Stages {
		got = append(got, short{Line: st.From.Line, Cmd: "FROM", Args: st.From.Args, Flags: st.From.Flags, Base: st.Base, Stage: st.Name})
		for _, in := range st.Instrs {
			got = append(got, short{Line: in.Line, Cmd: in.Cmd, Args: in.Args, Flags: in.Flags})
		}
	}
	none := map[string][]string{}
	want := []short{
		{2, "ARG", "GO=1.26", none, "", ""},
		{3, "FROM", "golang:${GO} AS build", map[string][]string{"platform": {"$BUILDPLATFORM"}}, "golang:${GO}", "build"},
		{5, "RUN", `echo one && echo "two three"`, map[string][]string{"mount": {"type=cache,target=/a", "type=cache,target=/b"}}, "", ""},
		{9, "COPY", "/out/x /x", map[string][]string{"from": {"build"}}, "", ""},
		{10, "FROM", "scratch", none, "scratch", ""},
		{11, "ENV", `A=1 B="two words"`, none, "", ""},
		{12, "ENV", "LEGACY some value", none, "", ""},
		{13, "HEALTHCHECK", `CMD ["/x", "healthcheck"]`, map[string][]string{"interval": {"10s"}}, "", ""},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("parse mismatch (-want +got):\n%s", diff)
	}
	env := df.Stages[1].Instrs
	for i, want := range []map[string]string{{"A": "1", "B": "two words"}, {"LEGACY": "some value"}} {
		kv, err := env[i].keyValues()
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(want, kv); diff != "" {
			t.Errorf("ENV %d (-want +got):\n%s", i, diff)
		}
	}

	for _, bad := range []struct{ name, src, want string }{
		{"no FROM", "ARG A=1\n", "no FROM"},
		{"before FROM", "RUN x\nFROM scratch\n", "line 1: RUN before the first FROM"},
		{"open continuation", "FROM scratch\nRUN a \\\n", "line 2: the file ends inside a continuation"},
		{"heredoc", "FROM scratch\nRUN <<EOF\nx\nEOF\n", "line 2: heredocs are not supported"},
		{"escape directive", "# escape=`\nFROM scratch\n", "line 1: the escape directive is not supported"},
		{"bad FROM", "FROM a b\n", `line 1: FROM "a b": want IMAGE [AS NAME]`},
	} {
		t.Run(bad.name, func(t *testing.T) {
			_, err := parseDockerfile(bad.src)
			if err == nil || err.Error() != bad.want {
				t.Errorf("error = %v, want %q", err, bad.want)
			}
		})
	}
}

func TestCommands(t *testing.T) {
	vars := map[string]string{"V": "1.2", "OS": "linux"}
	tests := []struct {
		name, run string
		want      []command
		wantErr   string
	}{
		{"env prefix and quotes", `CGO_ENABLED=0 GOOS=$OS go build -ldflags "-s -X a.B=${V}" -o /out/x ./cmd/x`,
			[]command{{Env: map[string]string{"CGO_ENABLED": "0", "GOOS": "linux"},
				Args: []string{"go", "build", "-ldflags", "-s -X a.B=1.2", "-o", "/out/x", "./cmd/x"}}}, ""},
		{"operators", `a 'b c' && d\ e; f || g | h`,
			[]command{{Env: map[string]string{}, Args: []string{"a", "b c"}}, {Env: map[string]string{}, Args: []string{"d e"}},
				{Env: map[string]string{}, Args: []string{"f"}}, {Env: map[string]string{}, Args: []string{"g"}}, {Env: map[string]string{}, Args: []string{"h"}}}, ""},
		{"single quotes do not expand", `echo '$V' "$V" x=$V`,
			[]command{{Env: map[string]string{}, Args: []string{"echo", "$V", "1.2", "x=1.2"}}}, ""},
		{"unset variable", `go build -o $OUT`, nil, "variable OUT is not set"},
		{"default syntax", `echo ${V:-x}`, nil, "${V:-x}: only plain ${NAME} is supported"},
		{"unclosed quote", `echo "x`, nil, `unclosed " in "echo \"x"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := commands(tc.run, vars)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("error = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("commands mismatch (-want +got):\n%s", diff)
			}
		})
	}
}
