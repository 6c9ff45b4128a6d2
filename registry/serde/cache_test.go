package serde_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/glue/types"
	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/registry/serde"
)

// flaky is a fake registry that can be made to fail every lookup, or to
// hold GetSchemaVersion calls until released.
type flaky struct {
	*fakeGlue
	mu      sync.Mutex
	failErr error
	gate    chan struct{} // when set, GetSchemaVersion waits for it
	entered chan struct{} // when set, GetSchemaVersion signals its start
}

func (f *flaky) fail(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failErr = err
}

func (f *flaky) err() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.failErr
}

func (f *flaky) GetSchemaByDefinition(ctx context.Context, in *glue.GetSchemaByDefinitionInput, o ...func(*glue.Options)) (*glue.GetSchemaByDefinitionOutput, error) {
	if err := f.err(); err != nil {
		f.fakeGlue.mu.Lock()
		f.fakeGlue.calls["GetSchemaByDefinition"]++
		f.fakeGlue.mu.Unlock()
		return nil, err
	}
	return f.fakeGlue.GetSchemaByDefinition(ctx, in, o...)
}

func (f *flaky) GetSchemaVersion(ctx context.Context, in *glue.GetSchemaVersionInput, o ...func(*glue.Options)) (*glue.GetSchemaVersionOutput, error) {
	if f.entered != nil {
		select {
		case f.entered <- struct{}{}:
		default:
		}
	}
	if f.gate != nil {
		<-f.gate
	}
	if err := f.err(); err != nil {
		f.fakeGlue.mu.Lock()
		f.fakeGlue.calls["GetSchemaVersion"]++
		f.fakeGlue.mu.Unlock()
		return nil, err
	}
	return f.fakeGlue.GetSchemaVersion(ctx, in, o...)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestStaleEntriesCoverRegistryFailures: past the TTL a cached id or
// writer schema is looked up again, and still used while the registry
// fails, as the Java library's refresh-after-write caches do.
func TestStaleEntriesCoverRegistryFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	id := uuid.MustParse("0a0b0c0d-0000-4000-8000-0000000000c1")
	outage := &types.InternalServiceException{Message: smithyString("registry down")}
	tests := []struct {
		name    string
		failErr error
	}{
		{"service error", outage},
		{"schema deleted", &types.EntityNotFoundException{Message: smithyString("Schema is not found.")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
			clk := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
			f := &flaky{fakeGlue: newFake(serde.FormatAvro)}
			f.add(id, userV1)
			var logs syncBuffer
			logger := slog.New(slog.NewTextHandler(&logs, nil))
			s := mustSerializer(t, f, serde.SerializerConfig{CacheTTL: time.Minute, Now: clk, Logger: logger})
			d := serde.NewDeserializer(f, serde.DeserializerConfig{CacheTTL: time.Minute, Now: clk, Logger: logger})
			rec, err := s.Serialize(ctx, "users", userV1, UserV1{"Ann", 30})
			if err != nil {
				t.Fatal(err)
			}
			if _, err := d.Decode(ctx, rec); err != nil {
				t.Fatal(err)
			}
			f.fail(tt.failErr)
			// Fresh entries: no registry call at all.
			if _, err := s.Serialize(ctx, "users", userV1, UserV1{"Bo", 1}); err != nil {
				t.Fatalf("fresh id: %v", err)
			}
			if f.count("GetSchemaByDefinition") != 1 || f.count("GetSchemaVersion") != 1 {
				t.Fatalf("calls %v", f.calls)
			}
			mu.Lock()
			now = now.Add(2 * time.Minute)
			mu.Unlock()
			for i := range 2 {
				again, err := s.Serialize(ctx, "users", userV1, UserV1{"Ann", 30})
				if err != nil || !bytes.Equal(again, rec) {
					t.Fatalf("stale id, try %d: % x, %v", i, again, err)
				}
				r, err := d.Decode(ctx, rec)
				if err != nil || r.SchemaVersionID != id {
					t.Fatalf("stale writer schema, try %d: %v", i, err)
				}
			}
			// Each use past the TTL asked the registry again.
			if f.count("GetSchemaByDefinition") != 3 || f.count("GetSchemaVersion") != 3 {
				t.Errorf("calls %v", f.calls)
			}
			if !strings.Contains(logs.String(), "using the cached id") || !strings.Contains(logs.String(), "using the cached schema") {
				t.Errorf("logs %s", logs.String())
			}
			// Once the registry answers, the entries are fresh again.
			f.fail(nil)
			if _, err := d.Decode(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if _, err := d.Decode(ctx, rec); err != nil {
				t.Fatal(err)
			}
			if n := f.count("GetSchemaVersion"); n != 4 {
				t.Errorf("GetSchemaVersion calls %d after recovery, want 4", n)
			}
			// A version never cached still fails.
			other := uuid.MustParse("0a0b0c0d-0000-4000-8000-0000000000c2")
			f.fail(outage)
			data, _ := serde.Encode(other, serde.CompressionNone, []byte{0})
			var de *serde.DecodeError
			if _, err := d.Decode(ctx, data); !errors.As(err, &de) || de.SchemaVersionID != other {
				t.Errorf("uncached version: %v", err)
			}
		})
	}
}

// TestConcurrentMissesShareOneLookup: goroutines that miss the cache for
// the same version id at once make one GetSchemaVersion call.
func TestConcurrentMissesShareOneLookup(t *testing.T) {
	t.Parallel()
	id := uuid.MustParse("0a0b0c0d-0000-4000-8000-0000000000c3")
	f := &flaky{fakeGlue: newFake(serde.FormatAvro), gate: make(chan struct{})}
	f.add(id, userV1)
	d := serde.NewDeserializer(f, serde.DeserializerConfig{})
	data, _ := serde.Encode(id, serde.CompressionNone, []byte{0x06, 'A', 'n', 'n', 0x3c})
	const n = 8
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec, err := d.Decode(context.Background(), data)
			if err == nil && rec.SchemaVersionID != id {
				err = errors.New("wrong id")
			}
			errs <- err
		}()
	}
	// Let the goroutines reach the lookup, then release it.
	time.Sleep(20 * time.Millisecond)
	close(f.gate)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if c := f.count("GetSchemaVersion"); c != 1 {
		t.Errorf("GetSchemaVersion calls %d, want 1", c)
	}
	// A waiter whose context ends stops waiting.
	id2 := uuid.MustParse("0a0b0c0d-0000-4000-8000-0000000000c4")
	f2 := &flaky{fakeGlue: newFake(serde.FormatAvro), gate: make(chan struct{}), entered: make(chan struct{}, 1)}
	f2.add(id2, userV1)
	d2 := serde.NewDeserializer(f2, serde.DeserializerConfig{})
	data2, _ := serde.Encode(id2, serde.CompressionNone, []byte{0x06, 'A', 'n', 'n', 0x3c})
	leader := make(chan error, 1)
	go func() { _, err := d2.Decode(context.Background(), data2); leader <- err }()
	<-f2.entered
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if _, err := d2.Decode(ctx, data2); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiter: %v", err)
	}
	close(f2.gate)
	if err := <-leader; err != nil {
		t.Errorf("leader: %v", err)
	}
}

func smithyString(s string) *string { return &s }
