package handlers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/eventbridge"
	"github.com/evolvestack/evolvestack/emulator/lambda"
	"github.com/evolvestack/evolvestack/emulator/schemas"
	"github.com/evolvestack/evolvestack/emulator/sns"
	"github.com/evolvestack/evolvestack/handlers/lambdaruntime"
)

// Admin is the emulator's own control surface, served as JSON under
// /_evolvestack/.
type Admin interface {
	// Health reports readiness and per-service state.
	Health() Health
	// Reset drops state: everything, or one service and/or one account
	// when named.
	Reset(service, account string) error
	// Clock is the emulator's clock.
	Clock() *clock.Clock
}

// Health is the body of GET /_evolvestack/health.
type Health struct {
	Status   string            `json:"status"`
	Version  string            `json:"version"`
	Services map[string]string `json:"services"`
}

// ResetRequest is the optional body of POST /_evolvestack/reset.
type ResetRequest struct {
	Service string `json:"service,omitempty"`
	Account string `json:"account,omitempty"`
}

// ClockRequest is the body of POST /_evolvestack/clock: advance is a Go
// duration ("90s") or a number of seconds; scale is the speed of virtual
// time against real time (0 freezes it).
type ClockRequest struct {
	Advance json.RawMessage `json:"advance,omitempty"`
	Scale   *float64        `json:"scale,omitempty"`
}

// ClockState is the body of GET and POST /_evolvestack/clock.
type ClockState struct {
	Now   time.Time `json:"now"`
	Epoch float64   `json:"epochSeconds"`
	Scale float64   `json:"scale"`
}

// SchemaVersionReporter is implemented by the Glue service: it explains a
// schema version (status and, for a FAILURE, the findings).
type SchemaVersionReporter interface {
	SchemaVersionReport(id string) (any, error)
}

type adminAPI struct {
	admin   Admin
	backend Backend
	account string
	region  string
	log     *slog.Logger
}

func newAdmin(b Backend, account, region string, log *slog.Logger, tail *tailRing) http.Handler {
	api := &adminAPI{admin: b.Admin(), backend: b, account: account, region: region, log: log}
	r := mux.NewRouter()
	r.HandleFunc(AdminPrefix+"glue/schema-versions/{id}", api.schemaVersion).Methods(http.MethodGet)
	r.PathPrefix(AdminPrefix + "lambda-runtime/{account}/{region}/{instance}/").Handler(lambdaruntime.NewHandler(func(account, region string) lambdaruntime.Engine {
		if !awsapi.ValidAccount(account) || !awsapi.ValidRegion(region) {
			return nil // no state is made for a malformed scope
		}
		eng, _ := b.Service("lambda", awsapi.Scope{Account: account, Region: region}).(lambdaruntime.Engine)
		return eng
	}))
	r.HandleFunc(AdminPrefix+"lambda/functions/{name}/invocations", api.lambdaInvocations).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"sns/deliveries", api.snsDeliveries).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"sns/attempts", api.snsAttempts).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"sns/sms-sandbox", api.snsSandbox).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"events/deliveries", api.eventsDeliveries).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"events/kms-keys", api.eventsKMSKey).Methods(http.MethodPost)
	r.HandleFunc(AdminPrefix+"schemas/discovered", api.schemasDiscovered).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"schemas/discovered/{schema}", api.schemasDiscovered).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"schemas/discovered/{schema}/versions/{version}", api.schemasDiscovered).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"sns/{cert:[A-Za-z0-9-]+\\.pem}", api.snsCert).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"guard/violations", api.guardViolations).Methods(http.MethodGet, http.MethodDelete)
	r.HandleFunc(AdminPrefix+"guard/resources", api.guardResources).Methods(http.MethodGet, http.MethodPut, http.MethodPost, http.MethodDelete)
	r.HandleFunc(AdminPrefix+"faults", api.faults).Methods(http.MethodGet, http.MethodPost, http.MethodDelete)
	r.HandleFunc(AdminPrefix+"faults/log", api.faultLog).Methods(http.MethodGet, http.MethodDelete)
	r.HandleFunc(AdminPrefix+"faults/presets", api.faultPresets).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"faults/presets/{name}", api.faultPreset).Methods(http.MethodPost)
	r.HandleFunc(AdminPrefix+"faults/{id}", api.faultRule).Methods(http.MethodDelete)
	r.HandleFunc(AdminPrefix+"health", api.health).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(AdminPrefix+"reset", api.reset).Methods(http.MethodPost)
	r.HandleFunc(AdminPrefix+"data/export", api.dataExport).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"data/import", api.dataImport).Methods(http.MethodPost)
	r.HandleFunc(AdminPrefix+"clock", api.getClock).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"clock", api.setClock).Methods(http.MethodPost)
	uiRoutes(r, api, tail)
	r.NotFoundHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeAdminError(w, http.StatusNotFound, fmt.Sprintf("no admin endpoint %s %s", r.Method, r.URL.Path))
	})
	r.MethodNotAllowedHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeAdminError(w, http.StatusMethodNotAllowed, fmt.Sprintf("method %s not allowed on %s", r.Method, r.URL.Path))
	})
	return r
}

// scope reads ?account=&region=, defaulting to the emulator's defaults; it
// answers 400 and returns false for a malformed account or region.
func (a *adminAPI) scope(w http.ResponseWriter, r *http.Request) (awsapi.Scope, bool) {
	sc := awsapi.Scope{Account: r.URL.Query().Get("account"), Region: r.URL.Query().Get("region")}
	if sc.Account == "" {
		sc.Account = a.account
	}
	if sc.Region == "" {
		sc.Region = a.region
	}
	if !awsapi.ValidAccount(sc.Account) {
		writeAdminError(w, http.StatusBadRequest, fmt.Sprintf("account %q is not a 12-digit id", sc.Account))
		return sc, false
	}
	if !awsapi.ValidRegion(sc.Region) {
		writeAdminError(w, http.StatusBadRequest, fmt.Sprintf("region %q is not an AWS region name", sc.Region))
		return sc, false
	}
	return sc, true
}

// reporter returns the named service of the request's scope
// (?account=&region=) as T: it answers 400 for a malformed scope and 404
// naming what when the service is not a T.
func reporter[T any](a *adminAPI, w http.ResponseWriter, r *http.Request, service, what string) (T, bool) {
	var zero T
	sc, ok := a.scope(w, r)
	if !ok {
		return zero, false
	}
	rep, ok := a.backend.Service(service, sc).(T)
	if !ok {
		writeAdminError(w, http.StatusNotFound, "no "+what+" in this emulator")
		return zero, false
	}
	return rep, true
}

// schemaVersion serves GET /_evolvestack/glue/schema-versions/{id}: why a
// schema version has the status it has.
func (a *adminAPI) schemaVersion(w http.ResponseWriter, r *http.Request) {
	rep, ok := reporter[SchemaVersionReporter](a, w, r, "glue", "schema registry")
	if !ok {
		return
	}
	out, err := rep.SchemaVersionReport(mux.Vars(r)["id"])
	if err != nil {
		writeAdminError(w, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// LambdaInvocationReporter is implemented by the Lambda service: the
// recorded invocations of a function.
type LambdaInvocationReporter interface {
	Invocations(functionName string) ([]lambda.InvocationRecord, error)
}

// lambdaInvocations serves GET /_evolvestack/lambda/functions/{name}/invocations:
// every recorded invocation of the function, oldest first.
func (a *adminAPI) lambdaInvocations(w http.ResponseWriter, r *http.Request) {
	rep, ok := reporter[LambdaInvocationReporter](a, w, r, "lambda", "Lambda service")
	if !ok {
		return
	}
	recs, err := rep.Invocations(mux.Vars(r)["name"])
	if err != nil {
		writeAdminError(w, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"invocations": recs})
}

// SNSDeliveryReporter is implemented by the SNS service: the deliveries
// it recorded for endpoints the emulator does not run (email, SMS, push,
// Firehose, HTTP) and the certificate its notifications are signed with.
type SNSDeliveryReporter interface {
	Deliveries() []sns.Delivery
	SigningCert(name string) ([]byte, bool)
}

// snsDeliveries serves GET /_evolvestack/sns/deliveries: the recorded
// deliveries of the scope, oldest first.
func (a *adminAPI) snsDeliveries(w http.ResponseWriter, r *http.Request) {
	rep, ok := reporter[SNSDeliveryReporter](a, w, r, "sns", "SNS service")
	if !ok {
		return
	}
	d := rep.Deliveries()
	if d == nil {
		d = []sns.Delivery{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": d})
}

// SNSAttemptReporter is implemented by the SNS service: every delivery
// attempt with its outcome, and the deliveries dropped after their
// retries ran out without a dead-letter queue.
type SNSAttemptReporter interface {
	DeliveryAttempts(f sns.AttemptFilter) []sns.DeliveryAttempt
	DroppedDeliveries() int
	PendingDeliveries() int
}

// snsAttempts serves GET /_evolvestack/sns/attempts[?messageId=&topicArn=
// &subscriptionArn=]: the scope's delivery attempts, oldest first, with
// the counts of pending and dropped deliveries.
func (a *adminAPI) snsAttempts(w http.ResponseWriter, r *http.Request) {
	rep, ok := reporter[SNSAttemptReporter](a, w, r, "sns", "SNS service")
	if !ok {
		return
	}
	q := r.URL.Query()
	f := sns.AttemptFilter{MessageID: q.Get("messageId"), TopicArn: q.Get("topicArn"), SubscriptionArn: q.Get("subscriptionArn")}
	writeJSON(w, http.StatusOK, map[string]any{"attempts": rep.DeliveryAttempts(f), "pending": rep.PendingDeliveries(), "dropped": rep.DroppedDeliveries()})
}

// SNSSandboxReporter is implemented by the SNS service: the one-time
// password last sent to a phone number of the SMS sandbox (on AWS, the
// SMS the number's owner receives).
type SNSSandboxReporter interface {
	SandboxOneTimePassword(number string) (string, bool)
}

// snsSandbox serves GET /_evolvestack/sns/sms-sandbox?phoneNumber=...: the
// one-time password VerifySMSSandboxPhoneNumber expects for the number.
func (a *adminAPI) snsSandbox(w http.ResponseWriter, r *http.Request) {
	rep, ok := reporter[SNSSandboxReporter](a, w, r, "sns", "SNS service")
	if !ok {
		return
	}
	number := r.URL.Query().Get("phoneNumber")
	otp, ok := rep.SandboxOneTimePassword(number)
	if !ok {
		writeAdminError(w, http.StatusNotFound, fmt.Sprintf("no one-time password was sent to %q", number))
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"phoneNumber": number, "oneTimePassword": otp})
}

// EventsDeliveryReporter is implemented by the EventBridge service: every
// attempt to deliver an event to a target, with its outcome.
type EventsDeliveryReporter interface {
	Deliveries(f eventbridge.DeliveryFilter) []eventbridge.DeliveryRecord
	DroppedEvents() int
	PendingDeliveries() int
}

// eventsDeliveries serves GET /_evolvestack/events/deliveries[?eventId=
// &ruleArn=&targetId=]: the scope's delivery attempts, oldest first, with
// the counts of pending deliveries and dropped events.
func (a *adminAPI) eventsDeliveries(w http.ResponseWriter, r *http.Request) {
	rep, ok := reporter[EventsDeliveryReporter](a, w, r, "events", "EventBridge service")
	if !ok {
		return
	}
	q := r.URL.Query()
	f := eventbridge.DeliveryFilter{EventID: q.Get("eventId"), RuleArn: q.Get("ruleArn"), TargetID: q.Get("targetId")}
	writeJSON(w, http.StatusOK, map[string]any{"deliveries": rep.Deliveries(f), "pending": rep.PendingDeliveries(), "dropped": rep.DroppedEvents()})
}

// DiscoveryReporter is implemented by the EventBridge Schemas service:
// the compatibility findings of each schema version discovery wrote.
type DiscoveryReporter interface {
	DiscoveryFindings(registry, schema, version string) (schemas.DiscoveryReport, error)
	DiscoveredVersions() []schemas.DiscoveryReport
}

// schemasDiscovered serves GET /_evolvestack/schemas/discovered (every
// discovered version's report), .../discovered/{schema} (its latest
// version's) and .../discovered/{schema}/versions/{version}: whether a
// version discovery wrote can be read by consumers of the previous one,
// and which fields decide it.
func (a *adminAPI) schemasDiscovered(w http.ResponseWriter, r *http.Request) {
	rep, ok := reporter[DiscoveryReporter](a, w, r, "schemas", "EventBridge Schemas service")
	if !ok {
		return
	}
	vars := mux.Vars(r)
	name, ok := vars["schema"]
	if !ok {
		writeJSON(w, http.StatusOK, map[string]any{"versions": rep.DiscoveredVersions()})
		return
	}
	out, err := rep.DiscoveryFindings("discovered-schemas", name, vars["version"])
	if err != nil {
		writeAdminError(w, http.StatusNotFound, err.Error())
		return
	}
	writeJSON(w, http.StatusOK, out)
}

// snsCert serves the certificate named in a notification's SigningCertURL
// (PEM), open in every auth mode as AWS's certificate URLs are, so that a
// subscriber can verify what it receives.
func (a *adminAPI) snsCert(w http.ResponseWriter, r *http.Request) {
	rep, ok := a.backend.Service("sns", awsapi.Scope{Account: a.account, Region: a.region}).(SNSDeliveryReporter)
	if !ok {
		writeAdminError(w, http.StatusNotFound, "no SNS service in this emulator")
		return
	}
	pem, ok := rep.SigningCert(mux.Vars(r)["cert"])
	if !ok {
		writeAdminError(w, http.StatusNotFound, "no such signing certificate")
		return
	}
	w.Header().Set("Content-Type", "application/x-x509-ca-cert")
	_, _ = w.Write(pem)
}

func (a *adminAPI) health(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, a.admin.Health())
}

func (a *adminAPI) reset(w http.ResponseWriter, r *http.Request) {
	var req ResetRequest
	if err := readJSON(r, &req); err != nil {
		writeAdminBodyError(w, err)
		return
	}
	if err := a.admin.Reset(req.Service, req.Account); err != nil {
		writeAdminError(w, http.StatusBadRequest, err.Error())
		return
	}
	a.log.Info("state reset", "service", req.Service, "account", req.Account)
	writeJSON(w, http.StatusOK, map[string]any{"reset": true, "service": req.Service, "account": req.Account})
}

// DataAdmin is implemented by backends whose state can be exported and
// imported as JSON lines (GET /_evolvestack/data/export, POST
// /_evolvestack/data/import).
type DataAdmin interface {
	Export(w io.Writer) error
	Import(r io.Reader) error
}

// MaxImportBytes bounds an import's body.
const MaxImportBytes = 512 << 20

func (a *adminAPI) dataExport(w http.ResponseWriter, _ *http.Request) {
	d, ok := a.admin.(DataAdmin)
	if !ok {
		writeAdminError(w, http.StatusNotFound, "this emulator does not export its state")
		return
	}
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Content-Disposition", `attachment; filename="evolvestack-export.jsonl"`)
	if err := d.Export(w); err != nil {
		a.log.Error("export", "error", err)
	}
}

func (a *adminAPI) dataImport(w http.ResponseWriter, r *http.Request) {
	d, ok := a.admin.(DataAdmin)
	if !ok {
		writeAdminError(w, http.StatusNotFound, "this emulator does not import state")
		return
	}
	body := http.MaxBytesReader(w, r.Body, MaxImportBytes)
	if err := d.Import(body); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeAdminError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("an import is at most %d bytes", MaxImportBytes))
			return
		}
		writeAdminError(w, http.StatusBadRequest, err.Error())
		return
	}
	a.log.Info("state imported")
	writeJSON(w, http.StatusOK, map[string]any{"imported": true})
}

func (a *adminAPI) getClock(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, clockState(a.admin.Clock()))
}

func (a *adminAPI) setClock(w http.ResponseWriter, r *http.Request) {
	var req ClockRequest
	if err := readJSON(r, &req); err != nil {
		writeAdminBodyError(w, err)
		return
	}
	c := a.admin.Clock()
	var advance time.Duration
	if len(req.Advance) > 0 {
		var s string
		if err := json.Unmarshal(req.Advance, &s); err != nil {
			s = string(req.Advance) // a bare number of seconds
		}
		d, err := clock.ParseAdvance(s)
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
		advance = d
	}
	if req.Scale != nil {
		if err := c.SetScale(*req.Scale); err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	if advance != 0 {
		if err := c.Advance(advance); err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	a.log.Info("clock changed", "advance", advance, "scale", c.Scale())
	writeJSON(w, http.StatusOK, clockState(c))
}

func clockState(c *clock.Clock) ClockState {
	now := c.Now()
	return ClockState{Now: now, Epoch: float64(now.UnixMilli()) / 1000, Scale: c.Scale()}
}

// errAdminBodyTooLarge marks an admin body over adminBodyLimit.
var errAdminBodyTooLarge = fmt.Errorf("request body over %d bytes", adminBodyLimit)

// readJSON decodes an optional JSON body into v.
func readJSON(r *http.Request, v any) error {
	body, err := io.ReadAll(io.LimitReader(r.Body, adminBodyLimit+1))
	if err != nil {
		return fmt.Errorf("reading body: %w", err)
	}
	if len(body) > adminBodyLimit {
		return errAdminBodyTooLarge
	}
	if len(body) == 0 {
		return nil
	}
	if err := json.Unmarshal(body, v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return fmt.Errorf("malformed JSON body: %w", err)
		}
		return fmt.Errorf("invalid body: %w", err)
	}
	return nil
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

// writeAdminBodyError answers a body readJSON refused: 413 when too
// large, else 400.
func writeAdminBodyError(w http.ResponseWriter, err error) {
	if errors.Is(err, errAdminBodyTooLarge) {
		w.Header().Set("Connection", "close")
		writeAdminError(w, http.StatusRequestEntityTooLarge, err.Error())
		return
	}
	writeAdminError(w, http.StatusBadRequest, err.Error())
}

func writeAdminError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, map[string]string{"error": msg})
}
