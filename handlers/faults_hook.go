package handlers

import (
	"context"
	"net"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/faults"
)

// FaultsControl is implemented by a Backend (or its Admin) whose emulator
// injects faults.
type FaultsControl interface {
	Faults() *faults.Faults
}

// faultsOf returns the emulator's fault rules, or nil.
func (h *Handler) faultsOf() *faults.Faults {
	if fc, ok := h.cfg.Backend.(FaultsControl); ok {
		return fc.Faults()
	}
	if fc, ok := h.cfg.Backend.Admin().(FaultsControl); ok {
		return fc.Faults()
	}
	return nil
}

// applyFault applies the fault a rule sets for the call c is about to
// invoke with input in (c.info is set). It reports handled when the
// request is answered (or dropped) and the operation must not run; after,
// when not nil, is to be called once the operation has run and before its
// answer is written, and reports whether it answered instead. With no
// rule it costs one atomic load.
func (h *Handler) applyFault(ctx context.Context, w http.ResponseWriter, c *call, in any) (handled bool, after func() bool) {
	fs := h.faultsOf()
	if !fs.Active() || c.info == nil || c.desc == nil || c.op == nil {
		return false, nil
	}
	f := fs.Match(ctx, awsapi.FaultCall{
		Service:       c.desc.Name,
		Operation:     c.op.Name,
		ResourcesFunc: func() []string { return resourcesOf(c.info.Scope, c.desc.Name, in) },
		Account:       c.info.Scope.Account,
		Region:        c.info.Scope.Region,
		AccessKey:     c.info.AccessKey,
		RequestID:     c.info.RequestID,
	})
	if f == nil {
		return false, nil
	}
	if f.After {
		return false, func() bool {
			sleepCtx(ctx, f.Latency)
			return h.writeFault(w, c, f)
		}
	}
	if !sleepCtx(ctx, f.Latency) {
		return true, nil // the client went away: nothing to answer
	}
	return h.writeFault(w, c, f), nil
}

// writeFault answers with f's error, status or reset; it reports false
// for a latency-only fault, which leaves the answer to the operation.
func (h *Handler) writeFault(w http.ResponseWriter, c *call, f *awsapi.Fault) bool {
	switch {
	case f.Error != nil:
		h.writeError(w, c, f.Error)
	case f.Status != 0:
		w.Header().Set("Content-Length", "0")
		w.WriteHeader(f.Status)
	case f.Reset:
		dropConnection(w)
	default:
		return false
	}
	return true
}

// dropConnection closes the request's connection without an answer,
// resetting it (RST) where it can so the client sees "connection reset".
func dropConnection(w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		// HTTP/2 (h2c) cannot hand over its connection; aborting the
		// handler resets the stream, once ServeHTTP's recover re-panics
		// http.ErrAbortHandler (until then the client gets a 500).
		panic(http.ErrAbortHandler)
	}
	if tc, ok := conn.(*net.TCPConn); ok {
		_ = tc.SetLinger(0)
	}
	_ = conn.Close()
}

// sleepCtx waits d in real time; it reports false when ctx ended first.
func sleepCtx(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// resourcesOf lists the resources an operation's input names, for rules'
// resource globs: every string member whose name ends in Name, Arn, ARN or
// Url (one level into nested ids such as Glue's SchemaId), and the ARN of
// a stream, queue, bus or function named only by name or URL.
func resourcesOf(scope awsapi.Scope, service string, in any) []string {
	v := reflect.ValueOf(in)
	for v.Kind() == reflect.Pointer || v.Kind() == reflect.Interface {
		if v.IsNil() {
			return nil
		}
		v = v.Elem()
	}
	if v.Kind() != reflect.Struct {
		return nil
	}
	var out []string
	collectResources(v, 0, &out)
	prefix := "arn:aws:" + service + ":" + scope.Region + ":" + scope.Account + ":"
	for _, r := range out {
		if strings.HasPrefix(r, "arn:") {
			continue
		}
		switch service {
		case "kinesis":
			out = append(out, prefix+"stream/"+r)
		case "events":
			out = append(out, prefix+"event-bus/"+r)
		case "lambda":
			out = append(out, prefix+"function:"+r)
		case "sqs":
			if i := strings.LastIndexByte(r, '/'); i > 0 && strings.Contains(r, "://") {
				if j := strings.LastIndexByte(r[:i], '/'); j >= 0 {
					out = append(out, "arn:aws:sqs:"+scope.Region+":"+r[j+1:i]+":"+r[i+1:])
				}
			}
		}
	}
	return out
}

func collectResources(v reflect.Value, depth int, out *[]string) {
	t := v.Type()
	for i := range t.NumField() {
		sf := t.Field(i)
		if !sf.IsExported() {
			continue
		}
		fv := v.Field(i)
		if fv.Kind() == reflect.Pointer {
			if fv.IsNil() {
				continue
			}
			fv = fv.Elem()
		}
		switch {
		case fv.Kind() == reflect.String:
			n := sf.Name
			if fv.Len() > 0 && (strings.HasSuffix(n, "Name") || strings.HasSuffix(n, "Arn") || strings.HasSuffix(n, "ARN") || strings.HasSuffix(n, "Url")) {
				*out = append(*out, fv.String())
			}
		case fv.Kind() == reflect.Struct && depth == 0 && strings.HasSuffix(sf.Name, "Id"):
			collectResources(fv, depth+1, out)
		}
	}
}
