//go:build !evolvestack_slim

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"

	"github.com/evolvestack/evolvestack/internal/awsclient"
)

// glueClient calls the Glue Schema Registry operations the schema commands
// use, over AWS's JSON 1.1 protocol with SigV4 signatures. It stands in for
// the SDK's Glue client, whose package (and its types package) builds about
// 2 MB of serialisation schemas in a package init: linked into this binary,
// every start of the server would pay for them (issue 12).
type glueClient struct {
	endpoint string
	aws      *awsclient.Client
	// attempts is how many times a call is tried (the SDK's standard
	// retryer: 3); backoff is the base of its exponential jittered wait.
	attempts int
	backoff  time.Duration
}

// newGlueClient builds a client for cfg's region and credentials, sending
// to endpoint, or to Glue's regional endpoint when it is "".
func newGlueClient(cfg aws.Config, endpoint string) *glueClient {
	if endpoint == "" && cfg.BaseEndpoint != nil {
		endpoint = *cfg.BaseEndpoint
	}
	if endpoint == "" {
		endpoint = glueRegionalEndpoint(cfg.Region)
	}
	return &glueClient{
		endpoint: strings.TrimRight(endpoint, "/"),
		aws:      awsclient.New(cfg, ""),
		attempts: 3,
		backoff:  time.Second,
	}
}

// glueRegionalEndpoint is Glue's endpoint in region's partition, with the
// DNS suffixes of the SDK's partitions.json (FIPS and dual-stack variants
// need --endpoint).
func glueRegionalEndpoint(region string) string {
	suffix := "amazonaws.com"
	switch {
	case strings.HasPrefix(region, "cn-"):
		suffix = "amazonaws.com.cn"
	case strings.HasPrefix(region, "us-isob-"):
		suffix = "sc2s.sgov.gov"
	case strings.HasPrefix(region, "us-iso-"):
		suffix = "c2s.ic.gov"
	case strings.HasPrefix(region, "us-isof-"):
		suffix = "csp.hci.ic.gov"
	case strings.HasPrefix(region, "eu-isoe-"):
		suffix = "cloud.adc-e.uk"
	case strings.HasPrefix(region, "eusc-"):
		suffix = "amazonaws.eu"
	}
	return "https://glue." + region + "." + suffix
}

// retryableCode reports whether the SDK's standard retryer retries an
// error with this code (throttling and transient errors).
func retryableCode(code string) bool {
	switch code {
	case "Throttling", "ThrottlingException", "ThrottledException", "RequestThrottledException",
		"TooManyRequestsException", "ProvisionedThroughputExceededException", "TransactionInProgressException",
		"RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException", "RequestThrottled",
		"SlowDown", "PriorRequestNotComplete", "EC2ThrottledException",
		"RequestTimeout", "RequestTimeoutException":
		return true
	}
	return false
}

// call sends one operation (AWSGlue.<op>) with in as its body and decodes
// the answer into out, retrying throttling, server errors and lost
// connections as the SDK does. Service errors are *smithy.GenericAPIError.
func (c *glueClient) call(ctx context.Context, op string, in, out any) error {
	body, err := json.Marshal(in)
	if err != nil {
		return fmt.Errorf("%s: encoding request: %w", op, err)
	}
	for attempt := 1; ; attempt++ {
		err = c.send(ctx, op, body, out)
		if err == nil || attempt >= c.attempts || !c.retryable(err) || ctx.Err() != nil {
			return err
		}
		wait := time.Duration(rand.Float64() * float64(min(c.backoff<<(attempt-1), 20*time.Second)))
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
	}
}

// retryable reports whether a failed attempt may be tried again.
func (c *glueClient) retryable(err error) bool {
	var se *awsclient.SendError
	if errors.As(err, &se) {
		return !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded)
	}
	var ae *smithy.GenericAPIError
	if errors.As(err, &ae) {
		return retryableCode(ae.Code) || ae.Fault == smithy.FaultServer
	}
	return false
}

// send makes one attempt.
func (c *glueClient) send(ctx context.Context, op string, body []byte, out any) error {
	hdr := http.Header{"Content-Type": {"application/x-amz-json-1.1"}, "X-Amz-Target": {"AWSGlue." + op}}
	_, raw, err := c.aws.Do(ctx, "glue", http.MethodPost, c.endpoint+"/", hdr, body)
	if err != nil {
		return fmt.Errorf("%s: %w", op, err)
	}
	if out == nil || len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("%s: decoding answer: %w", op, err)
	}
	return nil
}

// The request and answer shapes of the operations used, with the members
// the commands read; names as in the Glue API.

type schemaID struct {
	RegistryName *string `json:",omitempty"`
	SchemaName   *string `json:",omitempty"`
	SchemaArn    *string `json:",omitempty"`
}

type registryID struct {
	RegistryName *string `json:",omitempty"`
	RegistryArn  *string `json:",omitempty"`
}

type schemaVersionNumber struct {
	LatestVersion bool   `json:",omitempty"`
	VersionNumber *int64 `json:",omitempty"`
}

type getSchemaInput struct {
	SchemaId *schemaID
}

type getSchemaOutput struct {
	DataFormat        string
	Compatibility     string
	SchemaCheckpoint  *int64
	NextSchemaVersion *int64
}

func (c *glueClient) GetSchema(ctx context.Context, in *getSchemaInput) (*getSchemaOutput, error) {
	out := &getSchemaOutput{}
	return out, c.call(ctx, "GetSchema", in, out)
}

type getSchemaByDefinitionInput struct {
	SchemaId         *schemaID
	SchemaDefinition *string
}

type getSchemaByDefinitionOutput struct {
	SchemaVersionId *string
	Status          string
}

func (c *glueClient) GetSchemaByDefinition(ctx context.Context, in *getSchemaByDefinitionInput) (*getSchemaByDefinitionOutput, error) {
	out := &getSchemaByDefinitionOutput{}
	return out, c.call(ctx, "GetSchemaByDefinition", in, out)
}

type getSchemaVersionInput struct {
	SchemaId            *schemaID            `json:",omitempty"`
	SchemaVersionId     *string              `json:",omitempty"`
	SchemaVersionNumber *schemaVersionNumber `json:",omitempty"`
}

type getSchemaVersionOutput struct {
	SchemaVersionId  *string
	SchemaArn        *string
	VersionNumber    *int64
	Status           string
	DataFormat       string
	CreatedTime      *string
	SchemaDefinition *string
}

func (c *glueClient) GetSchemaVersion(ctx context.Context, in *getSchemaVersionInput) (*getSchemaVersionOutput, error) {
	out := &getSchemaVersionOutput{}
	return out, c.call(ctx, "GetSchemaVersion", in, out)
}

type listSchemaVersionsInput struct {
	SchemaId   *schemaID
	MaxResults *int32  `json:",omitempty"`
	NextToken  *string `json:",omitempty"`
}

type schemaVersionListItem struct {
	SchemaVersionId *string
	VersionNumber   *int64
	Status          string
	CreatedTime     *string
}

type listSchemaVersionsOutput struct {
	Schemas   []schemaVersionListItem
	NextToken *string
}

func (c *glueClient) ListSchemaVersions(ctx context.Context, in *listSchemaVersionsInput) (*listSchemaVersionsOutput, error) {
	out := &listSchemaVersionsOutput{}
	return out, c.call(ctx, "ListSchemaVersions", in, out)
}

type listSchemasInput struct {
	RegistryId *registryID `json:",omitempty"`
	MaxResults *int32      `json:",omitempty"`
	NextToken  *string     `json:",omitempty"`
}

type schemaListItem struct {
	RegistryName *string
	SchemaName   *string
	SchemaArn    *string
	Description  *string
	SchemaStatus string
	CreatedTime  *string
	UpdatedTime  *string
}

type listSchemasOutput struct {
	Schemas   []schemaListItem
	NextToken *string
}

func (c *glueClient) ListSchemas(ctx context.Context, in *listSchemasInput) (*listSchemasOutput, error) {
	out := &listSchemasOutput{}
	return out, c.call(ctx, "ListSchemas", in, out)
}

type getSchemaVersionsDiffInput struct {
	SchemaId                  *schemaID
	FirstSchemaVersionNumber  *schemaVersionNumber
	SecondSchemaVersionNumber *schemaVersionNumber
	SchemaDiffType            string
}

type getSchemaVersionsDiffOutput struct {
	Diff *string
}

func (c *glueClient) GetSchemaVersionsDiff(ctx context.Context, in *getSchemaVersionsDiffInput) (*getSchemaVersionsDiffOutput, error) {
	out := &getSchemaVersionsDiffOutput{}
	return out, c.call(ctx, "GetSchemaVersionsDiff", in, out)
}

type registerSchemaVersionInput struct {
	SchemaId         *schemaID
	SchemaDefinition *string
}

type registerSchemaVersionOutput struct {
	SchemaVersionId *string
	VersionNumber   *int64
	Status          string
}

func (c *glueClient) RegisterSchemaVersion(ctx context.Context, in *registerSchemaVersionInput) (*registerSchemaVersionOutput, error) {
	out := &registerSchemaVersionOutput{}
	return out, c.call(ctx, "RegisterSchemaVersion", in, out)
}

type createSchemaInput struct {
	RegistryId       *registryID `json:",omitempty"`
	SchemaName       *string
	DataFormat       string
	Compatibility    string `json:",omitempty"`
	SchemaDefinition *string
}

type createSchemaOutput struct {
	SchemaVersionId     *string
	LatestSchemaVersion *int64
	SchemaVersionStatus string
}

func (c *glueClient) CreateSchema(ctx context.Context, in *createSchemaInput) (*createSchemaOutput, error) {
	out := &createSchemaOutput{}
	return out, c.call(ctx, "CreateSchema", in, out)
}

type createRegistryInput struct {
	RegistryName *string
}

func (c *glueClient) CreateRegistry(ctx context.Context, in *createRegistryInput) error {
	return c.call(ctx, "CreateRegistry", in, nil)
}

// Schema version statuses.
const (
	statusAvailable = "AVAILABLE"
	statusPending   = "PENDING"
	statusFailure   = "FAILURE"
)
