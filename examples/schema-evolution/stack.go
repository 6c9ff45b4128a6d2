package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/eventbridge"
	"github.com/aws/aws-sdk-go-v2/service/glue"
	"github.com/aws/aws-sdk-go-v2/service/kinesis"
	awslambda "github.com/aws/aws-sdk-go-v2/service/lambda"
	lambdatypes "github.com/aws/aws-sdk-go-v2/service/lambda/types"
	"github.com/aws/aws-sdk-go-v2/service/schemas"
	"github.com/aws/aws-sdk-go-v2/service/sns"
	"github.com/aws/aws-sdk-go-v2/service/sqs"

	"github.com/evolvestack/evolvestack/emulator"
)

// functionTimeout is the timeout of the demo's functions, in seconds of the
// emulator's clock. The demo moves that clock forward quickly while it
// waits, so it is generous.
const functionTimeout = 300

// stack is the emulator the demo talks to: started in-process, or a running
// evolvestack at an endpoint.
type stack struct {
	endpoint string
	remote   bool
	cfg      aws.Config

	glue    *glue.Client
	kinesis *kinesis.Client
	sqs     *sqs.Client
	lambda  *awslambda.Client
	sns     *sns.Client
	events  *eventbridge.Client
	schemas *schemas.Client

	// advance moves the emulator's clock forward.
	advance func(ctx context.Context, d time.Duration) error
	// register binds the consumer built from env to function name
	// (in-process mode only).
	register func(name string, env map[string]string) error
	// code is the deployment package of remote functions.
	code []byte
	// close stops an in-process emulator.
	close func() error
}

// startInProcess starts an emulator on a loopback port, as emulator.Start
// does for tests.
func startInProcess() (*stack, error) {
	e, err := emulator.New()
	if err != nil {
		return nil, fmt.Errorf("starting the emulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = e.Close()
		return nil, fmt.Errorf("listening on a loopback port: %w", err)
	}
	base, cancel := context.WithCancel(context.Background())
	srv := &http.Server{
		Handler:           e.Handler(),
		ReadHeaderTimeout: 30 * time.Second,
		BaseContext:       func(net.Listener) context.Context { return base },
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	e.SetEndpoint("http://" + ln.Addr().String())

	st := newStack(e.AWSConfig(), e.Endpoint(), false)
	st.advance = func(_ context.Context, d time.Duration) error { return e.Clock().Advance(d) }
	st.register = func(name string, env map[string]string) error {
		c, err := newConsumer(name, env, st.sqs, st.glue)
		if err != nil {
			return err
		}
		return e.RegisterHandler(name, c.Handle)
	}
	st.close = func() error {
		cancel()
		errc := e.Close()
		ctx, stop := context.WithTimeout(context.Background(), time.Second)
		defer stop()
		if err := srv.Shutdown(ctx); err != nil {
			_ = srv.Close()
		}
		if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
			return errors.Join(errc, fmt.Errorf("serving: %w", err))
		}
		return errc
	}
	return st, nil
}

// connectRemote talks to a running evolvestack at endpoint. Credentials
// and region come from the usual environment variables; without them the
// emulator's defaults are used.
func connectRemote(ctx context.Context, endpoint string, getenv func(string) string) (*stack, error) {
	endpoint = strings.TrimSuffix(endpoint, "/")
	region := firstNonEmpty(getenv("AWS_REGION"), getenv("AWS_DEFAULT_REGION"), emulator.DefaultRegion)
	key := firstNonEmpty(getenv("AWS_ACCESS_KEY_ID"), emulator.DefaultAccount)
	secret := firstNonEmpty(getenv("AWS_SECRET_ACCESS_KEY"), "evolvestack")
	cfg := aws.Config{
		Region:       region,
		Credentials:  credentials.NewStaticCredentialsProvider(key, secret, getenv("AWS_SESSION_TOKEN")),
		BaseEndpoint: aws.String(endpoint),
	}
	st := newStack(cfg, endpoint, true)
	st.advance = func(ctx context.Context, d time.Duration) error {
		return st.admin(ctx, http.MethodPost, "clock", map[string]string{"advance": d.String()}, nil)
	}
	st.close = func() error { return nil }
	var health struct {
		Status  string `json:"status"`
		Version string `json:"version"`
	}
	if err := st.admin(ctx, http.MethodGet, "health", nil, &health); err != nil {
		return nil, fmt.Errorf("is evolvestack running at %s? %w", endpoint, err)
	}
	code, err := selfZip()
	if err != nil {
		return nil, err
	}
	st.code = code
	return st, nil
}

func newStack(cfg aws.Config, endpoint string, remote bool) *stack {
	return &stack{
		endpoint: endpoint,
		remote:   remote,
		cfg:      cfg,
		glue:     glue.NewFromConfig(cfg),
		kinesis:  kinesis.NewFromConfig(cfg),
		sqs:      sqs.NewFromConfig(cfg),
		lambda:   awslambda.NewFromConfig(cfg),
		sns:      sns.NewFromConfig(cfg),
		events:   eventbridge.NewFromConfig(cfg),
		schemas:  schemas.NewFromConfig(cfg),
	}
}

func firstNonEmpty(vs ...string) string {
	for _, v := range vs {
		if v != "" {
			return v
		}
	}
	return ""
}

// admin calls evolvestack's admin API (/_evolvestack/...).
func (st *stack) admin(ctx context.Context, method, path string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("admin %s: %w", path, err)
		}
		body = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, st.endpoint+"/_evolvestack/"+path, body)
	if err != nil {
		return fmt.Errorf("admin %s: %w", path, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("admin %s: %w", path, err)
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("admin %s: reading the response: %w", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("admin %s: HTTP %d: %s", path, resp.StatusCode, strings.TrimSpace(string(b)))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("admin %s: decoding the response: %w", path, err)
		}
	}
	return nil
}

// selfZip zips the running executable as bootstrap: the demo binary is
// also the function.
func selfZip() ([]byte, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, fmt.Errorf("finding the demo's executable: %w", err)
	}
	bin, err := os.ReadFile(exe)
	if err != nil {
		return nil, fmt.Errorf("reading the demo's executable: %w", err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	fh := &zip.FileHeader{Name: "bootstrap", Method: zip.Deflate}
	fh.SetMode(0o755)
	w, err := zw.CreateHeader(fh)
	if err != nil {
		return nil, fmt.Errorf("zipping the demo's executable: %w", err)
	}
	if _, err := w.Write(bin); err != nil {
		return nil, fmt.Errorf("zipping the demo's executable: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("zipping the demo's executable: %w", err)
	}
	return buf.Bytes(), nil
}

// architecture is the Lambda architecture of this binary.
func architecture() lambdatypes.Architecture {
	if runtime.GOARCH == "arm64" {
		return lambdatypes.ArchitectureArm64
	}
	return lambdatypes.ArchitectureX8664
}

// deploy creates function name, or updates its environment, so that it
// runs the consumer configured by env: in-process as a registered Go
// handler, remotely as this binary zipped as bootstrap (provided.al2023).
func (st *stack) deploy(ctx context.Context, w *waiter, name string, env map[string]string) error {
	if !st.remote {
		if err := st.register(name, env); err != nil {
			return fmt.Errorf("registering handler %s: %w", name, err)
		}
	}
	_, err := st.lambda.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
	var notFound *lambdatypes.ResourceNotFoundException
	switch {
	case errors.As(err, &notFound) && st.remote:
		_, err = st.lambda.CreateFunction(ctx, &awslambda.CreateFunctionInput{
			FunctionName:  aws.String(name),
			Runtime:       lambdatypes.RuntimeProvidedal2023,
			Handler:       aws.String("bootstrap"),
			Role:          aws.String("arn:aws:iam::" + emulator.DefaultAccount + ":role/schema-evolution-demo"),
			Code:          &lambdatypes.FunctionCode{ZipFile: st.code},
			Architectures: []lambdatypes.Architecture{architecture()},
			Timeout:       aws.Int32(functionTimeout),
			MemorySize:    aws.Int32(128),
			Environment:   &lambdatypes.Environment{Variables: env},
			Description:   aws.String("evolvestack schema-evolution demo consumer"),
		})
		if err != nil {
			return fmt.Errorf("creating function %s: %w", name, err)
		}
	case err != nil:
		return fmt.Errorf("looking up function %s: %w", name, err)
	default:
		// The in-process handler already holds env; the function's
		// configuration records it too, so both modes look alike.
		_, err = st.lambda.UpdateFunctionConfiguration(ctx, &awslambda.UpdateFunctionConfigurationInput{
			FunctionName: aws.String(name),
			Timeout:      aws.Int32(functionTimeout),
			Environment:  &lambdatypes.Environment{Variables: env},
		})
		if err != nil {
			return fmt.Errorf("updating function %s: %w", name, err)
		}
	}
	return w.until(ctx, "function "+name+" to be Active", func(ctx context.Context) (bool, error) {
		out, err := st.lambda.GetFunctionConfiguration(ctx, &awslambda.GetFunctionConfigurationInput{FunctionName: aws.String(name)})
		if err != nil {
			return false, err
		}
		if out.State == lambdatypes.StateFailed || out.LastUpdateStatus == lambdatypes.LastUpdateStatusFailed {
			return false, fmt.Errorf("function %s failed: %s %s", name, aws.ToString(out.StateReason), aws.ToString(out.LastUpdateStatusReason))
		}
		return out.State == lambdatypes.StateActive && out.LastUpdateStatus == lambdatypes.LastUpdateStatusSuccessful, nil
	})
}
