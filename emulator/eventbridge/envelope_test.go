package eventbridge

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

// TestEnvelopeGolden checks the delivered event byte for byte against
// golden files: AWS's key order, second-precision UTC time, the detail
// compacted, replay-name on replayed events and Jackson-style escaping.
func TestEnvelopeGolden(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 12, 6, 22, 0, 0, 999_000_000, time.FixedZone("CET", 3600))
	tests := []struct {
		name string
		ev   event
	}{
		{"basic", event{id: "11111111-2222-3333-4444-555555555555", detailType: "Order Placed", source: "com.shop",
			account: "000000000000", region: "us-east-1", time: at, resources: []string{}, detail: mustCompact(t, `{ "orderId": "o-1",  "total": 12.50 }`)}},
		{"resources-and-escapes", event{id: "id-2", detailType: "a \"quoted\" <type> & more\n", source: "com.shop",
			account: "111111111111", region: "eu-west-1", time: at, resources: []string{"arn:aws:s3:::b", "r2"}, detail: mustCompact(t, `{"é":"\u00e9","n":[1,2,{"x":null}]}`)}},
		{"replayed", event{id: "id-3", detailType: "Order Placed", source: "com.shop", account: "000000000000", region: "us-east-1",
			time: at, detail: mustCompact(t, `{}`), replayName: "replay-1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got := tc.ev.marshal()
			if !json.Valid(got) {
				t.Fatalf("not JSON: %s", got)
			}
			path := filepath.Join("testdata", "envelope_"+tc.name+".json")
			if *update {
				if err := os.WriteFile(path, append(got, '\n'), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if string(got)+"\n" != string(want) {
				t.Errorf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func mustCompact(t *testing.T, s string) json.RawMessage {
	t.Helper()
	b, err := compactDetail(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestCompactDetail checks which details PutEvents accepts.
func TestCompactDetail(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in, want string
		ok       bool
	}{
		{`{"a": 1}`, `{"a":1}`, true},
		{`{"a":"x y","b":"q\" z","c":[1,{"d":null}]}`, `{"a":"x y","b":"q\" z","c":[1,{"d":null}]}`, true},
		{`{"a":"x y", "b":2}`, `{"a":"x y","b":2}`, true},
		{`{"a":1}x`, "", false},
		{` { } `, `{}`, true},
		{`[1]`, "", false},
		{`"s"`, "", false},
		{`12`, "", false},
		{`{"a":`, "", false},
		{`detail`, "", false},
	}
	for _, tc := range tests {
		got, err := compactDetail(tc.in)
		if (err == nil) != tc.ok || string(got) != tc.want {
			t.Errorf("compactDetail(%q) = %s, %v", tc.in, got, err)
		}
	}
}
