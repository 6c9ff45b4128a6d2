package handlers

import (
	"bytes"
	"crypto/subtle"
	"io"
	"net/http"
	"strings"
)

// serveAdmin serves the admin API. In strict mode every admin route but
// health and the Lambda Runtime API needs the same signed credentials as
// the AWS APIs, or the admin token (Authorization: Bearer TOKEN).
func (h *Handler) serveAdmin(w http.ResponseWriter, r *http.Request) {
	if h.cfg.Verifier != nil && !adminOpen(r.URL.Path) {
		if msg := h.adminAuth(r); msg != "" {
			writeAdminError(w, http.StatusForbidden, msg)
			return
		}
	}
	if h.cfg.Durable != nil && r.Method != http.MethodGet && r.Method != http.MethodHead {
		// A change made through the admin API is durable before its answer.
		w = &durableWriter{ResponseWriter: w, durable: h.cfg.Durable, log: h.log}
	}
	if r.URL.Path == AdminPrefix+"health" && (r.Method == http.MethodGet || r.Method == http.MethodHead) {
		// Health is what start-up waits for: it does not wait for the
		// router to be built.
		writeJSON(w, http.StatusOK, h.cfg.Backend.Admin().Health())
		return
	}
	h.adminOnce.Do(func() {
		h.admin = newAdmin(h.cfg.Backend, h.cfg.DefaultAccount, h.cfg.DefaultRegion, h.log, h.tail)
	})
	h.admin.ServeHTTP(w, r)
}

// durableWriter calls durable before the first byte of the answer.
type durableWriter struct {
	http.ResponseWriter
	durable func() error
	log     interface{ Error(string, ...any) }
	done    bool
}

func (d *durableWriter) sync() {
	if !d.done {
		d.done = true
		if err := d.durable(); err != nil {
			d.log.Error("data dir: keeping an admin change", "error", err)
		}
	}
}

func (d *durableWriter) WriteHeader(code int) {
	d.sync()
	d.ResponseWriter.WriteHeader(code)
}

func (d *durableWriter) Write(b []byte) (int, error) {
	d.sync()
	return d.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection.
func (d *durableWriter) Unwrap() http.ResponseWriter { return d.ResponseWriter }

// adminOpen reports whether path stays open in strict mode: SNS signing
// certificates (public on AWS too), health (for
// container health checks; it reveals no data) and the Runtime API of the
// handler processes the emulator starts, whose URLs carry an unguessable
// execution environment id.
func adminOpen(path string) bool {
	if strings.HasPrefix(path, AdminPrefix+"sns/") && strings.HasSuffix(path, ".pem") {
		return true // SNS signing certificates are public, as on AWS
	}
	return path == AdminPrefix+"health" || strings.HasPrefix(path, AdminPrefix+"lambda-runtime/")
}

// adminAuth checks a strict-mode admin request and returns why it is
// refused, or "".
func (h *Handler) adminAuth(r *http.Request) string {
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		if h.cfg.AdminToken != "" && subtle.ConstantTimeCompare([]byte(strings.TrimSpace(tok)), []byte(h.cfg.AdminToken)) == 1 {
			return ""
		}
		return "The admin token is not valid."
	}
	if r.Header.Get("Authorization") == "" && !r.URL.Query().Has("X-Amz-Signature") {
		return "evolvestack runs with --auth strict: admin requests must be signed with SigV4 like the AWS APIs, or carry the admin token printed at start-up (Authorization: Bearer TOKEN)."
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, adminBodyLimit+1))
	if err != nil {
		return "could not read the request body"
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if err := h.cfg.Verifier.Verify(r, body); err != nil {
		return err.Error()
	}
	return ""
}

// uiTokenRefusal returns why a destructive admin request sent by a browser
// (it carries Origin or Sec-Fetch-Site) is refused for lacking the
// dashboard's token, or "". Reads, the Lambda Runtime API and requests
// without those headers (curl, SDKs, scripts) pass as before; the guard
// has already refused cross-site browsers, so this is defence in depth
// for same-site pages other than the dashboard.
func uiTokenRefusal(r *http.Request, token string) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return ""
	}
	if strings.HasPrefix(r.URL.Path, AdminPrefix+"lambda-runtime/") {
		return ""
	}
	if r.Header.Get("Origin") == "" && r.Header.Get("Sec-Fetch-Site") == "" {
		return ""
	}
	if subtle.ConstantTimeCompare([]byte(r.Header.Get(UITokenHeader)), []byte(token)) == 1 {
		return ""
	}
	return "a browser's change to the emulator must carry the dashboard's token (" + UITokenHeader + ", from the page at " + AdminPrefix + "ui/)"
}
