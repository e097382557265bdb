package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
)

// plainFlag, as the first argument, runs this program as the plain server.
const plainFlag = "-plain-server"

// bodyFlags are repeated -body PATH=FILE flags.
type bodyFlags map[string][]byte

func (b bodyFlags) String() string { return fmt.Sprint(len(b), " bodies") }

func (b bodyFlags) Set(v string) error {
	path, file, ok := strings.Cut(v, "=")
	if !ok || !strings.HasPrefix(path, "/") {
		return fmt.Errorf("%q is not PATH=FILE", v)
	}
	body, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read %s: %w", file, err)
	}
	b[path] = body
	return nil
}

// plainHandler is the baseline: for each configured path it reads the
// request body, decodes it as JSON into a map, as any Go service would,
// and answers the fixed body. There is no validation, routing table,
// authentication or state.
func plainHandler(bodies map[string][]byte) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"status":"ok"}`)
	})
	for path, body := range bodies {
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
			var m map[string]any
			b, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
			if err == nil {
				err = json.Unmarshal(b, &m)
			}
			if err != nil {
				http.Error(w, `{"errorKey":"failed.to.parse.request"}`, http.StatusBadRequest)
				return
			}
			h := w.Header()
			h.Set("Content-Type", "application/json")
			h.Set("Content-Length", fmt.Sprint(len(body)))
			_, _ = w.Write(body)
		})
	}
	return mux
}

// plainMain serves plainHandler on -addr until SIGTERM or SIGINT.
func plainMain(args []string) error {
	fs := flag.NewFlagSet("bench "+plainFlag, flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:0", "listen address")
	bodies := bodyFlags{}
	fs.Var(bodies, "body", "PATH=FILE: answer POST PATH with FILE's bytes (repeatable)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv := &http.Server{Addr: *addr, Handler: plainHandler(bodies), ReadHeaderTimeout: 10 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.ListenAndServe() }()
	select {
	case err := <-errc:
		return fmt.Errorf("serve: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("shutdown: %w", err)
	}
	return nil
}
