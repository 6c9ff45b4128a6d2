// Package handlers is evolvestack's HTTP face: it recognises which AWS
// service and wire protocol a request speaks, decodes it into the generated
// input shape, validates it, calls the service implementation for the
// request's account and region, and renders the result or the AWS error in
// the protocol's shape. It also serves the admin API under /_evolvestack/.
package handlers

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"mime"
	"net/http"
	"os"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/fxamacker/cbor/v2"
	"github.com/google/uuid"
	"github.com/gorilla/mux"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/handlers/guard"
	"github.com/evolvestack/evolvestack/handlers/protocol"
	"github.com/evolvestack/evolvestack/handlers/protocol/awscbor"
	"github.com/evolvestack/evolvestack/handlers/protocol/awsjson"
	"github.com/evolvestack/evolvestack/handlers/protocol/awsquery"
	"github.com/evolvestack/evolvestack/handlers/protocol/restjson"
	"github.com/evolvestack/evolvestack/handlers/sigv4"
)

// AdminPrefix is the path prefix of the emulator's own API.
const AdminPrefix = "/_evolvestack/"

// Backend is what the handlers need from the emulator.
type Backend interface {
	// Descriptors lists the services served.
	Descriptors() []*awsapi.ServiceDescriptor
	// Service returns the implementation of the named service for scope,
	// creating it on first use.
	Service(name string, scope awsapi.Scope) any
	// Admin returns the admin controls.
	Admin() Admin
}

// Config configures New.
type Config struct {
	Backend        Backend
	Logger         *slog.Logger
	DefaultRegion  string
	DefaultAccount string
	// Verifier, when set, turns on strict SigV4 verification; the admin
	// API then also requires a signed request or AdminToken.
	Verifier *sigv4.Verifier
	// AdminToken, with Verifier, is a bearer token that also opens the
	// admin API (Authorization: Bearer TOKEN).
	AdminToken string
	// Guard refuses cross-site requests and foreign Host names; nil means
	// the default policy (loopback origins and hosts only).
	Guard *guard.Guard
	// BodyMemory bounds the bytes all in-flight request bodies hold
	// together (DefaultBodyMemory when 0).
	BodyMemory int64
	// BodyTimeout bounds reading one request body (DefaultBodyTimeout when
	// 0).
	BodyTimeout time.Duration
	// Durable, when set, is called after every operation and admin change,
	// before the answer: it returns once the changes made so far are kept
	// (the data dir's group commit).
	Durable func() error
}

// Handler serves the AWS APIs and the admin API.
type Handler struct {
	cfg      Config
	log      *slog.Logger
	byTarget map[string]*awsapi.ServiceDescriptor
	byName   map[string]*awsapi.ServiceDescriptor
	// rest and routes serve the restJson1 services; they are built on the
	// first REST request (compiling ~100 route patterns would otherwise
	// add a millisecond to every start-up).
	restOnce sync.Once
	rest     *mux.Router
	routes   map[*mux.Route]*restRoute
	// admin serves the admin API, but for health (serveAdmin); it is
	// built on the first other admin request, as rest is: compiling its
	// ~40 route patterns cost 0.5 ms of every start-up, in page faults
	// more than in CPU.
	adminOnce sync.Once
	admin     http.Handler
	json      protocol.Codec
	query     protocol.Codec
	// queryCodec is query, for decoding parameters the router parsed.
	queryCodec *awsquery.Codec
	restJSON   protocol.Codec
	cbor       *awscbor.Codec
	guard      *guard.Guard
	bodies     *bodyReader
	// kinesis is Kinesis's descriptor, nil when it is not served.
	kinesis *awsapi.ServiceDescriptor
	// tail is the dashboard's live tail (admin_ui.go), nil without one.
	tail *tailRing
}

// restRoute is what a matched REST route carries to the dispatcher.
type restRoute struct {
	desc *awsapi.ServiceDescriptor
	op   *awsapi.Operation
}

// New returns the HTTP handler for cfg.
func New(cfg Config) *Handler {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Guard == nil {
		cfg.Guard, _ = guard.New(guard.Policy{}, os.Hostname)
	}
	h := &Handler{
		cfg:      cfg,
		guard:    cfg.Guard,
		bodies:   newBodyReader(cfg.BodyMemory, cfg.BodyTimeout),
		log:      cfg.Logger,
		byTarget: map[string]*awsapi.ServiceDescriptor{},
		byName:   map[string]*awsapi.ServiceDescriptor{},
		rest:     mux.NewRouter().UseEncodedPath(),
		routes:   map[*mux.Route]*restRoute{},
		json:     awsjson.New(),
		restJSON: restjson.New(),
		cbor:     awscbor.New(),
	}
	h.queryCodec = awsquery.New()
	h.query = h.queryCodec
	h.rest.NotFoundHandler = http.HandlerFunc(h.serveRESTNotFound)
	h.rest.MethodNotAllowedHandler = http.HandlerFunc(h.serveRESTNotFound)
	for _, d := range cfg.Backend.Descriptors() {
		h.byName[d.Name] = d
		if d.TargetPrefix != "" {
			h.byTarget[d.TargetPrefix] = d
		}
	}
	h.kinesis = h.byName["kinesis"]
	admin := cfg.Backend.Admin()
	h.tail = newTailRing(func() time.Time { return admin.Clock().Now() })
	return h
}

// buildRESTRoutes registers the routes of every restJson1 service.
func (h *Handler) buildRESTRoutes() {
	for _, d := range h.cfg.Backend.Descriptors() {
		if d.Protocol == awsapi.ProtocolRESTJSON {
			h.addRESTRoutes(d)
		}
	}
}

// addRESTRoutes registers one route per modelled operation of d.
func (h *Handler) addRESTRoutes(d *awsapi.ServiceDescriptor) {
	for i := range d.Operations {
		op := &d.Operations[i]
		path, query, _ := strings.Cut(op.RequestURI, "?")
		tmpl := muxTemplate(path)
		route := h.rest.NewRoute().Path(tmpl).Methods(op.HTTPMethod)
		for _, q := range strings.Split(query, "&") {
			if q == "" {
				continue
			}
			k, v, _ := strings.Cut(q, "=")
			if v == "" {
				route = route.Queries(k, "{"+k+"}")
			} else {
				route = route.Queries(k, v)
			}
		}
		h.routes[route] = &restRoute{desc: d, op: op}
	}
}

// jsonContentType reports whether ct is one the awsJson services accept.
func jsonContentType(ct string) bool {
	mt, _, _ := mime.ParseMediaType(ct)
	return strings.HasPrefix(mt, "application/x-amz-json-") || mt == "application/json" || mt == "application/x-amz-cbor-1.1"
}

// coralReply is the bare XML the AWS front end sends for a JSON-protocol
// request it cannot route (a wrong method or content type).
func coralReply(status int, code, message string) func(http.ResponseWriter, string) {
	body := "<" + code + "/>\n"
	if message != "" {
		body = "<" + code + ">\n  <Message>" + message + "</Message>\n</" + code + ">\n"
	}
	return func(w http.ResponseWriter, requestID string) {
		w.Header()["x-amzn-RequestId"] = []string{requestID}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}
}

// muxTemplate turns a Smithy URI template into a gorilla/mux one: greedy
// labels {Key+} match across slashes.
func muxTemplate(path string) string {
	var b strings.Builder
	for {
		i := strings.IndexByte(path, '{')
		if i < 0 {
			b.WriteString(path)
			return b.String()
		}
		j := strings.IndexByte(path[i:], '}')
		if j < 0 {
			b.WriteString(path)
			return b.String()
		}
		b.WriteString(path[:i])
		label := path[i+1 : i+j]
		if name, ok := strings.CutSuffix(label, "+"); ok {
			b.WriteString("{" + name + ":.+}")
		} else {
			b.WriteString("{" + label + "}")
		}
		path = path[i+j+1:]
	}
}

// call is one AWS API call on its way through the handler.
type call struct {
	req     protocol.Request
	codec   protocol.Codec
	desc    *awsapi.ServiceDescriptor
	op      *awsapi.Operation
	opName  string
	version string // awsQuery Version parameter
	// params are the awsQuery parameters once parsed (parsed set).
	params awsquery.Params
	parsed bool
	// raw, when set, answers instead of an AWS error in the protocol's
	// shape: what the AWS front end sends before any service sees the
	// request.
	raw   func(w http.ResponseWriter, requestID string)
	ident sigv4.Identity
	// identErr is why the signature could not be parsed (nil when it
	// parsed, or when there is none).
	identErr error
	// kinesis: the request names Kinesis, whose front end answers as
	// AWS's does (serveKinesis).
	kinesis bool
	info    *awsapi.RequestInfo
	svc     any // the service implementation, once known
	// resource is the first resource the input names, for the live tail
	// (only while a tail stream is open).
	resource string
}

// ServeHTTP implements http.Handler.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	// Reading the signature and naming the service only look at headers;
	// nothing is answered or changed before the guard has decided.
	ident, identErr := sigv4.Parse(r)
	kinesis := h.namesKinesis(r, ident)
	// Browser protections come before anything else, on every route: the
	// guard answers or refuses every preflight, and refuses cross-site
	// requests and foreign hosts.
	if kinesis && r.Method == http.MethodOptions && r.Header.Get("Origin") != "" {
		// Kinesis answers any OPTIONS with an Origin, a preflight or not,
		// with its CORS headers and a request id, but no x-amz-id-2
		// (kinesalite's recordings, mhart/kinesalite test/connection.js,
		// "should set CORS if OPTIONS and Origin"); the guard does so for
		// allowed origins only.
		w.Header()["x-amzn-RequestId"] = []string{uuid.NewString()}
		h.guard.PreflightAWS(w, r)
		return
	}
	if guard.IsPreflight(r) {
		h.guard.Preflight(w, r)
		return
	}
	if ref := h.guard.Check(r); ref != nil {
		h.refuse(w, r, ref.Message)
		return
	}
	if kinesis {
		h.guard.DecorateExposing(w, r, KinesisExposedHeaders)
	} else {
		h.guard.Decorate(w, r)
	}
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		h.serveAdmin(w, r)
		return
	}
	start := time.Now()
	sw := &statusWriter{ResponseWriter: w}
	c := &call{req: protocol.Request{HTTP: r, RequestID: uuid.NewString()}, ident: ident, identErr: identErr, kinesis: kinesis}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler { // a fault's dropped connection
				panic(p)
			}
			h.log.Error("panic serving request", "panic", p, "service", c.serviceName(), "operation", c.opName)
			if sw.status == 0 {
				h.writeError(sw, c, &awsapi.Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError, Receiver: true})
			}
		}
		h.tapCall(c, sw.code(), start)
		if h.log.Enabled(r.Context(), slog.LevelDebug) { // the arguments alone cost allocations
			h.log.Debug("request", "service", c.serviceName(), "operation", c.opName, "status", sw.code(), "latency", time.Since(start), "request_id", c.req.RequestID)
		}
	}()
	h.serve(sw, c)
}

func (h *Handler) serve(w http.ResponseWriter, c *call) {
	r := c.req.HTTP
	if c.kinesis {
		// Every answer of Kinesis's front end carries an x-amz-id-2.
		w.Header()["x-amz-id-2"] = []string{amzID2()}
	}
	body, release, err := h.readBody(w, c)
	defer release()
	if err != nil {
		return
	}
	c.req.Body = body
	if c.kinesis {
		h.serveKinesis(w, c)
		return
	}
	// A malformed signature is refused only in strict mode; otherwise the
	// parts that parsed still name the region and account.
	err = c.identErr
	if err != nil && h.cfg.Verifier != nil {
		h.resolve(c)
		h.writeError(w, c, h.authError(c, err))
		return
	}
	if c.ident.Region != "" && !awsapi.ValidRegion(c.ident.Region) {
		// Refused before any state is made for the region, as AWS's front
		// end refuses a credential scope naming no region it knows.
		h.resolve(c)
		h.writeError(w, c, h.authError(c, sigv4.InvalidRegion(c.ident.Region)))
		return
	}
	errResp := h.resolve(c)
	if c.raw != nil {
		c.raw(w, c.req.RequestID)
		return
	}
	if errResp != nil {
		h.writeError(w, c, errResp)
		return
	}
	if (c.codec == h.json && len(bytes.TrimSpace(body)) == 0) || (c.codec == h.cbor && len(body) == 0) {
		// SDKs always send at least an empty map; AWS refuses an empty body.
		h.writeError(w, c, awsjson.SerializationError(""))
		return
	}
	if h.cfg.Verifier != nil && !openUnsigned(c) {
		if err := h.cfg.Verifier.Verify(r, body); err != nil {
			h.writeError(w, c, h.authError(c, err))
			return
		}
	}
	h.dispatch(w, c)
}

// openUnsigned reports whether c may go unsigned even in strict mode:
// SNS's ConfirmSubscription and Unsubscribe, which AWS serves without
// authentication because they are the SubscribeURL and UnsubscribeURL
// handed to endpoints (SNS itself then refuses an unauthenticated
// Unsubscribe of a subscription confirmed with AuthenticateOnUnsubscribe).
func openUnsigned(c *call) bool {
	if c.desc == nil || c.desc.Name != "sns" || sigv4.Present(c.req.HTTP) {
		return false
	}
	return c.opName == "ConfirmSubscription" || c.opName == "Unsubscribe"
}

// readBody reads c's body within the limit of the service the request's
// headers name. On failure it has answered, in the protocol's shape.
func (h *Handler) readBody(w http.ResponseWriter, c *call) ([]byte, func(), error) {
	codec, desc, op := h.shapeOf(c)
	body, release, err := h.bodies.read(w, c.req.HTTP, bodyLimit(desc, codec == h.query))
	if err == nil {
		return body, release, nil
	}
	c.codec, c.desc = codec, desc
	var tooLarge *errBodyTooLarge
	switch {
	case errors.As(err, &tooLarge):
		msg := fmt.Sprintf("Request must be smaller than %d bytes.", tooLarge.limit)
		if desc != nil && desc.Name == "lambda" && op != "" {
			// Lambda names the operation (its inline-zip limit).
			msg = fmt.Sprintf("Request must be smaller than %d bytes for the %s operation", lambdaBodyLimit-64<<10, op)
		}
		h.writeError(w, c, &awsapi.Error{Code: "RequestEntityTooLargeException", Message: msg, Status: http.StatusRequestEntityTooLarge})
	case errors.Is(err, errBodyTimeout):
		w.Header().Set("Connection", "close")
		h.writeError(w, c, &awsapi.Error{Code: "RequestTimeout", Message: "Your socket connection to the server was not read from or written to within the timeout period.", Status: http.StatusBadRequest})
	case errors.Is(err, errBodyBusy):
		w.Header().Set("Retry-After", "1")
		h.writeError(w, c, &awsapi.Error{Code: "ServiceUnavailable", Message: "evolvestack is busy reading other large request bodies; retry the request", Status: http.StatusServiceUnavailable, Receiver: true})
	default:
		h.writeError(w, c, &awsapi.Error{Code: "SerializationException", Message: "could not read the request body"})
	}
	return nil, release, err
}

// shapeOf guesses, from the headers and URL alone (before the body is
// read), the codec, service and operation name of c: enough to bound the
// body and to shape an early error.
func (h *Handler) shapeOf(c *call) (protocol.Codec, *awsapi.ServiceDescriptor, string) {
	r := c.req.HTTP
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		codec := protocol.Codec(h.json)
		if awscbor.IsContentType(r.Header.Get("Content-Type")) {
			codec = h.cbor
		}
		prefix, op, _ := strings.Cut(target, ".")
		if d := h.byTarget[prefix]; d != nil {
			return codec, d, op
		}
		return codec, h.signedService(c), op
	}
	if isQuery(r) {
		d := h.signedService(c)
		if d == nil && isQueuePath(r.URL.Path) {
			d = h.byName["sqs"]
		}
		if d != nil && d.Protocol != awsapi.ProtocolQuery && !d.QueryCompatible {
			d = nil
		}
		action := ""
		if r.URL.RawQuery != "" { // URL.Query allocates even for none
			action = r.URL.Query().Get("Action")
		}
		return h.query, d, action
	}
	if rr, _ := h.matchREST(r); rr != nil {
		return h.restJSON, rr.desc, rr.op.Name
	}
	d := h.signedService(c)
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-") || (d != nil && d.Protocol == awsapi.ProtocolJSON) {
		return h.json, d, ""
	}
	if d != nil && d.Protocol == awsapi.ProtocolQuery {
		return h.query, d, ""
	}
	return h.restJSON, d, ""
}

// refuse answers 403 to a request the guard refused, in the shape of the
// protocol it speaks, before any effect.
func (h *Handler) refuse(w http.ResponseWriter, r *http.Request, msg string) {
	h.log.Warn("refused request", "reason", msg, "method", r.Method, "path", r.URL.Path, "host", r.Host, "origin", r.Header.Get("Origin"))
	w.Header().Set("Connection", "close")
	if strings.HasPrefix(r.URL.Path, AdminPrefix) {
		writeAdminError(w, http.StatusForbidden, msg)
		return
	}
	c := &call{req: protocol.Request{HTTP: r, RequestID: uuid.NewString()}}
	c.ident, _ = sigv4.Parse(r)
	c.codec, c.desc, _ = h.shapeOf(c)
	code := "AccessDeniedException"
	if c.codec == h.query {
		code = "AccessDenied"
	}
	h.writeError(w, c, &awsapi.Error{Code: code, Message: msg, Status: http.StatusForbidden})
}

// resolve finds the protocol, service and operation of c. On failure it
// returns the error to send, with c.codec set so it renders correctly.
func (h *Handler) resolve(c *call) *awsapi.Error {
	r := c.req.HTTP
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		c.codec = h.json
		if awscbor.IsContentType(r.Header.Get("Content-Type")) {
			c.codec = h.cbor
		}
		if r.Method != http.MethodPost {
			c.raw = coralReply(http.StatusForbidden, "AccessDeniedException", "Unable to determine service/operation name to be authorized")
			return nil
		}
		if !jsonContentType(r.Header.Get("Content-Type")) {
			c.raw = coralReply(http.StatusNotFound, "UnknownOperationException", "")
			return nil
		}
		prefix, op, ok := strings.Cut(target, ".")
		c.opName = op
		c.desc = h.byTarget[prefix]
		if !ok || c.desc == nil {
			c.desc = h.signedService(c)
			return awsjson.UnknownOperation()
		}
		return h.findOp(c)
	}
	if isQuery(r) {
		c.codec = h.query
		// Parsed once here, for routing and for the codec.
		params, err := h.queryCodec.ParseParams(&c.req)
		if err != nil {
			if e, ok := awsapi.AsError(err); ok {
				return e
			}
			return awsquery.MalformedQueryString(err.Error())
		}
		c.params, c.parsed = params, true
		c.opName = params.Get("Action")
		c.version = params.Get("Version")
		if r.URL.RawQuery != "" {
			// Action and Version in the query string name the operation
			// even when the body repeats them.
			qs := r.URL.Query()
			if qs.Has("Action") {
				c.opName = qs.Get("Action")
			}
			if qs.Has("Version") {
				c.version = qs.Get("Version")
			}
		}
		c.desc = h.queryService(c)
		if c.opName == "" {
			return awsquery.MissingAction()
		}
		if c.desc == nil {
			return awsquery.InvalidAction(c.opName, c.version)
		}
		return h.findOp(c)
	}
	if rr, vars := h.matchREST(r); rr != nil {
		c.codec = h.restJSON
		c.desc, c.op, c.opName = rr.desc, rr.op, rr.op.Name
		c.req.PathVars = vars
		return nil
	}
	signed := h.signedService(c)
	if signed != nil && signed.Protocol == awsapi.ProtocolQuery {
		c.codec, c.desc = h.query, signed
		return awsquery.MissingAction()
	}
	c.codec = h.restJSON
	c.desc = signed
	if strings.HasPrefix(r.Header.Get("Content-Type"), "application/x-amz-json-") {
		// An awsJson request without X-Amz-Target.
		c.codec = h.json
		if c.desc != nil && c.desc.Protocol != awsapi.ProtocolJSON {
			c.desc = nil
		}
		return awsjson.UnknownOperation()
	}
	if c.desc != nil && c.desc.Protocol != awsapi.ProtocolRESTJSON {
		// A JSON service's client that sent no X-Amz-Target.
		c.codec = h.json
		return awsjson.UnknownOperation()
	}
	return restjson.UnknownOperation()
}

// matchREST finds the restJson1 route of r. A trailing slash is ignored,
// as AWS's front ends ignore it (older SDK models, e.g. botocore 1.29's
// Lambda ListFunctions, send "/2015-03-31/functions/").
func (h *Handler) matchREST(r *http.Request) (*restRoute, map[string]string) {
	h.restOnce.Do(h.buildRESTRoutes)
	var match mux.RouteMatch
	if h.rest.Match(r, &match) && match.MatchErr == nil {
		if rr := h.routes[match.Route]; rr != nil {
			return rr, match.Vars
		}
	}
	if p := r.URL.EscapedPath(); len(p) > 1 && strings.HasSuffix(p, "/") {
		r2 := new(http.Request)
		*r2 = *r
		u := *r.URL
		u.Path = strings.TrimSuffix(u.Path, "/")
		u.RawPath = strings.TrimSuffix(u.RawPath, "/")
		r2.URL = &u
		match = mux.RouteMatch{}
		if h.rest.Match(r2, &match) && match.MatchErr == nil {
			if rr := h.routes[match.Route]; rr != nil {
				return rr, match.Vars
			}
		}
	}
	return nil, nil
}

// signedService names the service of c from its SigV4 credential scope,
// or returns nil.
func (h *Handler) signedService(c *call) *awsapi.ServiceDescriptor {
	if c.ident.Service == "" {
		return nil
	}
	for _, d := range h.byName {
		if d.SigningName == c.ident.Service || d.EndpointPrefix == c.ident.Service || d.Name == c.ident.Service {
			return d
		}
	}
	return nil
}

// queryService picks the service of an awsQuery request: the SigV4
// credential scope first, then an SQS queue path, then the only service
// whose model has the action.
func (h *Handler) queryService(c *call) *awsapi.ServiceDescriptor {
	if d := h.signedService(c); d != nil && (d.Protocol == awsapi.ProtocolQuery || d.QueryCompatible) {
		return d
	}
	if d := h.byName["sqs"]; d != nil && isQueuePath(c.req.HTTP.URL.Path) {
		return d
	}
	var found *awsapi.ServiceDescriptor
	for _, name := range []string{"sns", "sqs"} {
		d := h.byName[name]
		if d == nil || !d.KnowsOperation(c.opName) {
			continue
		}
		if found != nil {
			return nil
		}
		found = d
	}
	return found
}

// findOp resolves c.opName within c.desc.
func (h *Handler) findOp(c *call) *awsapi.Error {
	if op, ok := c.desc.Operation(c.opName); ok {
		c.op = op
		return nil
	}
	if c.desc.KnowsOperation(c.opName) {
		return notImplemented(c.desc, c.opName)
	}
	if c.codec == h.query {
		return awsquery.InvalidAction(c.opName, c.version)
	}
	return awsjson.UnknownOperation()
}

// notImplemented is the error for an operation that exists in AWS but that
// evolvestack does not serve: a 400 UnsupportedOperation in the service's
// own error shape (SQS's model has that code), which the SDKs neither
// retry nor report as a server fault.
func notImplemented(d *awsapi.ServiceDescriptor, op string) *awsapi.Error {
	return &awsapi.Error{
		Code:    "UnsupportedOperation",
		Message: fmt.Sprintf("evolvestack does not implement %s operation %s", d.Name, op),
		Status:  http.StatusBadRequest,
	}
}

// dispatch decodes, validates and invokes the resolved operation.
func (h *Handler) dispatch(w http.ResponseWriter, c *call) {
	scope := awsapi.Scope{
		Account: sigv4.AccountFor(c.ident.AccessKey, h.cfg.DefaultAccount),
		Region:  c.ident.Region,
	}
	if scope.Region == "" {
		scope.Region = h.cfg.DefaultRegion
	}
	in := c.desc.NewInput(c.op.Name)
	if in == nil {
		h.writeError(w, c, notImplemented(c.desc, c.op.Name))
		return
	}
	var err error
	if c.codec == h.query && c.parsed {
		err = h.queryCodec.DecodeParams(c.params, c.op, in)
		h.queryCodec.ReleaseParams(c.params)
		c.params, c.parsed = awsquery.Params{}, false
	} else {
		err = c.codec.DecodeInput(&c.req, c.desc, c.op, in)
	}
	if err != nil {
		h.writeError(w, c, h.toAWSError(err))
		return
	}
	svc := h.cfg.Backend.Service(c.desc.Name, scope)
	c.svc = svc
	if c.codec == h.query && c.desc.Name == "sqs" && isQueuePath(c.req.HTTP.URL.Path) {
		// Old query clients post to the queue URL and leave QueueUrl out.
		setDefaultString(in, "QueueUrl", endpointOf(c.req.HTTP)+c.req.HTTP.URL.Path)
	}
	if v, ok := in.(awsapi.Validator); ok {
		if err := v.Validate(); err != nil {
			h.writeError(w, c, validationError(svc, err))
			return
		}
	}
	c.info = &awsapi.RequestInfo{
		RequestID: c.req.RequestID,
		Scope:     scope,
		Service:   c.desc.Name,
		Operation: c.op.Name,
		AccessKey: c.ident.AccessKey,
		Endpoint:  endpointOf(c.req.HTTP),
		Protocol:  h.protocolOf(c),
	}
	if h.tail.Watched() {
		if rs := resourcesOf(scope, c.desc.Name, in); len(rs) > 0 {
			c.resource = rs[0]
		}
	}
	ctx := awsapi.WithRequest(c.req.HTTP.Context(), c.info)
	handled, afterFault := h.applyFault(ctx, w, c, in)
	if handled {
		return
	}
	out, err := c.desc.Invoke(ctx, svc, c.op.Name, in)
	// A reset may have closed the scope's service while the call ran: the
	// call then runs again on the fresh state, as if it had arrived after
	// the reset (a few times, should resets keep coming).
	for retries := 0; err != nil && retries < 3 && h.serverFault(err); retries++ {
		fresh := h.cfg.Backend.Service(c.desc.Name, scope)
		if fresh == svc {
			break
		}
		svc, c.svc = fresh, fresh
		out, err = c.desc.Invoke(ctx, svc, c.op.Name, in)
	}
	if h.cfg.Durable != nil {
		if derr := h.cfg.Durable(); derr != nil {
			h.log.Error("data dir: keeping a change", "service", c.desc.Name, "operation", c.op.Name, "error", derr)
			h.writeError(w, c, &awsapi.Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError})
			return
		}
	}
	if afterFault != nil && afterFault() {
		return
	}
	if err != nil {
		if errors.Is(err, awsapi.ErrNotImplemented) {
			h.writeError(w, c, notImplemented(c.desc, c.op.Name))
			return
		}
		h.writeError(w, c, h.toAWSError(err))
		return
	}
	if es, ok := out.(awsapi.EventStreamer); ok && es.EventStreamSource() != nil {
		h.writeEventStream(w, c, es.EventStreamSource())
		return
	}
	if err := c.codec.WriteOutput(w, &c.req, c.desc, c.op, out); err != nil {
		h.log.Error("writing response", "service", c.desc.Name, "operation", c.op.Name, "error", err)
	}
	if r, ok := svc.(OutputReleaser); ok {
		r.ReleaseOutput(c.op.Name, out)
	}
}

// OutputReleaser is implemented by services that render large answers into
// reusable buffers: ReleaseOutput is called with each answer once it has
// been written, when nothing refers to it any more.
type OutputReleaser interface {
	ReleaseOutput(op string, out any)
}

// serverFault reports whether err would be answered with a 5xx.
func (h *Handler) serverFault(err error) bool {
	e, ok := awsapi.AsError(err)
	return !ok || e.Status >= 500
}

// ValidationMapper is implemented by services whose validation failures are
// not Coral's ValidationException (e.g. Glue's InvalidInputException).
type ValidationMapper interface {
	ValidationError(err error) *awsapi.Error
}

func validationError(svc any, err error) *awsapi.Error {
	if m, ok := svc.(ValidationMapper); ok {
		return m.ValidationError(err)
	}
	if e, ok := awsapi.AsError(err); ok {
		return e
	}
	return &awsapi.Error{Code: "ValidationException", Message: err.Error()}
}

// toAWSError maps any error a service returns to the AWS error to send.
func (h *Handler) toAWSError(err error) *awsapi.Error {
	if e, ok := awsapi.AsError(err); ok {
		return e
	}
	h.log.Error("internal error", "error", err)
	return &awsapi.Error{Code: "InternalFailure", Message: "The request processing has failed because of an unknown error, exception or failure.", Status: http.StatusInternalServerError, Receiver: true}
}

func (h *Handler) authError(c *call, err error) *awsapi.Error {
	var se *sigv4.Error
	if !errors.As(err, &se) {
		return &awsapi.Error{Code: "IncompleteSignatureException", Message: err.Error()}
	}
	if c.desc != nil && (c.codec == h.json || c.codec == h.cbor) {
		return se.ServiceError(c.desc)
	}
	proto := awsapi.ProtocolJSON
	switch c.codec {
	case h.query:
		proto = awsapi.ProtocolQuery
	case h.restJSON:
		proto = awsapi.ProtocolRESTJSON
	}
	return se.AWSError(proto)
}

func (h *Handler) writeError(w http.ResponseWriter, c *call, e *awsapi.Error) {
	if c.codec == nil {
		c.codec = h.json
	}
	desc := c.desc
	if desc == nil {
		// No service recognised: answer in the shape of the protocol the
		// request looked like.
		desc = &awsapi.ServiceDescriptor{Protocol: awsapi.ProtocolJSON, JSONVersion: "1.1"}
		switch c.codec {
		case h.query:
			desc = &awsapi.ServiceDescriptor{Protocol: awsapi.ProtocolQuery}
		case h.restJSON:
			desc = &awsapi.ServiceDescriptor{Protocol: awsapi.ProtocolRESTJSON}
		}
	}
	if m, ok := c.svc.(ProtocolErrorMapper); ok {
		e = m.ProtocolError(h.protocolOf(c), e)
	}
	c.codec.WriteError(w, &c.req, desc, c.op, e)
}

// ProtocolErrorMapper is implemented by services whose error texts differ
// by wire protocol (SQS's awsQuery messages name the "wsdl version").
type ProtocolErrorMapper interface {
	ProtocolError(protocol string, e *awsapi.Error) *awsapi.Error
}

// protocolOf names the wire protocol c arrived in.
func (h *Handler) protocolOf(c *call) string {
	switch c.codec {
	case h.query:
		return awsapi.ProtocolQuery
	case h.restJSON:
		return awsapi.ProtocolRESTJSON
	case h.cbor:
		return awsapi.ProtocolCBOR
	default:
		return awsapi.ProtocolJSON
	}
}

// setDefaultString sets the *string field named name of the struct in
// points to, when it is nil.
func setDefaultString(in any, name, value string) {
	v := reflect.ValueOf(in)
	if v.Kind() != reflect.Pointer || v.Elem().Kind() != reflect.Struct {
		return
	}
	f := v.Elem().FieldByName(name)
	if f.IsValid() && f.CanSet() && f.Kind() == reflect.Pointer && f.Type().Elem().Kind() == reflect.String && f.IsNil() {
		f.Set(reflect.ValueOf(&value))
	}
}

func (h *Handler) serveRESTNotFound(http.ResponseWriter, *http.Request) {}

func (c *call) serviceName() string {
	if c.desc == nil {
		return ""
	}
	return c.desc.Name
}

// statusWriter records the status code written.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Flush lets streaming responses through.
func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Unwrap exposes the underlying writer to http.ResponseController.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) code() int {
	if w.status == 0 {
		return http.StatusOK
	}
	return w.status
}

func endpointOf(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

// The Kinesis front end. AWS answers requests to Kinesis's endpoint in an
// order and with texts of its own before any operation runs; the answers
// below are kinesalite's recordings of Kinesis (mhart/kinesalite
// test/connection.js; its test helper sends the same requests to
// kinesis.<region>.amazonaws.com with REMOTE=1). Where that file's latest
// version recorded a case, it wins over its older versions: a POST without
// a body is answered in CBOR whatever its content type or target (it was
// XML), and application/json without a body no longer gets the legacy
// envelope. Where only the older version recorded a case (unsigned GET,
// PUT, OPTIONS or POST that cannot be routed: XML
// MissingAuthenticationTokenException), the older recording is followed.

// KinesisExposedHeaders are the response headers Kinesis exposes to
// browser scripts (kinesalite's latest recording; the older one exposed
// "x-amz-request-id, x-amz-id-2").
const KinesisExposedHeaders = "x-amzn-RequestId,x-amzn-ErrorType,x-amz-request-id,x-amz-id-2,x-amzn-ErrorMessage,Date"

// Kinesis's texts.
const (
	kinesisMissingToken = "Missing Authentication Token"
	kinesisUnroutable   = "Unable to determine service/operation name to be authorized"
)

// namesKinesis reports whether r is for Kinesis: its X-Amz-Target names
// Kinesis, or it names no other service and its SigV4 credential scope
// names Kinesis.
func (h *Handler) namesKinesis(r *http.Request, ident sigv4.Identity) bool {
	d := h.kinesis
	if d == nil || strings.HasPrefix(r.URL.Path, AdminPrefix) {
		return false
	}
	if target := r.Header.Get("X-Amz-Target"); target != "" {
		prefix, _, _ := strings.Cut(target, ".")
		if prefix == d.TargetPrefix {
			return true
		}
		if h.byTarget[prefix] != nil {
			return false
		}
	}
	return ident.Service != "" && (ident.Service == d.SigningName || ident.Service == d.EndpointPrefix)
}

// serveKinesis answers a request that names Kinesis, its body read, as
// Kinesis's front end does: method, body and content type first, then
// the target, then authentication (in every auth mode: an unsigned or
// malformed signature is refused as AWS refuses it; strict mode also
// verifies the signature), then the operation.
func (h *Handler) serveKinesis(w http.ResponseWriter, c *call) {
	r, body, d := c.req.HTTP, c.req.Body, h.kinesis
	c.desc = d
	signed := sigv4.Present(r)
	prefix, op, _ := strings.Cut(r.Header.Get("X-Amz-Target"), ".")
	c.opName = op
	known := prefix == d.TargetPrefix && op != "" && d.KnowsOperation(op)
	if !known && prefix == d.TargetPrefix && op != "" {
		_, known = d.Operation(op)
	}
	mt := mediaType(r.Header.Get("Content-Type"))
	isJSON := strings.EqualFold(mt, "application/x-amz-json-1.1")
	isCBOR := strings.EqualFold(mt, awscbor.ContentType)
	isLegacy := strings.EqualFold(mt, "application/json")
	c.codec = h.json
	if isCBOR {
		c.codec = h.cbor
	}
	switch {
	case r.Method != http.MethodPost:
		h.kinesisUnroutable(w, c, signed)
		return
	case len(body) == 0:
		// Latest recordings: a POST without a body is answered in CBOR
		// unless it is application/x-amz-json-1.1 ("should return CBOR
		// UnknownOperationException if POST with no body", "... if
		// x-amz-json-1.0 Content-Type", "should return CBOR
		// SerializationException if no Content-Type"), where the older
		// ones had XML; before authentication ("should return
		// SerializationException if no body and no auth").
		c.codec = h.cbor
		if isJSON {
			c.codec = h.json
		}
		if known {
			h.writeError(w, c, awsjson.SerializationError(""))
		} else {
			h.writeError(w, c, awsjson.UnknownOperation())
		}
		return
	case !isJSON && !isCBOR && !isLegacy:
		if prefix == "" || op == "" {
			h.kinesisUnroutable(w, c, signed)
		} else {
			writeCoralXML(w, c.req.RequestID, http.StatusNotFound, awsjson.CodeUnknownOperation, "")
		}
		return
	case isLegacy:
		// The old Coral JSON envelope, with 200 ("should return
		// UnknownOperationException if valid target and body and
		// application/json", "should return SerializationException if
		// non-JSON body and application/json").
		if jsonDocument(body) {
			writeCoralLegacy(w, c.req.RequestID, awsjson.CodeUnknownOperation, "message")
		} else {
			writeCoralLegacy(w, c.req.RequestID, awsjson.CodeSerialization, "Message")
		}
		return
	}
	// A body the codec cannot parse is refused before the target and
	// authentication ("should return SerializationException if non-JSON
	// body", unsigned). Checked in full only when the request is about to
	// be refused anyway; otherwise the decoder finds it.
	ident, authErr := kinesisAuth(c, signed)
	if !known || authErr != nil || (isJSON && !jsonStart(body)) {
		if !h.wellFormed(c, body) {
			h.writeError(w, c, awsjson.SerializationError(""))
			return
		}
	}
	if !known {
		h.writeError(w, c, awsjson.UnknownOperation())
		return
	}
	if authErr != nil {
		h.writeError(w, c, h.authError(c, authErr))
		return
	}
	c.ident = ident
	if c.ident.Region != "" && !awsapi.ValidRegion(c.ident.Region) {
		h.writeError(w, c, h.authError(c, sigv4.InvalidRegion(c.ident.Region)))
		return
	}
	if e := h.findOp(c); e != nil {
		h.writeError(w, c, e)
		return
	}
	if h.cfg.Verifier != nil {
		if err := h.cfg.Verifier.Verify(r, body); err != nil {
			h.writeError(w, c, h.authError(c, err))
			return
		}
	}
	h.dispatch(w, c)
}

// kinesisAuth reads r's signature as Kinesis does, and returns how Kinesis
// refuses it before checking the signature itself: none at all, both
// forms, or a malformed header or query ("should return
// MissingAuthenticationTokenException if no auth", "...
// IncompleteSignatureException if invalid auth", "...
// InvalidSignatureException if both auth header and query"). The error is
// nil when the signature is well formed.
func kinesisAuth(c *call, signed bool) (sigv4.Identity, error) {
	if !signed {
		return sigv4.Identity{}, sigv4.MissingToken(kinesisMissingToken)
	}
	if c.identErr != nil || c.ident.Signed() {
		// sigv4.Parse read it as a SigV4 signature already: ParseAny
		// would read it the same way.
		return c.ident, c.identErr
	}
	return sigv4.ParseAny(c.req.HTTP)
}

// kinesisUnroutable answers a request Kinesis cannot route to an
// operation (a method other than POST, or a body with a foreign content
// type and no target): 403 in XML, MissingAuthenticationTokenException
// when unsigned (older recordings: "should return
// MissingAuthenticationTokenException if GET with no auth", "... PUT ...",
// "... OPTIONS ...", "... POST with no auth"), AccessDeniedException when
// signed ("should return AccessDeniedException if GET", "... if body and
// no Content-Type").
func (h *Handler) kinesisUnroutable(w http.ResponseWriter, c *call, signed bool) {
	if signed {
		writeCoralXML(w, c.req.RequestID, http.StatusForbidden, "AccessDeniedException", kinesisUnroutable)
		return
	}
	writeCoralXML(w, c.req.RequestID, http.StatusForbidden, "MissingAuthenticationTokenException", kinesisMissingToken)
}

// wellFormed reports whether body parses in c's codec as a document a
// request can carry: a JSON object (or array, which the front end lets
// through to the operation), a CBOR map or array.
func (h *Handler) wellFormed(c *call, body []byte) bool {
	if c.codec == h.cbor {
		if len(body) == 0 || cbor.Wellformed(body) != nil {
			return false
		}
		major := body[0] >> 5
		return major == 4 || major == 5
	}
	return jsonDocument(body)
}

// jsonDocument reports whether body is JSON whose top level is an object
// or an array (what the JavaScript front end of kinesalite, modelled on
// Kinesis, accepts: typeof "object", not null).
func jsonDocument(body []byte) bool {
	return jsonStart(body) && json.Valid(body)
}

// jsonStart reports whether body's first token opens an object or an
// array.
func jsonStart(body []byte) bool {
	b := bytes.TrimLeft(body, " \t\r\n")
	return len(b) > 0 && (b[0] == '{' || b[0] == '[')
}

// mediaType is the media type of a Content-Type value: what precedes any
// ';', without surrounding spaces (Kinesis accepts "   application/json
// ;").
func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.TrimSpace(mt)
}

// writeCoralXML writes the bare XML the AWS front end sends for a request
// it cannot route, without a Content-Type (as AWS sends it; net/http would
// otherwise sniff one).
func writeCoralXML(w http.ResponseWriter, requestID string, status int, code, message string) {
	w.Header()["Content-Type"] = nil
	coralReply(status, code, message)(w, requestID)
}

// writeCoralLegacy writes the old Coral JSON envelope a Coral service
// answers application/json with: 200, the error inside Output.
func writeCoralLegacy(w http.ResponseWriter, requestID, code, messageKey string) {
	body := `{"Output":{"__type":"com.amazon.coral.service#` + code + `","` + messageKey + `":null},"Version":"1.0"}`
	hd := w.Header()
	hd["x-amzn-RequestId"] = []string{requestID}
	hd.Set("Content-Type", "application/json")
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, body)
}

// amzID2 returns an x-amz-id-2 value as Kinesis sends it: 72 random bytes
// in base64 (kinesalite's recordings accept 64 to 80 decoded bytes). It
// identifies nothing, so a fast non-cryptographic source will do.
func amzID2() string {
	var b [72]byte
	for i := 0; i < len(b); i += 8 {
		binary.LittleEndian.PutUint64(b[i:], rand.Uint64())
	}
	return base64.StdEncoding.EncodeToString(b[:])
}
