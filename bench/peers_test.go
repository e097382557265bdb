package main

import (
	"context"
	"encoding/json"
	"flag"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/mockhelthjem/mockhelthjem/internal/loopback"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name, which -update rewrites.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	file := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(file, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (go test ./bench -run %s -update)", err, t.Name())
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s (-want +got):\n%s", file, diff)
	}
}

// coverageAnswer stands for the mock's answer to the coverage call; it has
// the characters a config file must escape.
const coverageAnswer = `{"productName":"HELTHJEM_MEGTILDEG","routeName":"Oslo \"sentrum\"","note":"{{not a template}}"}`

// fakeInstall is a peers directory as npm leaves it, without the code.
func fakeInstall(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	for _, p := range peerSpecs {
		pkg := filepath.Join(dir, "node_modules", filepath.FromSlash(p.pkg))
		if err := os.MkdirAll(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(pkg, "package.json"), []byte(`{"name":"`+p.pkg+`","version":"`+p.version+`"}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := filepath.Join(dir, "node_modules", "wiremock", "build")
	if err := os.MkdirAll(build, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(build, "wiremock-standalone-3.13.2.jar"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func readSpec(t *testing.T) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "spec", "helthjem.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestPeerCommands: each peer's command line, and the files it is given.
func TestPeerCommands(t *testing.T) {
	dir := fakeInstall(t)
	spec := readSpec(t)
	tests := []struct {
		peer string
		want string // with DIR and WORK for the two directories
		// files the command wrote into WORK, each with its golden file
		// ("" when a test below checks it instead).
		files map[string]string
	}{
		{"prism", "DIR/node_modules/.bin/prism mock --host 127.0.0.1 --port 4010 --verboseLevel warn WORK/helthjem-for-prism.json",
			map[string]string{"helthjem-for-prism.json": ""}},
		{"mockoon", "DIR/node_modules/.bin/mockoon-cli start --data WORK/mockoon-environment.json --hostname 127.0.0.1 --port 4010 --disable-log-to-file --disable-admin-api",
			map[string]string{"mockoon-environment.json": "mockoon-environment.golden"}},
		{"wiremock", "java -jar DIR/node_modules/wiremock/build/wiremock-standalone-3.13.2.jar --port 4010 --bind-address 127.0.0.1 --root-dir WORK --no-request-journal --disable-banner",
			map[string]string{"mappings/coverage.json": "wiremock-mapping.golden"}},
	}
	for _, tt := range tests {
		t.Run(tt.peer, func(t *testing.T) {
			ps := peerByName(t, tt.peer)
			work := t.TempDir()
			argv, err := ps.command(peerInput{dir: dir, work: work, addr: "127.0.0.1:4010", spec: spec, answer: []byte(coverageAnswer)})
			if err != nil {
				t.Fatal(err)
			}
			got := strings.NewReplacer(dir, "DIR", work, "WORK").Replace(strings.Join(argv, " "))
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("command (-want +got):\n%s", diff)
			}
			for file, g := range tt.files {
				b, err := os.ReadFile(filepath.Join(work, filepath.FromSlash(file)))
				if err != nil {
					t.Fatal(err)
				}
				if g != "" {
					golden(t, g, b)
				}
			}
		})
	}
}

func peerByName(t *testing.T, name string) peerSpec {
	t.Helper()
	for _, p := range peerSpecs {
		if p.name == name {
			return p
		}
	}
	t.Fatalf("no peer %q", name)
	return peerSpec{}
}

// TestStubsAnswerTheAnswer: the Mockoon environment and the WireMock
// mapping serve POST on the coverage path with the answer, byte for byte.
func TestStubsAnswerTheAnswer(t *testing.T) {
	env, err := mockoonEnvironment(4010, []byte(coverageAnswer))
	if err != nil {
		t.Fatal(err)
	}
	var e struct {
		LastMigration int    `json:"lastMigration"`
		Port          int    `json:"port"`
		Hostname      string `json:"hostname"`
		Routes        []struct {
			UUID, Method, Endpoint string
			Responses              []struct {
				Body              string `json:"body"`
				StatusCode        int    `json:"statusCode"`
				Default           bool   `json:"default"`
				DisableTemplating bool   `json:"disableTemplating"`
			}
		}
		RootChildren []struct{ Type, UUID string }
	}
	if err := json.Unmarshal(env, &e); err != nil {
		t.Fatal(err)
	}
	if len(e.Routes) != 1 || len(e.Routes[0].Responses) != 1 || len(e.RootChildren) != 1 {
		t.Fatalf("environment: %s", env)
	}
	r, resp := e.Routes[0], e.Routes[0].Responses[0]
	got := []any{e.LastMigration, e.Port, e.Hostname, r.Method, "/" + r.Endpoint, resp.Body, resp.StatusCode, resp.Default, resp.DisableTemplating, e.RootChildren[0].UUID == r.UUID}
	want := []any{33, 4010, "127.0.0.1", "post", coveragePath, coverageAnswer, 200, true, true, true}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("mockoon environment (-want +got):\n%s", diff)
	}

	m, err := wiremockMapping([]byte(coverageAnswer))
	if err != nil {
		t.Fatal(err)
	}
	var w struct {
		Request  struct{ Method, URLPath string }
		Response struct {
			Status  int
			Headers map[string]string
			Body    string
		}
	}
	if err := json.Unmarshal(m, &w); err != nil {
		t.Fatal(err)
	}
	got = []any{w.Request.Method, w.Request.URLPath, w.Response.Status, w.Response.Headers["Content-Type"], w.Response.Body}
	want = []any{"POST", coveragePath, 200, "application/json", coverageAnswer}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("wiremock mapping (-want +got):\n%s", diff)
	}
}

// TestPrismSpecRewritesOnlyTypelessNullables: the spec Prism gets differs
// from spec/helthjem.yaml only where a schema is nullable without a type
// and has anyOf or oneOf branches; there `nullable` moves onto the
// branches, which keeps its meaning. The expected document is made here
// by the same rule applied to plain JSON values.
func TestPrismSpecRewritesOnlyTypelessNullables(t *testing.T) {
	spec := readSpec(t)
	got, err := prismSpec(spec)
	if err != nil {
		t.Fatal(err)
	}
	// The original, through the same loader and encoder, unchanged.
	orig, err := prismSpecWith(spec, false)
	if err != nil {
		t.Fatal(err)
	}
	var want, have any
	if err := json.Unmarshal(orig, &want); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(got, &have); err != nil {
		t.Fatal(err)
	}
	var rewritten []string
	var rewrite func(v any, path string)
	rewrite = func(v any, path string) {
		switch v := v.(type) {
		case map[string]any:
			_, typed := v["type"]
			if v["nullable"] == true && !typed && (v["anyOf"] != nil || v["oneOf"] != nil) {
				delete(v, "nullable")
				rewritten = append(rewritten, path)
				for _, k := range []string{"anyOf", "oneOf"} {
					branches, _ := v[k].([]any)
					for _, b := range branches {
						b.(map[string]any)["nullable"] = true
					}
				}
			}
			for k, c := range v {
				rewrite(c, path+"/"+k)
			}
		case []any:
			for _, c := range v {
				rewrite(c, path+"/[]")
			}
		}
	}
	rewrite(want, "")
	if diff := cmp.Diff(want, have); diff != "" {
		t.Errorf("the spec for prism (-want +got):\n%s", diff)
	}
	// None is rewritten: since issue 12 the spec itself puts nullable on
	// each typed branch of the lenient measure, date and party ids, the
	// four schemas that had it beside anyOf with no type.
	var wantRewritten []string
	if diff := cmp.Diff(wantRewritten, rewritten, cmpSorted); diff != "" {
		t.Errorf("rewritten schemas (-want +got):\n%s", diff)
	}
}

var cmpSorted = cmp.Transformer("sorted", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})

// TestPrismNeedsTheSpec: without the spec Prism is skipped with a reason.
func TestPrismNeedsTheSpec(t *testing.T) {
	_, err := prismCommand(peerInput{dir: fakeInstall(t), work: t.TempDir(), addr: "127.0.0.1:4010"})
	if err == nil || !strings.Contains(err.Error(), "no spec/helthjem.yaml") {
		t.Errorf("error %v, want one saying the spec is missing", err)
	}
}

// TestPeerFind: a peer runs only when it is installed and what it runs on
// is on PATH; otherwise the reason says what to do.
func TestPeerFind(t *testing.T) {
	dir := fakeInstall(t)
	onPath := func(string) (string, error) { return "/usr/bin/x", nil }
	noJava := func(p string) (string, error) {
		if p == "java" {
			return "", exec.ErrNotFound
		}
		return "/usr/bin/" + p, nil
	}
	old := t.TempDir()
	if err := os.MkdirAll(filepath.Join(old, "node_modules", "@mockoon", "cli"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(old, "node_modules", "@mockoon", "cli", "package.json"), []byte(`{"version":"9.1.0"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, peer, dir string
		lookPath        func(string) (string, error)
		version, err    string
	}{
		{"installed", "prism", dir, onPath, "5.16.0", ""},
		{"no directory", "prism", "", onPath, "", "no install directory: give -peers-dir or " + peersEnv},
		{"not installed", "prism", t.TempDir(), onPath, "", "not installed in"},
		{"no java", "wiremock", dir, noJava, "", "java is not on PATH: install Java 11 or later"},
		{"java is not needed by prism", "prism", dir, noJava, "5.16.0", ""},
		{"another version is reported as it is", "mockoon", old, onPath, "9.1.0", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := peerByName(t, tt.peer).find(tt.dir, tt.lookPath)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil || v != tt.version {
				t.Errorf("version %q, error %v; want %q", v, err, tt.version)
			}
		})
	}
}

// TestInstallArgs: the install command pins every peer.
func TestInstallArgs(t *testing.T) {
	want := "npm install --prefix /tmp/peers --no-audit --no-fund --save-exact @stoplight/prism-cli@5.16.0 @mockoon/cli@9.9.0 wiremock@3.13.2"
	if diff := cmp.Diff(want, strings.Join(installArgs("/tmp/peers"), " ")); diff != "" {
		t.Errorf("install (-want +got):\n%s", diff)
	}
}

// TestStartPeersSkipsMissing: with nothing installed every peer is
// skipped with its reason, and the run goes on.
func TestStartPeersSkipsMissing(t *testing.T) {
	var progress strings.Builder
	cfg := config{peersDir: t.TempDir(), specPath: filepath.Join("..", "spec", "helthjem.yaml")}
	targets, rows := startPeers(context.Background(), cfg, t.TempDir(), []byte(coverageAnswer),
		func(f string, a ...any) { progress.WriteString(strings.TrimSpace(f) + "\n") })
	if len(targets) != 0 || len(rows) != len(peerSpecs) {
		t.Fatalf("targets %d, rows %+v", len(targets), rows)
	}
	for _, r := range rows {
		if !strings.Contains(r.Skipped, "not installed in") || r.Version != "" || r.Command != "" {
			t.Errorf("row %+v, want skipped as not installed", r)
		}
	}
}

// TestPeersTable is the golden peers table: the servers side by side per
// operation and concurrency, then each peer's command or why it was
// skipped.
func TestPeersTable(t *testing.T) {
	cells := func(op string, conns int, rps ...float64) []cell {
		var out []cell
		for i, server := range []string{"mock", "plain", "prism", "mockoon"} {
			c := cell{Op: op, Conns: conns, Server: server, RPS: rps[i], P50MS: 1000 / rps[i], P99MS: 3000 / rps[i], RSS: int64(20+i*60) << 20}
			if server == "mock" {
				c.LogLevel = "warn"
			}
			out = append(out, c)
		}
		return out
	}
	r := &report{
		Config: runConfig{Ops: []string{"coverage", "coverage-unique", "booking"}, Conns: []int{8, 32}, LogLevels: []string{"warn", "info"}, PeersWarmup: "5s"},
		Peers: []peerRow{
			{Name: "mock", Version: "b796160", StartupMS: 27.3, Rejects: true},
			{Name: "plain", Version: "net/http", StartupMS: 4.1},
			{Name: "prism", Package: "@stoplight/prism-cli@5.16.0", Version: "5.16.0", StartupMS: 3120, Rejects: true,
				Command: "/tmp/peers/node_modules/.bin/prism mock --host 127.0.0.1 --port 4010 --verboseLevel warn /tmp/w/helthjem-for-prism.json"},
			{Name: "mockoon", Package: "@mockoon/cli@9.9.0", Version: "9.1.0", StartupMS: 2480, Note: "installed 9.1.0, the bench pins 9.9.0",
				Command: "/tmp/peers/node_modules/.bin/mockoon-cli start --data /tmp/w/mockoon-environment.json"},
			{Name: "wiremock", Package: "wiremock@3.13.2", Skipped: "java is not on PATH: install Java 11 or later"},
		},
	}
	for _, op := range []string{"coverage", "coverage-unique"} {
		r.Cells = append(r.Cells, cells(op, 8, 30000, 37000, 300, 310)...)
		r.Cells = append(r.Cells, cells(op, 32, 32000, 34000, 290, 305)...)
	}
	var b strings.Builder
	if err := r.writePeers(&b); err != nil {
		t.Fatal(err)
	}
	golden(t, "peers-table.golden", []byte(b.String()))
}

// TestPeersLive starts each installed peer for real and checks that it
// answers the coverage call and whether it refuses a bad body. It runs
// only when MOCKHELTHJEM_BENCH_PEERS names an install (go run ./bench
// -install-peers DIR); the test command never installs them.
func TestPeersLive(t *testing.T) {
	dir := os.Getenv(peersEnv)
	if dir == "" || testing.Short() {
		t.Skipf("set %s to a directory from go run ./bench -install-peers DIR to start the peers", peersEnv)
	}
	spec := readSpec(t)
	// Which peers check the request body.
	wantRejects := map[string]bool{"prism": true, "mockoon": false, "wiremock": false}
	for _, ps := range peerSpecs {
		t.Run(ps.name, func(t *testing.T) {
			if _, err := ps.find(dir, exec.LookPath); err != nil {
				t.Skip(err)
			}
			var row peerRow
			tg, err := startPeer(context.Background(), ps, dir, t.TempDir(), spec, []byte(coverageAnswer), &row)
			if err != nil {
				t.Fatal(err)
			}
			defer tg.p.stop()
			c := newClient(tg.p.addr, 1)
			defer c.close()
			for _, op := range []operation{operations["coverage"], operations["coverage-unique"]} {
				status, b, err := c.do(context.Background(), http.MethodPost, op.path, peerToken, op.bodyFor(7))
				if err != nil || status != http.StatusOK {
					t.Errorf("coverage: %d %s %v", status, b, err)
				}
				if ps.name != "prism" && string(b) != coverageAnswer {
					t.Errorf("answer %s, want the stub's %s", b, coverageAnswer)
				}
			}
			if row.Rejects != wantRejects[ps.name] || row.StartupMS <= 0 {
				t.Errorf("row %+v, want rejects %v", row, wantRejects[ps.name])
			}
			if rss, err := tg.p.rss(); err != nil || rss <= 0 {
				t.Errorf("rss %d, %v", rss, err)
			}
		})
	}
}

// TestProcessTree: descendants follow parent links to any depth and
// leave out everything else.
func TestProcessTree(t *testing.T) {
	parent := map[int]int{10: 1, 11: 10, 12: 11, 20: 1, 21: 20, 13: 10}
	if diff := cmp.Diff([]int{10, 11, 12, 13}, descendants(10, parent)); diff != "" {
		t.Errorf("descendants (-want +got):\n%s", diff)
	}
	// A loop in a stale snapshot ends.
	loop := map[int]int{30: 31, 31: 30}
	if diff := cmp.Diff([]int{10}, descendants(10, loop)); diff != "" {
		t.Errorf("descendants with a loop (-want +got):\n%s", diff)
	}
}

// TestProcStopsItsChildren: a server started by startProc is measured
// with the processes it starts, and stop ends them all.
func TestProcStopsItsChildren(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	addr := loopback.Addr(t)
	dir := t.TempDir()
	body := filepath.Join(dir, "answer.json")
	if err := os.WriteFile(body, []byte(coverageAnswer), 0o600); err != nil {
		t.Fatal(err)
	}
	// sh starts the plain server as its child and waits for it, as the
	// npm launchers do.
	p, err := startProc(context.Background(), "sh", dir, addr, answers(operations["coverage"], ""), "sh", "-c",
		`"$0" `+plainFlag+` -addr "$1" -body "$2" & wait`, self, addr, coveragePath+"="+body)
	if err != nil {
		t.Fatal(err)
	}
	tree := p.tree()
	if len(tree) != 2 {
		p.stop()
		t.Fatalf("process tree %v, want sh and the plain server", tree)
	}
	rss, err := p.rss()
	if own, _ := readRSS(tree[0]); err != nil || rss <= own {
		t.Errorf("rss of the tree %d (%v), of sh alone %d", rss, err, own)
	}
	p.stop()
	if groupAlive(tree[0]) {
		t.Errorf("a process of group %d outlived stop", tree[0])
	}
}
