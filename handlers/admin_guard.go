package handlers

import (
	"encoding/json"
	"io"
	"net/http"
	"sort"
	"time"

	"github.com/evolvestack/evolvestack/emulator/schemaguard"
)

// GuardControl is implemented by an Admin whose emulator has a schema
// guard.
type GuardControl interface {
	Guard() *schemaguard.Guard
}

// GuardResource is one explicit schema guard, as GET and PUT
// /_evolvestack/guard/resources carry it.
type GuardResource struct {
	Resource string `json:"resource"`
	Schema   string `json:"schema"`
	Mode     string `json:"mode,omitempty"`
}

// maxGuardBody bounds a PUT /_evolvestack/guard/resources body.
const maxGuardBody = 64 << 10

func (a *adminAPI) schemaGuard(w http.ResponseWriter) (*schemaguard.Guard, bool) {
	gc, ok := a.admin.(GuardControl)
	if !ok || gc.Guard() == nil {
		writeAdminError(w, http.StatusNotFound, "no schema guard in this emulator")
		return nil, false
	}
	return gc.Guard(), true
}

// guardViolations serves GET /_evolvestack/guard/violations (filters:
// resource, account, schema, since as RFC 3339) and DELETE, which
// forgets them.
func (a *adminAPI) guardViolations(w http.ResponseWriter, r *http.Request) {
	g, ok := a.schemaGuard(w)
	if !ok {
		return
	}
	if r.Method == http.MethodDelete {
		g.ClearViolations()
		writeJSON(w, http.StatusOK, map[string]any{"violations": []schemaguard.Violation{}, "dropped": 0})
		return
	}
	q := r.URL.Query()
	f := schemaguard.Filter{Resource: q.Get("resource"), Account: q.Get("account"), Schema: q.Get("schema")}
	if s := q.Get("since"); s != "" {
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, "since must be an RFC 3339 time")
			return
		}
		f.Since = t
	}
	v, dropped := g.Violations(f)
	if v == nil {
		v = []schemaguard.Violation{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"violations": v, "dropped": dropped})
}

// guardResources serves GET /_evolvestack/guard/resources (the explicit
// guards), PUT (set one: a GuardResource body) and DELETE ?resource=ARN.
func (a *adminAPI) guardResources(w http.ResponseWriter, r *http.Request) {
	g, ok := a.schemaGuard(w)
	if !ok {
		return
	}
	switch r.Method {
	case http.MethodPut, http.MethodPost:
		var in GuardResource
		body, err := io.ReadAll(io.LimitReader(r.Body, maxGuardBody+1))
		if err != nil || len(body) > maxGuardBody {
			writeAdminError(w, http.StatusBadRequest, "the body must be a JSON object of at most 64 KiB")
			return
		}
		if err := json.Unmarshal(body, &in); err != nil {
			writeAdminError(w, http.StatusBadRequest, "the body must be {\"resource\": ARN, \"schema\": \"glue:<registry>/<schema>\", \"mode\": \"record\"|\"reject\"}")
			return
		}
		if in.Resource == "" {
			writeAdminError(w, http.StatusBadRequest, "resource (an ARN) is required")
			return
		}
		spec, err := schemaguard.ParseSpec(in.Schema, in.Mode)
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
		g.Set(in.Resource, spec)
		writeJSON(w, http.StatusOK, GuardResource{Resource: in.Resource, Schema: spec.SchemaName(), Mode: string(spec.Mode)})
	case http.MethodDelete:
		arn := r.URL.Query().Get("resource")
		if arn == "" || !g.Remove(arn) {
			writeAdminError(w, http.StatusNotFound, "no explicit schema guard on that resource")
			return
		}
		writeJSON(w, http.StatusOK, map[string]string{"removed": arn})
	default:
		specs := g.Explicit()
		out := make([]GuardResource, 0, len(specs))
		for arn, sp := range specs {
			out = append(out, GuardResource{Resource: arn, Schema: sp.SchemaName(), Mode: string(sp.Mode)})
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Resource < out[j].Resource })
		writeJSON(w, http.StatusOK, map[string]any{"resources": out})
	}
}
