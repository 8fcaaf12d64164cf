// A net/http server as Go users write one: usage httpserver [ADDR]. It answers
// GET / with a greeting, POST /echo with the body it was sent, and GET /quit by
// shutting down cleanly (the program then exits 0). Prints "listening on ADDR" once
// it accepts connections.
package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := ":8080"
	if len(os.Args) > 1 {
		addr = os.Args[1]
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpserver:", err)
		os.Exit(1)
	}
	server := &http.Server{}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from the unikernel: %s %s\n", r.Method, r.URL.Path)
	})
	mux.HandleFunc("/echo", func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(body)
	})
	stopped := make(chan struct{})
	mux.HandleFunc("/quit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintln(w, "bye")
		go func() {
			server.Shutdown(context.Background()) // returns once this response is out
			close(stopped)
		}()
	})
	server.Handler = mux
	fmt.Printf("listening on %s\n", ln.Addr())
	if err := server.Serve(ln); err != http.ErrServerClosed {
		fmt.Fprintln(os.Stderr, "httpserver:", err)
		os.Exit(1)
	}
	<-stopped // Serve returns as Shutdown begins; the last response is not out yet
}
