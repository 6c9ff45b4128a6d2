// Command trivialserver is the baseline of the start-up test: the least a Go
// HTTP server does (listen, print evolvestack's ready line, answer
// GET /_evolvestack/health), built and run the way the test runs evolvestack.
package main

import (
	"fmt"
	"net"
	"net/http"
	"os"
)

func main() {
	addr := os.Getenv("EVOLVESTACK_ADDR")
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /_evolvestack/health", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ready"}`))
	})
	endpoint := "http://" + ln.Addr().String()
	fmt.Printf("trivialserver ready on %s (baseline); point clients at it with AWS_ENDPOINT_URL=%s\n", endpoint, endpoint)
	if err := http.Serve(ln, mux); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
