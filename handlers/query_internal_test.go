package handlers

import (
	"mime"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// TestIsQueuePath checks the byte scan against the pattern it replaces.
func TestIsQueuePath(t *testing.T) {
	t.Parallel()
	pattern := regexp.MustCompile(`^/[0-9]{12}/[A-Za-z0-9_-]{1,80}(\.fifo)?/?$`)
	name80 := strings.Repeat("q", 80)
	tests := []struct {
		path string
		want bool
	}{
		{"/000000000000/orders", true},
		{"/000000000000/orders/", true},
		{"/000000000000/orders.fifo", true},
		{"/000000000000/orders.fifo/", true},
		{"/000000000000/a-b_C9", true},
		{"/000000000000/" + name80, true},
		{"/000000000000/" + name80 + ".fifo", true},
		{"/000000000000/" + name80 + "q", false},
		{"/000000000000/", false},
		{"/000000000000/.fifo", false},
		{"/000000000000/orders//", false},
		{"/000000000000/orders.fifo.fifo", false},
		{"/000000000000/or.ders", false},
		{"/000000000000/orders/x", false},
		{"/00000000000/orders", false},
		{"/0000000000000/orders", false},
		{"/00000000000a/orders", false},
		{"000000000000/orders", false},
		{"/000000000000", false},
		{"/", false},
		{"", false},
		{"/000000000000/ord%20ers", false},
		{"/000000000000/ordérs", false},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			t.Parallel()
			if got := isQueuePath(tc.path); got != tc.want {
				t.Errorf("isQueuePath(%q) = %v, want %v", tc.path, got, tc.want)
			}
			if got := pattern.MatchString(tc.path); got != tc.want {
				t.Errorf("the pattern says %v for %q: the table is wrong", got, tc.path)
			}
		})
	}
}

// TestIsQueryContentTypes checks that the content types isQuery knows
// without mime.ParseMediaType get the answer ParseMediaType gives.
func TestIsQueryContentTypes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		method, contentType string
		want                bool
	}{
		{"POST", "application/x-www-form-urlencoded", true},
		{"POST", "application/x-www-form-urlencoded; charset=utf-8", true},
		{"POST", "application/x-www-form-urlencoded; charset=UTF-8", true},
		{"POST", "Application/X-WWW-Form-Urlencoded", true},
		{"POST", " application/x-www-form-urlencoded ;charset=utf-8", true},
		{"POST", "application/x-www-form-urlencoded; charset", true},
		{"POST", "application/x-www-form-urlencoded;", true},
		{"POST", "application/x-amz-json-1.0", false},
		{"POST", "", false},
		{"PUT", "application/x-www-form-urlencoded", false},
	}
	for _, tc := range tests {
		r := httptest.NewRequest(tc.method, "/", nil)
		r.Header.Set("Content-Type", tc.contentType)
		if mt, _, _ := mime.ParseMediaType(tc.contentType); tc.method == "POST" && (mt == formType) != tc.want {
			t.Fatalf("%q: the table disagrees with mime.ParseMediaType (%q)", tc.contentType, mt)
		}
		if got := isQuery(r); got != tc.want {
			t.Errorf("%s %q: isQuery = %v, want %v", tc.method, tc.contentType, got, tc.want)
		}
	}
}
