package envflag

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

type values struct {
	Addr    string
	Secret  string
	Strict  bool
	Shop    int64
	Timeout time.Duration
}

func newSet(out *bytes.Buffer) (*Set, *values) {
	v := &values{}
	s := New("prog", out)
	s.StringEnv(&v.Addr, "addr", "T_ADDR", ":8080", "listen address")
	s.StringEnv(&v.Secret, "secret", "T_SECRET", "", "a secret")
	s.BoolEnv(&v.Strict, "strict", "T_STRICT", "strict mode")
	s.Int64Env(&v.Shop, "shop", "T_SHOP", 16, "shop id")
	s.DurationEnv(&v.Timeout, "timeout", "T_TIMEOUT", 3*time.Second, "timeout")
	return s, v
}

func lookup(env map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := env[k]; return v, ok }
}

func TestApplyEnv(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		env  map[string]string
		want values
	}{
		{"defaults", nil, nil, values{Addr: ":8080", Shop: 16, Timeout: 3 * time.Second}},
		{"env", nil, map[string]string{"T_ADDR": ":9", "T_SECRET": "s", "T_STRICT": "true", "T_SHOP": "17", "T_TIMEOUT": "1m"},
			values{Addr: ":9", Secret: "s", Strict: true, Shop: 17, Timeout: time.Minute}},
		{"flag wins over env", []string{"-addr", ":1", "-strict=false", "-shop", "18"}, map[string]string{"T_ADDR": ":9", "T_STRICT": "true", "T_SHOP": "17"},
			values{Addr: ":1", Shop: 18, Timeout: 3 * time.Second}},
		{"empty env value is a value", nil, map[string]string{"T_ADDR": ""}, values{Shop: 16, Timeout: 3 * time.Second}},
		{"unbound variable ignored", nil, map[string]string{"ADDR": ":9"}, values{Addr: ":8080", Shop: 16, Timeout: 3 * time.Second}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, got := newSet(&bytes.Buffer{})
			if err := s.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if err := s.ApplyEnv(lookup(tc.env)); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tc.want, *got); diff != "" {
				t.Errorf("values (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyEnvRefusedValue(t *testing.T) {
	s, _ := newSet(&bytes.Buffer{})
	if err := s.Parse(nil); err != nil {
		t.Fatal(err)
	}
	err := s.ApplyEnv(lookup(map[string]string{"T_TIMEOUT": "soon"}))
	var ee *EnvError
	if !errors.As(err, &ee) {
		t.Fatalf("ApplyEnv = %v, want an *EnvError", err)
	}
	if ee.Env != "T_TIMEOUT" || ee.Flag != "timeout" || !strings.HasPrefix(err.Error(), "T_TIMEOUT (for --timeout): ") {
		t.Errorf("ApplyEnv = %q (%+v)", err, ee)
	}
}

// TestEnvErrorsSayWhatIsTaken: a refused value named only "parse error";
// each typed flag now says what it takes.
func TestEnvErrorsSayWhatIsTaken(t *testing.T) {
	for _, tc := range []struct{ env, value, want string }{
		{"T_TIMEOUT", "soon", `T_TIMEOUT (for --timeout): must be a duration such as "10s", "2m" or "1h30m"`},
		{"T_STRICT", "maybe", "T_STRICT (for --strict): must be true or false"},
		{"T_SHOP", "x", "T_SHOP (for --shop): must be an integer"},
		{"T_N", "1.5", "T_N (for --n): must be an integer"},
		{"T_SEED", "-1", "T_SEED (for --seed): must be a non-negative integer"},
	} {
		s, _ := newSet(&bytes.Buffer{})
		var n int
		var seed uint64
		s.IntEnv(&n, "n", "T_N", 1, "n")
		s.Uint64Env(&seed, "seed", "T_SEED", 0, "seed")
		if err := s.Parse(nil); err != nil {
			t.Fatal(err)
		}
		err := s.ApplyEnv(lookup(map[string]string{tc.env: tc.value}))
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("%s=%s: %v, want %q", tc.env, tc.value, err, tc.want)
		}
	}
}

// TestUsageHidesEnvValues pins the bug where -h printed a variable's value
// as the flag's default, so MOCKHELTHJEM_JWT_SECRET or an admin token set
// in the environment appeared in help output and CI logs.
func TestUsageHidesEnvValues(t *testing.T) {
	var out bytes.Buffer
	s, _ := newSet(&out)
	if err := s.ApplyEnv(lookup(map[string]string{"T_SECRET": "hunter2", "T_ADDR": ":7777"})); err != nil {
		t.Fatal(err)
	}
	s.PrintDefaults()
	for _, leak := range []string{"hunter2", ":7777"} {
		if strings.Contains(out.String(), leak) {
			t.Errorf("usage shows the environment's value %q:\n%s", leak, out.String())
		}
	}
	for _, want := range []string{`listen address (env T_ADDR) (default ":8080")`, "a secret (env T_SECRET)", "shop id (env T_SHOP) (default 16)"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("usage lacks %q:\n%s", want, out.String())
		}
	}
}
