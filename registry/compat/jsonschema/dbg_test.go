package jsonschema

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestDbgCorpus(t *testing.T) {
	dir := os.Getenv("CORPUS")
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	f := New(WithDefaultDraft(Draft07))
	ref, _ := f.Parse(d7(`"type":"object","properties":{"a":{"type":"string"}},"required":["a"]`))
	for _, fn := range files {
		b, _ := os.ReadFile(fn)
		lines := strings.SplitN(string(b), "\n", 2)
		body := strings.TrimSpace(lines[1])
		body = strings.TrimSuffix(strings.TrimPrefix(body, "string("), ")")
		def, err := strconv.Unquote(body)
		if err != nil {
			continue
		}
		start := time.Now()
		s, err := f.Parse(def)
		if err == nil {
			f.CanRead(s, s)
			f.CanRead(ref, s)
			f.CanRead(s, ref)
		}
		if d := time.Since(start); d > 5*time.Millisecond {
			t.Logf("%v %q", d, def)
		}
	}
}
