package buildcheck

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/mockhelthjem/mockhelthjem/internal/server"
)

// root is the repository root, from this package's directory.
const root = "../.."

const (
	modulePath = "github.com/mockhelthjem/mockhelthjem"
	versionVar = modulePath + "/internal/version.Version"
	// mockBin and contractBin are where the image has the binaries.
	mockBin     = "/mockhelthjem"
	contractBin = "/contracttest"
)

func readRepoFile(t testing.TB, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func loadDockerfile(t testing.TB) *dockerfile {
	t.Helper()
	df, err := parseDockerfile(readRepoFile(t, "Dockerfile"))
	if err != nil {
		t.Fatalf("Dockerfile: %v", err)
	}
	return df
}

// find returns the stage's instructions with the keyword cmd.
func (st stage) find(cmd string) []instruction {
	var out []instruction
	for _, in := range st.Instrs {
		if in.Cmd == cmd {
			out = append(out, in)
		}
	}
	return out
}

// args returns the ARG defaults visible in a stage: the global ones its
// FROM may use, and the stage's own.
func (df *dockerfile) args(t testing.TB, st *stage) map[string]string {
	t.Helper()
	vars := map[string]string{}
	ins := slices.Clone(df.Args)
	if st != nil {
		ins = append(ins, st.find("ARG")...)
		ins = append(ins, st.find("ENV")...)
	}
	for _, in := range ins {
		kv, err := in.keyValues()
		if err != nil {
			t.Fatal(err)
		}
		for k, v := range kv {
			vars[k] = v
		}
	}
	return vars
}

// goBuild is a "go build" command of the Dockerfile.
type goBuild struct {
	Line   int
	Env    map[string]string // the command's NAME=value prefix
	Args   []string          // after "go"
	Output string            // -o
	Pkg    string            // the package built
}

// goFlagsWithValue are the go build flags that take the next word.
var goFlagsWithValue = map[string]bool{
	"-o": true, "-ldflags": true, "-gcflags": true, "-asmflags": true, "-tags": true, "-mod": true,
	"-p": true, "-pgo": true, "-buildmode": true, "-installsuffix": true, "-modfile": true, "-overlay": true,
}

// goBuilds returns the go build commands of the build stage's RUN lines,
// with variables expanded from vars.
func goBuilds(t testing.TB, st stage, vars map[string]string) []goBuild {
	t.Helper()
	var out []goBuild
	for _, run := range st.find("RUN") {
		cmds, err := commands(run.Args, vars)
		if err != nil {
			t.Fatalf("Dockerfile line %d: %v", run.Line, err)
		}
		for _, c := range cmds {
			if len(c.Args) < 2 || c.Args[0] != "go" || c.Args[1] != "build" {
				continue
			}
			b := goBuild{Line: run.Line, Env: c.Env, Args: c.Args[1:]}
			var pkgs []string
			for i := 2; i < len(c.Args); i++ {
				a := c.Args[i]
				switch {
				case goFlagsWithValue[a] && i+1 < len(c.Args):
					if a == "-o" {
						b.Output = c.Args[i+1]
					}
					i++
				case strings.HasPrefix(a, "-"):
				default:
					pkgs = append(pkgs, a)
				}
			}
			if len(pkgs) != 1 || b.Output == "" {
				t.Fatalf("Dockerfile line %d: go build %q: want one package and -o (packages %q)", run.Line, c.Args[2:], pkgs)
			}
			b.Pkg = pkgs[0]
			out = append(out, b)
		}
	}
	return out
}

// flagValue returns the value of a go build flag ("" when absent).
func (b goBuild) flagValue(name string) (string, bool) {
	for i, a := range b.Args {
		if a == name {
			if goFlagsWithValue[name] {
				if i+1 < len(b.Args) {
					return b.Args[i+1], true
				}
				return "", false
			}
			return "", true
		}
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

var envRef = regexp.MustCompile(`\(env ([A-Z][A-Z0-9_]*)\)`)

// mockHelp returns mockhelthjem's help for args ("-h" or "healthcheck -h").
func mockHelp(t testing.TB, args ...string) string {
	t.Helper()
	var help bytes.Buffer
	err := server.Main(context.Background(), args, &help, &help)
	var ue *server.UsageError
	if !errors.As(err, &ue) || ue.Code() != 0 {
		t.Fatalf("mockhelthjem %v: %v", args, err)
	}
	return help.String()
}

// mockEnvVars returns the environment variables mockhelthjem's -h and
// healthcheck -h name.
func mockEnvVars(t testing.TB) map[string]bool {
	t.Helper()
	vars := map[string]bool{}
	for _, m := range envRef.FindAllStringSubmatch(mockHelp(t, "-h")+mockHelp(t, "healthcheck", "-h"), -1) {
		vars[m[1]] = true
	}
	if len(vars) < 5 {
		t.Fatalf("only %d environment variables in mockhelthjem -h", len(vars))
	}
	return vars
}

// healthcheckTimeout is the healthcheck subcommand's default -timeout.
func healthcheckTimeout(t testing.TB) time.Duration {
	t.Helper()
	m := regexp.MustCompile(`(?m)^  -timeout .*\n.*\(default "?([^")]+)"?\)`).FindStringSubmatch(mockHelp(t, "healthcheck", "-h"))
	if m == nil {
		t.Fatal("healthcheck -h shows no -timeout default")
	}
	d, err := time.ParseDuration(m[1])
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// TestDockerfile checks the image's shape: a build stage that compiles
// both binaries statically with the version stamped, and a minimal,
// non-root final stage that runs the mock on 0.0.0.0:8080 and checks its
// own health.
func TestDockerfile(t *testing.T) {
	df := loadDockerfile(t)
	if len(df.Stages) != 2 {
		t.Fatalf("%d stages, want 2 (build, final)", len(df.Stages))
	}
	build, final := df.Stages[0], df.Stages[1]
	global := df.args(t, nil)

	t.Run("build stage", func(t *testing.T) {
		if build.Name != "build" {
			t.Errorf("first stage is named %q, want build (the final stage copies --from=build)", build.Name)
		}
		base, err := commands(build.Base, global)
		if err != nil || len(base) != 1 || len(base[0].Args) != 1 {
			t.Fatalf("build image %q: %v", build.Base, err)
		}
		image := base[0].Args[0]
		m := regexp.MustCompile(`^golang:(\d+)\.(\d+)(\.\d+)?(-[a-z0-9.]+)?$`).FindStringSubmatch(image)
		if m == nil {
			t.Fatalf("build image %q, want golang:MAJOR.MINOR[-variant]", image)
		}
		gomod := regexp.MustCompile(`(?m)^go (\d+)\.(\d+)`).FindStringSubmatch(readRepoFile(t, "go.mod"))
		if gomod == nil {
			t.Fatal("go.mod has no go directive")
		}
		if atoi(m[1]) < atoi(gomod[1]) || atoi(m[1]) == atoi(gomod[1]) && atoi(m[2]) < atoi(gomod[2]) {
			t.Errorf("build image %s is older than go.mod's go %s.%s", image, gomod[1], gomod[2])
		}
		if v := df.args(t, &build)["VERSION"]; v != "dev" {
			t.Errorf("ARG VERSION defaults to %q, want dev", v)
		}
	})

	t.Run("go build lines", func(t *testing.T) {
		vars := df.args(t, &build)
		vars["TARGETARCH"], vars["VERSION"] = "amd64", "$VERSION"
		builds := goBuilds(t, build, vars)
		var pkgs []string
		for _, b := range builds {
			pkgs = append(pkgs, b.Pkg)
			if b.Env["CGO_ENABLED"] != "0" {
				t.Errorf("line %d: go build without CGO_ENABLED=0", b.Line)
			}
			if _, ok := b.flagValue("-trimpath"); !ok {
				t.Errorf("line %d: go build without -trimpath", b.Line)
			}
			ld, _ := b.flagValue("-ldflags")
			ldw, err := shellWords(ld, nil)
			if err != nil {
				t.Fatal(err)
			}
			for _, want := range []string{"-s", "-w", "-X", versionVar + "=$VERSION"} {
				if !slices.Contains(ldw, want) {
					t.Errorf("line %d: -ldflags %q lacks %q", b.Line, ld, want)
				}
			}
		}
		if want := []string{"./cmd/mockhelthjem", "./cmd/contracttest"}; !slices.Equal(pkgs, want) {
			t.Errorf("go build packages %q, want %q", pkgs, want)
		}
	})

	t.Run("final stage", func(t *testing.T) {
		switch {
		case strings.HasPrefix(final.Base, "gcr.io/distroless/static"):
		case final.Base == "scratch":
			// scratch has nothing: what distroless/static brings must be copied in.
			var copied []string
			for _, c := range final.find("COPY") {
				copied = append(copied, c.Args)
			}
			for _, need := range []string{"/etc/passwd", "/etc/ssl/certs", "/usr/share/zoneinfo"} {
				if !strings.Contains(strings.Join(copied, "\n"), need) {
					t.Errorf("FROM scratch without %s copied in", need)
				}
			}
		default:
			t.Errorf("final image %q, want gcr.io/distroless/static... or scratch", final.Base)
		}
		if runs := final.find("RUN"); len(runs) > 0 {
			t.Errorf("line %d: RUN in the final stage (the image has no shell)", runs[0].Line)
		}
		users := final.find("USER")
		if len(users) == 0 {
			t.Fatal("final stage has no USER: the image would run as root")
		}
		user, _, _ := strings.Cut(users[len(users)-1].Args, ":")
		if user == "root" || user == "0" || user == "" {
			t.Errorf("USER %q, want a non-root user", users[len(users)-1].Args)
		}
	})

	// copies maps an image path to the build-stage path it is copied from.
	copies := map[string]string{}
	for _, c := range final.find("COPY") {
		f := strings.Fields(c.Args)
		if c.flag("from") == build.Name && len(f) == 2 {
			copies[f[1]] = f[0]
		}
	}
	outputs := map[string]string{} // package -> -o
	bvars := df.args(t, &build)
	bvars["TARGETARCH"] = "amd64"
	for _, b := range goBuilds(t, build, bvars) {
		outputs[b.Pkg] = b.Output
	}

	t.Run("binaries", func(t *testing.T) {
		for path, pkg := range map[string]string{mockBin: "./cmd/mockhelthjem", contractBin: "./cmd/contracttest"} {
			if src, ok := copies[path]; !ok || src != outputs[pkg] {
				t.Errorf("%s in the image is copied from %q, want %q (go build -o of %s)", path, src, outputs[pkg], pkg)
			}
		}
		ep := final.find("ENTRYPOINT")
		if len(ep) != 1 {
			t.Fatalf("%d ENTRYPOINT instructions, want 1", len(ep))
		}
		if args, ok := ep[0].exec(); !ok || !slices.Equal(args, []string{mockBin}) {
			t.Errorf("ENTRYPOINT %s, want the exec form [%q]", ep[0].Args, mockBin)
		}
		if cmd := final.find("CMD"); len(cmd) > 0 {
			t.Errorf("line %d: CMD in the final stage: arguments belong to docker run", cmd[0].Line)
		}
	})

	t.Run("address", func(t *testing.T) {
		env := map[string]string{}
		for _, e := range final.find("ENV") {
			kv, err := e.keyValues()
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range kv {
				env[k] = v
			}
		}
		known := mockEnvVars(t)
		for k := range env {
			if !known[k] {
				t.Errorf("ENV %s: mockhelthjem -h names no such variable", k)
			}
		}
		host, port, err := net.SplitHostPort(env["MOCKHELTHJEM_ADDR"])
		if err != nil || host != "0.0.0.0" || port != "8080" {
			t.Errorf("ENV MOCKHELTHJEM_ADDR=%q, want 0.0.0.0:8080", env["MOCKHELTHJEM_ADDR"])
		}
		var exposed []string
		for _, e := range final.find("EXPOSE") {
			exposed = append(exposed, strings.Fields(e.Args)...)
		}
		if !slices.Contains(exposed, port) && !slices.Contains(exposed, port+"/tcp") {
			t.Errorf("EXPOSE %q does not include the listening port %s", exposed, port)
		}
	})

	t.Run("healthcheck", func(t *testing.T) {
		hc := final.find("HEALTHCHECK")
		if len(hc) != 1 {
			t.Fatalf("%d HEALTHCHECK instructions, want 1", len(hc))
		}
		rest, ok := strings.CutPrefix(hc[0].Args, "CMD ")
		if !ok {
			t.Fatalf("HEALTHCHECK %q, want CMD [...]", hc[0].Args)
		}
		in := instruction{Args: strings.TrimSpace(rest)}
		// The shell form would need /bin/sh, which the image lacks.
		if args, ok := in.exec(); !ok || !slices.Equal(args, []string{mockBin, "healthcheck"}) {
			t.Errorf("HEALTHCHECK CMD %s, want the exec form [%q, \"healthcheck\"]", rest, mockBin)
		}
		for _, name := range []string{"interval", "timeout", "start-period"} {
			d, err := time.ParseDuration(hc[0].flag(name))
			if err != nil || d <= 0 {
				t.Errorf("HEALTHCHECK --%s=%q, want a duration", name, hc[0].flag(name))
			}
			if own := healthcheckTimeout(t); name == "timeout" && d <= own {
				t.Errorf("HEALTHCHECK --timeout=%s, want more than the subcommand's own %s, so it can say why it failed", d, own)
			}
		}
		if n, err := strconv.Atoi(hc[0].flag("retries")); err != nil || n < 1 {
			t.Errorf("HEALTHCHECK --retries=%q, want a positive count", hc[0].flag("retries"))
		}
	})
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil {
		panic(fmt.Sprintf("atoi %q: %v", s, err))
	}
	return n
}

// projectVar is an environment variable of one of the project's binaries.
var projectVar = regexp.MustCompile(`\b(?:MOCKHELTHJEM|CONTRACTTEST|HELTHJEM)_[A-Z0-9_]+\b`)

// contracttestEnvVars returns the environment variables contracttest's
// source binds (sorted); TestStaticBuild checks its -h names the same.
func contracttestEnvVars(t testing.TB) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(root, "cmd", "contracttest", "*.go"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range envRef.FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
		}
		for _, m := range regexp.MustCompile(`"(`+projectVar.String()+`)"`).FindAllStringSubmatch(string(b), -1) {
			seen[m[1]] = true
		}
	}
	var out []string
	for v := range seen {
		out = append(out, v)
	}
	slices.Sort(out)
	return out
}
