package buildcheck

import (
	"path"
	"slices"
	"strings"
	"testing"
)

// preprod is the target of the nightly recipes' recording run.
const preprod = "https://api.pre.helthjem.no"

// checkNightlyVars is checkVars for the nightly recipes, whose CI secrets
// are named HELTHJEM_PREPROD_* on purpose: no binary reads them, the
// recipes map them to HELTHJEM_CLIENT_ID and the rest.
func checkNightlyVars(t *testing.T, name, src string, known map[string]bool) {
	t.Helper()
	for _, v := range projectVar.FindAllString(src, -1) {
		if !known[v] && !strings.HasPrefix(v, "HELTHJEM_PREPROD_") {
			t.Errorf("examples/%s: %s is no variable of mockhelthjem or contracttest", name, v)
		}
	}
}

// contracttestRun is one run of contracttest in a recipe: its arguments
// and the variables it gets.
type contracttestRun struct {
	args []string
	env  map[string]string // -e NAME=value, or NAME from the step for -e NAME
}

// dockerRun parses a step's "docker run ... --entrypoint /contracttest
// IMAGE args".
func dockerRun(t *testing.T, run string) contracttestRun {
	t.Helper()
	words, err := shellWords(strings.ReplaceAll(run, "\\\n", " "), nil)
	if err != nil {
		t.Fatal(err)
	}
	i := slices.Index(words, image)
	if i < 0 || argAfter(words[:i], "--entrypoint") != contractBin {
		t.Fatalf("not a docker run of %s with --entrypoint %s:\n%s", image, contractBin, run)
	}
	r := contracttestRun{args: words[i+1:], env: map[string]string{}}
	for j, w := range words[:i] {
		if w == "-e" && j+1 < i {
			k, v, _ := strings.Cut(words[j+1], "=")
			r.env[k] = v
		}
	}
	return r
}

func TestExampleNightlyGitHub(t *testing.T) {
	known, port := knownVars(t), imagePort(t)
	const name = "nightly-drift-github.yml"
	d, src := loadExample(t, name)
	checkNightlyVars(t, name, src, known)

	if crons := d.get("on", "schedule"); crons == nil {
		t.Error("no on.schedule")
	}
	_, steps := d.ghJob()
	mockEnv := d.builtMock(steps, port)
	var record, compare contracttestRun
	var recordStep map[string]any
	var uploaded []string
	for _, m := range steps {
		run, _ := m["run"].(string)
		uses, _ := m["uses"].(string)
		switch {
		case strings.Contains(run, "--record"):
			record, recordStep = dockerRun(t, run), m
		case strings.Contains(run, "--compare"):
			compare = dockerRun(t, run)
		case strings.HasPrefix(uses, "actions/upload-artifact@"):
			if m["if"] != "always()" {
				t.Errorf("the upload step runs if %v, want always(): a red run's cassette and report are what is needed", m["if"])
			}
			with, _ := m["with"].(map[string]any)
			p, _ := with["path"].(string)
			uploaded = strings.Fields(p)
		}
	}
	if record.args == nil || compare.args == nil {
		t.Fatalf("want a step that records pre-prod (--record) and one that compares the mock (--compare)")
	}
	// Pre-prod is recorded with the secrets, passed by name only.
	if record.env["CONTRACTTEST_TARGET"] != preprod {
		t.Errorf("the recording targets %q, want %s", record.env["CONTRACTTEST_TARGET"], preprod)
	}
	stepEnv, _ := recordStep["env"].(map[string]any)
	for _, v := range []string{"HELTHJEM_CLIENT_ID", "HELTHJEM_CLIENT_SECRET", "HELTHJEM_SHOP_ID"} {
		if val, ok := record.env[v]; !ok || val != "" {
			t.Errorf("the recording gets %s as %q, want it passed by name (-e %s) from the step's env", v, val, v)
		}
		if s, _ := stepEnv[v].(string); !strings.HasPrefix(s, "${{ secrets.") {
			t.Errorf("the recording step's %s is %q, want a secret", v, s)
		}
	}
	// The mock is compared with the same cassette.
	if got, want := compare.env["CONTRACTTEST_TARGET"], "http://127.0.0.1:"+port; got != want {
		t.Errorf("the comparison targets %q, want the mock at %s", got, want)
	}
	if tok := mockEnv["MOCKHELTHJEM_ADMIN_TOKEN"]; tok == "" || compare.env["MOCKHELTHJEM_ADMIN_TOKEN"] != tok {
		t.Error("the comparison's MOCKHELTHJEM_ADMIN_TOKEN differs from the mock's")
	}
	if _, leaked := compare.env["HELTHJEM_CLIENT_SECRET"]; leaked {
		t.Error("the comparison with the mock gets the pre-prod secret")
	}
	cassette := argAfter(record.args, "--record")
	if argAfter(compare.args, "--compare") != cassette || !slices.Contains(compare.args, "--require-sim") {
		t.Errorf("the comparison %q does not --require-sim and --compare the recorded cassette %s", compare.args, cassette)
	}
	for _, r := range []contracttestRun{record, compare} {
		checkWaits(t, name, r.args)
	}
	for _, f := range []string{cassette, argAfter(record.args, "--junit"), argAfter(compare.args, "--junit")} {
		if !slices.Contains(uploaded, path.Base(f)) {
			t.Errorf("the artifacts %q lack %s", uploaded, path.Base(f))
		}
	}
}

func TestExampleNightlyGitLab(t *testing.T) {
	known := knownVars(t)
	const name = "nightly-drift-gitlab.yml"
	d, src := loadExample(t, name)
	checkNightlyVars(t, name, src, known)

	var record, compare string // job names
	for _, job := range d.keys() {
		if job == "stages" {
			continue
		}
		script := strings.Join(d.list(job, "script"), "\n")
		switch {
		case strings.Contains(script, "--record"):
			record = job
		case strings.Contains(script, "--compare"):
			compare = job
		}
		rules, _ := d.get(job, "rules").([]any)
		if !slices.ContainsFunc(rules, func(r any) bool {
			m, _ := r.(map[string]any)
			return m["if"] == `$CI_PIPELINE_SOURCE == "schedule"`
		}) {
			t.Errorf("job %s does not run on a schedule: rules %v", job, rules)
		}
	}
	if record == "" || compare == "" {
		t.Fatalf("want a job that records pre-prod (--record) and one that compares the mock (--compare)")
	}
	// Pre-prod's job builds contracttest from the checkout; the mock's
	// builds both and starts the mock in the background.
	var rec []string
	for _, line := range d.list(record, "script") {
		words, err := shellWords(line, nil)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case len(words) > 2 && words[0] == "go" && words[1] == "build":
			if !slices.Contains(words, "./cmd/contracttest") || argAfter(words, "-o") != "bin/" {
				t.Errorf("%s builds %q, want ./cmd/contracttest into bin/", record, words)
			}
		case len(words) > 0 && words[0] == "bin/contracttest":
			rec = words[1:]
		}
	}
	if rec == nil {
		t.Fatalf("%s runs no bin/contracttest", record)
	}
	checkWaits(t, name, rec)
	cmp := d.gitlabMock(compare)
	if got := d.str(record, "variables", "CONTRACTTEST_TARGET"); got != preprod {
		t.Errorf("%s targets %q, want %s", record, got, preprod)
	}
	if got := d.str(record, "variables", "HELTHJEM_CLIENT_SECRET"); got != "$HELTHJEM_PREPROD_CLIENT_SECRET" {
		t.Errorf("%s gets HELTHJEM_CLIENT_SECRET %q, want it mapped from the CI/CD variable HELTHJEM_PREPROD_CLIENT_SECRET", record, got)
	}
	if m, _ := d.get(compare, "variables").(map[string]any); m["HELTHJEM_CLIENT_SECRET"] != nil {
		t.Errorf("%s, against the mock, gets a HELTHJEM_CLIENT_SECRET", compare)
	}
	cassette := argAfter(rec, "--record")
	if argAfter(cmp, "--compare") != cassette || !slices.Contains(cmp, "--require-sim") {
		t.Errorf("%s %q does not --require-sim and --compare the recorded cassette %s", compare, cmp, cassette)
	}
	needs, _ := d.get(compare, "needs").([]any)
	if len(needs) != 1 || needs[0].(map[string]any)["job"] != record || needs[0].(map[string]any)["artifacts"] != "true" {
		t.Errorf("%s needs %v, want the artifacts of %s", compare, needs, record)
	}
	for job, junit := range map[string]string{record: argAfter(rec, "--junit"), compare: argAfter(cmp, "--junit")} {
		if d.str(job, "artifacts", "when") != "always" || d.str(job, "artifacts", "reports", "junit") != junit {
			t.Errorf("%s does not keep its JUnit report %s always", job, junit)
		}
	}
	if paths := d.list(record, "artifacts", "paths"); !slices.Contains(paths, cassette) {
		t.Errorf("%s's artifacts %q lack the cassette %s", record, paths, cassette)
	}
}
