package buildcheck

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// image is the tag the GitHub recipes build from the repository's
// Dockerfile: no image of mockhelthjem is published, so every recipe
// builds what it runs from a clone (issue: the recipes named
// ghcr.io/mockhelthjem/mockhelthjem:latest and go run …@latest, neither of
// which exists).
const image = "mockhelthjem:ci"

// knownVars is every variable either binary reads.
func knownVars(t testing.TB) map[string]bool {
	t.Helper()
	known := mockEnvVars(t)
	ct := contracttestEnvVars(t)
	if len(ct) == 0 {
		t.Fatal("found no variable in cmd/contracttest's source: has the way it names them changed?")
	}
	for _, v := range ct {
		known[v] = true
	}
	return known
}

// imagePort is the port the image listens on (its MOCKHELTHJEM_ADDR).
func imagePort(t testing.TB) string {
	t.Helper()
	df := loadDockerfile(t)
	env := df.args(t, &df.Stages[len(df.Stages)-1])
	_, port, err := net.SplitHostPort(env["MOCKHELTHJEM_ADDR"])
	if err != nil {
		t.Fatalf("the image's MOCKHELTHJEM_ADDR %q: %v", env["MOCKHELTHJEM_ADDR"], err)
	}
	return port
}

// doc is a parsed example with path-based accessors that fail the test
// with the path when something is missing or of another kind.
type doc struct {
	t    testing.TB
	name string
	root any
}

func loadExample(t testing.TB, name string) (doc, string) {
	t.Helper()
	src := readRepoFile(t, filepath.Join("examples", name))
	v, err := parseYAML(src)
	if err != nil {
		t.Fatalf("examples/%s: %v", name, err)
	}
	return doc{t: t, name: name, root: v}, src
}

func (d doc) get(path ...string) any {
	d.t.Helper()
	v := d.root
	for i, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			d.t.Fatalf("examples/%s: %s is not a mapping", d.name, strings.Join(path[:i], "."))
		}
		if v, ok = m[k]; !ok {
			d.t.Fatalf("examples/%s: no %s", d.name, strings.Join(path[:i+1], "."))
		}
	}
	return v
}

func (d doc) str(path ...string) string {
	d.t.Helper()
	s, ok := d.get(path...).(string)
	if !ok {
		d.t.Fatalf("examples/%s: %s is not a string", d.name, strings.Join(path, "."))
	}
	return s
}

func (d doc) list(path ...string) []string {
	d.t.Helper()
	l, ok := d.get(path...).([]any)
	if !ok {
		d.t.Fatalf("examples/%s: %s is not a list", d.name, strings.Join(path, "."))
	}
	var out []string
	for _, v := range l {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

func (d doc) keys(path ...string) []string {
	d.t.Helper()
	m, ok := d.get(path...).(map[string]any)
	if !ok {
		d.t.Fatalf("examples/%s: %s is not a mapping", d.name, strings.Join(path, "."))
	}
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// ghJob returns the one job of a GitHub Actions workflow and its steps.
func (d doc) ghJob() (job string, steps []map[string]any) {
	d.t.Helper()
	jobs := d.keys("jobs")
	if len(jobs) != 1 {
		d.t.Fatalf("examples/%s: jobs %q, want one", d.name, jobs)
	}
	job = jobs[0]
	list, ok := d.get("jobs", job, "steps").([]any)
	if !ok {
		d.t.Fatalf("examples/%s: jobs.%s.steps is not a list", d.name, job)
	}
	for _, s := range list {
		m, _ := s.(map[string]any)
		steps = append(steps, m)
	}
	return job, steps
}

// builtMock checks that a GitHub Actions job checks out the repository,
// builds image from its Dockerfile and starts the mock from that image,
// detached and publishing port, and returns the mock's -e variables.
func (d doc) builtMock(steps []map[string]any, port string) map[string]string {
	d.t.Helper()
	checkout, build, start := -1, -1, -1
	var env map[string]string
	for i, m := range steps {
		uses, _ := m["uses"].(string)
		run, _ := m["run"].(string)
		words, err := shellWords(strings.ReplaceAll(run, "\\\n", " "), nil)
		if err != nil {
			d.t.Fatal(err)
		}
		switch {
		case strings.HasPrefix(uses, "actions/checkout@"):
			checkout = i
		case slices.Equal(words, []string{"docker", "build", "-t", image, "."}):
			build = i
		case containsSeq(words, []string{"docker", "run", "-d"}) && len(words) > 0 && words[len(words)-1] == image:
			start = i
			if !containsSeq(words, []string{"-p", port + ":" + port}) {
				d.t.Errorf("examples/%s: the mock does not publish %s:\n%s", d.name, port, run)
			}
			env = map[string]string{}
			for j, w := range words {
				if w == "-e" && j+1 < len(words) {
					k, v, _ := strings.Cut(words[j+1], "=")
					env[k] = v
				}
			}
		}
	}
	if checkout < 0 || build < checkout || start < build {
		d.t.Fatalf("examples/%s: want steps that check out the repository, then docker build -t %s . (its Dockerfile), then docker run -d … %s (the mock); got them at %d, %d, %d",
			d.name, image, image, checkout, build, start)
	}
	return env
}

// checkVars fails for a project variable the binaries do not read.
func checkVars(t *testing.T, name, src string, known map[string]bool) {
	t.Helper()
	for _, v := range projectVar.FindAllString(src, -1) {
		if !known[v] {
			t.Errorf("examples/%s: %s is no variable of mockhelthjem or contracttest", name, v)
		}
	}
}

func TestExampleCompose(t *testing.T) {
	known, port := knownVars(t), imagePort(t)
	d, src := loadExample(t, "docker-compose.yml")
	checkVars(t, "docker-compose.yml", src, known)

	// Both services are built from the repository's Dockerfile: build is
	// relative to examples/.
	for _, svc := range []string{"mock", "contracttest"} {
		if got := d.str("services", svc, "build"); got != ".." {
			t.Errorf("services.%s.build = %q, want \"..\" (the repository's root, with the Dockerfile)", svc, got)
		}
		if m, _ := d.get("services", svc).(map[string]any); m["image"] != nil {
			t.Errorf("services.%s.image = %v: no image of mockhelthjem is published; build it", svc, m["image"])
		}
	}
	if _, err := os.Stat(filepath.Join(root, "examples", "..", "Dockerfile")); err != nil {
		t.Errorf("build: .. has no Dockerfile: %v", err)
	}
	if got, want := d.list("services", "mock", "healthcheck", "test"), []string{"CMD", mockBin, "healthcheck"}; !slices.Equal(got, want) {
		t.Errorf("mock healthcheck test %q, want %q (exec form: the image has no shell)", got, want)
	}
	if ports := d.list("services", "mock", "ports"); !slices.Contains(ports, port+":"+port) {
		t.Errorf("mock ports %q do not publish %s", ports, port)
	}
	if got := d.list("services", "contracttest", "entrypoint"); !slices.Equal(got, []string{contractBin}) {
		t.Errorf("contracttest entrypoint %q, want [%q]", got, contractBin)
	}
	if got := d.str("services", "contracttest", "depends_on", "mock", "condition"); got != "service_healthy" {
		t.Errorf("contracttest depends on mock with condition %q, want service_healthy", got)
	}
	// The README says every contracttest of the recipes waits itself.
	checkWaits(t, "docker-compose.yml", d.list("services", "contracttest", "command"))
	if got, want := d.str("services", "contracttest", "environment", "CONTRACTTEST_TARGET"), "http://mock:"+port; got != want {
		t.Errorf("CONTRACTTEST_TARGET = %q, want %q", got, want)
	}
	if tok := d.str("services", "mock", "environment", "MOCKHELTHJEM_ADMIN_TOKEN"); tok != d.str("services", "contracttest", "environment", "MOCKHELTHJEM_ADMIN_TOKEN") {
		t.Error("contracttest's MOCKHELTHJEM_ADMIN_TOKEN differs from the mock's")
	}
}

func TestExampleGitHubActions(t *testing.T) {
	known, port := knownVars(t), imagePort(t)
	d, src := loadExample(t, "github-actions.yml")
	checkVars(t, "github-actions.yml", src, known)

	_, steps := d.ghJob()
	mockEnv := d.builtMock(steps, port)
	var run string
	for _, m := range steps {
		if r, ok := m["run"].(string); ok && strings.Contains(r, "--entrypoint "+contractBin) {
			run = r
		}
	}
	if run == "" {
		t.Fatalf("no step runs docker run --entrypoint %s", contractBin)
	}
	words, err := shellWords(strings.ReplaceAll(run, "\\\n", " "), nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range [][]string{
		{"docker", "run"}, {"--network", "host"}, {"--entrypoint", contractBin},
		{"-e", "CONTRACTTEST_TARGET=http://127.0.0.1:" + port},
		{"-e", "MOCKHELTHJEM_ADMIN_TOKEN=" + mockEnv["MOCKHELTHJEM_ADMIN_TOKEN"]},
	} {
		if !containsSeq(words, want) {
			t.Errorf("the contracttest step lacks %q:\n%s", want, run)
		}
	}
	// The image comes after the docker options: the words after it are
	// contracttest's arguments.
	i := slices.Index(words, image)
	if i < 0 || slices.Index(words, "--entrypoint") > i {
		t.Fatalf("the contracttest step does not run %s after its options:\n%s", image, run)
	}
	checkWaits(t, "github-actions.yml", words[i+1:])
}

// checkWaits fails unless contracttest's arguments make it wait for the
// target (--wait DURATION) instead of relying on a shell loop.
func checkWaits(t testing.TB, name string, args []string) {
	t.Helper()
	if d, err := time.ParseDuration(argAfter(args, "--wait")); err != nil || d < 30*time.Second {
		t.Errorf("examples/%s: contracttest %q does not --wait 30s or more for the target", name, args)
	}
}

// argAfter returns the word after flag, "" when there is none.
func argAfter(words []string, flag string) string {
	if i := slices.Index(words, flag); i >= 0 && i+1 < len(words) {
		return words[i+1]
	}
	return ""
}

// gitlabMock checks a GitLab CI job that builds the programs from the
// checkout with Go, starts the mock in the background on MOCKHELTHJEM_ADDR
// and runs contracttest against it; it returns contracttest's arguments.
func (d doc) gitlabMock(job string) []string {
	d.t.Helper()
	if img := d.str(job, "image"); !strings.HasPrefix(img, "golang:") {
		d.t.Errorf("examples/%s: job %s runs in %s, want a golang image to build the programs in", d.name, job, img)
	}
	if m, _ := d.get(job).(map[string]any); m["services"] != nil {
		d.t.Errorf("examples/%s: job %s has services %v: no image of mockhelthjem is published", d.name, job, m["services"])
	}
	addr := d.str(job, "variables", "MOCKHELTHJEM_ADDR")
	if got, want := d.str(job, "variables", "CONTRACTTEST_TARGET"), "http://"+addr; got != want {
		d.t.Errorf("examples/%s: %s targets %q, want the mock at %s", d.name, job, got, want)
	}
	built, started := false, false
	var args []string
	for _, line := range d.list(job, "script") {
		words, err := shellWords(line, nil)
		if err != nil {
			d.t.Fatal(err)
		}
		switch {
		case len(words) > 2 && words[0] == "go" && words[1] == "build":
			built = slices.Contains(words, "./cmd/mockhelthjem") && slices.Contains(words, "./cmd/contracttest") && argAfter(words, "-o") == "bin/"
		case len(words) > 0 && words[0] == "bin/mockhelthjem":
			started = built && words[len(words)-1] == "&"
		case len(words) > 0 && words[0] == "bin/contracttest":
			if !started {
				d.t.Errorf("examples/%s: %s runs contracttest before it builds and starts the mock in the background", d.name, job)
			}
			args = words[1:]
		}
	}
	if args == nil {
		d.t.Fatalf("examples/%s: %s runs no bin/contracttest", d.name, job)
	}
	checkWaits(d.t, d.name, args)
	return args
}

func TestExampleGitLabCI(t *testing.T) {
	known := knownVars(t)
	d, src := loadExample(t, "gitlab-ci.yml")
	checkVars(t, "gitlab-ci.yml", src, known)

	jobs := d.keys()
	if len(jobs) != 1 {
		t.Fatalf("jobs %q, want one", jobs)
	}
	args := d.gitlabMock(jobs[0])
	if !slices.Contains(args, "--require-sim") {
		t.Errorf("contracttest %q does not --require-sim", args)
	}
}

// TestExamplesNameNothingUnpublished pins the recipes and docs that ran
// ghcr.io/mockhelthjem/mockhelthjem:latest and go run
// github.com/mockhelthjem/mockhelthjem/cmd/contracttest@latest: neither
// exists (the module is not published), so no recipe worked as written.
func TestExamplesNameNothingUnpublished(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(root, "examples", "*"))
	if err != nil {
		t.Fatal(err)
	}
	files = append(files, filepath.Join(root, "docs", "docker.md"), filepath.Join(root, "docs", "contracttest.md"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, unpublished := range []string{"ghcr.io/mockhelthjem", modulePath + "/cmd/contracttest@", modulePath + "/cmd/mockhelthjem@", "published image"} {
			if strings.Contains(string(b), unpublished) {
				rel, _ := filepath.Rel(root, f)
				t.Errorf("%s names %q, which is not published", rel, unpublished)
			}
		}
	}
}

func TestExamplesREADME(t *testing.T) {
	readme := readRepoFile(t, filepath.Join("examples", "README.md"))
	files, err := filepath.Glob(filepath.Join(root, "examples", "*.yml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 5 {
		t.Errorf("%d example files, want 5 (each with a test here)", len(files))
	}
	for _, f := range files {
		if !strings.Contains(readme, filepath.Base(f)) {
			t.Errorf("examples/README.md does not mention %s", filepath.Base(f))
		}
	}
}

// containsSeq reports whether want occurs in words as consecutive words.
func containsSeq(words, want []string) bool {
	for i := 0; i+len(want) <= len(words); i++ {
		if slices.Equal(words[i:i+len(want)], want) {
			return true
		}
	}
	return false
}
