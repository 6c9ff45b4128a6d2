package handlers

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"sync"
	"time"

	"golang.org/x/sync/semaphore"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// Body limits. Each service's limit is the largest request its API can
// legitimately carry (the payload limit AWS documents, with the growth of
// base64, JSON escaping or form encoding), so a larger body is refused as
// soon as its declared or counted length passes it.
const (
	// lambdaBodyLimit: CreateFunction with a zip inline is at most
	// 70167211 bytes; the slack lets Lambda word its own error for requests
	// just over that.
	lambdaBodyLimit = 70167211 + 64<<10
	// kinesisBodyLimit: PutRecords carries at most 10 MiB of data (base64
	// in JSON or raw in CBOR) in up to 500 entries.
	kinesisBodyLimit = 16 << 20
	// queryBodyLimit: an SQS batch of 1 MiB, or an SNS message of 256 KiB,
	// form-encoded (up to 3 bytes per byte) or JSON-escaped.
	queryBodyLimit = 8 << 20
	// eventsBodyLimit: PutEvents and SNS Publish carry at most 256 KiB.
	eventsBodyLimit = 4 << 20
	// smallBodyLimit: Glue and Schemas definitions (at most 170,000 bytes)
	// and every other request.
	smallBodyLimit = 2 << 20
	// adminBodyLimit bounds an admin API body.
	adminBodyLimit = 1 << 20
	// DefaultBodyMemory bounds the bytes all in-flight request bodies hold
	// together; it holds the largest single body (a Lambda zip).
	DefaultBodyMemory = 96 << 20
	// DefaultBodyTimeout bounds how long reading one request body may take.
	DefaultBodyTimeout = 60 * time.Second
	// smallBody is the largest declared body charged to the small-body
	// budget, so that small requests never queue behind large ones.
	smallBody = 256 << 10
	// smallBodyMemory is the small-body budget.
	smallBodyMemory = 16 << 20
	// bodyChunk is the size of the pooled chunks a body of unknown length
	// is read into.
	bodyChunk = 256 << 10
	// minPooledBody and maxPooledBody bound the bodies kept for reuse once
	// their request is answered: size classes of powers of two from 1 KiB
	// (smaller bodies cost little to allocate; an SQS batch of ten 100-byte
	// messages is ~2.5 KiB) to 1 MiB (a PutRecords of 500 records of 1 KiB
	// is ~700 KiB; rarer, larger bodies are not worth keeping).
	minPooledBody = 1 << 10
	maxPooledBody = 1 << 20
	bodyClasses   = 11 // log2(maxPooledBody/minPooledBody) + 1
)

// bodyLimit is the largest body d's requests may have; d may be nil (not
// yet known).
func bodyLimit(d *awsapi.ServiceDescriptor, query bool) int64 {
	name := ""
	if d != nil {
		name = d.Name
	}
	switch name {
	case "lambda":
		return lambdaBodyLimit
	case "kinesis":
		return kinesisBodyLimit
	case "sqs":
		return queryBodyLimit
	case "sns", "events":
		return eventsBodyLimit
	case "":
		if query {
			return queryBodyLimit // SQS or SNS, named by the body's Action
		}
	}
	return smallBodyLimit
}

// errBodyTooLarge marks a body over its limit.
type errBodyTooLarge struct{ limit int64 }

func (e *errBodyTooLarge) Error() string {
	return fmt.Sprintf("request body over %d bytes", e.limit)
}

// errBodyBusy marks a body that could not get memory from the shared
// budget in time.
var errBodyBusy = errors.New("too many large request bodies in flight")

// bodyReader reads request bodies within a per-request limit, a read
// deadline and a memory budget shared by all requests.
type bodyReader struct {
	chunks sync.Pool // *[]byte of bodyChunk bytes
	// bodies[i] holds *[]byte of capacity minPooledBody<<i: bodies given
	// back once their request is answered. The decoders copy whatever
	// they keep out of a body, so nothing refers to it by then.
	bodies  [bodyClasses]sync.Pool
	budget  *semaphore.Weighted
	small   *semaphore.Weighted
	size    int64
	timeout time.Duration
}

func newBodyReader(memory int64, timeout time.Duration) *bodyReader {
	if memory <= 0 {
		memory = DefaultBodyMemory
	}
	if timeout <= 0 {
		timeout = DefaultBodyTimeout
	}
	b := &bodyReader{budget: semaphore.NewWeighted(memory), small: semaphore.NewWeighted(smallBodyMemory), size: memory, timeout: timeout}
	b.chunks.New = func() any {
		c := make([]byte, bodyChunk)
		return &c
	}
	return b
}

// bodyClass returns the pool class of a body of n bytes, or -1 when such
// bodies are not pooled.
func bodyClass(n int) int {
	if n <= 0 || n > maxPooledBody {
		return -1
	}
	c := 0
	for minPooledBody<<c < n {
		c++
	}
	return c
}

// buffer returns a buffer of n bytes, from the pool when its class has
// one. Its content is undefined.
func (b *bodyReader) buffer(n int) []byte {
	c := bodyClass(n)
	if n < minPooledBody || c < 0 {
		return make([]byte, n)
	}
	if p, _ := b.bodies[c].Get().(*[]byte); p != nil {
		return (*p)[:n]
	}
	return make([]byte, n, minPooledBody<<c)
}

// recycle gives buf, from buffer, back to its pool; nothing may use it
// afterwards. Under the race detector its bytes are overwritten first,
// so that a decoder that kept a reference to a body shows in the tests as
// corrupted data.
func (b *bodyReader) recycle(buf []byte) {
	c := bodyClass(cap(buf))
	if c < 0 || cap(buf) != minPooledBody<<c {
		return // not one of the pool's
	}
	buf = buf[:cap(buf)]
	if poisonBodies {
		for i := range buf {
			buf[i] = bodyPoison
		}
	}
	b.bodies[c].Put(&buf)
}

// bodyPoison is the byte recycled bodies are filled with under the race
// detector.
const bodyPoison = 0xA5

// read reads r's body, at most limit bytes. release gives the body's memory
// back to the budget and the body's buffer back to the pool; call it once,
// when the request is done with the body.
func (b *bodyReader) read(w http.ResponseWriter, r *http.Request, limit int64) (body []byte, release func(), err error) {
	release = func() {}
	limit = min(limit, b.size) // a body the budget cannot hold is too large
	if r.Body == nil || r.Body == http.NoBody {
		return nil, release, nil
	}
	if r.ContentLength > limit {
		// Refused before reading a byte; the server closes the connection
		// rather than drain a large body.
		w.Header().Set("Connection", "close")
		return nil, release, &errBodyTooLarge{limit}
	}
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(b.timeout)
	if rc.SetReadDeadline(deadline) == nil {
		// Long polls must not inherit the body's deadline.
		defer func() { _ = rc.SetReadDeadline(time.Time{}) }()
	}
	var held int64
	sem := b.budget
	if r.ContentLength >= 0 && r.ContentLength <= smallBody {
		sem = b.small
	}
	var pooled []byte // body's buffer, recycled on release
	release = func() {
		if held > 0 {
			sem.Release(held)
			held = 0
		}
		if pooled != nil {
			b.recycle(pooled)
			pooled = nil
		}
	}
	charge := func(n int64) error {
		// Waiting (behind other waiters, or for memory) is bounded by the
		// body's deadline; most bodies need not wait, nor a timer.
		if !sem.TryAcquire(n) {
			ctx, cancel := context.WithDeadline(r.Context(), deadline)
			defer cancel()
			if err := sem.Acquire(ctx, n); err != nil {
				return errBodyBusy
			}
		}
		held += n
		return nil
	}
	if r.ContentLength >= 0 {
		if r.ContentLength == 0 {
			return nil, release, nil
		}
		if err := charge(r.ContentLength); err != nil {
			return nil, release, err
		}
		body = b.buffer(int(r.ContentLength))
		pooled = body
		if _, err := io.ReadFull(r.Body, body); err != nil {
			release()
			return nil, func() {}, readError(err)
		}
		return body, release, nil
	}
	// Unknown length (chunked): the whole limit is charged first, so a
	// body never waits for memory while it holds some (bodies that did
	// could wait for each other until their deadlines); what the body did
	// not use is given back once it is read. Clients rarely send chunked
	// bodies (the AWS SDKs declare the length), so that large ones queue
	// here costs little.
	if err := charge(limit); err != nil {
		return nil, release, err
	}
	// Read into pooled fixed-size chunks: a body refused as too large
	// leaves no garbage behind, and an accepted one is copied once into a
	// buffer of its exact size.
	var chunks []*[]byte
	defer func() {
		for _, c := range chunks {
			b.chunks.Put(c)
		}
	}()
	var total int64
	for {
		c := b.chunks.Get().(*[]byte)
		chunks = append(chunks, c)
		n, err := io.ReadFull(r.Body, *c)
		total += int64(n)
		if total > limit {
			release()
			w.Header().Set("Connection", "close")
			return nil, func() {}, &errBodyTooLarge{limit}
		}
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			release()
			return nil, func() {}, readError(err)
		}
	}
	body = b.buffer(int(total))[:0]
	pooled = body
	for _, c := range chunks {
		body = append(body, (*c)[:min(int64(len(*c)), total-int64(len(body)))]...)
	}
	if unused := held - total; unused > 0 {
		sem.Release(unused)
		held -= unused
	}
	return body, release, nil
}

// errBodyTimeout marks a body not received within the body timeout.
var errBodyTimeout = errors.New("request body not received in time")

// readError classifies a failure to read a body.
func readError(err error) error {
	if errors.Is(err, os.ErrDeadlineExceeded) {
		return errBodyTimeout
	}
	return fmt.Errorf("reading request body: %w", err)
}
