// Command mockhelthjem serves a stateful simulator of Helthjem's parcel API
// (the labelless C2C flow) for local development and CI.
//
//	go run ./cmd/mockhelthjem                 # :8080, wall clock, random seed
//	go run ./cmd/mockhelthjem -seed 42 -clock 2026-06-16T10:00:00+02:00
//
// Every flag defaults from an environment variable; see -h.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/mockhelthjem/mockhelthjem/internal/server"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		// The first signal starts a graceful shutdown; restoring the
		// default handling lets a second one stop the process at once.
		<-ctx.Done()
		stop()
	}()
	err := server.Main(ctx, os.Args[1:], os.Stdout, os.Stderr)
	os.Exit(exitCode(err))
}

func exitCode(err error) int {
	var ue *server.UsageError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ue):
		if !ue.Printed { // the flag package has shown it (and -h the usage)
			fmt.Fprintln(os.Stderr, "mockhelthjem:", err)
		}
		return ue.Code()
	default:
		fmt.Fprintln(os.Stderr, "mockhelthjem:", err)
		return 1
	}
}
