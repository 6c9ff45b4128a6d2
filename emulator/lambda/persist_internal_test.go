package lambda

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// TestRestoreUnpacksCode checks that restored packages are unpacked again,
// one folder per package shared by $LATEST and the versions that run it.
func TestRestoreUnpacksCode(t *testing.T) {
	t.Parallel()
	mkzip := func(content string) []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, err := zw.Create("handler.txt")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(content)); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	newSvc := func(j awsapi.Journal) *Service {
		s := New(awsapi.Env{Scope: awsapi.Scope{Account: "123456789012", Region: "us-east-1"}, Clock: clock.New(clock.WithScale(0)),
			Logger: slog.New(slog.DiscardHandler), Journal: j})
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	for _, tc := range []struct {
		name    string
		publish bool
	}{{"latest only", false}, {"latest and a version", true}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			j := &awsapi.MemoryJournal{}
			s := newSvc(j)
			ctx := context.Background()
			_, err := s.CreateFunction(ctx, &CreateFunctionInput{FunctionName: ptr("f"), Runtime: RuntimeProvidedal2023, Role: ptr("arn:aws:iam::123456789012:role/r"),
				Handler: ptr("h"), Code: &FunctionCode{ZipFile: mkzip("one")}, Publish: ptr(tc.publish)})
			if err != nil {
				t.Fatal(err)
			}
			for _, entries := range [][]awsapi.JournalEntry{j.Log(), j.Rows()} {
				r := newSvc(&awsapi.MemoryJournal{})
				if err := awsapi.Replay(r, entries); err != nil {
					t.Fatal(err)
				}
				fn := r.functions["f"]
				if fn == nil || fn.code == nil || fn.code.dir == "" {
					t.Fatalf("restored function has no unpacked code: %+v", fn)
				}
				b, err := os.ReadFile(filepath.Join(fn.code.dir, "handler.txt"))
				if err != nil || string(b) != "one" {
					t.Fatalf("restored package file = %q, %v", b, err)
				}
				if tc.publish && fn.versions["1"].code != fn.code {
					t.Error("version 1 and $LATEST run one package but got two bundles")
				}
				if len(fn.code.zip) == 0 {
					t.Error("the restored bundle dropped its zip: the next snapshot would lose it")
				}
			}
		})
	}
}

// TestEncodeAsyncMatchesJSON checks the hand-written event row against
// encoding/json's.
func TestEncodeAsyncMatchesJSON(t *testing.T) {
	t.Parallel()
	for _, ev := range []*asyncEvent{
		{requestID: "r1", payload: []byte(`{"a":1}`)},
		{requestID: "r2", qualifier: "live", payload: []byte{0, 1, 2, 0xff}},
		{requestID: "r3", qualifier: "$LATEST", payload: nil},
		{requestID: "r4", qualifier: "7", payload: []byte("x"), last: &InvocationResult{FunctionError: "Unhandled", ErrorMessage: "boom \"q\""}},
	} {
		got, err := encodeAsync(ev)
		if err != nil {
			t.Fatal(err)
		}
		row := asyncRow{Qualifier: ev.qualifier, Payload: ev.payload}
		if ev.last != nil {
			row.Last = &asyncLastRow{FunctionError: ev.last.FunctionError, ErrorMessage: ev.last.ErrorMessage}
		}
		want, _ := json.Marshal(row)
		if !bytes.Equal(got, want) {
			t.Errorf("event %s: %s, want %s", ev.requestID, got, want)
		}
		back, err := decodeAsync(ev.requestID, got)
		if err != nil || back.qualifier != ev.qualifier || !bytes.Equal(back.payload, ev.payload) {
			t.Errorf("event %s does not read back: %+v %v", ev.requestID, back, err)
		}
	}
}
