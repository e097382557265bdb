package loopback_test

import (
	"net"
	"testing"

	"github.com/mockhelthjem/mockhelthjem/internal/loopback"
)

func TestAddrIsFreeLoopback(t *testing.T) {
	addr := loopback.Addr(t)
	host, _, err := net.SplitHostPort(addr)
	if err != nil || host != "127.0.0.1" {
		t.Fatalf("addr %q: host %q, err %v", addr, host, err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("the returned address is not free: %v", err)
	}
	ln.Close()
}
