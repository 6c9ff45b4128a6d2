package provision_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	sdkglue "github.com/aws/aws-sdk-go-v2/service/glue"
	gluetypes "github.com/aws/aws-sdk-go-v2/service/glue/types"
	sdkkinesis "github.com/aws/aws-sdk-go-v2/service/kinesis"
	kinesistypes "github.com/aws/aws-sdk-go-v2/service/kinesis/types"
	sdklambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	sdksqs "github.com/aws/aws-sdk-go-v2/service/sqs"
	sqstypes "github.com/aws/aws-sdk-go-v2/service/sqs/types"

	"github.com/evolvestack/evolvestack/emulator"
	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/kinesis"
	"github.com/evolvestack/evolvestack/emulator/provision"
)

// provisionTwice applies the file at path twice and checks that the second
// run creates nothing and finds everything the first created.
func provisionTwice(t *testing.T, e *emulator.Emulator, path string) *provision.Report {
	t.Helper()
	ctx := context.Background()
	first, err := e.Provision(ctx, path)
	if err != nil {
		t.Fatalf("first apply: %v", err)
	}
	if len(first.Created) == 0 {
		t.Fatalf("first apply created nothing: %+v", first)
	}
	second, err := e.Provision(ctx, path)
	if err != nil {
		t.Fatalf("second apply: %v", err)
	}
	if len(second.Created) != 0 {
		t.Errorf("second apply created %q", second.Created)
	}
	want := append(slices.Clone(first.Created), first.Unchanged...)
	slices.Sort(want)
	got := slices.Clone(second.Unchanged)
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("second apply found %q, want %q", got, want)
	}
	return first
}

// wantLineError checks that err names path:line and contains each part.
func wantLineError(t *testing.T, err error, path string, line string, parts ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error, want %s:%s", path, line)
	}
	var pe *provision.Error
	if !errors.As(err, &pe) {
		t.Fatalf("error %v is not a *provision.Error", err)
	}
	msg := err.Error()
	if !strings.Contains(msg, path+":"+line+": ") {
		t.Errorf("error %q does not name %s:%s", msg, path, line)
	}
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("error %q does not contain %q", msg, p)
		}
	}
}

const avroV1 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"}]}`
const avroV2 = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"n","type":"int","default":0}]}`
const avroBreaking = `{"type":"record","name":"Order","fields":[{"name":"id","type":"string"},{"name":"m","type":"int"}]}`

func TestApplyGlue(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	c := sdkglue.NewFromConfig(e.AWSConfig())
	dir := writeFiles(t, map[string]string{
		"v1.avsc": avroV1,
		"init.yaml": `registries:
  - name: shop
    description: the shop
    schemas:
      - name: Order
        format: AVRO
        compatibility: BACKWARD_ALL
        versions:
          - file: v1.avsc
          - definition: '` + avroV2 + `'
      - name: Empty
        format: JSON
`,
		"more.yaml": `registries:
  - name: shop
    schemas:
      - name: Order
        format: AVRO
        versions:
          - file: v1.avsc
          - definition: '` + avroV2 + `'
          - definition: '` + avroBreaking + `'
`,
		"mode.yaml": `registries:
  - name: shop
    schemas:
      - name: Order
        format: AVRO
        compatibility: NONE
`,
	})
	path := filepath.Join(dir, "init.yaml")
	rep := provisionTwice(t, e, path)
	if want := "glue schema version shop/Order 2 (000000000000/us-east-1)"; !slices.Contains(rep.Created, want) {
		t.Errorf("created %q, want %q among them", rep.Created, want)
	}

	sc, err := c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: &gluetypes.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String("Order")}})
	if err != nil {
		t.Fatal(err)
	}
	if sc.Compatibility != gluetypes.CompatibilityBackwardAll || aws.ToInt64(sc.LatestSchemaVersion) != 2 {
		t.Errorf("schema %s, latest %d", sc.Compatibility, aws.ToInt64(sc.LatestSchemaVersion))
	}
	reg, err := c.GetRegistry(ctx, &sdkglue.GetRegistryInput{RegistryId: &gluetypes.RegistryId{RegistryName: aws.String("shop")}})
	if err != nil || aws.ToString(reg.Description) != "the shop" {
		t.Errorf("registry %+v %v", reg, err)
	}
	if _, err := c.GetSchema(ctx, &sdkglue.GetSchemaInput{SchemaId: &gluetypes.SchemaId{RegistryName: aws.String("shop"), SchemaName: aws.String("Empty")}}); err != nil {
		t.Errorf("schema without versions: %v", err)
	}

	// A breaking third version stops at its line with the registry's reason.
	_, err = e.Provision(ctx, filepath.Join(dir, "more.yaml"))
	wantLineError(t, err, filepath.Join(dir, "more.yaml"), "9", "shop/Order: version 3 breaks", "FAILURE")
	// A mode that differs from the existing schema's is reported, not changed.
	_, err = e.Provision(ctx, filepath.Join(dir, "mode.yaml"))
	wantLineError(t, err, filepath.Join(dir, "mode.yaml"), "4", "compatibility BACKWARD_ALL (the file says NONE)")
}

func TestApplyStreamsAndQueues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	dir := writeFiles(t, map[string]string{"init.yaml": `streams:
  - name: orders
    shards: 2
    retentionHours: 48
  - name: clicks
queues:
  - name: orders
    attributes: {VisibilityTimeout: 45}
    redrive: {deadLetterQueue: orders-dlq, maxReceiveCount: 4}
  - name: orders-dlq
  - name: jobs.fifo
    attributes: {ContentBasedDeduplication: true}
scopes:
  - account: "111111111111"
    region: eu-west-1
    queues:
      - name: elsewhere
`,
		"changed.yaml": `streams:
  - name: orders
    shards: 3
`,
		"queue.yaml": `queues:
  - name: orders-dlq
  - name: orders
    attributes: {VisibilityTimeout: 10}
`,
		"badname.yaml": `queues:
  - name: no spaces please
`,
	})
	path := filepath.Join(dir, "init.yaml")
	provisionTwice(t, e, path)

	t.Run("kinesis", func(t *testing.T) {
		t.Parallel()
		kc := sdkkinesis.NewFromConfig(e.AWSConfig())
		tests := []struct {
			name      string
			shards    int32
			retention int32
		}{{"orders", 2, 48}, {"clicks", 4, 24}}
		for _, tt := range tests {
			out, err := kc.DescribeStreamSummary(ctx, &sdkkinesis.DescribeStreamSummaryInput{StreamName: aws.String(tt.name)})
			if err != nil {
				t.Fatalf("%s: %v", tt.name, err)
			}
			s := out.StreamDescriptionSummary
			if aws.ToInt32(s.OpenShardCount) != tt.shards || aws.ToInt32(s.RetentionPeriodHours) != tt.retention {
				t.Errorf("%s: %d shards, %d hours; want %d, %d", tt.name, aws.ToInt32(s.OpenShardCount), aws.ToInt32(s.RetentionPeriodHours), tt.shards, tt.retention)
			}
		}
		_, err := e.Provision(ctx, filepath.Join(dir, "changed.yaml"))
		wantLineError(t, err, filepath.Join(dir, "changed.yaml"), "2", `stream "orders" exists with 2 open shards (the file says 3)`)
	})
	t.Run("sqs", func(t *testing.T) {
		t.Parallel()
		qc := sdksqs.NewFromConfig(e.AWSConfig())
		attrs := func(c *sdksqs.Client, name string) map[string]string {
			t.Helper()
			u, err := c.GetQueueUrl(ctx, &sdksqs.GetQueueUrlInput{QueueName: aws.String(name)})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			out, err := c.GetQueueAttributes(ctx, &sdksqs.GetQueueAttributesInput{QueueUrl: u.QueueUrl, AttributeNames: []sqstypes.QueueAttributeName{sqstypes.QueueAttributeNameAll}})
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			return out.Attributes
		}
		orders, dlq := attrs(qc, "orders"), attrs(qc, "orders-dlq")
		var policy struct {
			DeadLetterTargetArn string `json:"deadLetterTargetArn"`
			MaxReceiveCount     any    `json:"maxReceiveCount"`
		}
		if err := json.Unmarshal([]byte(orders["RedrivePolicy"]), &policy); err != nil {
			t.Fatalf("RedrivePolicy %q: %v", orders["RedrivePolicy"], err)
		}
		if policy.DeadLetterTargetArn != dlq["QueueArn"] || policy.DeadLetterTargetArn == "" {
			t.Errorf("dead-letter target %q, want %q", policy.DeadLetterTargetArn, dlq["QueueArn"])
		}
		if orders["VisibilityTimeout"] != "45" {
			t.Errorf("VisibilityTimeout %q", orders["VisibilityTimeout"])
		}
		if fifo := attrs(qc, "jobs.fifo"); fifo["FifoQueue"] != "true" || fifo["ContentBasedDeduplication"] != "true" {
			t.Errorf("fifo queue attributes %v", fifo)
		}
		// The scoped queue lives in its own account and region only.
		cfg := e.AWSConfig()
		cfg.Region = "eu-west-1"
		cfg.Credentials = credentials.NewStaticCredentialsProvider("111111111111", "x", "")
		if got := attrs(sdksqs.NewFromConfig(cfg), "elsewhere")["QueueArn"]; got != "arn:aws:sqs:eu-west-1:111111111111:elsewhere" {
			t.Errorf("scoped queue ARN %q", got)
		}
		if _, err := qc.GetQueueUrl(ctx, &sdksqs.GetQueueUrlInput{QueueName: aws.String("elsewhere")}); err == nil {
			t.Error("scoped queue exists in the default scope too")
		}
		_, err := e.Provision(ctx, filepath.Join(dir, "queue.yaml"))
		wantLineError(t, err, filepath.Join(dir, "queue.yaml"), "3", `queue "orders": CreateQueue: QueueAlreadyExists`)
		_, err = e.Provision(ctx, filepath.Join(dir, "badname.yaml"))
		wantLineError(t, err, filepath.Join(dir, "badname.yaml"), "2", `queue "no spaces please": CreateQueue`)
	})
}

// TestApplyStreamsActiveAtOnce checks that provisioned streams skip
// Kinesis' CREATING period, so that Apply completes on a frozen clock,
// while streams created through the API still go through it.
func TestApplyStreamsActiveAtOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0))))
	if got := e.Kinesis().Options().CreateDelay; got != kinesis.AWSCreateDelay {
		t.Fatalf("default CreateDelay %v, want %v", got, kinesis.AWSCreateDelay)
	}
	files := map[string]string{"init.yaml": `streams:
  - name: orders
    shards: 2
    retentionHours: 48
scopes:
  - region: eu-west-1
    streams:
      - name: elsewhere
        retentionHours: 72
`,
		"api.yaml": `streams:
  - name: from-api
    shards: 1
`}
	for i := range 4 {
		files[fmt.Sprintf("p%d.yaml", i)] = fmt.Sprintf("streams:\n  - name: parallel-%d\n    retentionHours: 25\n", i)
	}
	dir := writeFiles(t, files)
	start := e.Clock().Now()
	provisionTwice(t, e, filepath.Join(dir, "init.yaml"))
	// Concurrent applies in one scope leave its options as they were.
	var wg sync.WaitGroup
	for i := range 4 {
		wg.Go(func() {
			if _, err := e.Provision(ctx, filepath.Join(dir, fmt.Sprintf("p%d.yaml", i))); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if !e.Clock().Now().Equal(start) {
		t.Errorf("provisioning moved the clock from %v to %v", start, e.Clock().Now())
	}
	if got := e.Kinesis().Options().CreateDelay; got != kinesis.AWSCreateDelay {
		t.Errorf("CreateDelay %v after provisioning, want %v", got, kinesis.AWSCreateDelay)
	}

	kc := sdkkinesis.NewFromConfig(e.AWSConfig())
	summary := func(c *sdkkinesis.Client, name string) *kinesistypes.StreamDescriptionSummary {
		t.Helper()
		out, err := c.DescribeStreamSummary(ctx, &sdkkinesis.DescribeStreamSummaryInput{StreamName: aws.String(name)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		return out.StreamDescriptionSummary
	}
	if s := summary(kc, "orders"); s.StreamStatus != kinesistypes.StreamStatusActive || aws.ToInt32(s.OpenShardCount) != 2 || aws.ToInt32(s.RetentionPeriodHours) != 48 {
		t.Errorf("orders: %s, %d shards, %d hours; want ACTIVE, 2, 48", s.StreamStatus, aws.ToInt32(s.OpenShardCount), aws.ToInt32(s.RetentionPeriodHours))
	}
	for i := range 4 {
		if s := summary(kc, fmt.Sprintf("parallel-%d", i)); s.StreamStatus != kinesistypes.StreamStatusActive || aws.ToInt32(s.RetentionPeriodHours) != 25 {
			t.Errorf("parallel-%d: %s, %d hours; want ACTIVE, 25", i, s.StreamStatus, aws.ToInt32(s.RetentionPeriodHours))
		}
	}
	cfg := e.AWSConfig()
	cfg.Region = "eu-west-1"
	if s := summary(sdkkinesis.NewFromConfig(cfg), "elsewhere"); s.StreamStatus != kinesistypes.StreamStatusActive || aws.ToInt32(s.RetentionPeriodHours) != 72 {
		t.Errorf("elsewhere: %s, %d hours; want ACTIVE, 72", s.StreamStatus, aws.ToInt32(s.RetentionPeriodHours))
	}
	if _, err := kc.PutRecord(ctx, &sdkkinesis.PutRecordInput{StreamName: aws.String("orders"), Data: []byte("x"), PartitionKey: aws.String("k")}); err != nil {
		t.Errorf("PutRecord on a provisioned stream: %v", err)
	}

	// A stream created through the API is CREATING, with no shards to
	// compare; provisioning accepts it as it is.
	if _, err := kc.CreateStream(ctx, &sdkkinesis.CreateStreamInput{StreamName: aws.String("from-api"), ShardCount: aws.Int32(1)}); err != nil {
		t.Fatal(err)
	}
	if s := summary(kc, "from-api"); s.StreamStatus != kinesistypes.StreamStatusCreating {
		t.Fatalf("from-api is %s, want CREATING", s.StreamStatus)
	}
	rep, err := e.Provision(ctx, filepath.Join(dir, "api.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Created) != 0 || len(rep.Unchanged) != 1 {
		t.Errorf("report %+v, want from-api unchanged", rep)
	}
	if s := summary(kc, "from-api"); s.StreamStatus != kinesistypes.StreamStatusCreating {
		t.Errorf("from-api is %s after provisioning, want CREATING still", s.StreamStatus)
	}
	if err := e.Clock().Advance(kinesis.AWSCreateDelay); err != nil {
		t.Fatal(err)
	}
	if s := summary(kc, "from-api"); s.StreamStatus != kinesistypes.StreamStatusActive {
		t.Errorf("from-api is %s after its CREATING period, want ACTIVE", s.StreamStatus)
	}
}

// TestApplyKeepsCreateDelay checks that a CREATING period set through the
// Kinesis options survives provisioning.
func TestApplyKeepsCreateDelay(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t, emulator.WithClock(clock.New(clock.WithScale(0))))
	o := e.Kinesis().Options()
	o.CreateDelay = 3 * time.Second
	o.ThroughputLimits = true
	e.Kinesis().SetOptions(o)
	dir := writeFiles(t, map[string]string{"init.yaml": "streams:\n  - name: s\n    retentionHours: 30\n"})
	if _, err := e.Provision(context.Background(), filepath.Join(dir, "init.yaml")); err != nil {
		t.Fatal(err)
	}
	if got := e.Kinesis().Options(); got != o {
		t.Errorf("options %+v after provisioning, want %+v", got, o)
	}
}

// kinesisOps are the Kinesis operations Apply calls for a stream.
type kinesisOps interface {
	CreateStream(context.Context, *kinesis.CreateStreamInput) (*kinesis.CreateStreamOutput, error)
	DescribeStreamSummary(context.Context, *kinesis.DescribeStreamSummaryInput) (*kinesis.DescribeStreamSummaryOutput, error)
	IncreaseStreamRetentionPeriod(context.Context, *kinesis.IncreaseStreamRetentionPeriodInput) (*kinesis.IncreaseStreamRetentionPeriodOutput, error)
}

// opsOnly hides the Kinesis service's options from Apply.
type opsOnly struct{ kinesisOps }

// TestApplyWaitsForCreating checks that Apply waits for a stream it could
// not create ACTIVE at once (its service hides its options) before
// raising its retention, as an AWS client waits.
func TestApplyWaitsForCreating(t *testing.T) {
	t.Parallel()
	e := emulator.Start(t) // a running clock
	f, err := provision.Parse("init.yaml", []byte("streams:\n  - name: s\n    retentionHours: 48\n"))
	if err != nil {
		t.Fatal(err)
	}
	start := e.Clock().Now()
	_, err = f.Apply(context.Background(), provision.Target{
		Services: func(name string, sc awsapi.Scope) any {
			svc := e.Service(name, sc)
			if name == "kinesis" {
				return opsOnly{svc.(kinesisOps)}
			}
			return svc
		},
		Default:  awsapi.Scope{Account: e.Account(), Region: e.Region()},
		Endpoint: e.Endpoint(),
	})
	if err != nil {
		t.Fatal(err)
	}
	if waited := e.Clock().Since(start); waited < kinesis.AWSCreateDelay {
		t.Errorf("Apply returned after %v, within the CREATING period", waited)
	}
	out, err := e.Kinesis().DescribeStreamSummary(context.Background(), &kinesis.DescribeStreamSummaryInput{StreamName: aws.String("s")})
	if err != nil {
		t.Fatal(err)
	}
	if s := out.StreamDescriptionSummary; s.StreamStatus != kinesis.StreamStatusActive || aws.ToInt32(s.RetentionPeriodHours) != 48 {
		t.Errorf("stream %s with %d hours, want ACTIVE with 48", s.StreamStatus, aws.ToInt32(s.RetentionPeriodHours))
	}
}

// zipOf builds a deployment package holding one bootstrap file.
func zipOf(t *testing.T, content string) string {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "bootstrap", Method: zip.Deflate})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := w.Write([]byte(content)); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

func TestApplyLambda(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	e := emulator.Start(t)
	dir := writeFiles(t, map[string]string{
		"fn/audit.zip": zipOf(t, "#!/bin/sh\nexit 1\n"),
		"other.zip":    zipOf(t, "#!/bin/sh\nexit 2\n"),
		"init.yaml": `streams:
  - name: orders
    shards: 1
queues:
  - name: orders
  - name: failed
functions:
  - name: audit
    zip: fn/audit.zip
    timeout: 10
    memorySize: 256
    environment: {MODE: audit}
    deadLetterQueue: failed
    eventSources:
      - queue: orders
        batchSize: 5
        functionResponseTypes: [ReportBatchItemFailures]
      - stream: orders
        startingPosition: TRIM_HORIZON
        maximumRetryAttempts: 2
        onFailure: {queue: failed}
`,
		"changed.yaml": `functions:
  - name: audit
    zip: other.zip
`,
	})
	provisionTwice(t, e, filepath.Join(dir, "init.yaml"))

	lc := sdklambda.NewFromConfig(e.AWSConfig())
	fn, err := lc.GetFunction(ctx, &sdklambda.GetFunctionInput{FunctionName: aws.String("audit")})
	if err != nil {
		t.Fatal(err)
	}
	cfg := fn.Configuration
	if string(cfg.Runtime) != provision.DefaultRuntime || aws.ToString(cfg.Handler) != provision.DefaultHandler ||
		aws.ToInt32(cfg.Timeout) != 10 || aws.ToInt32(cfg.MemorySize) != 256 || cfg.Environment.Variables["MODE"] != "audit" ||
		!strings.HasSuffix(aws.ToString(cfg.DeadLetterConfig.TargetArn), ":failed") {
		t.Errorf("function configuration %+v", cfg)
	}
	esms, err := lc.ListEventSourceMappings(ctx, &sdklambda.ListEventSourceMappingsInput{FunctionName: aws.String("audit")})
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]int{}
	for _, m := range esms.EventSourceMappings {
		arn := aws.ToString(m.EventSourceArn)
		switch {
		case strings.HasPrefix(arn, "arn:aws:sqs:") && strings.HasSuffix(arn, ":orders"):
			kinds["sqs"]++
			if aws.ToInt32(m.BatchSize) != 5 || len(m.FunctionResponseTypes) != 1 {
				t.Errorf("queue mapping %+v", m)
			}
		case strings.HasPrefix(arn, "arn:aws:kinesis:") && strings.HasSuffix(arn, "stream/orders"):
			kinds["kinesis"]++
			if m.StartingPosition != "TRIM_HORIZON" || m.DestinationConfig == nil || m.DestinationConfig.OnFailure == nil ||
				!strings.HasSuffix(aws.ToString(m.DestinationConfig.OnFailure.Destination), ":failed") {
				t.Errorf("stream mapping %+v", m)
			}
		default:
			t.Errorf("unexpected mapping from %s", arn)
		}
	}
	if kinds["sqs"] != 1 || kinds["kinesis"] != 1 {
		t.Errorf("mappings by source %v, want one each", kinds)
	}
	_, err = e.Provision(ctx, filepath.Join(dir, "changed.yaml"))
	wantLineError(t, err, filepath.Join(dir, "changed.yaml"), "2", `function "audit" exists with other code`)
}
