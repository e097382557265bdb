//go:build linux

package main

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestFullDisk runs the mock with its state file on a real, small tmpfs
// that a filler file shares: bookings succeed until one is answered 507
// storage.full, which changes nothing; once the filler is removed the next
// booking succeeds; and after kill -9 and a restart exactly the bookings
// that got a 200 are there.
func TestFullDisk(t *testing.T) {
	dir := mountTmpfs(t, "256k")
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, []byte(strings.Repeat("f", 160<<10)), 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"-seed", "7", "-clock", "2026-06-16T10:00:00+02:00", "-state-file", filepath.Join(dir, "state.jsonl")}
	m := start(t, nil, args...)
	auth := map[string]string{"Authorization": "Bearer " + m.demoToken()}
	book := func() (int, int64, []byte) {
		status, b := m.request("POST", "/parcels/v1/bookings", auth, booking113)
		var o struct {
			OrderID  int64  `json:"orderId"`
			ErrorKey string `json:"errorKey"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			t.Fatalf("booking: %d %s", status, b)
		}
		return status, o.OrderID, b
	}
	orders := func(m *mock) []int64 {
		status, b := m.request("GET", "/__sim/state", nil, nil)
		var st struct{ Orders []struct{ OrderID int64 } }
		if err := json.Unmarshal(b, &st); status != 200 || err != nil {
			t.Fatalf("state: %d %s", status, b)
		}
		var ids []int64
		for _, o := range st.Orders {
			ids = append(ids, o.OrderID)
		}
		return ids
	}

	var acked []int64
	for len(acked) < 1000 {
		status, id, b := book()
		if status == 200 {
			acked = append(acked, id)
			continue
		}
		if status != 507 || !strings.Contains(string(b), `"errorKey":"storage.full"`) {
			t.Fatalf("booking %d on a filling disk: %d %s, want 200 or 507 storage.full", len(acked)+1, status, b)
		}
		break
	}
	if len(acked) < 10 || len(acked) == 1000 {
		t.Fatalf("%d bookings before the disk was full", len(acked))
	}
	if diff := cmp.Diff(acked, orders(m)); diff != "" {
		t.Fatalf("orders after the refused booking (-acknowledged +stored):\n%s", diff)
	}
	if status, _, b := book(); status != 507 {
		t.Fatalf("again on the full disk: %d %s", status, b)
	}
	m.waitLog("state file write failed")
	t.Logf("%d bookings fitted before the disk was full", len(acked))

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	status, id, b := book()
	if status != 200 {
		t.Fatalf("after space returned: %d %s", status, b)
	}
	acked = append(acked, id)

	if err := m.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-m.done
	again := start(t, nil, args...)
	got := orders(again)
	if diff := cmp.Diff(acked, got); diff != "" {
		t.Fatalf("orders after kill -9 and a restart (-acknowledged +restored):\n%s", diff)
	}
	if !slices.IsSorted(got) {
		t.Errorf("orders out of booking order: %v", got)
	}
}

// mountTmpfs mounts a tmpfs of size on a new directory until the test
// ends. Without the right to mount (not root) it skips; under CI=true any
// other failure fails.
func mountTmpfs(t *testing.T, size string) string {
	t.Helper()
	dir := t.TempDir()
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, "size="+size); err != nil {
		if errors.Is(err, syscall.EPERM) || errors.Is(err, syscall.EACCES) {
			t.Skipf("not allowed to mount a tmpfs here (%v): the full-disk test needs root, as CI has", err)
		}
		if os.Getenv("CI") == "true" {
			t.Fatalf("mount a tmpfs for the full-disk test: %v", err)
		}
		t.Skipf("cannot mount a tmpfs here: %v", err)
	}
	t.Cleanup(func() {
		if err := syscall.Unmount(dir, 0); err != nil {
			t.Errorf("unmount %s: %v", dir, err)
			_ = syscall.Unmount(dir, syscall.MNT_DETACH)
		}
	})
	return dir
}
