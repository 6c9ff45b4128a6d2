//go:build !evolvestack_slim

package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/smithy-go"
)

// Exit codes of the schema commands.
const (
	exitYes   = 0 // success, compatible, found
	exitNo    = 1 // incompatible, not found, refused, bad record
	exitUsage = 2 // bad usage, unreadable input, no answer from the service
)

// schemaUsage is the help text of `evolvestack schema`.
const schemaUsage = `Usage:
  evolvestack schema check    --registry R --schema S FILE         would FILE be accepted as the schema's next version?
  evolvestack schema check    --offline --format F --compatibility M --against OLD1[,OLD2...] FILE
  evolvestack schema register --registry R --schema S [--create] FILE
  evolvestack schema get      (--id ID | --registry R --schema S [--version N|latest])
  evolvestack schema list     [--registry R [--schema S]]
  evolvestack schema diff     --registry R --schema S V1 V2
  evolvestack schema decode   [--hex|--base64] DATA|-
  evolvestack schema matrix   --registry R --schema S --function NAME [--via invoke|kinesis|sqs|sns|events]

Every command but offline check talks to the Glue Schema Registry at
--endpoint (default AWS_ENDPOINT_URL; without either, real AWS with the
default credential chain). --output json prints one JSON document for
scripts. Exit codes: 0 yes/success, 1 no/not found/refused/bad record,
2 usage error or no answer from the service.

Run 'evolvestack schema COMMAND -h' for a command's flags.
`

// schema runs `evolvestack schema SUBCOMMAND ...`.
func schema(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	return schemaWith(ctx, args, os.Stdin, stdout, stderr, getenv)
}

// schemaWith is schema reading "-" arguments from stdin.
func schemaWith(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, schemaUsage)
		return exitUsage
	}
	sub, rest := args[0], args[1:]
	switch sub {
	case "check":
		return schemaCheck(ctx, rest, stdin, stdout, stderr, getenv)
	case "register":
		return schemaRegister(ctx, rest, stdin, stdout, stderr, getenv)
	case "get":
		return schemaGet(ctx, rest, stdin, stdout, stderr, getenv)
	case "list":
		return schemaList(ctx, rest, stdin, stdout, stderr, getenv)
	case "diff":
		return schemaDiff(ctx, rest, stdin, stdout, stderr, getenv)
	case "decode":
		return schemaDecode(ctx, rest, stdin, stdout, stderr, getenv)
	case "matrix":
		return schemaMatrix(ctx, rest, stdin, stdout, stderr, getenv)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, schemaUsage)
		return exitYes
	default:
		fmt.Fprintf(stderr, "evolvestack schema: unknown command %q\n", sub)
		fmt.Fprint(stderr, schemaUsage)
		return exitUsage
	}
}

// cmdIO is what every schema subcommand shares: its name, where it
// writes, whether it prints JSON.
type cmdIO struct {
	name   string
	stdout io.Writer
	stderr io.Writer
	json   bool
}

// usageErr reports a usage or input problem and returns exit code 2.
func (c *cmdIO) usageErr(format string, args ...any) int {
	fmt.Fprintf(c.stderr, "evolvestack schema %s: %s\n", c.name, fmt.Sprintf(format, args...))
	return exitUsage
}

// jsonError is the document --output json prints when a command fails.
type jsonError struct {
	Error errorBody `json:"error"`
}

type errorBody struct {
	Code    string `json:"code"`
	Message string `json:"message"`
}

// fail reports err and returns its exit code: 1 when the service answered
// and refused (the entity does not exist, the input is invalid), 2 when
// there was no usable answer (connection, credentials, throttling,
// service-side failure).
func (c *cmdIO) fail(err error) int {
	code, msg, exit := classify(err)
	if code != "" {
		fmt.Fprintf(c.stderr, "evolvestack schema %s: %s: %s\n", c.name, code, msg)
	} else {
		fmt.Fprintf(c.stderr, "evolvestack schema %s: %s\n", c.name, msg)
	}
	if c.json {
		if code == "" {
			code = "Error"
			if isSendError(err) || errors.Is(err, context.DeadlineExceeded) {
				code = "ConnectionError"
			}
		}
		c.printJSON(jsonError{Error: errorBody{Code: code, Message: msg}})
	}
	return exit
}

// refusedCodes are the service errors that answer the question (no such
// entity, invalid request): exit 1 rather than 2.
func refusedCodes() []string {
	return []string{
		"EntityNotFoundException",
		"InvalidInputException",
		"AlreadyExistsException",
		"ResourceNumberLimitExceededException",
		"ConcurrentModificationException",
	}
}

// classify splits err into the service's error code and message (code ""
// when the service did not answer) and the exit code it earns.
func classify(err error) (code, msg string, exit int) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
		for _, c := range refusedCodes() {
			if c == code {
				return code, msg, exitNo
			}
		}
		return code, msg, exitUsage
	}
	return "", err.Error(), exitUsage
}

// printJSON writes v as indented JSON.
func (c *cmdIO) printJSON(v any) {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		fmt.Fprintf(c.stderr, "evolvestack schema %s: encoding output: %v\n", c.name, err)
		return
	}
	fmt.Fprintf(c.stdout, "%s\n", b)
}

// glueFlags are the connection flags of the server-side commands.
type glueFlags struct {
	endpoint string
	region   string
	output   string
	timeout  time.Duration
}

// addGlueFlags defines the connection and output flags on fs.
func addGlueFlags(fs *flag.FlagSet, getenv func(string) string) *glueFlags {
	g := &glueFlags{}
	fs.StringVar(&g.endpoint, "endpoint", getenv("AWS_ENDPOINT_URL"), "the emulator's (or any Glue) endpoint; empty: real AWS (default AWS_ENDPOINT_URL)")
	region := getenv("AWS_REGION")
	if region == "" {
		region = getenv("AWS_DEFAULT_REGION")
	}
	fs.StringVar(&g.region, "region", region, "AWS region (default AWS_REGION, AWS_DEFAULT_REGION, else the profile's or us-east-1)")
	addOutputFlag(fs, &g.output)
	fs.DurationVar(&g.timeout, "timeout", 30*time.Second, "how long the whole command may take")
	return g
}

// addOutputFlag defines --output.
func addOutputFlag(fs *flag.FlagSet, out *string) {
	fs.StringVar(out, "output", "text", "text or json")
}

// checkOutput validates --output.
func checkOutput(out string) error {
	if out != "text" && out != "json" {
		return fmt.Errorf("--output %q: want text or json", out)
	}
	return nil
}

// newFlagSet returns a flag set for `schema name` whose -h prints synopsis
// and the flags.
func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet("schema "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage:\n%s\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parseArgs parses flags that may come before, between or after the
// positional arguments, and returns the positional ones.
func parseArgs(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, nil
		}
		// flag stops at the first positional argument, or after "--".
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			return append(pos, rest...), nil
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// parseStart parses a subcommand's command line: exit is -1 to go on, else
// the code to return (0 after -h, 2 on a bad flag).
// start parses a command's arguments and checks --output: it returns the
// positional arguments and the command's output, or an exit code >= 0 to
// return at once (help, usage errors).
func (g *glueFlags) start(name string, fs *flag.FlagSet, args []string, stdout, stderr io.Writer) ([]string, *cmdIO, int) {
	pos, exit := parseStart(fs, args)
	if exit >= 0 {
		return nil, nil, exit
	}
	c := &cmdIO{name: name, stdout: stdout, stderr: stderr, json: g.output == "json"}
	if err := checkOutput(g.output); err != nil {
		return nil, nil, c.usageErr("%v", err)
	}
	return pos, c, -1
}

func parseStart(fs *flag.FlagSet, args []string) (pos []string, exit int) {
	pos, err := parseArgs(fs, args)
	if errors.Is(err, flag.ErrHelp) {
		return nil, exitYes
	}
	if err != nil {
		return nil, exitUsage
	}
	return pos, -1
}

// isAccountID reports whether an access key is a 12-digit account id,
// which the emulator uses as the request's account.
func isAccountID(key string) bool {
	if len(key) != 12 {
		return false
	}
	for _, r := range key {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// glueConn is a Glue client and what the admin API needs to address the
// same account and region.
type glueConn struct {
	client   *glueClient
	cfg      aws.Config
	endpoint string
}

// testCredentials are what clients of an emulator sign with when nothing
// else is configured: the emulator accepts any.
func testCredentials() aws.CredentialsProvider {
	return credentials.NewStaticCredentialsProvider("test", "test", "")
}

// connect builds the Glue client the flags describe. With an endpoint and
// no configured credentials it signs with test credentials; without an
// endpoint it uses the default AWS credential chain (loadAWSConfig).
func (g *glueFlags) connect(ctx context.Context, getenv func(string) string) (*glueConn, error) {
	cfg, err := loadAWSConfig(ctx, awsEnv{getenv: getenv}, g.region, g.endpoint)
	if err != nil {
		return nil, fmt.Errorf("loading AWS configuration: %w", err)
	}
	// Keys in the environment win over a profile's, as they did here
	// before; with an endpoint and nothing configured, test credentials.
	if id, secret := getenv("AWS_ACCESS_KEY_ID"), getenv("AWS_SECRET_ACCESS_KEY"); id != "" && secret != "" {
		cfg.Credentials = credentials.NewStaticCredentialsProvider(id, secret, getenv("AWS_SESSION_TOKEN"))
	} else if g.endpoint != "" && !profileConfigured(getenv) {
		cfg.Credentials = testCredentials()
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	// As the SDK's clients do, a service-specific endpoint in the
	// environment wins over the general one.
	clientEndpoint := g.endpoint
	if v := getenv("AWS_ENDPOINT_URL_GLUE"); v != "" {
		clientEndpoint = v
	}
	return &glueConn{client: newGlueClient(cfg, clientEndpoint), cfg: cfg, endpoint: strings.TrimRight(g.endpoint, "/")}, nil
}

// profileConfigured reports whether a named profile is selected or the
// default profile holds keys: then the default chain finds credentials
// without asking the instance metadata service.
func profileConfigured(getenv func(string) string) bool {
	if _, named := profileName(getenv); named {
		return true
	}
	return defaultProfileHasKeys(getenv)
}

// adminScope is the query string that makes the emulator's admin API look
// at the account and region the Glue client signs for.
func (c *glueConn) adminScope(ctx context.Context) string {
	q := "region=" + c.cfg.Region
	if c.cfg.Credentials != nil {
		if creds, err := c.cfg.Credentials.Retrieve(ctx); err == nil && isAccountID(creds.AccessKeyID) {
			q += "&account=" + creds.AccessKeyID
		}
	}
	return q
}

// readInput reads a file, or standard input for "-".
func readInput(name string, stdin io.Reader) ([]byte, error) {
	if name == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, 64<<20))
		if err != nil {
			return nil, fmt.Errorf("reading standard input: %w", err)
		}
		return b, nil
	}
	b, err := os.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("reading definition: %w", err)
	}
	return b, nil
}

// str dereferences an optional string.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// num dereferences an optional number.
func num(p *int64) int64 {
	if p == nil {
		return 0
	}
	return *p
}
