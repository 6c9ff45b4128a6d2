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
	"github.com/evolvestack/evolvestack/handlers/protocol/awscbor"
	"github.com/evolvestack/evolvestack/handlers/protocol/jsonwire"
	"github.com/evolvestack/evolvestack/handlers/protocol/shape"
)

// eventStreamContentType is the response content type of an event stream.
const eventStreamContentType = "application/vnd.amazon.eventstream"

// eventPayloads renders event payloads in the request's encoding: JSON, or
// CBOR for a CBOR request (the Java SDK's default for Kinesis).
type eventPayloads struct {
	contentType string
	empty       []byte
	event       func(ev any) ([]byte, error)
	exception   func(e *awsapi.Error) []byte
}

func (h *Handler) eventPayloads(c *call) eventPayloads {
	if c.codec == h.cbor {
		return eventPayloads{
			contentType: awscbor.ContentType,
			empty:       []byte{0xbf, 0xff},
			event: func(ev any) ([]byte, error) {
				if v := reflect.ValueOf(ev); ev == nil || (v.Kind() == reflect.Pointer && v.IsNil()) {
					return []byte{0xbf, 0xff}, nil
				}
				return h.cbor.Marshal(ev)
			},
			exception: func(e *awsapi.Error) []byte { return h.cbor.ErrorBody(c.desc, e) },
		}
	}
	var cache shape.Cache
	return eventPayloads{
		contentType: "application/json",
		empty:       []byte("{}"),
		event:       func(ev any) ([]byte, error) { return marshalEvent(&cache, ev) },
		exception: func(e *awsapi.Error) []byte {
			body := []byte(`{"message":`)
			body = jsonwire.AppendString(body, e.Message)
			return append(body, '}')
		},
	}
}

// writeEventStream answers an operation whose output is an event stream
// (Kinesis SubscribeToShard) in the AWS event-stream binary framing: an
// initial-response event, then one event per NextEvent, each payload in the
// request's encoding (JSON or CBOR), flushed as it is written. An error
// from NextEvent ends the stream with an exception message; io.EOF ends it
// cleanly. It works over HTTP/1.1 (chunked) as well as HTTP/2.
func (h *Handler) writeEventStream(w http.ResponseWriter, c *call, es protocol.EventStreamOutput) {
	defer func() { _ = es.Close() }()
	ctx := c.req.HTTP.Context()
	w.Header().Set("Content-Type", eventStreamContentType)
	w.Header()["x-amzn-RequestId"] = []string{c.req.RequestID}
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	ew := &eventWriter{w: w, enc: eventstream.NewEncoder()}
	pl := h.eventPayloads(c)
	if err := ew.write(eventMessage("initial-response", pl.contentType, pl.empty)); err != nil {
		return
	}
	_ = rc.Flush()
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
			_ = ew.write(exceptionMessage(ae, pl.contentType, pl.exception(ae)))
			_ = rc.Flush()
			return
		}
		payload, err := pl.event(ev)
		if err != nil {
			h.log.Error("encoding event", "service", c.desc.Name, "operation", c.op.Name, "error", err)
			return
		}
		if err := ew.write(eventMessage(typ, pl.contentType, payload)); err != nil {
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

// eventMessage is an event of type typ with a payload of contentType.
func eventMessage(typ, contentType string, payload []byte) eventstream.Message {
	var m eventstream.Message
	m.Headers.Set(eventstream.EventTypeHeader, eventstream.StringValue(typ))
	m.Headers.Set(eventstream.ContentTypeHeader, eventstream.StringValue(contentType))
	m.Headers.Set(eventstream.MessageTypeHeader, eventstream.StringValue(eventstream.EventMessageType))
	m.Payload = payload
	return m
}

// exceptionMessage is a modelled exception ending the stream.
func exceptionMessage(e *awsapi.Error, contentType string, payload []byte) eventstream.Message {
	var m eventstream.Message
	m.Headers.Set(eventstream.ExceptionTypeHeader, eventstream.StringValue(e.Code))
	m.Headers.Set(eventstream.ContentTypeHeader, eventstream.StringValue(contentType))
	m.Headers.Set(eventstream.MessageTypeHeader, eventstream.StringValue(eventstream.ExceptionMessageType))
	m.Payload = payload
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
