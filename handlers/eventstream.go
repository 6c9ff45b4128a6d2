package handlers

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"reflect"

	"github.com/aws/smithy-go/eventstream"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/protocol"
	"github.com/evolvestack/evolvestack/handlers/protocol/jsonwire"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// eventStreamContentType is the response content type of an event stream.
const eventStreamContentType = "application/vnd.amazon.eventstream"

// writeEventStream answers an operation whose output is an event stream
// (Kinesis SubscribeToShard) in the AWS event-stream binary framing: an
// initial-response event, then one event per NextEvent, each a JSON
// payload, flushed as it is written. An error from NextEvent ends the
// stream with an exception message; io.EOF ends it cleanly. It works over
// HTTP/1.1 (chunked) as well as HTTP/2.
func (h *Handler) writeEventStream(w http.ResponseWriter, c *call, es protocol.EventStreamOutput) {
	defer func() { _ = es.Close() }()
	ctx := c.req.HTTP.Context()
	w.Header().Set("Content-Type", eventStreamContentType)
	w.Header()["x-amzn-RequestId"] = []string{c.req.RequestID}
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	ew := &eventWriter{w: w, enc: eventstream.NewEncoder()}
	if err := ew.write(eventMessage("initial-response", []byte("{}"))); err != nil {
		return
	}
	_ = rc.Flush()
	var cache shape.Cache
	for {
		typ, ev, err := es.NextEvent(ctx)
		if err != nil {
			if errors.Is(err, io.EOF) || ctx.Err() != nil {
				return
			}
			ae, ok := awsapi.AsError(err)
			if !ok {
				h.log.Error("event stream", "service", c.desc.Name, "operation", c.op.Name, "error", err)
				ae = &awsapi.Error{Code: "InternalFailureException", Message: "The request processing has failed because of an unknown error, exception or failure."}
			}
			_ = ew.write(exceptionMessage(ae))
			_ = rc.Flush()
			return
		}
		payload, err := marshalEvent(&cache, ev)
		if err != nil {
			h.log.Error("encoding event", "service", c.desc.Name, "operation", c.op.Name, "error", err)
			return
		}
		if err := ew.write(eventMessage(typ, payload)); err != nil {
			return
		}
		if err := rc.Flush(); err != nil {
			return
		}
	}
}

// eventWriter frames messages onto the response.
type eventWriter struct {
	w   io.Writer
	enc *eventstream.Encoder
	buf bytes.Buffer
}

func (ew *eventWriter) write(m eventstream.Message) error {
	ew.buf.Reset()
	if err := ew.enc.Encode(&ew.buf, m); err != nil {
		return err
	}
	_, err := ew.w.Write(ew.buf.Bytes())
	return err
}

// eventMessage is an event of type typ with a JSON payload.
func eventMessage(typ string, payload []byte) eventstream.Message {
	var m eventstream.Message
	m.Headers.Set(eventstream.EventTypeHeader, eventstream.StringValue(typ))
	m.Headers.Set(eventstream.ContentTypeHeader, eventstream.StringValue("application/json"))
	m.Headers.Set(eventstream.MessageTypeHeader, eventstream.StringValue(eventstream.EventMessageType))
	m.Payload = payload
	return m
}

// exceptionMessage is a modelled exception ending the stream.
func exceptionMessage(e *awsapi.Error) eventstream.Message {
	var m eventstream.Message
	m.Headers.Set(eventstream.ExceptionTypeHeader, eventstream.StringValue(e.Code))
	m.Headers.Set(eventstream.ContentTypeHeader, eventstream.StringValue("application/json"))
	m.Headers.Set(eventstream.MessageTypeHeader, eventstream.StringValue(eventstream.ExceptionMessageType))
	body := []byte(`{"message":`)
	body = jsonwire.AppendString(body, e.Message)
	m.Payload = append(body, '}')
	return m
}

// marshalEvent renders an event value (a pointer to a generated shape) as
// JSON, as the awsJson protocol renders shapes.
func marshalEvent(cache *shape.Cache, ev any) ([]byte, error) {
	v := reflect.ValueOf(ev)
	if ev == nil || (v.Kind() == reflect.Pointer && v.IsNil()) {
		return []byte("{}"), nil
	}
	plan, err := cache.Plan(v.Type())
	if err != nil {
		return nil, err
	}
	return jsonwire.Marshal(make([]byte, 0, 512), plan, reflect.Indirect(v), jsonwire.Options{}), nil
}
