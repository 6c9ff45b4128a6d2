package handlers

import (
	"encoding/json"
	"io"
	"net/http"
)

// KMSKeyControl is implemented by the EventBridge service: it stands in
// for KMS, making a customer managed key unusable or usable again.
type KMSKeyControl interface {
	DisableKMSKey(key string)
	EnableKMSKey(key string)
}

// KMSKeyRequest is the body of POST /_evolvestack/events/kms-keys.
type KMSKeyRequest struct {
	// Key is a key id, key ARN, alias name or alias ARN, as a bus's
	// KmsKeyIdentifier names it.
	Key     string `json:"key"`
	Enabled bool   `json:"enabled"`
}

// eventsKMSKey serves POST /_evolvestack/events/kms-keys[?account=&region=]
// {"key": ..., "enabled": false}: events of buses encrypted with a
// disabled key go to the bus's dead-letter queue, as on AWS when the key
// is disabled or deleted.
func (a *adminAPI) eventsKMSKey(w http.ResponseWriter, r *http.Request) {
	ctl, ok := reporter[KMSKeyControl](a, w, r, "events", "EventBridge service")
	if !ok {
		return
	}
	var in KMSKeyRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, maxGuardBody+1))
	if err != nil || len(body) > maxGuardBody || json.Unmarshal(body, &in) != nil || in.Key == "" {
		writeAdminError(w, http.StatusBadRequest, `the body must be {"key": KEY_ID_OR_ARN, "enabled": true|false}`)
		return
	}
	if in.Enabled {
		ctl.EnableKMSKey(in.Key)
	} else {
		ctl.DisableKMSKey(in.Key)
	}
	writeJSON(w, http.StatusOK, in)
}
