package handlers

import (
	"net/http"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
)

// writeEventStream answers an operation whose output is an event stream.
func (h *Handler) writeEventStream(w http.ResponseWriter, c *call, es protocol.EventStreamOutput) {
	_ = es.Close()
	h.writeError(w, c, notImplemented(c.desc, c.op.Name))
}

var _ = awsapi.ErrNotImplemented
