package handlers

import (
	"mime"
	"net/http"
	"strings"
)

// formType is the media type of awsQuery bodies.
const formType = "application/x-www-form-urlencoded"

// isQuery reports whether r is an awsQuery request: a form-encoded POST, or
// a GET whose query string names an Action.
func isQuery(r *http.Request) bool {
	if r.Method == http.MethodPost {
		switch ct := r.Header.Get("Content-Type"); ct {
		case formType, formType + "; charset=utf-8":
			// What the SDKs send, known without ParseMediaType's map.
			return true
		default:
			mt, _, _ := mime.ParseMediaType(ct)
			return mt == formType
		}
	}
	return r.URL.Query().Has("Action")
}

// isQueuePath reports whether p is an SQS queue URL path:
// /<12-digit account>/<queue name>[.fifo][/], the name 1-80 letters,
// digits, '-' or '_'. It is a byte scan rather than a package-level
// regexp, whose counted repeats cost ~90 KB of init at every start.
func isQueuePath(p string) bool {
	const account = 12
	if len(p) < account+3 || p[0] != '/' || p[account+1] != '/' {
		return false
	}
	for i := 1; i <= account; i++ {
		if p[i] < '0' || p[i] > '9' {
			return false
		}
	}
	name := strings.TrimSuffix(strings.TrimSuffix(p[account+2:], "/"), ".fifo")
	if len(name) < 1 || len(name) > 80 {
		return false
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
