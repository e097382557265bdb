package journal_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"hash/crc32"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/journal"
)

// rec is the record the tests store. apply refuses a negative N.
type rec struct {
	N int    `json:"n"`
	S string `json:"s,omitempty"`
}

// line is the state file line for r, built here from the documented format
// rather than by the package: CRC-32C of the JSON as 8 lowercase hex
// digits, a space, the JSON, a newline.
func line(r any) string {
	b, err := json.Marshal(r)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%08x %s\n", crc32c(b), b)
}

func crc32c(b []byte) uint32 { return crc32.Checksum(b, crc32.MakeTable(crc32.Castagnoli)) }

// lines is the file holding recs.
func lines(recs ...rec) string {
	var b strings.Builder
	for _, r := range recs {
		b.WriteString(line(r))
	}
	return b.String()
}

// upTo returns records 1..n.
func upTo(n int) []rec {
	var recs []rec
	for i := 1; i <= n; i++ {
		recs = append(recs, rec{N: i})
	}
	return recs
}

// open opens path and collects its records. The file is closed when the
// test ends unless the test closed it.
func open(t *testing.T, path string, opts journal.Options) ([]rec, journal.Info, *journal.File, error) {
	t.Helper()
	var got []rec
	f, info, err := journal.Open(path, opts, func(raw json.RawMessage) error {
		var r rec
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		if r.N < 0 {
			return errors.New("apply refused a negative n")
		}
		got = append(got, r)
		return nil
	})
	if err == nil {
		t.Cleanup(func() { f.Close() })
	}
	return got, info, f, err
}

// mustOpen opens path with opts, failing the test on an error.
func mustOpen(t *testing.T, path string, opts journal.Options) ([]rec, *journal.File) {
	t.Helper()
	got, _, f, err := open(t, path, opts)
	if err != nil {
		t.Fatalf("open %s: %v", path, err)
	}
	return got, f
}

// wantReplay opens path afresh on the real file system and checks that
// it replays want.
func wantReplay(t *testing.T, path string, want []rec) {
	t.Helper()
	got, _, f, err := open(t, path, journal.Options{})
	if err != nil {
		t.Fatalf("reopen %s: %v", path, err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("reopened (-want +got):\n%s", diff)
	}
}

// closeAndReplay closes f and checks what its file replays.
func closeAndReplay(t *testing.T, f *journal.File, path string, want []rec) {
	t.Helper()
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	wantReplay(t, path, want)
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

func appendAll(t *testing.T, f *journal.File, recs ...rec) {
	t.Helper()
	for _, r := range recs {
		if err := f.Append(r); err != nil {
			t.Fatalf("append %v: %v", r, err)
		}
	}
}

func asAny(recs []rec) []any {
	out := make([]any, len(recs))
	for i, r := range recs {
		out[i] = r
	}
	return out
}

func newLogger() (*slog.Logger, *bytes.Buffer) {
	var buf bytes.Buffer
	return slog.New(slog.NewTextHandler(&buf, nil)), &buf
}

// The helper process: the test binary run again with helperEnv set to one
// of helpers' names, for what needs a process of its own (a second flock
// owner, a file-size limit).
const helperEnv = "JOURNAL_TEST_HELPER"

var helpers = map[string]func(path string) int{
	"open": openHelper,
}

func TestMain(m *testing.M) {
	if name := os.Getenv(helperEnv); name != "" {
		os.Exit(helpers[name](os.Getenv("JOURNAL_TEST_PATH")))
	}
	os.Exit(m.Run())
}

// runHelper runs helper name on path and returns its exit code and output.
func runHelper(t *testing.T, name, path string) (int, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	// Under -race the helper would sleep a second at exit, waiting for
	// race reports from goroutines it does not have.
	cmd.Env = append(os.Environ(), helperEnv+"="+name, "JOURNAL_TEST_PATH="+path,
		"GORACE="+strings.TrimSpace(os.Getenv("GORACE")+" atexit_sleep_ms=0"))
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if err != nil && !errors.As(err, &exit) {
		t.Fatalf("helper %s: %v", name, err)
	}
	return cmd.ProcessState.ExitCode(), string(out)
}

// openHelper opens path: exit 0 if it could, 3 for ErrLocked, 1 otherwise.
func openHelper(path string) int {
	f, _, err := journal.Open(path, journal.Options{}, func(json.RawMessage) error { return nil })
	switch {
	case err == nil:
		f.Close()
		return 0
	case errors.Is(err, journal.ErrLocked):
		fmt.Print(err)
		return 3
	default:
		fmt.Print(err)
		return 1
	}
}
