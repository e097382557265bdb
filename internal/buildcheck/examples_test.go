package buildcheck

import (
	"net"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// image is the published image the examples use.
const image = "ghcr.io/mockhelthjem/mockhelthjem:latest"

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

// mockService returns the one job of a GitHub Actions workflow and its
// service that runs the image.
func (d doc) mockService() (job, svc string) {
	d.t.Helper()
	jobs := d.keys("jobs")
	if len(jobs) != 1 {
		d.t.Fatalf("examples/%s: jobs %q, want one", d.name, jobs)
	}
	job = jobs[0]
	for _, s := range d.keys("jobs", job, "services") {
		if d.str("jobs", job, "services", s, "image") == image {
			svc = s
		}
	}
	if svc == "" {
		d.t.Fatalf("examples/%s: no service of job %s runs %s", d.name, job, image)
	}
	return job, svc
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

	if got := d.str("services", "mock", "image"); got != image {
		t.Errorf("services.mock.image = %q, want %q", got, image)
	}
	if got, want := d.list("services", "mock", "healthcheck", "test"), []string{"CMD", mockBin, "healthcheck"}; !slices.Equal(got, want) {
		t.Errorf("mock healthcheck test %q, want %q (exec form: the image has no shell)", got, want)
	}
	if ports := d.list("services", "mock", "ports"); !slices.Contains(ports, port+":"+port) {
		t.Errorf("mock ports %q do not publish %s", ports, port)
	}
	if got := d.str("services", "contracttest", "image"); got != image {
		t.Errorf("services.contracttest.image = %q, want %q", got, image)
	}
	if got := d.list("services", "contracttest", "entrypoint"); !slices.Equal(got, []string{contractBin}) {
		t.Errorf("contracttest entrypoint %q, want [%q]", got, contractBin)
	}
	if got := d.str("services", "contracttest", "depends_on", "mock", "condition"); got != "service_healthy" {
		t.Errorf("contracttest depends on mock with condition %q, want service_healthy", got)
	}
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

	job, svc := d.mockService()
	if ports := d.list("jobs", job, "services", svc, "ports"); !slices.Contains(ports, port+":"+port) {
		t.Errorf("service ports %q do not publish %s", ports, port)
	}
	if opts := d.str("jobs", job, "services", svc, "options"); strings.Contains(opts, "--health-cmd") {
		t.Errorf("service options %q set --health-cmd, which runs through a shell the image lacks", opts)
	}
	steps, ok := d.get("jobs", job, "steps").([]any)
	if !ok {
		t.Fatal("steps is not a list")
	}
	var run string
	for _, s := range steps {
		if m, ok := s.(map[string]any); ok {
			if r, ok := m["run"].(string); ok && strings.Contains(r, "--entrypoint "+contractBin) {
				run = r
			}
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
		{"-e", "MOCKHELTHJEM_ADMIN_TOKEN=" + d.str("jobs", job, "services", svc, "env", "MOCKHELTHJEM_ADMIN_TOKEN")},
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
func checkWaits(t *testing.T, name string, args []string) {
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

func TestExampleGitLabCI(t *testing.T) {
	known, port := knownVars(t), imagePort(t)
	d, src := loadExample(t, "gitlab-ci.yml")
	checkVars(t, "gitlab-ci.yml", src, known)

	jobs := d.keys()
	if len(jobs) != 1 {
		t.Fatalf("jobs %q, want one", jobs)
	}
	job := jobs[0]
	svcs, ok := d.get(job, "services").([]any)
	if !ok || len(svcs) != 1 {
		t.Fatalf("%s.services: want one service", job)
	}
	svc, ok := svcs[0].(map[string]any)
	if !ok || svc["name"] != image || svc["alias"] == nil {
		t.Fatalf("%s.services[0] = %v, want name %s and an alias", job, svcs[0], image)
	}
	if d.str(job, "image") == image {
		t.Errorf("the job's image is %s, which has no shell for the script", image)
	}
	if got, want := d.str(job, "variables", "CONTRACTTEST_TARGET"), "http://"+svc["alias"].(string)+":"+port; got != want {
		t.Errorf("CONTRACTTEST_TARGET = %q, want %q (the service alias)", got, want)
	}
	script := strings.Join(d.list(job, "script"), "\n")
	if !strings.Contains(script, modulePath+"/cmd/contracttest@") {
		t.Errorf("the script does not run contracttest:\n%s", script)
	}
	words, err := shellWords(script, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkWaits(t, "gitlab-ci.yml", words)
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
