// Package loopback finds free ports on 127.0.0.1 for the project's
// subprocess tests and the bench program, which must start servers on
// loopback only. It does not start or supervise anything.
package loopback

import (
	"fmt"
	"net"
	"testing"
)

// FreeAddr returns a 127.0.0.1 address whose port was free a moment ago.
func FreeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", fmt.Errorf("find a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// Addr is FreeAddr for tests: it fails the test on error.
func Addr(tb testing.TB) string {
	tb.Helper()
	addr, err := FreeAddr()
	if err != nil {
		tb.Fatal(err)
	}
	return addr
}
