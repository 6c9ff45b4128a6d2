package httpserver

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The fast path serves plain HTTP/1.1 API calls without net/http's
// per-request machinery: under load from SDK clients on the same machine,
// net/http's server spent more CPU per SQS SendMessageBatch than the
// emulator's handler did (a background read started and cancelled per
// request, a goroutine per read, per-request contexts and state hooks).
//
// A request is plain when its head is exactly what SDKs send for an
// awsJson, awsQuery or CBOR call: POST to "/", HTTP/1.1, one Host, one
// Content-Length, header names of letters, digits and hyphens, values
// without control characters, and no Transfer-Encoding, Expect, Upgrade,
// HTTP2-Settings or Connection header other than keep-alive or close. The
// loop only reads such a head: anything else (another method or path, a
// head it cannot read whole from its buffer, HTTP/2's preface, a Kinesis
// SubscribeToShard stream) hands the connection, bytes read so far
// included, to net/http for the rest of its life. net/http therefore still
// answers every malformed request with its own error.
//
// What the fast path does not do: a request's context does not end when
// its client goes away (net/http's does), and its answers cannot be
// flushed in parts (Hijack works, for fault injection).

// maxFastHead bounds a plain request's head (SDKs send 1-2 KB); a longer
// one goes to net/http. It is the size of the connection's read buffer, as
// net/http's.
const maxFastHead = 4 << 10

// maxDrain is the most of an unread body read to keep the connection (as
// net/http's server does).
const maxDrain = 256 << 10

// fastServer runs the fast path for one Server.
type fastServer struct {
	srv     *http.Server
	t       *tracker
	handoff *handoffListener

	mu      sync.Mutex
	conns   map[*fastConn]struct{}
	closing bool
}

// fastConn is one connection on the fast path.
type fastConn struct {
	s *fastServer
	c net.Conn
	// remote is the client's address, as requests give it.
	remote string
	br     *bufio.Reader
	bw     *bufio.Writer
	// active is set while a request is being served.
	active atomic.Bool
	// gone is set once the connection is closed, hijacked or handed off.
	gone atomic.Bool
	// unread is set when the connection closes with a request body left
	// unread: close then ends the sending side first and reads on for a
	// moment, so that the client reads the answer rather than a reset.
	unread bool
}

var (
	errHandOff = errors.New("not a plain request")
	crlf       = []byte("\r\n")
	headEnd    = []byte("\r\n\r\n")
)

// serve runs c's requests until c closes or goes to net/http.
func (s *fastServer) serve(c net.Conn) {
	rw := newRawIO(c)
	fc := &fastConn{s: s, c: c, remote: c.RemoteAddr().String(), br: bufio.NewReaderSize(rw, maxFastHead), bw: bufio.NewWriterSize(rw, 4<<10)}
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		s.close(fc)
		return
	}
	s.conns[fc] = struct{}{}
	s.mu.Unlock()
	for first := true; fc.next(first); first = false {
	}
}

// isClosing reports whether Shutdown or Close has begun.
func (s *fastServer) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

// shutdown stops taking requests: idle connections close now, busy ones
// after their answer.
func (s *fastServer) shutdown() {
	s.mu.Lock()
	s.closing = true
	var idle []*fastConn
	for fc := range s.conns {
		if !fc.active.Load() {
			idle = append(idle, fc)
		}
	}
	s.mu.Unlock()
	for _, fc := range idle {
		s.close(fc)
	}
}

// wait waits until no fast-path connection is left, or ctx ends.
func (s *fastServer) wait(ctx context.Context) error {
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		s.mu.Lock()
		n := len(s.conns)
		s.mu.Unlock()
		if n == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
			s.shutdown() // connections that went idle since
		}
	}
}

// closeAll closes every fast-path connection.
func (s *fastServer) closeAll() {
	s.mu.Lock()
	s.closing = true
	all := make([]*fastConn, 0, len(s.conns))
	for fc := range s.conns {
		all = append(all, fc)
	}
	s.mu.Unlock()
	for _, fc := range all {
		s.close(fc)
	}
}

// close closes fc's connection and forgets it.
func (s *fastServer) close(fc *fastConn) {
	if fc.gone.Swap(true) {
		return
	}
	if tc, ok := fc.c.(*net.TCPConn); ok && fc.unread {
		// As net/http's server does before closing.
		_ = tc.CloseWrite()
		_ = tc.SetReadDeadline(time.Now().Add(500 * time.Millisecond))
		_, _ = io.Copy(io.Discard, io.LimitReader(tc, 4<<20))
	}
	_ = fc.c.Close()
	s.forget(fc)
	s.t.setState(fc.c, http.StateClosed)
}

func (s *fastServer) forget(fc *fastConn) {
	s.mu.Lock()
	delete(s.conns, fc)
	s.mu.Unlock()
}

// next serves one request; false means the connection is done with. A
// new connection's first request must come within the header timeout, as
// with net/http; later ones within the idle timeout.
func (fc *fastConn) next(first bool) bool {
	s := fc.s
	if first && s.srv.ReadHeaderTimeout > 0 {
		_ = fc.c.SetReadDeadline(time.Now().Add(s.srv.ReadHeaderTimeout))
	} else if !first && s.srv.IdleTimeout > 0 {
		_ = fc.c.SetReadDeadline(time.Now().Add(s.srv.IdleTimeout))
	}
	if _, err := fc.br.Peek(1); err != nil {
		s.close(fc)
		return false
	}
	fc.active.Store(true)
	s.t.setState(fc.c, http.StateActive)
	head, err := fc.readHead()
	if err != nil {
		if errors.Is(err, errHandOff) {
			fc.handOff()
		} else {
			s.close(fc)
		}
		return false
	}
	req, err := parseHead(head)
	if err != nil {
		fc.handOff()
		return false
	}
	_, _ = fc.br.Discard(len(head))
	// No deadline on the body but the handler's own (as net/http's server
	// with no ReadTimeout). A body already read whole reads nothing more
	// from the connection, so the deadline set for the head can stay
	// until the next request's replaces it (setting a deadline costs a
	// timer update; five per request were 2% of a small request's CPU).
	req.buffered = req.contentLength <= int64(fc.br.Buffered())
	if !req.buffered {
		_ = fc.c.SetReadDeadline(time.Time{})
	}
	keep := fc.serveRequest(req)
	if fc.gone.Load() {
		return false // hijacked
	}
	fc.active.Store(false)
	s.t.setState(fc.c, http.StateIdle)
	if !keep || s.isClosing() {
		s.close(fc)
		return false
	}
	return true
}

// readHead returns the buffered head of the next request, up to and
// including its blank line, without consuming it. The rest of a head not
// yet read whole must come within the header timeout; a head that came
// whole (as SDKs send it, in one write) sets no deadline.
func (fc *fastConn) readHead() ([]byte, error) {
	for armed := false; ; armed = true {
		buf, _ := fc.br.Peek(fc.br.Buffered())
		if i := bytes.Index(buf, headEnd); i >= 0 {
			return buf[:i+len(headEnd)], nil
		}
		if len(buf) > 0 && !plainStart(buf) {
			return nil, errHandOff
		}
		if fc.br.Buffered() >= maxFastHead {
			return nil, errHandOff
		}
		if t := fc.s.srv.ReadHeaderTimeout; t > 0 && !armed {
			_ = fc.c.SetReadDeadline(time.Now().Add(t))
		}
		if _, err := fc.br.Peek(fc.br.Buffered() + 1); err != nil {
			// A timeout, or the client gone: net/http closes such a
			// connection without an answer too.
			return nil, err
		}
	}
}

// plainStart reports whether buf can still be the start of a plain
// request line, so that other requests (and HTTP/2's preface) go to
// net/http without waiting for a whole head.
func plainStart(buf []byte) bool {
	const line = "POST / HTTP/1.1\r\n"
	n := min(len(buf), len(line))
	return string(buf[:n]) == line[:n]
}

// fastRequest is a parsed plain head.
type fastRequest struct {
	header        http.Header
	host          string
	contentLength int64
	close         bool
	// buffered is set when the whole body is in the connection's buffer.
	buffered bool
}

// parseHead parses a plain request's head (request line included); any
// error means the request is not plain. The header values share one
// string, the head's copy, and one array of []string.
func parseHead(head []byte) (*fastRequest, error) {
	const line = "POST / HTTP/1.1\r\n"
	if !bytes.HasPrefix(head, []byte(line)) {
		return nil, errHandOff
	}
	n := bytes.Count(head, crlf) - 2 // header lines
	text := string(head[len(line) : len(head)-2])
	r := &fastRequest{header: make(http.Header, n), contentLength: -1}
	vals := make([]string, 0, n)
	hosts := 0
	for len(text) > 0 {
		l, rest, ok := strings.Cut(text, "\r\n")
		if !ok {
			return nil, errHandOff
		}
		text = rest
		colon := strings.IndexByte(l, ':')
		if colon <= 0 || !plainName(l[:colon]) {
			return nil, errHandOff
		}
		val := trimOWS(l[colon+1:])
		if !plainValue(val) {
			return nil, errHandOff
		}
		// No allocation for a name already in canonical form.
		key := textproto.CanonicalMIMEHeaderKey(l[:colon])
		switch key {
		case "Content-Length":
			if r.contentLength >= 0 || len(val) == 0 || len(val) > 18 {
				return nil, errHandOff
			}
			n, err := strconv.ParseInt(val, 10, 64)
			if err != nil || n < 0 || strconv.FormatInt(n, 10) != val {
				return nil, errHandOff
			}
			r.contentLength = n
		case "Host":
			// net/http's server checks hosts further: only plain ones
			// stay here. Like net/http, Host is not kept in the header.
			if !plainHost(val) {
				return nil, errHandOff
			}
			hosts++
			r.host = val
			continue
		case "Connection":
			switch {
			case asciiEqualFold(val, "close"):
				r.close = true
			case asciiEqualFold(val, "keep-alive"):
			default:
				return nil, errHandOff
			}
		case "Transfer-Encoding", "Expect", "Upgrade", "Http2-Settings", "Te", "Trailer":
			return nil, errHandOff
		case "X-Amz-Target":
			// Event streams are flushed in parts: net/http serves them.
			if strings.HasSuffix(val, ".SubscribeToShard") {
				return nil, errHandOff
			}
		}
		if prev := r.header[key]; prev != nil {
			r.header[key] = append(prev, val)
			continue
		}
		vals = append(vals, val)
		r.header[key] = vals[len(vals)-1 : len(vals) : len(vals)]
	}
	if hosts != 1 || r.contentLength < 0 {
		return nil, errHandOff
	}
	return r, nil
}

// plainName reports whether b is a header name of letters, digits and
// hyphens.
func plainName(b string) bool {
	for _, c := range []byte(b) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// plainHost reports whether b is a non-empty host[:port] of letters,
// digits and . - _ : [ ] (a subset of what net/http's server accepts).
func plainHost(b string) bool {
	for _, c := range []byte(b) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte(".-_:[]", c) >= 0) {
			return false
		}
	}
	return len(b) > 0
}

// plainValue reports whether b holds visible ASCII, spaces and tabs only.
func plainValue(b string) bool {
	for _, c := range []byte(b) {
		if (c < ' ' && c != '\t') || c >= 0x7f {
			return false
		}
	}
	return true
}

func trimOWS(b string) string {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

func asciiEqualFold(s, t string) bool {
	if len(s) != len(t) {
		return false
	}
	for i := range len(s) {
		a, b := s[i], t[i]
		if 'A' <= a && a <= 'Z' {
			a += 'a' - 'A'
		}
		if a != b {
			return false
		}
	}
	return true
}

// serveRequest runs the handler for r and writes its answer; it reports
// whether the connection can take another request.
func (fc *fastConn) serveRequest(r *fastRequest) (keep bool) {
	s := fc.s
	base := context.Background()
	if s.srv.BaseContext != nil {
		base = s.srv.BaseContext(nil)
	}
	ctx, cancel := context.WithCancel(base)
	defer cancel()
	body := &fastBody{r: io.LimitedReader{R: fc.br, N: r.contentLength}}
	req := (&http.Request{
		Method: http.MethodPost, URL: &url.URL{Path: "/"}, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: r.header, Body: body, ContentLength: r.contentLength, Close: r.close,
		Host: r.host, RemoteAddr: fc.remote, RequestURI: "/",
	}).WithContext(ctx)
	if r.contentLength == 0 {
		req.Body = http.NoBody
	}
	w := &fastWriter{fc: fc, header: make(http.Header, 6), reqClose: r.close, bodyBuffered: r.buffered}
	if !fc.run(w, req) {
		return false
	}
	if fc.gone.Load() {
		return false
	}
	keep = !w.closingNow()
	if left := body.r.N; left > 0 {
		if !keep || left > maxDrain {
			keep = false
			fc.unread = true
		} else if _, err := io.Copy(io.Discard, &body.r); err != nil {
			keep = false
		}
	}
	if err := w.finish(!keep); err != nil {
		return false
	}
	return keep
}

// run calls the handler, recovering a panic as net/http does (the
// connection closes; http.ErrAbortHandler is not logged).
func (fc *fastConn) run(w *fastWriter, req *http.Request) (ok bool) {
	defer func() {
		if p := recover(); p != nil {
			if p != http.ErrAbortHandler && fc.s.srv.ErrorLog != nil {
				fc.s.srv.ErrorLog.Printf("http: panic serving %s: %v", fc.c.RemoteAddr(), p)
			}
			fc.s.close(fc)
			ok = false
		}
	}()
	fc.s.srv.Handler.ServeHTTP(w, req)
	return true
}

// handOff gives the connection, with what is buffered, to net/http.
func (fc *fastConn) handOff() {
	s := fc.s
	if fc.gone.Swap(true) {
		return
	}
	s.forget(fc)
	_ = fc.c.SetReadDeadline(time.Time{})
	hc := &handedConn{Conn: fc.c, r: fc.br}
	s.t.replace(fc.c, hc)
	if !s.handoff.put(hc) {
		_ = fc.c.Close()
		s.t.setState(hc, http.StateClosed)
	}
}

// fastBody is a plain request's body: the next Content-Length bytes.
type fastBody struct {
	r io.LimitedReader
}

func (b *fastBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err == io.EOF && b.r.N > 0 {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

func (b *fastBody) Close() error { return nil }

// fastWriter is the ResponseWriter of a plain request: it holds the whole
// answer and writes it with its length once the handler returns.
type fastWriter struct {
	fc       *fastConn
	header   http.Header
	status   int
	body     bytes.Buffer
	hijacked bool
	// reqClose is set when the request asked to close the connection.
	reqClose bool
	// streaming is set once the head is written because the handler
	// declared the body's length (declared): the body then goes straight
	// to the connection, without a copy.
	streaming bool
	declared  int64
	written   int64
	// bodyBuffered is set when the request's body is buffered whole: read
	// deadlines set by the handler then have nothing to time.
	bodyBuffered bool
}

func (w *fastWriter) Header() http.Header { return w.header }

func (w *fastWriter) WriteHeader(code int) {
	if w.status != 0 || w.hijacked {
		return
	}
	if code < 100 || code > 999 {
		panic(fmt.Sprintf("invalid WriteHeader code %v", code))
	}
	if code < 200 {
		return // informational answers are not sent
	}
	w.status = code
}

func (w *fastWriter) Write(p []byte) (int, error) {
	if w.hijacked {
		return 0, http.ErrHijacked
	}
	if w.status == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if !bodyAllowed(w.status) {
		return 0, http.ErrBodyNotAllowed
	}
	if !w.streaming && w.body.Len() == 0 {
		if n, ok := w.handlerLength(); ok {
			w.sniffType(p)
			w.streaming, w.declared = true, n
			w.writeHead(n, w.closingNow())
		}
	}
	if !w.streaming {
		return w.body.Write(p)
	}
	if left := w.declared - w.written; int64(len(p)) > left {
		n, _ := w.fc.bw.Write(p[:left])
		w.written += int64(n)
		return n, http.ErrContentLength
	}
	n, err := w.fc.bw.Write(p)
	w.written += int64(n)
	return n, err
}

// handlerLength returns the Content-Length the handler set, when valid.
func (w *fastWriter) handlerLength() (int64, bool) {
	v := w.header["Content-Length"]
	if len(v) != 1 || v[0] == "" || len(v[0]) > 18 {
		return 0, false
	}
	n, err := strconv.ParseInt(v[0], 10, 64)
	return n, err == nil && n >= 0 && v[0][0] != '+'
}

// closingNow reports whether the answer must say Connection: close, as
// far as is known before the handler ends.
func (w *fastWriter) closingNow() bool {
	return w.reqClose || w.closeAfter() || w.fc.s.isClosing()
}

// SetReadDeadline and SetWriteDeadline serve http.ResponseController.
func (w *fastWriter) SetReadDeadline(t time.Time) error {
	if w.bodyBuffered && !w.hijacked {
		return nil // reading the body reads nothing from the connection
	}
	return w.fc.c.SetReadDeadline(t)
}

func (w *fastWriter) SetWriteDeadline(t time.Time) error { return w.fc.c.SetWriteDeadline(t) }

// Hijack hands the connection to the handler (fault injection drops it).
func (w *fastWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.hijacked {
		return nil, nil, http.ErrHijacked
	}
	w.hijacked = true
	fc := w.fc
	fc.gone.Store(true)
	fc.s.forget(fc)
	fc.s.t.setState(fc.c, http.StateHijacked)
	_ = fc.c.SetDeadline(time.Time{}) // as net/http: none of the server's deadlines stay
	return fc.c, bufio.NewReadWriter(fc.br, fc.bw), nil
}

// sniffType sets the Content-Type net/http's server would from the
// answer's first bytes, when the handler set none and there are some.
func (w *fastWriter) sniffType(body []byte) {
	if _, ok := w.header["Content-Type"]; !ok && len(body) > 0 {
		w.header["Content-Type"] = []string{http.DetectContentType(body)}
	}
}

func (w *fastWriter) closeAfter() bool {
	v := w.header["Connection"]
	return len(v) > 0 && asciiEqualFold(v[0], "close")
}

func bodyAllowed(status int) bool {
	return status != http.StatusNoContent && status != http.StatusNotModified && status >= 200
}

// finish writes the answer as net/http would: status line, headers in
// sorted order with Date, Content-Length and a sniffed Content-Type when
// the handler set none.
func (w *fastWriter) finish(closing bool) error {
	if w.streaming {
		if err := w.fc.bw.Flush(); err != nil {
			return err
		}
		if w.written < w.declared {
			// The client waits for bytes that will not come.
			return io.ErrShortWrite
		}
		return nil
	}
	if w.status == 0 {
		w.status = http.StatusOK
	}
	length := int64(-1)
	if bodyAllowed(w.status) {
		w.sniffType(w.body.Bytes())
		length = int64(w.body.Len())
	} else {
		delete(w.header, "Content-Type")
		w.body.Reset()
	}
	w.writeHead(length, closing)
	w.fc.bw.Write(w.body.Bytes())
	return w.fc.bw.Flush()
}

// writeHead writes the status line and headers as net/http's server
// would: the handler's headers in sorted order, then Date and the
// Content-Length (length, none when negative).
func (w *fastWriter) writeHead(length int64, closing bool) {
	h := w.header
	delete(h, "Content-Length")
	delete(h, "Transfer-Encoding")
	if closing {
		h["Connection"] = []string{"close"}
	}
	bw := w.fc.bw
	var num [20]byte
	bw.WriteString("HTTP/1.1 ")
	bw.Write(strconv.AppendInt(num[:0], int64(w.status), 10))
	bw.WriteByte(' ')
	if text := http.StatusText(w.status); text != "" {
		bw.WriteString(text)
	} else {
		bw.WriteString("status code ")
		bw.Write(strconv.AppendInt(num[:0], int64(w.status), 10))
	}
	bw.WriteString("\r\n")
	var keyBuf [16]string
	keys := keyBuf[:0]
	for k := range h {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !tokenName(k) {
			continue // as net/http's server: an invalid name is not sent
		}
		for _, v := range h[k] {
			bw.WriteString(k)
			bw.WriteString(": ")
			writeValue(bw, v)
			bw.WriteString("\r\n")
		}
	}
	if _, ok := h["Date"]; !ok {
		var date [len(http.TimeFormat)]byte
		bw.WriteString("Date: ")
		bw.Write(time.Now().UTC().AppendFormat(date[:0], http.TimeFormat))
		bw.WriteString("\r\n")
	}
	if length >= 0 {
		bw.WriteString("Content-Length: ")
		bw.Write(strconv.AppendInt(num[:0], length, 10))
		bw.WriteString("\r\n")
	}
	bw.WriteString("\r\n")
}

// tokenName reports whether k is a valid header field name (RFC 9110
// token).
func tokenName(k string) bool {
	for _, c := range []byte(k) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return k != ""
}

// writeValue writes header value v with CR and LF turned into spaces, as
// net/http's server writes values.
func writeValue(bw *bufio.Writer, v string) {
	for len(v) > 0 {
		i := strings.IndexAny(v, "\r\n")
		if i < 0 {
			bw.WriteString(v)
			return
		}
		bw.WriteString(v[:i])
		bw.WriteByte(' ')
		v = v[i+1:]
	}
}

// handedConn is a connection handed to net/http with the bytes the fast
// path had read and not consumed.
type handedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *handedConn) Read(p []byte) (int, error) {
	if c.r != nil {
		if c.r.Buffered() > 0 {
			return c.r.Read(p)
		}
		c.r = nil
	}
	return c.Conn.Read(p)
}

// handoffListener yields connections handed over by the fast path, and the
// accept error of the real listener once it fails.
type handoffListener struct {
	ln   net.Listener
	ch   chan net.Conn
	done chan struct{}
	once sync.Once
	mu   sync.Mutex
	err  error
}

func newHandoffListener(ln net.Listener) *handoffListener {
	return &handoffListener{ln: ln, ch: make(chan net.Conn), done: make(chan struct{})}
}

// put hands c to net/http; false when the listener is closed.
func (l *handoffListener) put(c net.Conn) bool {
	select {
	case l.ch <- c:
		return true
	case <-l.done:
		return false
	}
}

// fail ends Accept with err.
func (l *handoffListener) fail(err error) {
	l.mu.Lock()
	if l.err == nil {
		l.err = err
	}
	l.mu.Unlock()
	l.once.Do(func() { close(l.done) })
}

func (l *handoffListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.ch:
		return c, nil
	case <-l.done:
		l.mu.Lock()
		defer l.mu.Unlock()
		return nil, l.err
	}
}

// Close closes the real listener too, which ends the accept loop.
func (l *handoffListener) Close() error {
	l.fail(net.ErrClosed)
	return l.ln.Close()
}

func (l *handoffListener) Addr() net.Addr { return l.ln.Addr() }
