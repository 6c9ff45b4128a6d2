// Package lambdaruntime serves the AWS Lambda Runtime API (version
// 2018-06-01) that bootstrap processes started by evolvestack's Lambda
// talk to: /runtime/invocation/next, /runtime/invocation/{id}/response,
// /runtime/invocation/{id}/error and /runtime/init/error, with the
// Lambda-Runtime-* headers and status codes the runtime clients
// (aws-lambda-go among them) expect. Processes reach it on the emulator's
// own port under /_evolvestack/lambda-runtime/{account}/{region}/{instance}/,
// which is what their AWS_LAMBDA_RUNTIME_API names.
package lambdaruntime

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/lambda"
)

// Engine is the Lambda service of one account and region, as the Runtime
// API drives it; *lambda.Service implements it.
type Engine interface {
	RuntimeNext(ctx context.Context, instanceID string) (*lambda.RuntimeInvocation, error)
	RuntimeResponse(instanceID, requestID string, body []byte) error
	RuntimeError(instanceID, requestID, errorType string, body []byte) error
	RuntimeInitError(instanceID, errorType string, body []byte) error
}

var _ Engine = (*lambda.Service)(nil)

// Lookup returns the engine of an account and region, or nil.
type Lookup func(account, region string) Engine

// maxBody bounds a posted response or error (Lambda's response limit plus
// room to detect an oversized one).
const maxBody = 6291556 + 1

// Header names of the Runtime API.
const (
	headerRequestID     = "Lambda-Runtime-Aws-Request-Id"
	headerDeadline      = "Lambda-Runtime-Deadline-Ms"
	headerFunctionArn   = "Lambda-Runtime-Invoked-Function-Arn"
	headerTraceID       = "Lambda-Runtime-Trace-Id"
	headerClientContext = "Lambda-Runtime-Client-Context"
	headerErrorType     = "Lambda-Runtime-Function-Error-Type"
	trailerErrorType    = "Lambda-Runtime-Function-Error-Type"
	trailerErrorBody    = "Lambda-Runtime-Function-Error-Body"
)

// Handler serves the Runtime API for every scope.
type Handler struct {
	lookup Lookup
}

// NewHandler returns the Runtime API handler; requests must carry the
// full path, starting with lambda.RuntimeAPIPathPrefix.
func NewHandler(lookup Lookup) *Handler { return &Handler{lookup: lookup} }

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rest, ok := strings.CutPrefix(r.URL.Path, lambda.RuntimeAPIPathPrefix)
	if !ok {
		writeError(w, http.StatusNotFound, "InvalidRequest", "Not a Runtime API path: "+r.URL.Path)
		return
	}
	parts := strings.SplitN(rest, "/", 4)
	if len(parts) < 4 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		writeError(w, http.StatusNotFound, "InvalidRequest", "Not a Runtime API path: "+r.URL.Path)
		return
	}
	eng := h.lookup(parts[0], parts[1])
	if eng == nil {
		writeError(w, http.StatusNotFound, "InvalidRequest", "No Lambda service for account "+parts[0]+" in "+parts[1])
		return
	}
	Serve(w, r, eng, parts[2], "/"+parts[3])
}

// Serve answers one Runtime API request of execution environment
// instanceID; path is the API path (/2018-06-01/runtime/...).
func Serve(w http.ResponseWriter, r *http.Request, eng Engine, instanceID, path string) {
	api, ok := strings.CutPrefix(path, "/2018-06-01/runtime/")
	if !ok {
		writeError(w, http.StatusNotFound, "InvalidRequest", "Unknown Runtime API path "+path)
		return
	}
	switch {
	case api == "invocation/next":
		if r.Method != http.MethodGet {
			writeError(w, http.StatusMethodNotAllowed, "InvalidRequest", "Method "+r.Method+" not allowed")
			return
		}
		next(w, r, eng, instanceID)
	case api == "init/error":
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, "InvalidRequest", "Method "+r.Method+" not allowed")
			return
		}
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		reply(w, eng.RuntimeInitError(instanceID, r.Header.Get(headerErrorType), body))
	case strings.HasPrefix(api, "invocation/"):
		if r.Method != http.MethodPost {
			writeError(w, http.StatusMethodNotAllowed, "InvalidRequest", "Method "+r.Method+" not allowed")
			return
		}
		id, kind, ok := strings.Cut(strings.TrimPrefix(api, "invocation/"), "/")
		if !ok || id == "" || (kind != "response" && kind != "error") {
			writeError(w, http.StatusNotFound, "InvalidRequest", "Unknown Runtime API path "+path)
			return
		}
		body, ok := readBody(w, r)
		if !ok {
			return
		}
		if kind == "error" {
			reply(w, eng.RuntimeError(instanceID, id, r.Header.Get(headerErrorType), body))
			return
		}
		if t := r.Trailer.Get(trailerErrorType); t != "" {
			// The runtime failed while streaming its response.
			doc, _ := base64.StdEncoding.DecodeString(r.Trailer.Get(trailerErrorBody))
			reply(w, eng.RuntimeError(instanceID, id, t, doc))
			return
		}
		reply(w, eng.RuntimeResponse(instanceID, id, body))
	default:
		writeError(w, http.StatusNotFound, "InvalidRequest", "Unknown Runtime API path "+path)
	}
}

func next(w http.ResponseWriter, r *http.Request, eng Engine, instanceID string) {
	inv, err := eng.RuntimeNext(r.Context(), instanceID)
	if err != nil {
		if r.Context().Err() != nil {
			return // the runtime went away
		}
		if errors.Is(err, lambda.ErrInstanceGone) {
			writeError(w, http.StatusInternalServerError, "Runtime.ExitError", "The execution environment is shutting down.")
			return
		}
		reply(w, err)
		return
	}
	hd := w.Header()
	hd.Set(headerRequestID, inv.RequestID)
	hd.Set(headerDeadline, strconv.FormatInt(inv.DeadlineMs, 10))
	hd.Set(headerFunctionArn, inv.InvokedFunctionArn)
	hd.Set(headerTraceID, inv.TraceID)
	if inv.ClientContext != "" {
		hd.Set(headerClientContext, inv.ClientContext)
	}
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.Itoa(len(inv.Payload)))
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(inv.Payload)
}

func readBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, "InvalidRequest", "Could not read the request body")
		return nil, false
	}
	return body, true
}

// reply answers 202 {"status":"OK"} or the engine's refusal.
func reply(w http.ResponseWriter, err error) {
	if err == nil {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusAccepted)
		_, _ = io.WriteString(w, `{"status":"OK"}`+"\n")
		return
	}
	var re *lambda.RuntimeAPIError
	if errors.As(err, &re) {
		writeError(w, re.Status, re.Type, re.Message)
		return
	}
	writeError(w, http.StatusInternalServerError, "ServiceException", err.Error())
}

func writeError(w http.ResponseWriter, status int, errType, msg string) {
	b, _ := json.Marshal(struct {
		Message string `json:"errorMessage"`
		Type    string `json:"errorType"`
	}{msg, errType})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
}
