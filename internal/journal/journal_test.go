package journal_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/mockhelthjem/mockhelthjem/internal/journal"
)

type rec struct {
	N int `json:"n"`
}

func replay(t *testing.T, path string) ([]int, bool, error) {
	t.Helper()
	var got []int
	f, _, torn, err := journal.Open(path, func(raw json.RawMessage) error {
		var r rec
		if err := json.Unmarshal(raw, &r); err != nil {
			return err
		}
		if r.N < 0 {
			return errors.New("negative")
		}
		got = append(got, r.N)
		return nil
	})
	if err == nil {
		t.Cleanup(func() { f.Close() })
	}
	return got, torn, err
}

func TestAppendReplayRewrite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "j")
	f, n, torn, err := journal.Open(path, func(json.RawMessage) error { return nil })
	if err != nil || n != 0 || torn {
		t.Fatalf("empty open = %d %v %v", n, torn, err)
	}
	for i := 1; i <= 3; i++ {
		if err := f.Append(rec{i}); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	got, _, err := replay(t, path)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]int{1, 2, 3}, got); diff != "" {
		t.Errorf("replay (-want +got):\n%s", diff)
	}

	f, _, _, _ = journal.Open(path, func(json.RawMessage) error { return nil })
	if err := f.Rewrite([]any{rec{9}}); err != nil {
		t.Fatal(err)
	}
	if err := f.Append(rec{10}); err != nil {
		t.Fatal(err)
	}
	f.Close()
	got, _, _ = replay(t, path)
	if diff := cmp.Diff([]int{9, 10}, got); diff != "" {
		t.Errorf("after rewrite (-want +got):\n%s", diff)
	}
	if _, err := os.Stat(path + ".tmp"); !os.IsNotExist(err) {
		t.Errorf("temporary file left behind: %v", err)
	}
}

func TestTornAndCorrupt(t *testing.T) {
	dir := t.TempDir()
	for _, tt := range []struct {
		name, content string
		want          []int
		torn, corrupt bool
	}{
		{"torn tail", "{\"n\":1}\n{\"n\":2", []int{1}, true, false},
		{"blank lines", "{\"n\":1}\n\n{\"n\":2}\n", []int{1, 2}, false, false},
		{"bad json", "{\"n\":1}\n{nope}\n{\"n\":2}\n", nil, false, true},
		{"rejected record", "{\"n\":1}\n{\"n\":-1}\n", nil, false, true},
		{"one line, no newline: not a journal", "my notes, not a journal", nil, false, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, tt.name)
			os.WriteFile(path, []byte(tt.content), 0o600)
			got, torn, err := replay(t, path)
			var ce *journal.CorruptError
			if tt.corrupt {
				want := 2
				if !strings.Contains(tt.content, "\n") {
					want = 1
				}
				if !errors.As(err, &ce) || ce.Line != want {
					t.Fatalf("err = %v, want corruption at line %d", err, want)
				}
				after, _ := os.ReadFile(path)
				if string(after) != tt.content {
					t.Errorf("a corrupt file was changed")
				}
				return
			}
			if err != nil || torn != tt.torn {
				t.Fatalf("= %v torn %v", err, torn)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	}
}
