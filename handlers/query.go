package handlers

import (
	"mime"
	"net/http"
	"net/url"
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

// queryForm returns the request's query-string parameters merged with its
// form-encoded body.
func queryForm(r *http.Request, body []byte) (url.Values, error) {
	form, err := url.ParseQuery(r.URL.RawQuery)
	if err != nil {
		return nil, err
	}
	if r.Method == http.MethodPost && len(body) > 0 {
		b, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, err
		}
		for k, v := range b {
			form[k] = append(form[k], v...)
		}
	}
	return form, nil
}

// queuePath matches SQS queue URL paths: /<12-digit account>/<queue name>.
var queuePath = regexp.MustCompile(`^/[0-9]{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?/?$`)

func isQueuePath(p string) bool {
	return strings.Count(p, "/") >= 2 && queuePath.MatchString(p)
}
