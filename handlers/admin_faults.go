package handlers

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"github.com/gorilla/mux"

	"github.com/evolvestack/evolvestack/emulator/faults"
)

// maxFaultBody bounds a POST /_evolvestack/faults body.
const maxFaultBody = 64 << 10

// FaultRules is the body of GET /_evolvestack/faults and of a preset's
// answer.
type FaultRules struct {
	Rules []faults.Status `json:"rules"`
}

// FaultLog is the body of GET /_evolvestack/faults/log.
type FaultLog struct {
	Fired   []faults.Fired `json:"fired"`
	Dropped int            `json:"dropped"`
}

func (a *adminAPI) faultRules(w http.ResponseWriter) (*faults.Faults, bool) {
	var fs *faults.Faults
	if fc, ok := a.backend.(FaultsControl); ok {
		fs = fc.Faults()
	} else if fc, ok := a.admin.(FaultsControl); ok {
		fs = fc.Faults()
	}
	if fs == nil {
		writeAdminError(w, http.StatusNotFound, "no fault injection in this emulator")
		return nil, false
	}
	return fs, true
}

// readFaultBody reads a bounded body; empty reads as nil.
func readFaultBody(w http.ResponseWriter, r *http.Request) ([]byte, bool) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxFaultBody+1))
	if err != nil || len(body) > maxFaultBody {
		writeAdminError(w, http.StatusBadRequest, "the body must be a JSON object of at most 64 KiB")
		return nil, false
	}
	return body, true
}

// faults serves GET /_evolvestack/faults (the rules with their counters),
// POST (add one rule: 200 with the rule and its id) and DELETE (clear).
func (a *adminAPI) faults(w http.ResponseWriter, r *http.Request) {
	fs, ok := a.faultRules(w)
	if !ok {
		return
	}
	switch r.Method {
	case http.MethodPost:
		body, ok := readFaultBody(w, r)
		if !ok {
			return
		}
		rule, err := faults.ParseRule(body)
		if err == nil {
			rule, err = fs.Add(rule)
		}
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
		writeJSON(w, http.StatusOK, rule)
	case http.MethodDelete:
		fs.Clear()
		writeJSON(w, http.StatusOK, FaultRules{Rules: []faults.Status{}})
	default:
		writeJSON(w, http.StatusOK, FaultRules{Rules: fs.List()})
	}
}

// faultRule serves DELETE /_evolvestack/faults/{id}.
func (a *adminAPI) faultRule(w http.ResponseWriter, r *http.Request) {
	fs, ok := a.faultRules(w)
	if !ok {
		return
	}
	id := mux.Vars(r)["id"]
	if !fs.Remove(id) {
		writeAdminError(w, http.StatusNotFound, fmt.Sprintf("no fault rule %q", id))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"removed": id})
}

// faultLog serves GET /_evolvestack/faults/log (what fired, oldest first)
// and DELETE, which forgets it.
func (a *adminAPI) faultLog(w http.ResponseWriter, r *http.Request) {
	fs, ok := a.faultRules(w)
	if !ok {
		return
	}
	if r.Method == http.MethodDelete {
		fs.ClearLog()
		writeJSON(w, http.StatusOK, FaultLog{Fired: []faults.Fired{}})
		return
	}
	fired, dropped := fs.Log()
	if fired == nil {
		fired = []faults.Fired{}
	}
	writeJSON(w, http.StatusOK, FaultLog{Fired: fired, Dropped: dropped})
}

// faultPresets serves GET /_evolvestack/faults/presets (names and what
// they do).
func (a *adminAPI) faultPresets(w http.ResponseWriter, _ *http.Request) {
	if _, ok := a.faultRules(w); !ok {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"presets": faults.Presets()})
}

// faultPreset serves POST /_evolvestack/faults/presets/{name}: the body,
// optional, is a JSON object of the preset's parameters; the answer lists
// the rules it added.
func (a *adminAPI) faultPreset(w http.ResponseWriter, r *http.Request) {
	fs, ok := a.faultRules(w)
	if !ok {
		return
	}
	body, ok := readFaultBody(w, r)
	if !ok {
		return
	}
	params := map[string]string{}
	if len(body) > 0 {
		var raw map[string]any
		if err := json.Unmarshal(body, &raw); err != nil {
			writeAdminError(w, http.StatusBadRequest, "the body must be a JSON object of the preset's parameters")
			return
		}
		for k, v := range raw {
			switch v := v.(type) {
			case string:
				params[k] = v
			case float64:
				params[k] = strconv.FormatFloat(v, 'f', -1, 64)
			default:
				writeAdminError(w, http.StatusBadRequest, fmt.Sprintf("parameter %q must be a string or a number", k))
				return
			}
		}
	}
	rules, err := faults.Expand(mux.Vars(r)["name"], params)
	if err != nil {
		writeAdminError(w, http.StatusBadRequest, err.Error())
		return
	}
	out := FaultRules{Rules: make([]faults.Status, 0, len(rules))}
	for _, rule := range rules {
		added, err := fs.Add(rule)
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
		out.Rules = append(out.Rules, faults.Status{Rule: added})
	}
	writeJSON(w, http.StatusOK, out)
}
