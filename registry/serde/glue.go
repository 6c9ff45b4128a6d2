package serde

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/google/uuid"
)

// GlueAPI is the part of *glue.Client the serde calls. Tests may wrap a
// *glue.Client to count or fail calls; embedding the client keeps its
// Options method, which lets the serializer find evolvestack's admin
// endpoint for compatibility findings.
type GlueAPI interface {
	GetSchemaByDefinition(ctx context.Context, in *glue.GetSchemaByDefinitionInput, optFns ...func(*glue.Options)) (*glue.GetSchemaByDefinitionOutput, error)
	CreateSchema(ctx context.Context, in *glue.CreateSchemaInput, optFns ...func(*glue.Options)) (*glue.CreateSchemaOutput, error)
	RegisterSchemaVersion(ctx context.Context, in *glue.RegisterSchemaVersionInput, optFns ...func(*glue.Options)) (*glue.RegisterSchemaVersionOutput, error)
	GetSchemaVersion(ctx context.Context, in *glue.GetSchemaVersionInput, optFns ...func(*glue.Options)) (*glue.GetSchemaVersionOutput, error)
	PutSchemaVersionMetadata(ctx context.Context, in *glue.PutSchemaVersionMetadataInput, optFns ...func(*glue.Options)) (*glue.PutSchemaVersionMetadataOutput, error)
}

var _ GlueAPI = (*glue.Client)(nil)

// Status values of a schema version.
const (
	statusAvailable = "AVAILABLE"
	statusPending   = "PENDING"
	statusFailure   = "FAILURE"
)

// HTTPDoer sends HTTP requests (*http.Client satisfies it).
type HTTPDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// adminPath is evolvestack's report of a schema version's status.
const adminPath = "/_evolvestack/glue/schema-versions/"

// versionReport is the body of evolvestack's admin endpoint.
type versionReport struct {
	SchemaVersionID string    `json:"schemaVersionId"`
	Status          string    `json:"status"`
	VersionNumber   int64     `json:"versionNumber"`
	Findings        []Finding `json:"findings"`
}

// fetchFindings asks evolvestack's admin endpoint why version id failed.
// It returns nil on any failure (real AWS has no such endpoint).
func fetchFindings(ctx context.Context, client GlueAPI, endpoint string, doer HTTPDoer, id uuid.UUID) []Finding {
	region := ""
	if oc, ok := client.(interface{ Options() glue.Options }); ok {
		o := oc.Options()
		if endpoint == "" && o.BaseEndpoint != nil {
			endpoint = *o.BaseEndpoint
		}
		if doer == nil && o.HTTPClient != nil {
			doer = o.HTTPClient
		}
		region = o.Region
	}
	if endpoint == "" {
		return nil
	}
	if doer == nil {
		doer = http.DefaultClient
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	u := strings.TrimSuffix(endpoint, "/") + adminPath + url.PathEscape(id.String())
	if region != "" {
		u += "?region=" + url.QueryEscape(region)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil
	}
	resp, err := doer.Do(req)
	if err != nil {
		return nil
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil
	}
	var rep versionReport
	if err := json.NewDecoder(io.LimitReader(resp.Body, 4<<20)).Decode(&rep); err != nil {
		return nil
	}
	if rep.SchemaVersionID != "" && !strings.EqualFold(rep.SchemaVersionID, id.String()) {
		return nil
	}
	return rep.Findings
}

// parseVersionID parses a schema version id returned by the service.
func parseVersionID(s *string, op string) (uuid.UUID, error) {
	if s == nil {
		return uuid.Nil, fmt.Errorf("serde: %s returned no schema version id", op)
	}
	id, err := uuid.Parse(*s)
	if err != nil {
		return uuid.Nil, fmt.Errorf("serde: %s returned schema version id %q: %w", op, *s, err)
	}
	return id, nil
}
