package emulator_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	"github.com/chromedp/chromedp"
)

// browse starts headless Chromium (see chromium) for one test and returns
// its context.
func browse(t *testing.T) context.Context {
	t.Helper()
	bin := chromium(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(bin),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(func() { cancelTimeout(); cancelCtx(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// run runs browser actions, failing the test with what was being done.
func run(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		body, _ := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
		t.Fatalf("%s: %v\npage text:\n%s", what, err, body)
	}
}

// get runs one browser action and returns its value.
func get[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// waitText waits until the page's text at sel contains want.
func waitText(sel, want string) chromedp.Action[chromedp.Void] {
	poll := chromedp.Poll[bool](`(() => { const el = document.querySelector(`+jsString(sel)+`); return !!el && el.textContent.includes(`+jsString(want)+`); })()`,
		chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(20*time.Second))
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := poll(ctx, tg)
		return chromedp.Void{}, err
	}
}

func jsString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

// screenshot saves the viewport as name.png in $EVOLVESTACK_SCREENSHOTS
// when it is set (go test -run TestUIBrowser with it set regenerates
// docs/screenshots).
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("EVOLVESTACK_SCREENSHOTS")
	if dir == "" {
		return
	}
	png := get(t, ctx, "screenshot "+name, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestUIBrowser drives the dashboard in headless Chromium against a stack
// with data: the overview with its DLQ highlighted, a DLQ peek and its
// redrive to the source, a schema diff and a FAILURE version's findings,
// a purge with its confirmation, the Lambda timeline, the clock and the
// fault rules; each step asserts on what the page renders and on the
// emulator's state.
func TestUIBrowser(t *testing.T) {
	t.Parallel()
	ctx := browse(t)
	s := newUIStack(t)
	ui := s.e.Endpoint() + "/_evolvestack/ui/"

	loadStart := time.Now()
	run(t, ctx, "overview",
		chromedp.Navigate(ui+"#overview"),
		chromedp.WaitVisible(chromedp.CSS(`tr.dlq-nonempty[data-queue="orders-dlq"]`)),
		waitText("main", "clicks"), waitText("main", "signups"), waitText("main", "big-orders"), waitText("main", "greeter"), waitText("main", "accounts"))
	// The issue asks for under 200 ms on a local stack; CI machines vary,
	// so the test logs it and fails only far above it.
	if d := time.Since(loadStart); d > 5*time.Second {
		t.Errorf("the overview took %v to render", d)
	} else {
		t.Logf("overview rendered in %v (page, script, style and the overview API)", d)
	}
	ovText := get(t, ctx, "overview text", chromedp.Text(chromedp.CSS(`tr[data-queue="orders-dlq"]`)))
	if !strings.Contains(ovText, "DLQ") || !strings.Contains(ovText, "3") {
		t.Errorf("DLQ row %q, want the DLQ badge and 3 visible", ovText)
	}
	screenshot(t, ctx, "overview")

	run(t, ctx, "DLQ peek",
		chromedp.Click(chromedp.CSS(`tr[data-queue="orders-dlq"] a`)),
		chromedp.WaitVisible(chromedp.CSS(`#redrive`)),
		waitText("#peek-total", "3 message(s)"), waitText("main", `{"order":2}`), waitText("main", "orders"))
	rows := get(t, ctx, "peeked rows", chromedp.Evaluate[int](`document.querySelectorAll("tr.msg").length`))
	if rows != 3 {
		t.Errorf("the peek shows %d messages, want 3", rows)
	}
	if n := queueCount(t, s.sqs, s.dlqURL); n != 3 {
		t.Errorf("orders-dlq holds %d after the peek, want 3 (a peek consumes nothing)", n)
	}
	screenshot(t, ctx, "dlq")
	run(t, ctx, "redrive",
		chromedp.Click(chromedp.CSS(`#redrive`)),
		waitText("#status", "Redrive started"))
	deadline := time.Now().Add(20 * time.Second)
	for queueCount(t, s.sqs, s.srcURL) != 3 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := queueCount(t, s.sqs, s.srcURL); n != 3 {
		t.Fatalf("orders holds %d after the redrive, want 3", n)
	}
	run(t, ctx, "DLQ empty after the redrive", chromedp.Navigate(ui+"#dlq/orders-dlq"), chromedp.Reload(), waitText("#peek-total", "0 message(s)"))

	run(t, ctx, "purge",
		chromedp.Navigate(ui+"#dlq/orders"), waitText("#peek-total", "3 message(s)"),
		chromedp.Click(chromedp.CSS(`#purge`)),
		chromedp.WaitVisible(chromedp.CSS(`#purge-confirm`)))
	if n := queueCount(t, s.sqs, s.srcURL); n != 3 {
		t.Fatalf("orders holds %d before the purge is confirmed, want 3", n)
	}
	run(t, ctx, "purge confirmed", chromedp.Click(chromedp.CSS(`#purge-confirm`)), waitText("#status", "Purged orders"), waitText("#peek-total", "0 message(s)"))
	if n := queueCount(t, s.sqs, s.srcURL); n != 0 {
		t.Errorf("orders holds %d after the purge, want 0", n)
	}

	run(t, ctx, "schema diff",
		chromedp.Navigate(ui+"#schemas"),
		chromedp.WaitVisible(chromedp.CSS(`.schema[data-schema="accounts/User"]`)),
		waitText("main", "FAILURE"),
		chromedp.Click(chromedp.CSS(`input[data-from="1"]`)),
		chromedp.Click(chromedp.CSS(`input[data-to="3"]`)),
		chromedp.Click(chromedp.CSS(`.diff-btn`)),
		waitText("#diff", "Version 1 → version 3"),
		waitText("#diff", `"name": "email"`))
	added := get(t, ctx, "diff lines", chromedp.Evaluate[[]string](`[...document.querySelectorAll("#diff .add")].map(e => e.textContent.trim())`))
	if all := strings.Join(added, "\n"); !strings.Contains(all, `"name": "age"`) || !strings.Contains(all, `"name": "email"`) {
		t.Errorf("added lines %q, want the email and age fields", added)
	}
	run(t, ctx, "findings", chromedp.Click(chromedp.CSS(`.findings-btn`)), waitText(".findings", "age"),
		waitText("tr.violation", "clicks"), waitText("tr.violation", "wire format"))
	screenshot(t, ctx, "schemas")

	run(t, ctx, "lambda timeline",
		chromedp.Navigate(ui+"#lambda/greeter"),
		waitText("main", "Invocations of greeter"))
	invs := get(t, ctx, "invocations", chromedp.Evaluate[int](`document.querySelectorAll("tr.inv").length`))
	errs := get(t, ctx, "failed invocations", chromedp.Evaluate[int](`document.querySelectorAll("tr.inv .badge.error").length`))
	run(t, ctx, "invocation detail", chromedp.Click(chromedp.CSS(`tr.inv .badge.error`)), waitText("main", "refusing to greet"))
	// The bars are sized through the CSSOM (the page's CSP refuses inline
	// style attributes).
	if w := get(t, ctx, "bar width", chromedp.Evaluate[string](`document.querySelector("tr.inv .bar").style.width`)); !strings.HasSuffix(w, "%") {
		t.Errorf("the first bar's width is %q, want a percentage", w)
	}
	if invs != 2 || errs != 1 {
		t.Errorf("timeline: %d invocations, %d failed; want 2 and 1", invs, errs)
	}
	screenshot(t, ctx, "lambda")

	run(t, ctx, "live tail", chromedp.Navigate(ui+"#tail"), waitText("#tail-state", "live"),
		chromedp.SetValue(chromedp.CSS(`#tail-service`), "sqs"))
	must(s.sqs.SendMessage(context.Background(), &awssqs.SendMessageInput{QueueUrl: &s.srcURL, MessageBody: aws.String("tailed")}))
	if _, err := s.sqs.GetQueueUrl(context.Background(), &awssqs.GetQueueUrlInput{QueueName: aws.String("no-such-queue")}); err == nil {
		t.Fatal("GetQueueUrl of a missing queue succeeded")
	}
	run(t, ctx, "tail rows", waitText("#tail-rows", "SendMessage"), waitText("#tail-rows", "GetQueueUrl"),
		chromedp.WaitVisible(chromedp.CSS(`#tail-rows tr.dlq-nonempty`)))
	screenshot(t, ctx, "tail")

	before := s.e.Clock().Now()
	run(t, ctx, "clock",
		chromedp.Navigate(ui+"#clock"),
		chromedp.WaitVisible(chromedp.CSS(`#advance-btn`)),
		chromedp.SetValue(chromedp.CSS(`#advance`), "2h"),
		chromedp.Click(chromedp.CSS(`#advance-btn`)))
	deadline = time.Now().Add(10 * time.Second)
	for s.e.Clock().Now().Sub(before) < 2*time.Hour && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if d := s.e.Clock().Now().Sub(before); d < 2*time.Hour {
		t.Errorf("the clock moved %v, want 2h", d)
	}
	// The page re-renders after the advance: load it afresh so the next
	// steps find the new elements, and check it shows the new time.
	run(t, ctx, "clock shown", chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS(`#rule`)))
	shown := get(t, ctx, "clock text", chromedp.Text(chromedp.CSS(`#now`)))
	if at, err := time.Parse("2006-01-02 15:04:05.000", shown); err != nil || at.Sub(before) < 2*time.Hour {
		t.Errorf("the page shows the time %q (%v), want 2h after %v", shown, err, before)
	}
	run(t, ctx, "fault add",
		chromedp.SetValue(chromedp.CSS(`#rule`), `{"service":"sqs","operation":"SendMessage","status":503,"count":1}`),
		chromedp.Click(chromedp.CSS(`#add-rule`)),
		chromedp.WaitVisible(chromedp.CSS(`tr.rule`)),
		waitText("tr.rule", "SendMessage"))
	if n := len(s.e.Faults().List()); n != 1 {
		t.Errorf("%d fault rules after adding one in the page, want 1", n)
	}
	screenshot(t, ctx, "clock-faults")
	run(t, ctx, "fault clear", chromedp.Click(chromedp.CSS(`#clear-rules`)), waitText("main", "no fault rules"))
	if n := len(s.e.Faults().List()); n != 0 {
		t.Errorf("%d fault rules after clearing, want 0", n)
	}
}
