//go:build !evolvestack_slim

package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/smithy-go"
	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/internal/awsclient"
	"github.com/evolvestack/evolvestack/registry/serde/wire"
)

const decodeSynopsis = `  evolvestack schema decode [--endpoint URL] [--hex|--base64] [--output json] DATA|-

Decodes one record in the Glue Schema Registry wire format (byte 3, a
compression byte, the writer's 16-byte schema version id, the payload)
with its writer schema from the registry, and prints the value as JSON.
DATA is the record in hex (--hex) or base64 (--base64); "-" reads it from
standard input: raw bytes without --hex/--base64, else the encoded text.
Text output is a line naming the writer version, then the value; --output
json prints {"schemaVersionId","dataFormat","messageName","compression","value"}.
Exit 0: decoded; 1: not a registry record (bad header), unknown schema
version, or a payload its schema cannot decode; 2: usage error (including
bad hex/base64) or no answer from the service.
`

// decodeDoc is the JSON output of `schema decode`.
type decodeDoc struct {
	SchemaVersionID string          `json:"schemaVersionId"`
	DataFormat      string          `json:"dataFormat"`
	MessageName     string          `json:"messageName,omitempty"`
	Compression     string          `json:"compression"`
	Value           json.RawMessage `json:"value"`
}

// schemaDecode runs `schema decode`.
func schemaDecode(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	fs := newFlagSet("decode", decodeSynopsis, stderr)
	g := addGlueFlags(fs, getenv)
	isHex := fs.Bool("hex", false, "DATA is hex")
	isBase64 := fs.Bool("base64", false, "DATA is base64 (standard or URL alphabet, padding optional)")
	pos, c, exit := g.start("decode", fs, args, stdout, stderr)
	if exit >= 0 {
		return exit
	}
	if len(pos) != 1 {
		return c.usageErr("want exactly one DATA argument (or -), got %d arguments", len(pos))
	}
	if *isHex && *isBase64 {
		return c.usageErr("--hex and --base64 exclude each other")
	}
	data, err := recordBytes(pos[0], stdin, *isHex, *isBase64)
	if err != nil {
		return c.usageErr("%v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, g.timeout)
	defer cancel()
	conn, err := g.connect(ctx, getenv)
	if err != nil {
		return c.fail(err)
	}
	// wire is serde's decoding core without the SDK's Glue client, whose
	// package init (2 MB) would otherwise run at every start of the binary.
	rec, err := wire.NewDeserializer(conn.client.writerSchema, wire.DeserializerConfig{}).Decode(ctx, data)
	if err != nil {
		return c.decodeFailure(err)
	}
	value, err := rec.JSON()
	if err != nil {
		return c.decodeFailure(err)
	}
	doc := decodeDoc{
		SchemaVersionID: rec.SchemaVersionID.String(),
		DataFormat:      rec.DataFormat,
		MessageName:     rec.MessageName,
		Compression:     rec.Compression.String(),
		Value:           value,
	}
	if c.json {
		c.printJSON(doc)
		return exitYes
	}
	what := rec.DataFormat
	if rec.MessageName != "" {
		what += " " + rec.MessageName
	}
	fmt.Fprintf(stdout, "schema version %s (%s, compression %s)\n", doc.SchemaVersionID, what, doc.Compression)
	var pretty bytes.Buffer
	if json.Indent(&pretty, value, "", "  ") != nil {
		pretty.Reset()
		pretty.Write(value)
	}
	fmt.Fprintf(stdout, "%s\n", pretty.Bytes())
	return exitYes
}

// recordBytes reads the record from the argument or standard input.
func recordBytes(arg string, stdin io.Reader, isHex, isBase64 bool) ([]byte, error) {
	var raw []byte
	if arg == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 64<<20))
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		if !isHex && !isBase64 {
			return b, nil
		}
		raw = b
	} else {
		if !isHex && !isBase64 {
			return nil, errors.New("give --hex or --base64 for a DATA argument, or - to read raw bytes from standard input")
		}
		raw = []byte(arg)
	}
	text := strings.Join(strings.Fields(string(raw)), "")
	if isHex {
		text = strings.TrimPrefix(strings.TrimPrefix(text, "0x"), "0X")
		b, err := hex.DecodeString(text)
		if err != nil {
			return nil, fmt.Errorf("DATA is not hex: %w", err)
		}
		return b, nil
	}
	text = strings.TrimRight(text, "=")
	enc := base64.RawStdEncoding
	if strings.ContainsAny(text, "-_") {
		enc = base64.RawURLEncoding
	}
	b, err := enc.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("DATA is not base64: %w", err)
	}
	return b, nil
}

// decodeFailure reports why a record did not decode: a bad header, an
// unknown version or an undecodable payload exit 1; no answer from the
// registry exits 2.
func (c *cmdIO) decodeFailure(err error) int {
	var ae smithy.APIError
	var de *wire.DecodeError
	switch {
	case errors.As(err, &ae) && errors.As(err, &de) && ae.ErrorCode() == "EntityNotFoundException":
		msg := fmt.Sprintf("unknown schema version %s: %s", de.SchemaVersionID, ae.ErrorMessage())
		fmt.Fprintf(c.stderr, "evolvestack schema decode: %s: %s\n", ae.ErrorCode(), msg)
		if c.json {
			c.printJSON(jsonError{Error: errorBody{Code: ae.ErrorCode(), Message: msg}})
		}
		return exitNo
	case errors.As(err, &ae):
		return c.fail(err)
	case isSendError(err), errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return c.fail(err)
	}
	msg := err.Error()
	code := "BadRecord"
	if errors.Is(err, wire.ErrNotRegistryData) {
		msg = "not a Glue schema registry record: " + msg
		code = "BadHeader"
	}
	fmt.Fprintf(c.stderr, "evolvestack schema decode: %s\n", msg)
	if c.json {
		c.printJSON(jsonError{Error: errorBody{Code: code, Message: msg}})
	}
	return exitNo
}

// isSendError reports whether err is a request glueClient sent that got
// no answer.
func isSendError(err error) bool {
	var se *awsclient.SendError
	return errors.As(err, &se)
}

// writerSchema is a wire.SchemaFetcher: the definition and data format of
// schema version id, from GetSchemaVersion.
func (c *glueClient) writerSchema(ctx context.Context, id uuid.UUID) (definition, dataFormat string, err error) {
	out, err := c.GetSchemaVersion(ctx, &getSchemaVersionInput{SchemaVersionId: aws.String(id.String())})
	if err != nil {
		return "", "", err
	}
	if out.SchemaVersionId == nil || out.SchemaDefinition == nil {
		return "", "", errors.New("Schema definition is not present")
	}
	return *out.SchemaDefinition, out.DataFormat, nil
}
