package handlers

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"path"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/mux"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/eventbridge"
	"github.com/evolvestack/evolvestack/emulator/faults"
	"github.com/evolvestack/evolvestack/emulator/glue"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/lambda"
	"github.com/evolvestack/evolvestack/emulator/sns"
	"github.com/evolvestack/evolvestack/emulator/sqs"
	"github.com/evolvestack/evolvestack/handlers/ui"
)

// UITokenHeader carries the dashboard's token on its destructive requests.
const UITokenHeader = "X-Evolvestack-Token"

// maxPeek bounds the messages one peek returns.
const maxPeek = 1000

// uiRoutes registers the dashboard (/_evolvestack/ui/) and the admin
// endpoints it reads, and makes destructive admin requests sent by a
// browser carry the token the dashboard's page embeds.
func uiRoutes(r *mux.Router, a *adminAPI, tail *tailRing) {
	token := newUIToken()
	index := ui.Index(token)
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if msg := uiTokenRefusal(req, token); msg != "" {
				writeAdminError(w, http.StatusForbidden, msg)
				return
			}
			next.ServeHTTP(w, req)
		})
	})
	r.Handle(AdminPrefix+"ui", http.RedirectHandler(AdminPrefix+"ui/", http.StatusMovedPermanently)).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(AdminPrefix+"ui/", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		uiSecurityHeaders(w)
		_, _ = w.Write(index)
	}).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(AdminPrefix+"ui/{file}", serveUIFile).Methods(http.MethodGet, http.MethodHead)
	r.HandleFunc(AdminPrefix+"overview", a.overview).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"sqs/queues/{name}/peek", a.sqsPeek).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"sqs/queues/{name}/redrive", a.sqsRedrive).Methods(http.MethodPost)
	r.HandleFunc(AdminPrefix+"sqs/queues/{name}/purge", a.sqsPurge).Methods(http.MethodPost)
	r.HandleFunc(AdminPrefix+"glue/registries", a.glueTree).Methods(http.MethodGet)
	r.HandleFunc(AdminPrefix+"glue/diff", a.glueDiff).Methods(http.MethodGet)
	r.Handle(AdminPrefix+"tail", &tailHandler{a: a, tail: tail}).Methods(http.MethodGet)
}

// newUIToken returns a random token for one emulator's dashboard.
func newUIToken() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}

// uiSecurityHeaders keeps the dashboard's pages out of frames and to its
// own scripts.
func uiSecurityHeaders(w http.ResponseWriter) {
	w.Header().Set("X-Frame-Options", "DENY")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'; img-src 'self' data:; frame-ancestors 'none'")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

func serveUIFile(w http.ResponseWriter, r *http.Request) {
	name := mux.Vars(r)["file"]
	b, ok := ui.File(name)
	if !ok {
		writeAdminError(w, http.StatusNotFound, fmt.Sprintf("no dashboard file %q", name))
		return
	}
	switch path.Ext(name) {
	case ".js":
		w.Header().Set("Content-Type", "text/javascript; charset=utf-8")
	case ".css":
		w.Header().Set("Content-Type", "text/css; charset=utf-8")
	case ".svg":
		w.Header().Set("Content-Type", "image/svg+xml")
	default:
		w.Header().Set("Content-Type", "application/octet-stream")
	}
	w.Header().Set("Cache-Control", "no-cache")
	uiSecurityHeaders(w)
	_, _ = w.Write(b)
}

// uiContext is the context typed operations run with on behalf of an
// admin request.
func uiContext(r *http.Request, sc awsapi.Scope, service, op string) context.Context {
	return awsapi.WithRequest(r.Context(), &awsapi.RequestInfo{Scope: sc, Service: service, Operation: op, Endpoint: endpointOf(r)})
}

// writeOpError answers the error of a typed operation with its AWS status
// and text.
func writeOpError(w http.ResponseWriter, err error) {
	if e, ok := awsapi.AsError(err); ok {
		status := e.Status
		if status == 0 {
			status = http.StatusBadRequest
		}
		writeJSON(w, status, map[string]string{"error": e.Message, "code": e.Code})
		return
	}
	writeAdminError(w, http.StatusInternalServerError, err.Error())
}

// Overview is the body of GET /_evolvestack/overview: every resource of
// the scope with its counts.
type Overview struct {
	Account string           `json:"account"`
	Region  string           `json:"region"`
	Kinesis []OverviewStream `json:"kinesisStreams"`
	SQS     []OverviewQueue  `json:"sqsQueues"`
	SNS     []OverviewTopic  `json:"snsTopics"`
	Events  []OverviewBus    `json:"eventBuses"`
	Lambda  []OverviewFunc   `json:"lambdaFunctions"`
	ESMs    []OverviewESM    `json:"eventSourceMappings"`
	Glue    []OverviewReg    `json:"glueRegistries"`
	// Errors names the services that could not be listed, with why.
	Errors map[string]string `json:"errors,omitempty"`
}

// OverviewStream is a Kinesis stream in the overview.
type OverviewStream struct {
	Name       string `json:"name"`
	Status     string `json:"status"`
	OpenShards int32  `json:"openShards"`
	Consumers  int32  `json:"consumers"`
}

// OverviewQueue is an SQS queue in the overview; DeadLetter marks a queue
// another queue's redrive policy names.
type OverviewQueue struct {
	Name       string `json:"name"`
	URL        string `json:"url"`
	Arn        string `json:"arn"`
	Visible    int    `json:"visible"`
	InFlight   int    `json:"inFlight"`
	Delayed    int    `json:"delayed"`
	DeadLetter bool   `json:"deadLetter"`
	// DeadLetterTarget is the ARN of this queue's own DLQ, if any.
	DeadLetterTarget string   `json:"deadLetterTarget,omitempty"`
	MaxReceiveCount  int      `json:"maxReceiveCount,omitempty"`
	Sources          []string `json:"sources,omitempty"`
}

// OverviewTopic is an SNS topic with its subscriptions.
type OverviewTopic struct {
	Arn           string             `json:"arn"`
	Name          string             `json:"name"`
	Subscriptions []sns.Subscription `json:"subscriptions"`
}

// OverviewBus is an EventBridge bus with its rules.
type OverviewBus struct {
	Name  string         `json:"name"`
	Rules []OverviewRule `json:"rules"`
}

// OverviewRule is an EventBridge rule with its target count.
type OverviewRule struct {
	Name    string `json:"name"`
	State   string `json:"state"`
	Targets int    `json:"targets"`
}

// OverviewFunc is a Lambda function (ListFunctions gives no state).
type OverviewFunc struct {
	Name    string `json:"name"`
	Runtime string `json:"runtime"`
}

// OverviewESM is an event source mapping.
type OverviewESM struct {
	UUID     string `json:"uuid"`
	Source   string `json:"source"`
	Function string `json:"function"`
	State    string `json:"state"`
	Batch    int32  `json:"batchSize"`
}

// OverviewReg is a Glue registry with its schemas.
type OverviewReg struct {
	Name    string           `json:"name"`
	Schemas []OverviewSchema `json:"schemas"`
}

// OverviewSchema is a Glue schema with its versions.
type OverviewSchema struct {
	Name     string            `json:"name"`
	Arn      string            `json:"arn"`
	Versions []OverviewVersion `json:"versions"`
}

// OverviewVersion is a Glue schema version.
type OverviewVersion struct {
	ID      string `json:"id"`
	Number  int64  `json:"number"`
	Status  string `json:"status"`
	Created string `json:"created,omitempty"`
}

// lambdaLister is the part of the Lambda service the overview reads.
type lambdaLister interface {
	ListFunctions(context.Context, *lambda.ListFunctionsInput) (*lambda.ListFunctionsOutput, error)
	ListEventSourceMappings(context.Context, *lambda.ListEventSourceMappingsInput) (*lambda.ListEventSourceMappingsOutput, error)
}

// overview serves GET /_evolvestack/overview[?account=&region=].
func (a *adminAPI) overview(w http.ResponseWriter, r *http.Request) {
	sc, ok := a.scope(w, r)
	if !ok {
		return
	}
	ov := Overview{Account: sc.Account, Region: sc.Region, Errors: map[string]string{},
		Kinesis: []OverviewStream{}, SQS: []OverviewQueue{}, SNS: []OverviewTopic{}, Events: []OverviewBus{},
		Lambda: []OverviewFunc{}, ESMs: []OverviewESM{}, Glue: []OverviewReg{}}
	for name, f := range map[string]func(*http.Request, awsapi.Scope, *Overview) error{
		"kinesis": a.overviewKinesis, "sqs": a.overviewSQS, "sns": a.overviewSNS,
		"events": a.overviewEvents, "lambda": a.overviewLambda, "glue": a.overviewGlue,
	} {
		if err := f(r, sc, &ov); err != nil {
			ov.Errors[name] = err.Error()
		}
	}
	if len(ov.Errors) == 0 {
		ov.Errors = nil
	}
	writeJSON(w, http.StatusOK, ov)
}

func (a *adminAPI) overviewKinesis(r *http.Request, sc awsapi.Scope, ov *Overview) error {
	k, ok := a.backend.Service("kinesis", sc).(*kinesis.Service)
	if !ok {
		return nil
	}
	ctx := uiContext(r, sc, "kinesis", "ListStreams")
	var next *string
	for {
		out, err := k.ListStreams(ctx, &kinesis.ListStreamsInput{NextToken: next})
		if err != nil {
			return fmt.Errorf("listing streams: %w", err)
		}
		for _, name := range out.StreamNames {
			s := OverviewStream{Name: name}
			if d, err := k.DescribeStreamSummary(ctx, &kinesis.DescribeStreamSummaryInput{StreamName: &name}); err == nil && d.StreamDescriptionSummary != nil {
				sum := d.StreamDescriptionSummary
				s.Status = string(sum.StreamStatus)
				s.OpenShards = deref(sum.OpenShardCount)
				s.Consumers = deref(sum.ConsumerCount)
			}
			ov.Kinesis = append(ov.Kinesis, s)
		}
		if out.NextToken == nil || *out.NextToken == "" || len(out.StreamNames) == 0 {
			return nil
		}
		next = out.NextToken
	}
}

func (a *adminAPI) overviewSQS(r *http.Request, sc awsapi.Scope, ov *Overview) error {
	q, ok := a.backend.Service("sqs", sc).(*sqs.Service)
	if !ok {
		return nil
	}
	ctx := uiContext(r, sc, "sqs", "ListQueues")
	var urls []string
	var next *string
	for {
		out, err := q.ListQueues(ctx, &sqs.ListQueuesInput{MaxResults: ptrTo(int32(1000)), NextToken: next})
		if err != nil {
			return fmt.Errorf("listing queues: %w", err)
		}
		urls = append(urls, out.QueueUrls...)
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		next = out.NextToken
	}
	byArn := map[string]int{}
	for _, u := range urls {
		out, err := q.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &u, AttributeNames: []sqs.QueueAttributeName{"All"}})
		if err != nil {
			continue // deleted meanwhile
		}
		at := out.Attributes
		oq := OverviewQueue{Name: u[strings.LastIndexByte(u, '/')+1:], URL: u, Arn: at["QueueArn"],
			Visible: atoiOr0(at["ApproximateNumberOfMessages"]), InFlight: atoiOr0(at["ApproximateNumberOfMessagesNotVisible"]),
			Delayed: atoiOr0(at["ApproximateNumberOfMessagesDelayed"])}
		if rp := at["RedrivePolicy"]; rp != "" {
			var p struct {
				Target string          `json:"deadLetterTargetArn"`
				Max    json.RawMessage `json:"maxReceiveCount"`
			}
			if json.Unmarshal([]byte(rp), &p) == nil {
				oq.DeadLetterTarget = p.Target
				oq.MaxReceiveCount = atoiOr0(strings.Trim(string(p.Max), `"`))
			}
		}
		byArn[oq.Arn] = len(ov.SQS)
		ov.SQS = append(ov.SQS, oq)
	}
	for _, oq := range ov.SQS {
		if i, ok := byArn[oq.DeadLetterTarget]; ok && oq.DeadLetterTarget != "" {
			ov.SQS[i].DeadLetter = true
			ov.SQS[i].Sources = append(ov.SQS[i].Sources, oq.Arn)
		}
	}
	return nil
}

func (a *adminAPI) overviewSNS(r *http.Request, sc awsapi.Scope, ov *Overview) error {
	s, ok := a.backend.Service("sns", sc).(*sns.Service)
	if !ok {
		return nil
	}
	ctx := uiContext(r, sc, "sns", "ListTopics")
	idx := map[string]int{}
	var next *string
	for {
		out, err := s.ListTopics(ctx, &sns.ListTopicsInput{NextToken: next})
		if err != nil {
			return fmt.Errorf("listing topics: %w", err)
		}
		for _, t := range out.Topics {
			arn := deref(t.TopicArn)
			idx[arn] = len(ov.SNS)
			ov.SNS = append(ov.SNS, OverviewTopic{Arn: arn, Name: arn[strings.LastIndexByte(arn, ':')+1:], Subscriptions: []sns.Subscription{}})
		}
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		next = out.NextToken
	}
	next = nil
	for {
		out, err := s.ListSubscriptions(ctx, &sns.ListSubscriptionsInput{NextToken: next})
		if err != nil {
			return fmt.Errorf("listing subscriptions: %w", err)
		}
		for _, sub := range out.Subscriptions {
			if i, ok := idx[deref(sub.TopicArn)]; ok {
				ov.SNS[i].Subscriptions = append(ov.SNS[i].Subscriptions, sub)
			}
		}
		if out.NextToken == nil || *out.NextToken == "" {
			return nil
		}
		next = out.NextToken
	}
}

func (a *adminAPI) overviewEvents(r *http.Request, sc awsapi.Scope, ov *Overview) error {
	e, ok := a.backend.Service("events", sc).(*eventbridge.Service)
	if !ok {
		return nil
	}
	ctx := uiContext(r, sc, "events", "ListEventBuses")
	var buses []string
	var next *string
	for {
		out, err := e.ListEventBuses(ctx, &eventbridge.ListEventBusesInput{NextToken: next})
		if err != nil {
			return fmt.Errorf("listing event buses: %w", err)
		}
		for _, b := range out.EventBuses {
			buses = append(buses, deref(b.Name))
		}
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		next = out.NextToken
	}
	for _, bus := range buses {
		ob := OverviewBus{Name: bus, Rules: []OverviewRule{}}
		var next *string
		for {
			out, err := e.ListRules(ctx, &eventbridge.ListRulesInput{EventBusName: &bus, NextToken: next})
			if err != nil {
				return fmt.Errorf("listing the rules of bus %s: %w", bus, err)
			}
			for _, rule := range out.Rules {
				or := OverviewRule{Name: deref(rule.Name), State: string(rule.State)}
				if t, err := e.ListTargetsByRule(ctx, &eventbridge.ListTargetsByRuleInput{Rule: rule.Name, EventBusName: &bus}); err == nil {
					or.Targets = len(t.Targets)
				}
				ob.Rules = append(ob.Rules, or)
			}
			if out.NextToken == nil || *out.NextToken == "" {
				break
			}
			next = out.NextToken
		}
		ov.Events = append(ov.Events, ob)
	}
	return nil
}

func (a *adminAPI) overviewLambda(r *http.Request, sc awsapi.Scope, ov *Overview) error {
	l, ok := a.backend.Service("lambda", sc).(lambdaLister)
	if !ok {
		return nil
	}
	ctx := uiContext(r, sc, "lambda", "ListFunctions")
	var marker *string
	for {
		out, err := l.ListFunctions(ctx, &lambda.ListFunctionsInput{Marker: marker})
		if err != nil {
			return fmt.Errorf("listing functions: %w", err)
		}
		for _, f := range out.Functions {
			ov.Lambda = append(ov.Lambda, OverviewFunc{Name: deref(f.FunctionName), Runtime: string(f.Runtime)})
		}
		if out.NextMarker == nil || *out.NextMarker == "" {
			break
		}
		marker = out.NextMarker
	}
	marker = nil
	for {
		out, err := l.ListEventSourceMappings(ctx, &lambda.ListEventSourceMappingsInput{Marker: marker})
		if err != nil {
			return fmt.Errorf("listing event source mappings: %w", err)
		}
		for _, m := range out.EventSourceMappings {
			ov.ESMs = append(ov.ESMs, OverviewESM{UUID: deref(m.UUID), Source: deref(m.EventSourceArn), Function: deref(m.FunctionArn), State: deref(m.State), Batch: deref(m.BatchSize)})
		}
		if out.NextMarker == nil || *out.NextMarker == "" {
			return nil
		}
		marker = out.NextMarker
	}
}

func (a *adminAPI) overviewGlue(r *http.Request, sc awsapi.Scope, ov *Overview) error {
	regs, err := a.glueRegistries(r, sc)
	if err != nil {
		return err
	}
	ov.Glue = regs
	return nil
}

// glueRegistries lists the scope's registries, schemas and versions.
func (a *adminAPI) glueRegistries(r *http.Request, sc awsapi.Scope) ([]OverviewReg, error) {
	g, ok := a.backend.Service("glue", sc).(*glue.Service)
	if !ok {
		return []OverviewReg{}, nil
	}
	ctx := uiContext(r, sc, "glue", "ListRegistries")
	regs := []OverviewReg{}
	var next *string
	for {
		out, err := g.ListRegistries(ctx, &glue.ListRegistriesInput{NextToken: next})
		if err != nil {
			return nil, fmt.Errorf("listing registries: %w", err)
		}
		for _, reg := range out.Registries {
			regs = append(regs, OverviewReg{Name: deref(reg.RegistryName), Schemas: []OverviewSchema{}})
		}
		if out.NextToken == nil || *out.NextToken == "" {
			break
		}
		next = out.NextToken
	}
	for i := range regs {
		name := regs[i].Name
		var next *string
		for {
			out, err := g.ListSchemas(ctx, &glue.ListSchemasInput{RegistryId: &glue.RegistryId{RegistryName: &name}, NextToken: next})
			if err != nil {
				return nil, fmt.Errorf("listing the schemas of registry %s: %w", name, err)
			}
			for _, s := range out.Schemas {
				os := OverviewSchema{Name: deref(s.SchemaName), Arn: deref(s.SchemaArn), Versions: []OverviewVersion{}}
				var vnext *string
				for {
					vo, err := g.ListSchemaVersions(ctx, &glue.ListSchemaVersionsInput{SchemaId: &glue.SchemaId{SchemaArn: s.SchemaArn}, NextToken: vnext})
					if err != nil {
						break // deleted meanwhile
					}
					for _, v := range vo.Schemas {
						os.Versions = append(os.Versions, OverviewVersion{ID: deref(v.SchemaVersionId), Number: deref(v.VersionNumber), Status: string(v.Status), Created: deref(v.CreatedTime)})
					}
					if vo.NextToken == nil || *vo.NextToken == "" {
						break
					}
					vnext = vo.NextToken
				}
				sort.Slice(os.Versions, func(i, j int) bool { return os.Versions[i].Number < os.Versions[j].Number })
				regs[i].Schemas = append(regs[i].Schemas, os)
			}
			if out.NextToken == nil || *out.NextToken == "" {
				break
			}
			next = out.NextToken
		}
	}
	return regs, nil
}

// glueTree serves GET /_evolvestack/glue/registries: the scope's
// registries with their schemas and versions (id, number, status).
func (a *adminAPI) glueTree(w http.ResponseWriter, r *http.Request) {
	sc, ok := a.scope(w, r)
	if !ok {
		return
	}
	regs, err := a.glueRegistries(r, sc)
	if err != nil {
		writeOpError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"registries": regs})
}

// SchemaDiff is the body of GET /_evolvestack/glue/diff?from=ID&to=ID.
type SchemaDiff struct {
	From  DiffSide   `json:"from"`
	To    DiffSide   `json:"to"`
	Lines []DiffLine `json:"lines"`
}

// DiffSide is one version of a diff.
type DiffSide struct {
	ID         string `json:"id"`
	Number     int64  `json:"number"`
	Status     string `json:"status"`
	DataFormat string `json:"dataFormat"`
	Definition string `json:"definition"`
}

// DiffLine is one row of a side-by-side diff: Op is "=", "-" (only in
// From), "+" (only in To); Left and Right are 1-based line numbers, 0
// where the side has no line.
type DiffLine struct {
	Op    string `json:"op"`
	Left  int    `json:"left,omitempty"`
	Right int    `json:"right,omitempty"`
	Text  string `json:"text"`
}

// glueDiff serves GET /_evolvestack/glue/diff?from=ID&to=ID: the two
// versions' definitions (JSON pretty-printed) and their line diff.
func (a *adminAPI) glueDiff(w http.ResponseWriter, r *http.Request) {
	sc, ok := a.scope(w, r)
	if !ok {
		return
	}
	g, ok := a.backend.Service("glue", sc).(*glue.Service)
	if !ok {
		writeAdminError(w, http.StatusNotFound, "no schema registry in this emulator")
		return
	}
	q := r.URL.Query()
	ctx := uiContext(r, sc, "glue", "GetSchemaVersion")
	var sides [2]DiffSide
	for i, key := range []string{"from", "to"} {
		id := q.Get(key)
		if id == "" {
			writeAdminError(w, http.StatusBadRequest, fmt.Sprintf("the %q parameter (a schema version id) is required", key))
			return
		}
		out, err := g.GetSchemaVersion(ctx, &glue.GetSchemaVersionInput{SchemaVersionId: &id})
		if err != nil {
			writeOpError(w, err)
			return
		}
		sides[i] = DiffSide{ID: id, Number: deref(out.VersionNumber), Status: string(out.Status), DataFormat: string(out.DataFormat), Definition: prettyDefinition(deref(out.SchemaDefinition))}
	}
	writeJSON(w, http.StatusOK, SchemaDiff{From: sides[0], To: sides[1], Lines: lineDiff(sides[0].Definition, sides[1].Definition)})
}

// prettyDefinition indents a JSON definition (Avro, JSON Schema), keeping
// its key order, so that a line diff shows fields; others are returned as
// they are.
func prettyDefinition(def string) string {
	var b bytes.Buffer
	if json.Indent(&b, []byte(def), "", "  ") != nil {
		return def
	}
	return b.String()
}

// maxDiffLines bounds the lines lineDiff aligns (its table is n×m).
const maxDiffLines = 4000

// lineDiff aligns a and b line by line (longest common subsequence).
func lineDiff(a, b string) []DiffLine {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	out := []DiffLine{}
	if len(al) > maxDiffLines || len(bl) > maxDiffLines {
		for i, l := range al {
			out = append(out, DiffLine{Op: "-", Left: i + 1, Text: l})
		}
		for i, l := range bl {
			out = append(out, DiffLine{Op: "+", Right: i + 1, Text: l})
		}
		return out
	}
	n, m := len(al), len(bl)
	lcs := make([][]int32, n+1)
	for i := range lcs {
		lcs[i] = make([]int32, m+1)
	}
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if al[i] == bl[j] {
				lcs[i][j] = lcs[i+1][j+1] + 1
			} else {
				lcs[i][j] = max(lcs[i+1][j], lcs[i][j+1])
			}
		}
	}
	i, j := 0, 0
	for i < n || j < m {
		switch {
		case i < n && j < m && al[i] == bl[j]:
			out = append(out, DiffLine{Op: "=", Left: i + 1, Right: j + 1, Text: al[i]})
			i++
			j++
		case j < m && (i == n || lcs[i][j+1] >= lcs[i+1][j]):
			out = append(out, DiffLine{Op: "+", Right: j + 1, Text: bl[j]})
			j++
		default:
			out = append(out, DiffLine{Op: "-", Left: i + 1, Text: al[i]})
			i++
		}
	}
	return out
}

// sqsPeek serves GET /_evolvestack/sqs/queues/{name}/peek[?max=N]: the
// queue's messages without receiving them.
func (a *adminAPI) sqsPeek(w http.ResponseWriter, r *http.Request) {
	s, ok := reporter[*sqs.Service](a, w, r, "sqs", "SQS service")
	if !ok {
		return
	}
	n := 100
	if v := r.URL.Query().Get("max"); v != "" {
		m, err := strconv.Atoi(v)
		if err != nil || m < 1 || m > maxPeek {
			writeAdminError(w, http.StatusBadRequest, fmt.Sprintf("max must be a number from 1 to %d", maxPeek))
			return
		}
		n = m
	}
	msgs, total, err := s.PeekMessages(mux.Vars(r)["name"], n)
	if err != nil {
		writeOpError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"messages": msgs, "total": total})
}

// RedriveRequest is the optional body of POST
// /_evolvestack/sqs/queues/{name}/redrive.
type RedriveRequest struct {
	// DestinationArn defaults to the queues the messages came from.
	DestinationArn string `json:"destinationArn,omitempty"`
	// MaxPerSecond is StartMessageMoveTask's MaxNumberOfMessagesPerSecond.
	MaxPerSecond int32 `json:"maxNumberOfMessagesPerSecond,omitempty"`
}

// sqsRedrive serves POST /_evolvestack/sqs/queues/{name}/redrive: a
// StartMessageMoveTask from the dead-letter queue.
func (a *adminAPI) sqsRedrive(w http.ResponseWriter, r *http.Request) {
	s, ok := reporter[*sqs.Service](a, w, r, "sqs", "SQS service")
	if !ok {
		return
	}
	var req RedriveRequest
	if err := readJSON(r, &req); err != nil {
		writeAdminBodyError(w, err)
		return
	}
	sc, _ := a.scope(w, r)
	name := mux.Vars(r)["name"]
	ctx := uiContext(r, sc, "sqs", "StartMessageMoveTask")
	attrs, err := s.GetQueueAttributes(ctx, &sqs.GetQueueAttributesInput{QueueUrl: &name, AttributeNames: []sqs.QueueAttributeName{"QueueArn"}})
	if err != nil {
		writeOpError(w, err)
		return
	}
	in := &sqs.StartMessageMoveTaskInput{SourceArn: ptrTo(attrs.Attributes["QueueArn"])}
	if req.DestinationArn != "" {
		in.DestinationArn = &req.DestinationArn
	}
	if req.MaxPerSecond != 0 {
		in.MaxNumberOfMessagesPerSecond = &req.MaxPerSecond
	}
	if v, ok := any(in).(awsapi.Validator); ok {
		if err := v.Validate(); err != nil {
			writeAdminError(w, http.StatusBadRequest, err.Error())
			return
		}
	}
	out, err := s.StartMessageMoveTask(ctx, in)
	if err != nil {
		writeOpError(w, err)
		return
	}
	a.log.Info("dashboard redrive", "queue", name)
	writeJSON(w, http.StatusOK, map[string]any{"taskHandle": deref(out.TaskHandle), "sourceArn": *in.SourceArn})
}

// sqsPurge serves POST /_evolvestack/sqs/queues/{name}/purge: PurgeQueue.
func (a *adminAPI) sqsPurge(w http.ResponseWriter, r *http.Request) {
	s, ok := reporter[*sqs.Service](a, w, r, "sqs", "SQS service")
	if !ok {
		return
	}
	sc, _ := a.scope(w, r)
	name := mux.Vars(r)["name"]
	if _, err := s.PurgeQueue(uiContext(r, sc, "sqs", "PurgeQueue"), &sqs.PurgeQueueInput{QueueUrl: &name}); err != nil {
		writeOpError(w, err)
		return
	}
	a.log.Info("dashboard purge", "queue", name)
	writeJSON(w, http.StatusOK, map[string]any{"purged": true, "queue": name})
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

func ptrTo[T any](v T) *T { return &v }

func atoiOr0(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// The live tail: every AWS call the handler answers and every fault that
// fires, kept in a ring and streamed as server-sent events.
const (
	// tailSize bounds the events kept (a few hundred KiB).
	tailSize = 4096
	// tailPoll is how often a stream looks for new events (real time: it
	// paces I/O, and a frozen virtual clock must not stop the stream).
	tailPoll = 100 * time.Millisecond
	// tailLifetime ends each stream; EventSource reconnects with
	// Last-Event-ID and misses nothing the ring still holds. It keeps a
	// server's graceful shutdown from waiting on open dashboards.
	tailLifetime = 20 * time.Second
	tailPing     = 10 * time.Second
	tailHistory  = 200
)

// tailRing is the live tail's ring (the Handler's hook records into it).
type tailRing = ui.Tail

// tailHandler serves GET /_evolvestack/tail.
type tailHandler struct {
	a    *adminAPI
	tail *ui.Tail
	// mu guards faultsSeen: how many fired faults (logged or dropped)
	// have been copied into the ring.
	mu         sync.Mutex
	faultsSeen int
}

// newTailRing returns the live tail's ring for an emulator whose clock
// clock returns.
func newTailRing(clock func() time.Time) *tailRing { return ui.NewTail(tailSize, clock) }

// Observe records in the live tail something that happened inside a
// service of account and region (a delivery attempt, an invocation).
func (h *Handler) Observe(account, region string, o awsapi.Observation) {
	if h == nil || h.tail == nil {
		return
	}
	ev := ui.Event{Kind: o.Kind, Service: o.Service, Operation: o.Operation, Resource: o.Resource, Account: account, Region: region, Detail: o.Detail}
	if o.Failed {
		ev.Status = http.StatusInternalServerError // shown as a failure, kept by ?errors=1
	}
	h.tail.Add(ev)
}

// tapCall records an answered AWS call in the live tail.
func (h *Handler) tapCall(c *call, status int, start time.Time) {
	if h.tail == nil || c.desc == nil {
		return
	}
	ev := ui.Event{Kind: "call", Service: c.desc.Name, Operation: c.opName, Resource: c.resource, Status: status, Micros: time.Since(start).Microseconds()}
	if c.info != nil {
		ev.Account, ev.Region, ev.RequestID = c.info.Scope.Account, c.info.Scope.Region, c.info.RequestID
	}
	h.tail.Add(ev)
}

// ingestFaults copies the faults fired since the last look into the ring.
func (th *tailHandler) ingestFaults() {
	var fs interface {
		Log() ([]faults.Fired, int)
	}
	if fc, ok := th.a.backend.(FaultsControl); ok && fc.Faults() != nil {
		fs = fc.Faults()
	} else if fc, ok := th.a.admin.(FaultsControl); ok && fc.Faults() != nil {
		fs = fc.Faults()
	}
	if fs == nil {
		return
	}
	th.mu.Lock()
	defer th.mu.Unlock()
	log, dropped := fs.Log()
	total := dropped + len(log)
	if total < th.faultsSeen { // the log was cleared
		th.faultsSeen = 0
	}
	n := min(total-th.faultsSeen, len(log))
	for _, f := range log[len(log)-n:] {
		th.tail.Add(ui.Event{Kind: "fault", Time: f.Time, Service: f.Service, Operation: f.Operation, Resource: f.Resource,
			Account: f.Account, Region: f.Region, RequestID: f.RequestID, Detail: f.Fault + " (rule " + f.Rule + ")"})
	}
	th.faultsSeen = total
}

// tailFilter selects events by the query parameters service, operation
// and kind (comma-separated lists), account, region, resource (a
// substring) and errors (status 400 and above, and faults).
type tailFilter struct {
	services, operations, kinds map[string]bool
	account, region, resource   string
	errors                      bool
}

func newTailFilter(q map[string][]string) tailFilter {
	set := func(k string) map[string]bool {
		var m map[string]bool
		for _, v := range q[k] {
			for _, p := range strings.Split(v, ",") {
				if p = strings.TrimSpace(p); p != "" {
					if m == nil {
						m = map[string]bool{}
					}
					m[strings.ToLower(p)] = true
				}
			}
		}
		return m
	}
	first := func(k string) string {
		if len(q[k]) == 0 {
			return ""
		}
		return q[k][0]
	}
	return tailFilter{services: set("service"), operations: set("operation"), kinds: set("kind"),
		account: first("account"), region: first("region"), resource: first("resource"),
		errors: first("errors") == "1" || first("errors") == "true"}
}

func (f tailFilter) match(ev ui.Event) bool {
	switch {
	case f.services != nil && !f.services[strings.ToLower(ev.Service)],
		f.operations != nil && !f.operations[strings.ToLower(ev.Operation)],
		f.kinds != nil && !f.kinds[ev.Kind],
		f.account != "" && ev.Account != f.account,
		f.region != "" && ev.Region != f.region,
		f.resource != "" && !strings.Contains(ev.Resource, f.resource),
		f.errors && ev.Kind != "fault" && ev.Status < 400: // failed deliveries and invocations carry 500
		return false
	}
	return true
}

// ServeHTTP streams the tail as text/event-stream (each event's id is its
// sequence number; Last-Event-ID or ?since= resumes), or answers the
// recent events as JSON with ?format=json.
func (th *tailHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	f := newTailFilter(q)
	history := tailHistory
	if v := q.Get("history"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 || n > tailSize {
			writeAdminError(w, http.StatusBadRequest, fmt.Sprintf("history must be a number from 0 to %d", tailSize))
			return
		}
		history = n
	}
	th.ingestFaults()
	last := th.tail.Last()
	since := uint64(0)
	if history < tailSize && last > uint64(history) {
		since = last - uint64(history)
	}
	for _, v := range []string{r.Header.Get("Last-Event-ID"), q.Get("since")} {
		if v == "" {
			continue
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			writeAdminError(w, http.StatusBadRequest, "since and Last-Event-ID must be an event's sequence number")
			return
		}
		since = n
		break
	}
	pick := func() []ui.Event {
		evs := th.tail.Since(since, 0)
		out := evs[:0:0]
		for _, ev := range evs {
			since = ev.Seq
			if f.match(ev) {
				out = append(out, ev)
			}
		}
		return out
	}
	if q.Get("format") != "json" {
		release := th.tail.Watch()
		defer release()
	}
	if q.Get("format") == "json" {
		evs := pick()
		if evs == nil {
			evs = []ui.Event{}
		}
		writeJSON(w, http.StatusOK, map[string]any{"events": evs, "last": th.tail.Last()})
		return
	}
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 250\n\n"); err != nil {
		return
	}
	poll := time.NewTicker(tailPoll)
	defer poll.Stop()
	end := time.NewTimer(tailLifetime)
	defer end.Stop()
	lastWrite := time.Now()
	for {
		th.ingestFaults()
		wrote := false
		for _, ev := range pick() {
			b, _ := json.Marshal(ev)
			if _, err := fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, ev.Kind, b); err != nil {
				return
			}
			wrote = true
		}
		if !wrote && time.Since(lastWrite) >= tailPing {
			if _, err := fmt.Fprintf(w, "id: %d\n: ping\n\n", since); err != nil {
				return
			}
			wrote = true
		}
		if wrote {
			lastWrite = time.Now()
			if err := rc.Flush(); err != nil {
				return
			}
		}
		select {
		case <-r.Context().Done():
			return
		case <-end.C:
			return
		case <-poll.C:
		}
	}
}
