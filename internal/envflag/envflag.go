// Package envflag binds command-line flags to the environment variables
// they default from, for the programs of this module (mockhelthjem and
// contracttest).
//
// A flag given on the command line wins; a flag left out takes its
// variable, if set; else its built-in default. Usage (-h) shows each flag's
// built-in default and the variable's name, never the variable's value,
// which may be a secret (an admin token, a JWT key, a client secret).
// Values from the environment go through the flag's own Set, so they are
// checked exactly like the command line.
//
// It is not a configuration loader: no files, no prefixes, no nesting.
package envflag

import (
	"flag"
	"fmt"
	"io"
	"time"
)

// Set is a flag.FlagSet that remembers which variable each flag defaults
// from. Define flags with its methods, call Parse, then ApplyEnv.
type Set struct {
	*flag.FlagSet
	binds []binding
}

type binding struct{ flag, env string }

// New returns an empty Set that reports errors (and -h) to output.
func New(name string, output io.Writer) *Set {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(output)
	return &Set{FlagSet: fs}
}

// StringEnv defines a string flag that defaults from env, else def.
func (s *Set) StringEnv(p *string, name, env, def, usage string) {
	s.StringVar(p, name, def, usage)
	s.bind(name, env)
}

// BoolEnv defines a bool flag, false unless given or set in env.
func (s *Set) BoolEnv(p *bool, name, env, usage string) {
	s.BoolVar(p, name, false, usage)
	s.bind(name, env)
}

// IntEnv defines an int flag that defaults from env, else def.
func (s *Set) IntEnv(p *int, name, env string, def int, usage string) {
	s.IntVar(p, name, def, usage)
	s.bind(name, env)
}

// Uint64Env defines a uint64 flag that defaults from env, else def.
func (s *Set) Uint64Env(p *uint64, name, env string, def uint64, usage string) {
	s.Uint64Var(p, name, def, usage)
	s.bind(name, env)
}

// Int64Env defines an int64 flag that defaults from env, else def.
func (s *Set) Int64Env(p *int64, name, env string, def int64, usage string) {
	s.Int64Var(p, name, def, usage)
	s.bind(name, env)
}

// DurationEnv defines a time.Duration flag that defaults from env, else def.
func (s *Set) DurationEnv(p *time.Duration, name, env string, def time.Duration, usage string) {
	s.DurationVar(p, name, def, usage)
	s.bind(name, env)
}

// bind records that the defined flag name defaults from env and says so in
// its usage.
func (s *Set) bind(name, env string) {
	s.Lookup(name).Usage += " (env " + env + ")"
	s.binds = append(s.binds, binding{name, env})
}

// EnvError is a variable whose value its flag refused.
type EnvError struct {
	Env, Flag string
	Err       error
}

func (e *EnvError) Error() string {
	return fmt.Sprintf("%s (for --%s): %v", e.Env, e.Flag, e.Err)
}

func (e *EnvError) Unwrap() error { return e.Err }

// ApplyEnv sets each flag that the command line left out from its
// variable, if lookup (os.LookupEnv in the programs) finds it. Call it
// after Parse. The first refused value is returned as an *EnvError.
func (s *Set) ApplyEnv(lookup func(string) (string, bool)) error {
	given := map[string]bool{}
	s.Visit(func(f *flag.Flag) { given[f.Name] = true })
	for _, b := range s.binds {
		v, ok := lookup(b.env)
		if given[b.flag] || !ok {
			continue
		}
		if err := s.Set(b.flag, v); err != nil {
			return &EnvError{Env: b.env, Flag: b.flag, Err: readable(s.Lookup(b.flag), err)}
		}
	}
	return nil
}

// readable says what a typed flag takes, where the flag package says
// "parse error".
func readable(f *flag.Flag, err error) error {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return err
	}
	what := ""
	switch g.Get().(type) {
	case bool:
		what = "must be true or false"
	case int, int64:
		what = "must be an integer"
	case uint, uint64:
		what = "must be a non-negative integer"
	case time.Duration:
		what = `must be a duration such as "10s", "2m" or "1h30m"`
	default:
		return err
	}
	return &readableError{what: what, err: err}
}

type readableError struct {
	what string
	err  error
}

func (e *readableError) Error() string { return e.what + " (" + e.err.Error() + ")" }
func (e *readableError) Unwrap() error { return e.err }
