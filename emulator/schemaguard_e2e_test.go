package emulator_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awseventbridge "github.com/aws/aws-sdk-go-v2/service/eventbridge"
	ebtypes "github.com/aws/aws-sdk-go-v2/service/eventbridge/types"
	awsglue "github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	awskinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	awsschemas "github.com/aws/aws-sdk-go-v2/service/schemas"
	schemastypes "github.com/aws/aws-sdk-go-v2/service/schemas/types"
	awssns "github.com/aws/aws-sdk-go-v2/service/sns"
	snstypes "github.com/aws/aws-sdk-go-v2/service/sns/types"
	awssqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"
	"github.com/aws/smithy-go"
	"github.com/google/uuid"
	hamba "github.com/hamba/avro/v2"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/schemaguard"
	"github.com/evolvestack/evolvestack/registry/serde/wire"
)

const (
	guardOrderV1 = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"}]}`
	// v2 adds a field without a default: BACKWARD refuses it (FAILURE).
	guardOrderV2 = `{"type":"record","name":"Order","namespace":"shop","fields":[{"name":"id","type":"string"},{"name":"amount","type":"long"},{"name":"customer","type":"string"}]}`
	guardJSONV1  = `{"$schema":"http://json-schema.org/draft-07/schema#","type":"object","properties":{"id":{"type":"string"},"amount":{"type":"integer"}},"required":["id","amount"]}`
)

// guardSchemas registers the Avro schema Order (v1 AVAILABLE, v2 FAILURE)
// and the JSON schema OrderJSON (v1) in the Glue registry "shop", and
// returns the version ids of Order v1 and v2.
func guardSchemas(t testing.TB, ctx context.Context, e *emulator.Emulator) (v1, v2 uuid.UUID) {
	t.Helper()
	g := awsglue.NewFromConfig(e.AWSConfig())
	if _, err := g.CreateRegistry(ctx, &awsglue.CreateRegistryInput{RegistryName: aws.String("shop")}); err != nil {
		t.Fatal(err)
	}
	created, err := g.CreateSchema(ctx, &awsglue.CreateSchemaInput{
		RegistryId: &gluetypes.RegistryId{RegistryName: aws.String("shop")}, SchemaName: aws.String("Order"),
		DataFormat: gluetypes.DataFormatAvro, Compatibility: gluetypes.CompatibilityBackward, SchemaDefinition: aws.String(guardOrderV1),
	})
	if err != nil {
		t.Fatal(err)
	}
	second, err := g.RegisterSchemaVersion(ctx, &awsglue.RegisterSchemaVersionInput{
		SchemaId:         &gluetypes.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String("Order")},
		SchemaDefinition: aws.String(guardOrderV2),
	})
	if err != nil {
		t.Fatal(err)
	}
	if second.Status != gluetypes.SchemaVersionStatusFailure {
		t.Fatalf("v2 status = %s, want FAILURE", second.Status)
	}
	if _, err := g.CreateSchema(ctx, &awsglue.CreateSchemaInput{
		RegistryId: &gluetypes.RegistryId{RegistryName: aws.String("shop")}, SchemaName: aws.String("OrderJSON"),
		DataFormat: gluetypes.DataFormatJson, Compatibility: gluetypes.CompatibilityBackward, SchemaDefinition: aws.String(guardJSONV1),
	}); err != nil {
		t.Fatal(err)
	}
	return uuid.MustParse(*created.SchemaVersionId), uuid.MustParse(*second.SchemaVersionId)
}

// avroRecord frames an Avro Order written with definition as version id.
func avroRecord(t testing.TB, id uuid.UUID, definition string, value map[string]any) []byte {
	t.Helper()
	payload, err := hamba.Marshal(hamba.MustParse(definition), value)
	if err != nil {
		t.Fatal(err)
	}
	rec, err := wire.Encode(id, wire.CompressionNone, payload)
	if err != nil {
		t.Fatal(err)
	}
	return rec
}

func TestSchemaGuardKinesisStream(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	v1, v2 := guardSchemas(t, ctx, e)
	k := awskinesis.NewFromConfig(e.AWSConfig())
	for _, name := range []string{"guarded", "recorded"} {
		if _, err := k.CreateStream(ctx, &awskinesis.CreateStreamInput{StreamName: aws.String(name), ShardCount: aws.Int32(1)}); err != nil {
			t.Fatal(err)
		}
	}
	e.Clock().Advance(e.Kinesis().Options().CreateDelay)
	for _, name := range []string{"guarded", "recorded"} {
		w := awskinesis.NewStreamExistsWaiter(k, func(o *awskinesis.StreamExistsWaiterOptions) {
			o.MinDelay, o.MaxDelay = 10*time.Millisecond, 50*time.Millisecond
		})
		if err := w.Wait(ctx, &awskinesis.DescribeStreamInput{StreamName: aws.String(name)}, 10*time.Second); err != nil {
			t.Fatal(err)
		}
	}
	mode := map[string]string{"guarded": "reject", "recorded": "record"}
	for name, m := range mode {
		if _, err := k.AddTagsToStream(ctx, &awskinesis.AddTagsToStreamInput{StreamName: aws.String(name), Tags: map[string]string{
			"evolvestack:schema": "glue:shop/Order", "evolvestack:schema-mode": m, "team": "orders",
		}}); err != nil {
			t.Fatalf("tagging %s: %v", name, err)
		}
	}
	good := avroRecord(t, v1, guardOrderV1, map[string]any{"id": "o-1", "amount": int64(5)})
	failureVersion := avroRecord(t, v2, guardOrderV2, map[string]any{"id": "o-2", "amount": int64(6), "customer": "c"})
	truncated := good[:len(good)-2]
	cases := []struct {
		name   string
		data   []byte
		reason string // "" when the record conforms
	}{
		{"v1 record", good, ""},
		{"FAILURE version", failureVersion, "whose status is FAILURE"},
		{"not framed", []byte(`{"id":"o-3","amount":7}`), "not in the Glue Schema Registry wire format (first byte 0x7b), which a AVRO schema needs"},
		{"does not decode", truncated, "does not decode with it"},
		{"unknown version", avroRecord(t, uuid.New(), guardOrderV1, map[string]any{"id": "o-4", "amount": int64(1)}), "which is not registered"},
	}
	entries := make([]kinesistypes.PutRecordsRequestEntry, len(cases))
	for i, c := range cases {
		entries[i] = kinesistypes.PutRecordsRequestEntry{Data: c.data, PartitionKey: aws.String("p")}
	}

	before := e.Clock().Now()
	out, err := k.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("guarded"), Records: entries})
	after := e.Clock().Now()
	if err != nil {
		t.Fatal(err)
	}
	if got, want := aws.ToInt32(out.FailedRecordCount), int32(len(cases)-1); got != want {
		t.Fatalf("FailedRecordCount = %d, want %d", got, want)
	}
	for i, c := range cases {
		r := out.Records[i]
		if c.reason == "" {
			if r.ErrorCode != nil || r.SequenceNumber == nil {
				t.Errorf("%s: refused (%s: %s)", c.name, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage))
			}
			continue
		}
		if aws.ToString(r.ErrorCode) != "InvalidArgumentException" || !strings.Contains(aws.ToString(r.ErrorMessage), c.reason) ||
			!strings.Contains(aws.ToString(r.ErrorMessage), "schema glue:shop/Order") || r.SequenceNumber != nil {
			t.Errorf("%s: got %s %q, want InvalidArgumentException naming glue:shop/Order and %q", c.name, aws.ToString(r.ErrorCode), aws.ToString(r.ErrorMessage), c.reason)
		}
	}
	// Only the conforming record reached the shard.
	if got := readAll(t, ctx, k, "guarded"); len(got) != 1 || !bytes.Equal(got[0], good) {
		t.Fatalf("the guarded stream holds %d records, want only the v1 record", len(got))
	}
	// A single PutRecord is refused as a whole.
	_, err = k.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("guarded"), Data: failureVersion, PartitionKey: aws.String("p")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidArgumentException" || !strings.Contains(ae.ErrorMessage(), "whose status is FAILURE") {
		t.Fatalf("PutRecord of a FAILURE-version record: %v", err)
	}

	// Mode record: everything is written, the violations are recorded.
	out, err = k.PutRecords(ctx, &awskinesis.PutRecordsInput{StreamName: aws.String("recorded"), Records: entries})
	if err != nil || aws.ToInt32(out.FailedRecordCount) != 0 {
		t.Fatalf("record mode: %v, %+v", err, out)
	}
	if got := readAll(t, ctx, k, "recorded"); len(got) != len(cases) {
		t.Fatalf("the recorded stream holds %d records, want %d", len(got), len(cases))
	}

	desc, err := k.DescribeStreamSummary(ctx, &awskinesis.DescribeStreamSummaryInput{StreamName: aws.String("guarded")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(desc.StreamDescriptionSummary.StreamARN)
	vs := e.GuardViolations(schemaguard.Filter{Resource: arn})
	if len(vs) != len(cases) { // four in the batch, one PutRecord
		t.Fatalf("%d violations on %s, want %d: %+v", len(vs), arn, len(cases), vs)
	}
	v := vs[0]
	if v.Schema != "glue:shop/Order" || v.Version != "2" || v.SchemaVersionID != v2.String() || !v.Refused || v.Mode != schemaguard.ModeReject ||
		v.Account != e.Account() || v.AccessKey == "" || v.Operation != "PutRecords" || !bytes.Equal(v.PayloadHead, failureVersion[:min(64, len(failureVersion))]) ||
		v.PayloadSize != len(failureVersion) || v.Time.Before(before) || v.Time.After(after) {
		t.Errorf("first violation = %+v", v)
	}
	if got := e.GuardViolations(schemaguard.Filter{Schema: "glue:shop/Order"}); len(got) != 2*len(cases)-1 {
		t.Errorf("%d violations of glue:shop/Order, want %d", len(got), 2*len(cases)-1)
	}

	// The admin API serves the same.
	var body struct {
		Violations []schemaguard.Violation `json:"violations"`
	}
	adminGet(t, e, "/_evolvestack/guard/violations?resource="+url.QueryEscape(arn), &body)
	if len(body.Violations) != len(cases) || body.Violations[1].Reason != vs[1].Reason {
		t.Fatalf("admin violations = %+v", body.Violations)
	}

	// Untagging lifts the guard.
	if _, err := k.RemoveTagsFromStream(ctx, &awskinesis.RemoveTagsFromStreamInput{StreamName: aws.String("guarded"), TagKeys: []string{"evolvestack:schema"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := k.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("guarded"), Data: failureVersion, PartitionKey: aws.String("p")}); err != nil {
		t.Fatalf("PutRecord after untagging: %v", err)
	}
}

// readAll reads every record of a one-shard stream from its start.
func readAll(t *testing.T, ctx context.Context, k *awskinesis.Client, stream string) [][]byte {
	t.Helper()
	it, err := k.GetShardIterator(ctx, &awskinesis.GetShardIteratorInput{StreamName: aws.String(stream), ShardId: aws.String("shardId-000000000000"), ShardIteratorType: kinesistypes.ShardIteratorTypeTrimHorizon})
	if err != nil {
		t.Fatal(err)
	}
	out, err := k.GetRecords(ctx, &awskinesis.GetRecordsInput{ShardIterator: it.ShardIterator})
	if err != nil {
		t.Fatal(err)
	}
	var got [][]byte
	for _, r := range out.Records {
		got = append(got, r.Data)
	}
	return got
}

// adminGet decodes the JSON of an admin GET.
func adminGet(t *testing.T, e *emulator.Emulator, path string, into any) {
	t.Helper()
	resp, err := http.Get(e.Endpoint() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		t.Fatal(err)
	}
}

// adminDo sends an admin request with a JSON body and returns the status.
func adminDo(t *testing.T, e *emulator.Emulator, method, path, body string) int {
	t.Helper()
	req, err := http.NewRequest(method, e.Endpoint()+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestSchemaGuardSNSTopicThroughAdminAPI(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	guardSchemas(t, ctx, e)
	s := awssns.NewFromConfig(e.AWSConfig())
	topic, err := s.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	arn := aws.ToString(topic.TopicArn)
	// Not guarded yet: anything goes.
	if _, err := s.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("free text")}); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		body   string
		status int
	}{
		{`{"resource":"` + arn + `","schema":"glue:shop/OrderJSON","mode":"reject"}`, http.StatusOK},
		{`{"resource":"` + arn + `","schema":"kafka:shop/OrderJSON"}`, http.StatusBadRequest},
		{`{"resource":"` + arn + `","schema":"glue:shop/OrderJSON","mode":"warn"}`, http.StatusBadRequest},
		{`{"schema":"glue:shop/OrderJSON"}`, http.StatusBadRequest},
		{`not json`, http.StatusBadRequest},
	} {
		if got := adminDo(t, e, http.MethodPut, "/_evolvestack/guard/resources", c.body); got != c.status {
			t.Errorf("PUT %s: %d, want %d", c.body, got, c.status)
		}
	}
	var listed struct {
		Resources []struct{ Resource, Schema, Mode string } `json:"resources"`
	}
	adminGet(t, e, "/_evolvestack/guard/resources", &listed)
	if len(listed.Resources) != 1 || listed.Resources[0].Resource != arn || listed.Resources[0].Schema != "glue:shop/OrderJSON" || listed.Resources[0].Mode != "reject" {
		t.Fatalf("guards = %+v", listed.Resources)
	}

	if _, err := s.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(`{"id":"o-1","amount":3}`)}); err != nil {
		t.Fatalf("a conforming message: %v", err)
	}
	_, err = s.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(`{"id":"o-1","amount":"three"}`)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidParameter" ||
		!strings.HasPrefix(ae.ErrorMessage(), "Invalid parameter: Message Reason: Refused by the schema guard: the payload does not conform to schema glue:shop/OrderJSON version 1:") ||
		!strings.Contains(ae.ErrorMessage(), "/amount") {
		t.Fatalf("Publish of a non-conforming message: %v", err)
	}
	batch, err := s.PublishBatch(ctx, &awssns.PublishBatchInput{TopicArn: topic.TopicArn, PublishBatchRequestEntries: []snstypes.PublishBatchRequestEntry{
		{Id: aws.String("good"), Message: aws.String(`{"id":"o-2","amount":1}`)},
		{Id: aws.String("missing"), Message: aws.String(`{"id":"o-3"}`)},
		{Id: aws.String("text"), Message: aws.String(`hello`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Successful) != 1 || aws.ToString(batch.Successful[0].Id) != "good" || len(batch.Failed) != 2 {
		t.Fatalf("PublishBatch = %+v", batch)
	}
	for _, f := range batch.Failed {
		if aws.ToString(f.Code) != "InvalidParameter" || !f.SenderFault || !strings.Contains(aws.ToString(f.Message), "glue:shop/OrderJSON") {
			t.Errorf("failed entry %s: %s %q", aws.ToString(f.Id), aws.ToString(f.Code), aws.ToString(f.Message))
		}
	}
	vs := e.GuardViolations(schemaguard.Filter{Resource: arn})
	if len(vs) != 3 {
		t.Fatalf("%d violations, want 3: %+v", len(vs), vs)
	}
	if !strings.Contains(vs[2].Reason, "not valid JSON") || vs[2].Operation != "PublishBatch" {
		t.Errorf("violation of a text message: %+v", vs[2])
	}

	// Removing the explicit guard lets anything through again.
	if got := adminDo(t, e, http.MethodDelete, "/_evolvestack/guard/resources?resource="+url.QueryEscape(arn), ""); got != http.StatusOK {
		t.Fatalf("DELETE: %d", got)
	}
	if got := adminDo(t, e, http.MethodDelete, "/_evolvestack/guard/resources?resource="+url.QueryEscape(arn), ""); got != http.StatusNotFound {
		t.Fatalf("second DELETE: %d", got)
	}
	if _, err := s.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String("free text again")}); err != nil {
		t.Fatal(err)
	}
	if got := adminDo(t, e, http.MethodDelete, "/_evolvestack/guard/violations", ""); got != http.StatusOK || len(e.GuardViolations(schemaguard.Filter{})) != 0 {
		t.Fatalf("clearing violations: %d", got)
	}
}

func TestSchemaGuardProvisioned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	file := filepath.Join(t.TempDir(), "init.yaml")
	if err := os.WriteFile(file, []byte(`
registries:
  - name: shop
    schemas:
      - name: Click
        format: JSON
        versions:
          - definition: '{"type":"object","properties":{"page":{"type":"string"}},"required":["page"]}'
streams:
  - name: clicks
    shards: 1
    schemaGuard: {schema: glue:shop/Click, mode: reject}
topics:
  - name: clicks
    schemaGuard: {schema: glue:shop/Click}
`), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Provision(ctx, file); err != nil {
		t.Fatal(err)
	}
	k := awskinesis.NewFromConfig(e.AWSConfig())
	tags, err := k.ListTagsForStream(ctx, &awskinesis.ListTagsForStreamInput{StreamName: aws.String("clicks")})
	if err != nil || len(tags.Tags) != 2 {
		t.Fatalf("tags: %v %+v", err, tags)
	}
	if _, err := k.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("clicks"), Data: []byte(`{"page":"/"}`), PartitionKey: aws.String("p")}); err != nil {
		t.Fatalf("a conforming click: %v", err)
	}
	_, err = k.PutRecord(ctx, &awskinesis.PutRecordInput{StreamName: aws.String("clicks"), Data: []byte(`{"href":"/"}`), PartitionKey: aws.String("p")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidArgumentException" || !strings.Contains(ae.ErrorMessage(), "glue:shop/Click version 1") {
		t.Fatalf("a click without page: %v", err)
	}
	s := awssns.NewFromConfig(e.AWSConfig())
	topics, err := s.ListTopics(ctx, &awssns.ListTopicsInput{})
	if err != nil || len(topics.Topics) != 1 {
		t.Fatalf("topics: %v %+v", err, topics)
	}
	// Mode record: published, and recorded.
	if _, err := s.Publish(ctx, &awssns.PublishInput{TopicArn: topics.Topics[0].TopicArn, Message: aws.String(`{"page":3}`)}); err != nil {
		t.Fatal(err)
	}
	vs := e.GuardViolations(schemaguard.Filter{Resource: aws.ToString(topics.Topics[0].TopicArn)})
	if len(vs) != 1 || vs[0].Refused || vs[0].Mode != schemaguard.ModeRecord || !strings.Contains(vs[0].Reason, "/page") {
		t.Fatalf("topic violations = %+v", vs)
	}
}

// TestSchemaGuardEventBridgeSchema guards a topic with a schema of a custom
// EventBridge Schemas registry (OpenApi3): messages are validated against
// its latest version, converted to JSON Schema draft 4.
func TestSchemaGuardEventBridgeSchema(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	sc := awsschemas.NewFromConfig(e.AWSConfig())
	if _, err := sc.CreateRegistry(ctx, &awsschemas.CreateRegistryInput{RegistryName: aws.String("shop-events")}); err != nil {
		t.Fatal(err)
	}
	openapi := func(required string) string {
		return `{"openapi":"3.0.0","info":{"title":"Order","version":"1.0.0"},"paths":{},"components":{"schemas":{"Order":{"type":"object","required":[` + required + `],"properties":{"id":{"type":"string"},"qty":{"type":"integer"}}}}}}`
	}
	if _, err := sc.CreateSchema(ctx, &awsschemas.CreateSchemaInput{RegistryName: aws.String("shop-events"), SchemaName: aws.String("Order"),
		Type: schemastypes.TypeOpenApi3, Content: aws.String(openapi(`"id"`))}); err != nil {
		t.Fatal(err)
	}
	s := awssns.NewFromConfig(e.AWSConfig())
	topic, err := s.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("orders"), Tags: []snstypes.Tag{
		{Key: aws.String("evolvestack:schema"), Value: aws.String("schemas:shop-events/Order")},
		{Key: aws.String("evolvestack:schema-mode"), Value: aws.String("reject")},
	}})
	if err != nil {
		t.Fatal(err)
	}
	publish := func(msg string) error {
		_, err := s.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(msg)})
		return err
	}
	if err := publish(`{"id":"o-1"}`); err != nil {
		t.Fatalf("a conforming message: %v", err)
	}
	if err := publish(`{"qty":1}`); err == nil || !strings.Contains(err.Error(), "schema schemas:shop-events/Order version 1") {
		t.Fatalf("a message without id: %v", err)
	}
	// A new version that requires qty too: the guard follows the latest.
	if _, err := sc.UpdateSchema(ctx, &awsschemas.UpdateSchemaInput{RegistryName: aws.String("shop-events"), SchemaName: aws.String("Order"),
		Type: schemastypes.TypeOpenApi3, Content: aws.String(openapi(`"id","qty"`))}); err != nil {
		t.Fatal(err)
	}
	if err := publish(`{"id":"o-2"}`); err == nil || !strings.Contains(err.Error(), "version 2") || !strings.Contains(err.Error(), "qty") {
		t.Fatalf("a message without qty after v2: %v", err)
	}
	if err := publish(`{"id":"o-3","qty":2}`); err != nil {
		t.Fatalf("a v2 message: %v", err)
	}
	if vs := e.GuardViolations(schemaguard.Filter{Schema: "schemas:shop-events/Order"}); len(vs) != 2 || vs[0].Version != "1" || vs[1].Version != "2" {
		t.Fatalf("violations = %+v", vs)
	}
}

// TestSchemaGuardEventBridgeBus: a bus guarded by an EventBridge schema of
// the whole event (AWSEvent with its detail, as discovered schemas are
// written) records, or refuses per entry, PutEvents details that violate
// it.
func TestSchemaGuardEventBridgeBus(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	sc := awsschemas.NewFromConfig(e.AWSConfig())
	if _, err := sc.CreateRegistry(ctx, &awsschemas.CreateRegistryInput{RegistryName: aws.String("shop-events")}); err != nil {
		t.Fatal(err)
	}
	const content = `{"openapi":"3.0.0","info":{"title":"OrderPlaced","version":"1.0.0"},"paths":{},"components":{"schemas":{
"AWSEvent":{"type":"object","required":["detail-type","source","detail"],"properties":{"detail":{"$ref":"#/components/schemas/OrderPlaced"},"detail-type":{"type":"string"},"source":{"type":"string"}}},
"OrderPlaced":{"type":"object","required":["orderId"],"properties":{"orderId":{"type":"string"},"total":{"type":"number"}}}}}}`
	if _, err := sc.CreateSchema(ctx, &awsschemas.CreateSchemaInput{RegistryName: aws.String("shop-events"), SchemaName: aws.String("shop@OrderPlaced"),
		Type: schemastypes.TypeOpenApi3, Content: aws.String(content)}); err != nil {
		t.Fatal(err)
	}
	ev := awseventbridge.NewFromConfig(e.AWSConfig())
	for bus, mode := range map[string]string{"recorded": "record", "guarded": "reject"} {
		if _, err := ev.CreateEventBus(ctx, &awseventbridge.CreateEventBusInput{Name: aws.String(bus), Tags: []ebtypes.Tag{
			{Key: aws.String("evolvestack:schema"), Value: aws.String("schemas:shop-events/shop@OrderPlaced")},
			{Key: aws.String("evolvestack:schema-mode"), Value: aws.String(mode)},
		}}); err != nil {
			t.Fatal(err)
		}
	}
	entries := func(bus string) []ebtypes.PutEventsRequestEntry {
		return []ebtypes.PutEventsRequestEntry{
			{EventBusName: aws.String(bus), Source: aws.String("shop"), DetailType: aws.String("OrderPlaced"), Detail: aws.String(`{"orderId":"o-1","total":3}`)},
			{EventBusName: aws.String(bus), Source: aws.String("shop"), DetailType: aws.String("OrderPlaced"), Detail: aws.String(`{"orderId":7}`)},
		}
	}
	out, err := ev.PutEvents(ctx, &awseventbridge.PutEventsInput{Entries: entries("recorded")})
	if err != nil || out.FailedEntryCount != 0 {
		t.Fatalf("record mode: %v %+v", err, out)
	}
	busARN := "arn:aws:events:" + e.Region() + ":" + e.Account() + ":event-bus/"
	vs := e.GuardViolations(schemaguard.Filter{Resource: busARN + "recorded"})
	if len(vs) != 1 || vs[0].Refused || !strings.Contains(vs[0].Reason, "/detail/orderId") || vs[0].Operation != "PutEvents" || vs[0].Version != "1" {
		t.Fatalf("violations on the recorded bus: %+v", vs)
	}
	out, err = ev.PutEvents(ctx, &awseventbridge.PutEventsInput{Entries: entries("guarded")})
	if err != nil || out.FailedEntryCount != 1 {
		t.Fatalf("reject mode: %v %+v", err, out)
	}
	if out.Entries[0].EventId == nil || aws.ToString(out.Entries[1].ErrorCode) != "InvalidArgument" ||
		!strings.Contains(aws.ToString(out.Entries[1].ErrorMessage), "schema schemas:shop-events/shop@OrderPlaced version 1") || out.Entries[1].EventId != nil {
		t.Fatalf("reject mode entries: %+v", out.Entries)
	}
	if vs := e.GuardViolations(schemaguard.Filter{Resource: busARN + "guarded"}); len(vs) != 1 || !vs[0].Refused {
		t.Fatalf("violations on the guarded bus: %+v", vs)
	}
}

// TestSchemaGuardSQSQueue: SendMessage and SendMessageBatch on a guarded
// queue, and an SNS subscription delivering into it (the service's own
// delivery is checked too: refused, it is retried and never arrives).
func TestSchemaGuardSQSQueue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	guardSchemas(t, ctx, e)
	q := awssqs.NewFromConfig(e.AWSConfig())
	created, err := q.CreateQueue(ctx, &awssqs.CreateQueueInput{QueueName: aws.String("orders"), Tags: map[string]string{
		"evolvestack:schema": "glue:shop/OrderJSON", "evolvestack:schema-mode": "reject"}})
	if err != nil {
		t.Fatal(err)
	}
	url := created.QueueUrl
	if _, err := q.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(`{"id":"o-1","amount":1}`)}); err != nil {
		t.Fatalf("a conforming message: %v", err)
	}
	_, err = q.SendMessage(ctx, &awssqs.SendMessageInput{QueueUrl: url, MessageBody: aws.String(`{"id":"o-2"}`)})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "InvalidMessageContents" || !strings.Contains(ae.ErrorMessage(), "schema glue:shop/OrderJSON version 1") ||
		!strings.Contains(ae.ErrorMessage(), "amount") {
		t.Fatalf("a message without amount: %v", err)
	}
	batch, err := q.SendMessageBatch(ctx, &awssqs.SendMessageBatchInput{QueueUrl: url, Entries: []sqstypes.SendMessageBatchRequestEntry{
		{Id: aws.String("good"), MessageBody: aws.String(`{"id":"o-3","amount":2}`)},
		{Id: aws.String("bad"), MessageBody: aws.String(`{"id":3,"amount":2}`)},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if len(batch.Successful) != 1 || aws.ToString(batch.Successful[0].Id) != "good" || len(batch.Failed) != 1 ||
		aws.ToString(batch.Failed[0].Code) != "InvalidMessageContents" || !batch.Failed[0].SenderFault ||
		!strings.Contains(aws.ToString(batch.Failed[0].Message), "/id") {
		t.Fatalf("SendMessageBatch = %+v %+v", batch.Successful, batch.Failed)
	}

	// An SNS topic delivers raw messages into the guarded queue.
	s := awssns.NewFromConfig(e.AWSConfig())
	topic, err := s.CreateTopic(ctx, &awssns.CreateTopicInput{Name: aws.String("orders")})
	if err != nil {
		t.Fatal(err)
	}
	qattrs, err := q.GetQueueAttributes(ctx, &awssqs.GetQueueAttributesInput{QueueUrl: url, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameQueueArn}})
	if err != nil {
		t.Fatal(err)
	}
	queueARN := qattrs.Attributes["QueueArn"]
	if _, err := s.Subscribe(ctx, &awssns.SubscribeInput{TopicArn: topic.TopicArn, Protocol: aws.String("sqs"), Endpoint: aws.String(queueARN),
		Attributes: map[string]string{"RawMessageDelivery": "true"}}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []string{`{"id":"sns-good","amount":5}`, `{"id":"sns-bad"}`} {
		if _, err := s.Publish(ctx, &awssns.PublishInput{TopicArn: topic.TopicArn, Message: aws.String(m)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Clock().Settle(ctx); err != nil {
		t.Fatal(err)
	}
	var bodies []string
	for range 3 {
		got, err := q.ReceiveMessage(ctx, &awssqs.ReceiveMessageInput{QueueUrl: url, MaxNumberOfMessages: 10})
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got.Messages {
			bodies = append(bodies, aws.ToString(m.Body))
		}
	}
	joined := strings.Join(bodies, "\n")
	if !strings.Contains(joined, "sns-good") || strings.Contains(joined, "sns-bad") || !strings.Contains(joined, "o-1") || !strings.Contains(joined, "o-3") {
		t.Fatalf("the guarded queue holds %q", bodies)
	}
	vs := e.GuardViolations(schemaguard.Filter{Resource: queueARN})
	if len(vs) < 3 {
		t.Fatalf("violations = %+v", vs)
	}
	var fromSNS bool
	for _, v := range vs {
		if strings.Contains(string(v.PayloadHead), "sns-bad") {
			fromSNS = true
		}
	}
	if !fromSNS {
		t.Errorf("the SNS delivery's violation is not recorded: %+v", vs)
	}
}
