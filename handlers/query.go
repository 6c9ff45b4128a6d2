package handlers

import (
	"mime"
	"net/http"
	"regexp"
	"strings"
)

// isQuery reports whether r is an awsQuery request: a form-encoded POST, or
// a GET whose query string names an Action.
func isQuery(r *http.Request) bool {
	if r.Method == http.MethodPost {
		mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
		return mt == "application/x-www-form-urlencoded"
	}
	return r.URL.Query().Has("Action")
}

// queuePath matches SQS queue URL paths: /<12-digit account>/<queue name>.
var queuePath = regexp.MustCompile(`^/[0-9]{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?/?$`)

func isQueuePath(p string) bool {
	return strings.Count(p, "/") >= 2 && queuePath.MatchString(p)
}
