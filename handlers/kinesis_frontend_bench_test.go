package handlers_test

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/handlers"
)

// BenchmarkKinesisFrontEnd measures a signed Kinesis call through the
// front end (naming, x-amz-id-2, content and signature checks) to a
// trivial operation, without a network.
func BenchmarkKinesisFrontEnd(b *testing.B) {
	h := handlers.New(handlers.Config{Backend: kfBackend{clk: clock.New()}, Logger: slog.New(slog.DiscardHandler),
		DefaultRegion: "us-east-1", DefaultAccount: "000000000000"})
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/", strings.NewReader("{}"))
		req.Host = "127.0.0.1:4566"
		for k, v := range kfSigned {
			req.Header.Set(k, v)
		}
		req.Header.Set("X-Amz-Target", "Kinesis_20131202.ListStreams")
		req.Header.Set("Content-Type", kfJSON)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
