package emulator_test

import (
	"context"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/service/kinesis"

	"github.com/evolvestack/evolvestack/emulator"
)

// TestKinesisFrontEndBrowser calls Kinesis from a web app in a real
// browser: from an allowed origin the preflight passes and the app reads
// Kinesis's answers and the headers Kinesis exposes (x-amzn-RequestId,
// x-amz-id-2), signed or refused as unsigned; a page of a foreign origin
// neither creates a stream nor reads the list.
func TestKinesisFrontEndBrowser(t *testing.T) {
	t.Parallel()
	bin := chromium(t)
	e := emulator.Start(t)
	emu := e.Endpoint()
	call := func(name, op, body string, signed bool) string {
		auth := ""
		if signed {
			auth = `"Authorization": "AWS4-HMAC-SHA256 Credential=000000000000/20260101/us-east-1/kinesis/aws4_request, SignedHeaders=host, Signature=00", "X-Amz-Date": "20260101T000000Z",`
		}
		return `
  try {
    const r = await fetch(emu + "/", {method: "POST", headers: {` + auth + `
      "Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "Kinesis_20131202.` + op + `",
      "amz-sdk-invocation-id": "1", "amz-sdk-request": "attempt=1; max=3"}, body: ` + "`" + body + "`" + `});
    const id2 = r.headers.get("x-amz-id-2");
    log("` + name + ` status " + r.status + " id " + r.headers.get("x-amzn-RequestId") + " id2 " + (id2 ? atob(id2).length : "null") + " body " + (await r.text()));
  } catch (e) { log("` + name + ` error " + e); }`
	}
	page := func(calls ...string) string {
		return `<!doctype html><html><body><pre id="log">start</pre><script>
const emu = ` + "`" + emu + "`" + `;
const log = (s) => { document.getElementById("log").textContent += "\n" + s; };
(async () => {` + strings.Join(calls, "") + `
  log("done");
})();
</script></body></html>`
	}
	port := pageServer(t, page(
		call("create", "CreateStream", `{"StreamName":"from-browser","ShardCount":1}`, true),
		call("list", "ListStreams", `{}`, true),
		call("unsigned", "ListStreams", `{}`, false),
	))
	dom := loadPage(t, bin, "http://localhost:"+port+"/")
	for _, want := range []string{
		"create status 200 id ", "list status 200 id ", `"StreamNames":["from-browser"]`, "id2 72 body",
		`unsigned status 400 id `, `{"__type":"MissingAuthenticationTokenException","message":"Missing Authentication Token"}`, "done",
	} {
		if !strings.Contains(dom, want) {
			t.Fatalf("page lacks %q: %s", want, dom)
		}
	}
	if strings.Contains(dom, "id null") || strings.Contains(dom, "id2 null") {
		t.Fatalf("a Kinesis header was not exposed to the page: %s", dom)
	}

	// A foreign origin: the signed CreateStream is refused before any
	// effect, and the list is not readable.
	evil := pageServer(t, page(
		call("create", "CreateStream", `{"StreamName":"evil","ShardCount":1}`, true),
		call("list", "ListStreams", `{}`, true),
	))
	dom = loadPage(t, bin, "http://evil.test:"+evil+"/")
	if !strings.Contains(dom, "done") || strings.Contains(dom, "status 200") || strings.Contains(dom, "from-browser") {
		t.Fatalf("foreign origin page: %s", dom)
	}
	out, err := kinesis.NewFromConfig(e.AWSConfig()).ListStreams(context.Background(), &kinesis.ListStreamsInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.StreamNames) != 1 || out.StreamNames[0] != "from-browser" {
		t.Errorf("streams %v, want only from-browser", out.StreamNames)
	}
}
