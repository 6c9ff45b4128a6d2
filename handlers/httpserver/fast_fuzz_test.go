package httpserver

import (
	"bufio"
	"bytes"
	"net/http"
	"slices"
	"testing"
)

// FuzzParseHead checks the fast path's head parser against net/http's: a
// head parseHead accepts must be one http.ReadRequest accepts, as the same
// POST / request with the same Host, Content-Length and header values, and
// nothing the fast path reads may be a request net/http would frame
// differently.
func FuzzParseHead(f *testing.F) {
	for _, s := range []string{
		"POST / HTTP/1.1\r\nHost: localhost:4566\r\nContent-Type: application/x-amz-json-1.0\r\nX-Amz-Target: AmazonSQS.SendMessage\r\nContent-Length: 2\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\ncontent-length: 10\r\nX-A:  b \r\nX-A: c\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 01\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: a b\r\nContent-Length: 1\r\n\r\n",
		"POST / HTTP/1.1\r\nHost:\r\nContent-Length: 1\r\n\r\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, head []byte) {
		end := bytes.Index(head, headEnd)
		if end < 0 {
			return
		}
		head = head[:end+len(headEnd)]
		r, err := parseHead(head)
		if err != nil {
			return
		}
		req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
		if err != nil {
			t.Fatalf("fast path took a head net/http refuses (%v):\n%q", err, head)
		}
		if req.Method != http.MethodPost || req.RequestURI != "/" || req.ProtoMinor != 1 || req.Host != r.host ||
			req.ContentLength != r.contentLength || len(req.TransferEncoding) > 0 || req.Close != r.close {
			t.Fatalf("net/http reads %q as %s %s HTTP/1.%d host %q length %d TE %v close %v; fast path host %q length %d close %v",
				head, req.Method, req.RequestURI, req.ProtoMinor, req.Host, req.ContentLength, req.TransferEncoding, req.Close, r.host, r.contentLength, r.close)
		}
		if !plainHost(r.host) {
			t.Fatalf("fast path took host %q", r.host)
		}
		for k, v := range req.Header {
			if !slices.Equal(r.header[k], v) {
				t.Fatalf("header %s: net/http %q, fast path %q (head %q)", k, v, r.header[k], head)
			}
		}
		for k := range r.header {
			if _, ok := req.Header[k]; !ok {
				t.Fatalf("header %s only on the fast path (head %q)", k, head)
			}
		}
	})
}
