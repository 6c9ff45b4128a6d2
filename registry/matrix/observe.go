package matrix

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// invocationRecord is the part of an emulator invocation record (GET
// /_evolvestack/lambda/functions/{name}/invocations) the matrix reads.
type invocationRecord struct {
	RequestID     string `json:"requestId"`
	Event         string `json:"event"`
	Response      string `json:"response"`
	FunctionError string `json:"functionError"`
	ErrorType     string `json:"errorType"`
	ErrorMessage  string `json:"errorMessage"`
}

// invocations reads the function's invocation records.
func (t *trigger) invocations(ctx context.Context) ([]invocationRecord, error) {
	q := url.Values{"region": {t.c.aws.Region}}
	if cp := t.c.aws.Credentials(); cp != nil {
		if creds, err := cp.Retrieve(ctx); err == nil && isAccountID(creds.AccessKeyID) {
			q.Set("account", creds.AccessKeyID)
		}
	}
	path := "/_evolvestack/lambda/functions/" + url.PathEscape(t.function) + "/invocations?" + q.Encode()
	_, raw, err := t.c.do(ctx, "lambda", http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, fmt.Errorf("reading the function's invocations (the trigger paths need evolvestack's admin API): %w", err)
	}
	var doc struct {
		Invocations []invocationRecord `json:"invocations"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return nil, fmt.Errorf("reading the function's invocations: %w", err)
	}
	return doc.Invocations, nil
}

// isAccountID reports whether an access key is a 12-digit account id,
// which the emulator takes as the request's account.
func isAccountID(key string) bool {
	if len(key) != 12 {
		return false
	}
	for _, r := range key {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// itemIDs are the ids of the records an event carries: Kinesis sequence
// numbers, SQS and SNS message ids, an EventBridge event id.
func itemIDs(event string) []string {
	var ev struct {
		ID      string `json:"id"`
		Records []struct {
			MessageID string `json:"messageId"`
			Kinesis   *struct {
				SequenceNumber string `json:"sequenceNumber"`
			} `json:"kinesis"`
			SNS *struct {
				MessageID string `json:"MessageId"`
			} `json:"Sns"`
		} `json:"Records"`
	}
	if json.Unmarshal([]byte(event), &ev) != nil {
		return nil
	}
	if ev.ID != "" {
		return []string{ev.ID}
	}
	var out []string
	for _, r := range ev.Records {
		switch {
		case r.Kinesis != nil:
			out = append(out, r.Kinesis.SequenceNumber)
		case r.SNS != nil:
			out = append(out, r.SNS.MessageID)
		default:
			out = append(out, r.MessageID)
		}
	}
	return out
}

// run sends a batch through the trigger and waits until the function's
// first invocation of each record has ended.
func (t *trigger) run(ctx context.Context, batch []Record) Result {
	before, err := t.invocations(ctx)
	if err != nil {
		return Result{Err: err}
	}
	seen := make(map[string]bool, len(before))
	for _, r := range before {
		seen[r.RequestID] = true
	}
	ids, err := t.send(ctx, batch)
	if err != nil {
		return Result{Err: fmt.Errorf("sending the records: %w", err)}
	}
	byItem := make(map[string]string, len(ids)) // item id -> record ID
	for rec, item := range ids {
		byItem[item] = rec
	}
	type verdict struct {
		failed  bool
		err     string
		timeout bool
	}
	verdicts := map[string]verdict{}
	err = poll(ctx, "the function's invocations", func() (bool, error) {
		recs, err := t.invocations(ctx)
		if err != nil {
			return false, err
		}
		for _, inv := range recs {
			if seen[inv.RequestID] {
				continue
			}
			seen[inv.RequestID] = true
			failedItems := map[string]bool{}
			for _, f := range batchItemFailures([]byte(inv.Response)) {
				failedItems[f] = true
			}
			for _, item := range itemIDs(inv.Event) {
				rec, ok := byItem[item]
				if !ok {
					continue
				}
				if _, done := verdicts[rec]; done {
					continue
				}
				switch {
				case inv.FunctionError != "":
					msg := strings.TrimPrefix(inv.ErrorType+": "+inv.ErrorMessage, ": ")
					verdicts[rec] = verdict{failed: true, err: fmt.Sprintf("function error (%s): %s", inv.FunctionError, msg),
						timeout: inv.ErrorType == "Sandbox.Timedout" || strings.Contains(inv.ErrorMessage, "Task timed out")}
				case failedItems[item]:
					verdicts[rec] = verdict{failed: true}
				default:
					verdicts[rec] = verdict{}
				}
			}
		}
		return len(verdicts) == len(ids), nil
	})
	if err != nil {
		return Result{Err: err, Timeout: ctx.Err() != nil}
	}
	var res Result
	for _, r := range batch {
		v := verdicts[r.ID]
		switch {
		case !v.failed:
		case v.err != "":
			if res.Err == nil {
				res.Err = fmt.Errorf("%s", v.err)
				res.Timeout = v.timeout
			}
		default:
			res.Failed = append(res.Failed, r.ID)
		}
	}
	return res
}
