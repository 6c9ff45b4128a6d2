package restjson

import (
	"net/http/httptest"
	"testing"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

func FuzzDecodeREST(f *testing.F) {
	f.Add("/b/k?MaxItems=1&id=x", "k%2F1", "Wed, 21 Oct 2015 07:28:00 GMT", []byte(`{"FunctionName":"f"}`))
	f.Add("/?Qualifier=%zz", "%", "garbage", []byte(`{"Environment":{"Variables":{"a":1}}}`))
	f.Add("/", "", "", []byte(`[]`))
	c := New()
	desc := lambdaDesc()
	op := &awsapi.Operation{Name: "Fuzz"}
	f.Fuzz(func(t *testing.T, target, label, header string, body []byte) {
		r := httptest.NewRequest("POST", "/", nil)
		if u, err := r.URL.Parse(target); err == nil {
			r.URL = u
		}
		r.Header["If-Modified-Since"] = []string{header}
		r.Header["X-Count"] = []string{header}
		r.Header["X-Amz-Meta-A"] = []string{header}
		req := &protocol.Request{HTTP: r, Body: body, PathVars: map[string]string{"Bucket": label, "Key+": label, "Name": label}}
		for _, in := range []any{&createFunctionInput{}, &getObjectLikeInput{}, &structPayloadInput{}} {
			if err := c.DecodeInput(req, desc, op, in); err != nil {
				if _, ok := awsapi.AsError(err); !ok {
					t.Fatalf("non-API error %v", err)
				}
			}
		}
	})
}
