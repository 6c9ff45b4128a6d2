package eventbridge

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

// TestCompactDetailMatchesEncodingJSON checks the one-pass compactor
// against encoding/json's Compact and Valid: same acceptance, same bytes.
func TestCompactDetailMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	cases := []string{
		`{}`, ` { } `, "{\n\t\"a\" : 1 ,\r\n \"b\":[ 1 , 2 ,{ } ,[ ] ] }",
		`{"s":"x y\"\\\/\b\f\n\r\t\u00e9\uD83D\uDE00"}`, `{"n":[0,-0,1.5,-2e10,3E+2,4e-3,0.0]}`,
		`{"t":true,"f":false,"z":null}`, `{"a":{"b":{"c":{"d":"é"}}}}`, `{"k": "<&>"}`,
		// malformed or not an object
		``, ` `, `[]`, `"s"`, `1`, `null`, `{`, `}`, `{"a"}`, `{"a":}`, `{"a":1,}`, `{,}`, `{"a":1 "b":2}`,
		`{"a":01}`, `{"a":1.}`, `{"a":.5}`, `{"a":-}`, `{"a":1e}`, `{"a":+1}`, `{"a":tru}`, `{"a":nul}`,
		`{"a":"\x"}`, `{"a":"\u12G4"}`, `{"a":"\u12"}`, "{\"a\":\"\x01\"}", `{"a":"unterminated}`,
		`{"a":1}x`, `{"a":1}{}`, `{"a":[1,2}`, `{"a":[1,]}`, `{a:1}`, `{'a':1}`, "{\"a\":1}\n",
		`{"a":[` + strings.Repeat(`[`, 50) + strings.Repeat(`]`, 50) + `]}`,
	}
	for _, c := range cases {
		var want bytes.Buffer
		wantErr := json.Compact(&want, []byte(c)) != nil || want.Len() == 0 || want.Bytes()[0] != '{'
		got, err := compactDetail(c)
		if (err != nil) != wantErr {
			t.Errorf("compactDetail(%q) error = %v, want error %v", c, err, wantErr)
			continue
		}
		if err == nil && !bytes.Equal(got, want.Bytes()) {
			t.Errorf("compactDetail(%q) = %s, want %s", c, got, want.Bytes())
		}
	}
}

// TestCompactDetailDepth refuses nesting deeper than encoding/json does,
// without exhausting the stack.
func TestCompactDetailDepth(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		depth int
		ok    bool
	}{{maxDetailDepth, true}, {maxDetailDepth + 1, false}, {200000, false}} {
		doc := `{"a":` + strings.Repeat(`[`, tc.depth-1) + strings.Repeat(`]`, tc.depth-1) + `}`
		_, err := compactDetail(doc)
		if (err == nil) != tc.ok || json.Valid([]byte(doc)) != tc.ok {
			t.Errorf("depth %d: compactDetail error %v, json.Valid %v, want ok %v", tc.depth, err, json.Valid([]byte(doc)), tc.ok)
		}
	}
}

// FuzzCompactDetail compares the compactor with encoding/json.
func FuzzCompactDetail(f *testing.F) {
	for _, s := range []string{`{"a":[1,2,{"b":"c"}]}`, ` {"x" : -1.5e3 , "y":null}`, `{"s":"\u00e9\n"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var want bytes.Buffer
		wantErr := json.Compact(&want, []byte(s)) != nil || want.Len() == 0 || want.Bytes()[0] != '{'
		got, err := compactDetail(s)
		if (err != nil) != wantErr || err == nil && !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("compactDetail(%q) = %q, %v; encoding/json: %q, error %v", s, got, err, want.Bytes(), wantErr)
		}
	})
}
