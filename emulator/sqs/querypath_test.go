package sqs_test

import (
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/evolvestack/evolvestack/emulator"
)

// TestQueryToQueueURLPath covers old query clients that post to the queue
// URL itself and leave the QueueUrl parameter out.
func TestQueryToQueueURLPath(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t)
	if status, body := post(t, e, url.Values{"Action": {"CreateQueue"}, "QueueName": {"pathq"}}); status != http.StatusOK {
		t.Fatalf("CreateQueue %d %s", status, body)
	}
	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"send to path", "/000000000000/pathq", url.Values{"Action": {"SendMessage"}, "MessageBody": {"hi"}}, 200, "<MD5OfMessageBody>49f68a5c8493ec2c0bf489821c21fc3b</MD5OfMessageBody>"},
		{"attributes from path", "/000000000000/pathq", url.Values{"Action": {"GetQueueAttributes"}, "AttributeName.1": {"ApproximateNumberOfMessages"}}, 200, "<Value>1</Value>"},
		{"missing queue at path", "/000000000000/nope", url.Values{"Action": {"GetQueueAttributes"}, "AttributeName.1": {"All"}}, 400, "The specified queue does not exist for this wsdl version."},
	}
	for _, tt := range tests {
		tt.form.Set("Version", "2012-11-05")
		req, _ := http.NewRequest(http.MethodPost, e.Endpoint()+tt.path, strings.NewReader(tt.form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.want) {
			t.Errorf("%s: %d %s, want %d containing %q", tt.name, resp.StatusCode, body, tt.status, tt.want)
		}
	}
}
