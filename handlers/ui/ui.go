// Package ui is evolvestack's dashboard: plain HTML, CSS and JavaScript
// embedded in the binary and served at /_evolvestack/ui/. The page reads
// and changes the emulator only through the documented admin API.
package ui

import (
	"bytes"
	"embed"
	"io/fs"
)

//go:embed static
var static embed.FS

// tokenMark is replaced in index.html by the emulator's dashboard token.
var tokenMark = []byte("{{TOKEN}}")

// Index returns the dashboard's page with token in its
// <meta name="evolvestack-token">.
func Index(token string) []byte {
	b, err := static.ReadFile("static/index.html")
	if err != nil {
		panic("ui: index.html is not embedded: " + err.Error()) // a build error
	}
	return bytes.ReplaceAll(b, tokenMark, []byte(token))
}

// File returns the embedded file name (no directories), or false.
func File(name string) ([]byte, bool) {
	if name == "index.html" || !fs.ValidPath(name) {
		return nil, false
	}
	b, err := static.ReadFile("static/" + name)
	if err != nil {
		return nil, false
	}
	return b, true
}
