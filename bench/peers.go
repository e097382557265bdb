package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// The peers: mock servers a user might pick instead of mockhelthjem, each
// serving the guide's coverage call. They come from the npm registry,
// pinned, and are installed with -install-peers into a directory of the
// user's choosing; -peers measures the ones it finds there.
//
// Each gets the leanest configuration that still does what a user would
// use it for: Prism mocks the spec and validates requests against it;
// Mockoon and WireMock answer a stub, the mock's own answer, without
// looking at the body. None of them writes a request journal or a log
// line per request where a switch turns it off.

// peerSpec is one peer: how to find it in the install directory and how
// to run it.
type peerSpec struct {
	name    string // as the tables print it
	pkg     string // the npm package
	version string // the pinned version -install-peers installs
	// needs are programs the peer runs on, looked up on PATH, with how to
	// install each.
	needs []need
	// command writes what the peer needs into in.work and returns its
	// command line.
	command func(in peerInput) (argv []string, err error)
}

type need struct{ program, install string }

// peerInput is what a peer's command is built from.
type peerInput struct {
	dir    string // the install directory (npm --prefix)
	work   string // an empty directory for the peer's files
	addr   string // 127.0.0.1:port to listen on
	spec   []byte // spec/helthjem.yaml
	answer []byte // the mock's answer to the coverage call
}

func (in peerInput) hostPort() (host, port string, err error) {
	host, port, err = net.SplitHostPort(in.addr)
	if err != nil {
		return "", "", fmt.Errorf("listen address %q: %w", in.addr, err)
	}
	return host, port, nil
}

var node = need{"node", "Node.js 18 or later, e.g. apt-get install -y nodejs npm"}

// peerSpecs are the peers, in the order the tables print them.
var peerSpecs = []peerSpec{
	{name: "prism", pkg: "@stoplight/prism-cli", version: "5.16.0", needs: []need{node}, command: prismCommand},
	{name: "mockoon", pkg: "@mockoon/cli", version: "9.9.0", needs: []need{node}, command: mockoonCommand},
	{name: "wiremock", pkg: "wiremock", version: "3.13.2",
		needs: []need{{"java", "Java 11 or later, e.g. apt-get install -y openjdk-17-jre-headless"}}, command: wiremockCommand},
}

// installArgs is the npm command line that installs every peer into dir.
func installArgs(dir string) []string {
	args := []string{"npm", "install", "--prefix", dir, "--no-audit", "--no-fund", "--save-exact"}
	for _, p := range peerSpecs {
		args = append(args, p.pkg+"@"+p.version)
	}
	return args
}

// installPeers runs npm to install the peers into dir.
func installPeers(ctx context.Context, dir string, stdout, stderr io.Writer) error {
	if dir == "" {
		return errors.New("-install-peers needs a directory")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("install directory: %w", err)
	}
	args := installArgs(dir)
	fmt.Fprintf(stderr, "bench: %s\n", strings.Join(args, " "))
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Stdout, cmd.Stderr = stdout, stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm install: %w", err)
	}
	for _, p := range peerSpecs {
		for _, n := range p.needs {
			if _, err := exec.LookPath(n.program); err != nil {
				fmt.Fprintf(stderr, "bench: %s needs %s, which is not on PATH: install %s\n", p.name, n.program, n.install)
			}
		}
	}
	fmt.Fprintf(stderr, "bench: installed; measure them with: go run ./bench -peers -peers-dir %s\n", dir)
	return nil
}

// installedVersion is the version of pkg in dir's node_modules, or an
// error that says how to install it.
func installedVersion(dir, pkg string) (string, error) {
	b, err := os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(pkg), "package.json"))
	if err != nil {
		return "", fmt.Errorf("not installed in %s (go run ./bench -install-peers %s)", dir, dir)
	}
	var m struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(b, &m); err != nil || m.Version == "" {
		return "", fmt.Errorf("%s's package.json in %s has no version: %v", pkg, dir, err)
	}
	return m.Version, nil
}

// find says whether the peer can run from dir: its version, or why not.
func (p peerSpec) find(dir string, lookPath func(string) (string, error)) (string, error) {
	if dir == "" {
		return "", errors.New("no install directory: give -peers-dir or MOCKHELTHJEM_BENCH_PEERS (go run ./bench -install-peers DIR installs them)")
	}
	v, err := installedVersion(dir, p.pkg)
	if err != nil {
		return "", err
	}
	for _, n := range p.needs {
		if _, err := lookPath(n.program); err != nil {
			return "", fmt.Errorf("%s is not on PATH: install %s", n.program, n.install)
		}
	}
	return v, nil
}

// npmBin is an installed package's executable.
func npmBin(dir, name string) string { return filepath.Join(dir, "node_modules", ".bin", name) }

// prismCommand mocks the spec, rewritten where Prism would otherwise not
// validate (prismSpec), with one log line per failed validation only.
func prismCommand(in peerInput) ([]string, error) {
	host, port, err := in.hostPort()
	if err != nil {
		return nil, err
	}
	if len(in.spec) == 0 {
		return nil, errors.New("no spec/helthjem.yaml to serve: run the bench from the repository")
	}
	spec, err := prismSpec(in.spec)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(in.work, "helthjem-for-prism.json")
	if err := os.WriteFile(file, spec, 0o600); err != nil {
		return nil, fmt.Errorf("write the spec for prism: %w", err)
	}
	return []string{npmBin(in.dir, "prism"), "mock", "--host", host, "--port", port, "--verboseLevel", "warn", file}, nil
}

// prismSpec is spec with one rewrite that changes no meaning. A schema
// that is `nullable` with no `type` but with `anyOf` or `oneOf` branches
// (the lenient FlexNumber) gets `nullable` on each branch instead: Prism
// 5.16 cannot compile the first form, and then validates no part of that
// request body, silently. Everything else is as the spec has it.
func prismSpec(spec []byte) ([]byte, error) { return prismSpecWith(spec, true) }

// prismSpecWith is prismSpec, or with rewrite false the spec through the
// same loader and encoder only, for the test that compares the two.
func prismSpecWith(spec []byte, rewrite bool) ([]byte, error) {
	doc, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load the spec for prism: %w", err)
	}
	seen := map[*openapi3.Schema]bool{}
	var walk func(*openapi3.SchemaRef)
	walk = func(ref *openapi3.SchemaRef) {
		if ref == nil || ref.Value == nil || seen[ref.Value] {
			return
		}
		s := ref.Value
		seen[s] = true
		if rewrite && s.Nullable && (s.Type == nil || len(*s.Type) == 0) && len(s.AnyOf)+len(s.OneOf) > 0 {
			s.Nullable = false
			for _, branches := range []openapi3.SchemaRefs{s.AnyOf, s.OneOf} {
				for i, b := range branches {
					if b.Value == nil {
						continue
					}
					v := *b.Value // a copy: the branch may be a shared $ref
					v.Nullable = true
					branches[i] = &openapi3.SchemaRef{Value: &v}
				}
			}
		}
		for _, r := range append(append(append(openapi3.SchemaRefs{s.Items, s.Not}, s.AnyOf...), s.OneOf...), s.AllOf...) {
			walk(r)
		}
		for _, r := range s.Properties {
			walk(r)
		}
		if s.AdditionalProperties.Schema != nil {
			walk(s.AdditionalProperties.Schema)
		}
	}
	for _, ref := range doc.Components.Schemas {
		walk(ref)
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			for _, p := range op.Parameters {
				if p.Value != nil {
					walk(p.Value.Schema)
				}
			}
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				for _, mt := range op.RequestBody.Value.Content {
					walk(mt.Schema)
				}
			}
			for _, r := range op.Responses.Map() {
				if r.Value != nil {
					for _, mt := range r.Value.Content {
						walk(mt.Schema)
					}
				}
			}
		}
	}
	b, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("encode the spec for prism: %w", err)
	}
	return b, nil
}

// Fixed UUIDs keep the Mockoon environment the same run after run.
const (
	mockoonEnvUUID      = "6d6f636b-6865-4c74-8a6a-656d00000001"
	mockoonRouteUUID    = "6d6f636b-6865-4c74-8a6a-656d00000002"
	mockoonResponseUUID = "6d6f636b-6865-4c74-8a6a-656d00000003"
	// mockoonMigration is the data format of Mockoon 9.9 (its highest
	// migration id), so the CLI neither migrates nor asks to repair.
	mockoonMigration = 33
)

type mockoonHeader struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}

// mockoonEnvironment is a Mockoon environment file with one route: POST
// on the coverage path answers the mock's answer, with templating off.
func mockoonEnvironment(port int, answer []byte) ([]byte, error) {
	type ref struct {
		Type string `json:"type"`
		UUID string `json:"uuid"`
	}
	response := map[string]any{
		"uuid": mockoonResponseUUID, "body": string(answer), "latency": 0, "statusCode": 200, "label": "the mock's answer",
		"headers":  []mockoonHeader{{"Content-Type", "application/json"}},
		"bodyType": "INLINE", "filePath": "", "databucketID": "", "sendFileAsBody": false,
		"rules": []any{}, "rulesOperator": "OR", "disableTemplating": true, "fallbackTo404": false,
		"default": true, "crudKey": "id", "callbacks": []any{},
	}
	route := map[string]any{
		"uuid": mockoonRouteUUID, "type": "http", "documentation": "the guide's coverage call",
		"method": "post", "endpoint": strings.TrimPrefix(coveragePath, "/"),
		"responses": []any{response}, "responseMode": nil, "streamingMode": nil, "streamingInterval": 0,
	}
	env := map[string]any{
		"uuid": mockoonEnvUUID, "lastMigration": mockoonMigration, "name": "mockhelthjem bench",
		"endpointPrefix": "", "latency": 0, "port": port, "hostname": "127.0.0.1",
		"folders": []any{}, "routes": []any{route}, "rootChildren": []ref{{"route", mockoonRouteUUID}},
		"proxyMode": false, "proxyHost": "", "proxyRemovePrefix": false,
		"tlsOptions": map[string]any{"enabled": false, "type": "CERT", "pfxPath": "", "certPath": "", "keyPath": "", "caPath": "", "passphrase": ""},
		"cors":       false, "headers": []mockoonHeader{}, "proxyReqHeaders": []mockoonHeader{}, "proxyResHeaders": []mockoonHeader{},
		"data": []any{}, "callbacks": []any{},
	}
	return json.MarshalIndent(env, "", "  ")
}

// mockoonCommand serves the environment without a log file or admin API.
// Mockoon still logs a line per request to stdout; no switch turns it off.
func mockoonCommand(in peerInput) ([]string, error) {
	host, port, err := in.hostPort()
	if err != nil {
		return nil, err
	}
	var n int
	if _, err := fmt.Sscan(port, &n); err != nil {
		return nil, fmt.Errorf("port %q: %w", port, err)
	}
	env, err := mockoonEnvironment(n, in.answer)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(in.work, "mockoon-environment.json")
	if err := os.WriteFile(file, env, 0o600); err != nil {
		return nil, fmt.Errorf("write the mockoon environment: %w", err)
	}
	return []string{npmBin(in.dir, "mockoon-cli"), "start", "--data", file, "--hostname", host, "--port", port,
		"--disable-log-to-file", "--disable-admin-api"}, nil
}

// wiremockMapping is a WireMock stub: POST on the coverage path, any
// body, answers the mock's answer.
func wiremockMapping(answer []byte) ([]byte, error) {
	m := map[string]any{
		"request": map[string]any{"method": "POST", "urlPath": coveragePath},
		"response": map[string]any{
			"status":  200,
			"headers": map[string]string{"Content-Type": "application/json"},
			"body":    string(answer),
		},
	}
	return json.MarshalIndent(m, "", "  ")
}

// wiremockCommand runs the standalone jar that the npm package bundles,
// with java directly: the package's own launcher is a Node process that
// only relays java's output and would not pass a SIGTERM on. No request
// journal, no banner.
func wiremockCommand(in peerInput) ([]string, error) {
	host, port, err := in.hostPort()
	if err != nil {
		return nil, err
	}
	jars, err := filepath.Glob(filepath.Join(in.dir, "node_modules", "wiremock", "build", "wiremock-standalone-*.jar"))
	if err != nil || len(jars) != 1 {
		return nil, fmt.Errorf("want one wiremock-standalone-*.jar in %s, found %d", filepath.Join(in.dir, "node_modules", "wiremock", "build"), len(jars))
	}
	root := in.work // WireMock reads root/mappings/*.json
	if err := os.MkdirAll(filepath.Join(root, "mappings"), 0o755); err != nil {
		return nil, fmt.Errorf("wiremock root: %w", err)
	}
	m, err := wiremockMapping(in.answer)
	if err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(root, "mappings", "coverage.json"), m, 0o600); err != nil {
		return nil, fmt.Errorf("write the wiremock mapping: %w", err)
	}
	return []string{"java", "-jar", jars[0], "--port", port, "--bind-address", host, "--root-dir", root,
		"--no-request-journal", "--disable-banner"}, nil
}

// invalidCoverage is the guide's coverage request without its required
// countryCode: a server that checks requests refuses it with a 4xx.
var invalidCoverage = operation{path: coveragePath, body: bytes.Replace([]byte(guideCoverage), []byte(`"countryCode": "NO",`), nil, 1)}
