package ui_test

import (
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/handlers/ui"
)

// TestFiles: the page carries the token it is given, the static files
// are served by name, and nothing else is (no index.html without its
// token, no paths out of the directory).
func TestFiles(t *testing.T) {
	t.Parallel()
	if page := string(ui.Index("abc123")); !strings.Contains(page, `<meta name="evolvestack-token" content="abc123">`) || strings.Contains(page, "{{TOKEN}}") {
		t.Errorf("index carries no token: %s", page)
	}
	tests := []struct {
		name string
		ok   bool
	}{
		{"app.js", true},
		{"style.css", true},
		{"index.html", false},
		{"../ui.go", false},
		{"static/app.js", false},
		{"", false},
		{"nope.js", false},
	}
	for _, tc := range tests {
		b, ok := ui.File(tc.name)
		if ok != tc.ok || ok && len(b) == 0 {
			t.Errorf("File(%q): %d bytes, %v; want %v", tc.name, len(b), ok, tc.ok)
		}
	}
}
