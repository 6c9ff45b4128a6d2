package emulator_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/evolvestack/evolvestack/emulator"
)

// chromium returns the path of a headless-capable Chromium. Without one the
// browser tests skip, unless EVOLVESTACK_BROWSER_TESTS=1 (CI installs
// Debian's chromium and sets it), when they fail.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("EVOLVESTACK_BROWSER_TESTS") == "1" {
		t.Fatal("EVOLVESTACK_BROWSER_TESTS=1 but no chromium on PATH")
	}
	t.Skip("no chromium on PATH (CI installs it and sets EVOLVESTACK_BROWSER_TESTS=1)")
	return ""
}

// loadPage loads url in headless Chromium, where the host names evil.test
// and app.test resolve to 127.0.0.1, lets its scripts run, and returns the
// page's DOM.
func loadPage(t *testing.T, bin, url string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
		"--no-first-run", "--user-data-dir="+t.TempDir(), "--host-resolver-rules=MAP evil.test 127.0.0.1, MAP app.test 127.0.0.1",
		"--virtual-time-budget=15000", "--dump-dom", url)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("chromium %s: %v", url, err)
	}
	return string(out)
}

// pageServer serves one HTML page at /.
func pageServer(t *testing.T, html string) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, html)
	}))
	t.Cleanup(srv.Close)
	_, port, _ := net.SplitHostPort(strings.TrimPrefix(srv.URL, "http://"))
	return port
}

// TestBrowserAttacksRefused runs the attacks of a malicious web page in a
// real browser: simple cross-site requests that would create a function,
// create a queue with GET and reset all state, and a DNS-rebound page that
// reads the API. None takes effect.
func TestBrowserAttacksRefused(t *testing.T) {
	t.Parallel()
	bin := chromium(t)
	e := emulator.Start(t)
	ctx := context.Background()
	sq := sqs.NewFromConfig(e.AWSConfig())
	if _, err := sq.CreateQueue(ctx, &sqs.CreateQueueInput{QueueName: aws.String("keep")}); err != nil {
		t.Fatal(err)
	}
	emu := e.Endpoint()
	_, emuPort, _ := net.SplitHostPort(strings.TrimPrefix(emu, "http://"))
	fn := `{"FunctionName":"pwn","Runtime":"provided.al2023","Role":"arn:aws:iam::000000000000:role/r","Handler":"x","Code":{"ZipFile":"UEsFBgAAAAAAAAAAAAAAAAAAAAAAAA=="}}`
	page := `<!doctype html><html><body><pre id="log">start</pre><script>
const emu = ` + "`" + emu + "`" + `;
const log = (s) => { document.getElementById("log").textContent += "\n" + s; };
(async () => {
  const shots = [
    [emu + "/2015-03-31/functions", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: ` + "`" + fn + "`" + `}],
    [emu + "/?Action=CreateQueue&QueueName=evilq", {mode: "no-cors"}],
    [emu + "/_evolvestack/reset", {method: "POST", mode: "no-cors", headers: {"Content-Type": "text/plain"}, body: "{}"}],
    [emu + "/", {method: "POST", mode: "no-cors", headers: {"Content-Type": "application/x-www-form-urlencoded"}, body: "Action=CreateQueue&QueueName=evilform"}],
  ];
  for (const [url, opts] of shots) {
    try { await fetch(url, opts); log("sent " + url); } catch (e) { log("error " + e); }
  }
  try { const r = await fetch(emu + "/?Action=ListQueues"); log("read " + r.status + " " + (await r.text())); } catch (e) { log("read blocked " + e); }
  log("done");
})();
</script></body></html>`
	port := pageServer(t, page)
	dom := loadPage(t, bin, "http://evil.test:"+port+"/")
	if !strings.Contains(dom, "done") {
		t.Fatalf("the attack page did not finish: %s", dom)
	}
	if strings.Contains(dom, "/keep") {
		t.Fatalf("the cross-site page read the queue list: %s", dom)
	}
	// DNS rebinding: the attacker's name now points at the emulator, and a
	// page of the attacker's origin reads the API.
	rebound := loadPage(t, bin, "http://evil.test:"+emuPort+"/?Action=ListQueues")
	if strings.Contains(rebound, "/keep") || !strings.Contains(rebound, "DNS rebinding") {
		t.Fatalf("rebound page: %s", rebound)
	}

	qs, err := sq.ListQueues(ctx, &sqs.ListQueuesInput{})
	if err != nil {
		t.Fatal(err)
	}
	if len(qs.QueueUrls) != 1 || !strings.HasSuffix(qs.QueueUrls[0], "/keep") {
		t.Errorf("queues after the attack: %v, want only keep (state reset or queues created)", qs.QueueUrls)
	}
	if fns := e.Lambda().FunctionNames(); len(fns) != 0 {
		t.Errorf("functions after the attack: %v", fns)
	}
}

// TestBrowserAllowedOrigin runs a web app on an allowed origin that calls
// the SQS API with the headers the JavaScript SDK sends: the preflight
// passes and the app reads the answer.
func TestBrowserAllowedOrigin(t *testing.T) {
	t.Parallel()
	bin := chromium(t)
	e := emulator.Start(t, emulator.WithAllowedOrigins("http://app.test:*"))
	page := `<!doctype html><html><body><pre id="log">start</pre><script>
const log = (s) => { document.getElementById("log").textContent += "\n" + s; };
(async () => {
  try {
    const r = await fetch(` + "`" + e.Endpoint() + "/`" + `, {method: "POST", headers: {
      "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS.CreateQueue",
      "Authorization": "AWS4-HMAC-SHA256 Credential=000000000000/20260101/us-east-1/sqs/aws4_request, SignedHeaders=host, Signature=00",
      "X-Amz-Date": "20260101T000000Z", "amz-sdk-invocation-id": "1", "amz-sdk-request": "attempt=1; max=3"},
      body: JSON.stringify({QueueName: "from-browser"})});
    log("status " + r.status + " id " + r.headers.get("x-amzn-RequestId") + " body " + (await r.text()));
  } catch (e) { log("error " + e); }
  log("done");
})();
</script></body></html>`
	port := pageServer(t, page)
	for _, origin := range []string{"http://localhost:" + port, "http://app.test:" + port} {
		dom := loadPage(t, bin, origin+"/")
		if !strings.Contains(dom, "status 200") || !strings.Contains(dom, "from-browser") || strings.Contains(dom, "id null") {
			t.Fatalf("app on %s: %s", origin, dom)
		}
	}
}
