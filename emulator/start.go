package emulator

import "net/http"

// DefaultEndpoint is where the evolvestack binary listens by default.
const DefaultEndpoint = "http://127.0.0.1:4566"

// ServerProtocols are the HTTP versions evolvestack serves on its plain
// (http://) port: HTTP/1.1, and HTTP/2 with prior knowledge (h2c), which
// the JavaScript SDK's Kinesis client uses.
func ServerProtocols() *http.Protocols {
	var p http.Protocols
	p.SetHTTP1(true)
	p.SetUnencryptedHTTP2(true)
	return &p
}

// SetEndpoint records the URL clients reach e at (Start sets it). It is
// what AWSConfig points clients to.
func (e *Emulator) SetEndpoint(url string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.endpoint = url
}

// Endpoint is the URL clients reach e at, e.g. http://127.0.0.1:4566.
func (e *Emulator) Endpoint() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.endpoint == "" {
		return DefaultEndpoint
	}
	return e.endpoint
}
