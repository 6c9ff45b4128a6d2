package lambda

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// RuntimeAPIPathPrefix is where the emulator serves the Runtime API; the
// account, region and instance id follow, then the API's own paths
// (/2018-06-01/runtime/...).
const RuntimeAPIPathPrefix = "/_evolvestack/lambda-runtime/"

// taskRoot is where Lambda puts a function's code; error texts name it.
const taskRoot = "/var/task"

// procInstance is one execution environment: a bootstrap process serving
// invocations one at a time through the Runtime API.
type procInstance struct {
	id     string
	svc    *Service
	fn     *function
	gen    int
	cmd    *exec.Cmd
	tmpDir string

	assign     chan *procInvocation // the next invocation, taken by /next
	exited     chan struct{}        // closed when the process has exited
	initFailed chan struct{}        // closed on /init/error

	mu       sync.Mutex
	exitErr  error
	initErr  outcome
	current  *procInvocation
	served   int
	killed   bool
	initLog  invocationLog
	logTo    *invocationLog
	lastLog  time.Time
	killOnce sync.Once
}

// procInvocation is an invocation handed to a process.
type procInvocation struct {
	inv    *invocation
	picked chan struct{} // closed when /next returned it
	done   chan outcome  // the /response or /error
	once   sync.Once
}

func (p *procInvocation) finish(o outcome) bool {
	sent := false
	p.once.Do(func() {
		p.done <- o
		sent = true
	})
	return sent
}

// runProcess runs inv on a warm or new bootstrap process.
func (s *Service) runProcess(ctx context.Context, fn *function, inv *invocation, expired <-chan struct{}) outcome {
	pi := &procInvocation{inv: inv, picked: make(chan struct{}), done: make(chan outcome, 1)}
	for attempt := 0; ; attempt++ {
		inst, cold, early := s.acquireInstance(fn, inv)
		if early != nil {
			return *early
		}
		inst.mu.Lock()
		if cold {
			if init := inst.initLog.String(); init != "" {
				_, _ = inv.log.Write([]byte(init))
			}
		}
		inst.logTo = inv.log
		inst.mu.Unlock()
		inst.assign <- pi
		select {
		case out := <-pi.done:
			inst.flushLogs()
			s.releaseInstance(fn, inst, out.fatal)
			return out
		case <-inst.initFailed:
			inst.kill()
			inst.mu.Lock()
			out := inst.initErr
			inst.mu.Unlock()
			return out
		case <-inst.exited:
			select {
			case out := <-pi.done:
				inst.flushLogs()
				return out
			default:
			}
			select {
			case <-pi.picked:
			default:
				if !cold && attempt < 3 {
					// A warm process died before taking the invocation
					// (it crashed after its previous one): start afresh.
					inst.detachLog()
					continue
				}
			}
			inst.flushLogs()
			return exitOutcome(inv, inst.exitError())
		case <-expired:
			inst.kill()
			inst.flushLogs()
			return timeoutOutcome(inv)
		case <-s.closing(fn):
			inst.kill()
			return errorOutcome("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited with error: signal: killed", inv.requestID))
		}
	}
}

// exitOutcome is the error of a process that exited during an invocation.
func exitOutcome(inv *invocation, exitErr error) outcome {
	var o outcome
	var ee *exec.ExitError
	switch {
	case exitErr == nil:
		o = errorOutcome("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited without providing a reason", inv.requestID))
	case errors.As(exitErr, &ee):
		o = errorOutcome("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %s", inv.requestID, ee.ProcessState.String()))
	default:
		o = errorOutcome("Runtime.ExitError", fmt.Sprintf("RequestId: %s Error: Runtime exited with error: %v", inv.requestID, exitErr))
	}
	o.fatal = true
	inv.log.printf("%s\n%s\n", o.errMsg, o.errType)
	return o
}

// acquireInstance returns an idle process of fn's current generation or
// starts one; early is set when the package cannot run at all.
func (s *Service) acquireInstance(fn *function, inv *invocation) (inst *procInstance, cold bool, early *outcome) {
	fn.mu.Lock()
	var stale []*procInstance
	for len(fn.idle) > 0 {
		cand := fn.idle[len(fn.idle)-1]
		fn.idle = fn.idle[:len(fn.idle)-1]
		if cand.gen == fn.generation && cand.alive() {
			inst = cand
			break
		}
		stale = append(stale, cand)
	}
	fn.mu.Unlock()
	for _, st := range stale {
		st.kill()
	}
	if inst != nil {
		return inst, false, nil
	}
	inst, early = s.startInstance(fn, inv)
	return inst, true, early
}

// releaseInstance returns a process to the idle pool, or ends it.
func (s *Service) releaseInstance(fn *function, inst *procInstance, fatal bool) {
	inst.detachLog()
	fn.mu.Lock()
	keep := !fatal && !fn.deleted && inst.gen == fn.generation && inst.alive()
	if keep {
		fn.idle = append(fn.idle, inst)
	}
	fn.mu.Unlock()
	if !keep {
		inst.kill()
	}
}

// retire ends fn's idle processes (after a code or configuration change);
// busy ones end when their invocation completes.
func (s *Service) retire(fn *function) {
	fn.mu.Lock()
	idle := fn.idle
	fn.idle = nil
	fn.mu.Unlock()
	for _, inst := range idle {
		inst.kill()
	}
}

// killInstances ends every process of fn.
func (s *Service) killInstances(fn *function) {
	s.mu.Lock()
	var all []*procInstance
	for _, inst := range s.instances {
		if inst.fn == fn {
			all = append(all, inst)
		}
	}
	s.mu.Unlock()
	for _, inst := range all {
		inst.kill()
	}
}

// startInstance launches fn's bootstrap for inv. When it cannot start,
// the invocation fails with Runtime.InvalidEntrypoint as in AWS, and the
// local reason goes to the function's log and the emulator's log.
func (s *Service) startInstance(fn *function, inv *invocation) (*procInstance, *outcome) {
	fn.mu.Lock()
	code := fn.code
	cfg := fn.cfg
	gen := fn.generation
	fn.mu.Unlock()
	invalid := func(msg, detail string) *outcome {
		o := errorOutcome("Runtime.InvalidEntrypoint", fmt.Sprintf("RequestId: %s %s", inv.requestID, msg))
		o.fatal = true
		inv.log.printf("INIT_REPORT Init Duration: 0.00 ms\tPhase: init\tStatus: error\tError Type: %s\n", o.errType)
		if detail != "" {
			inv.log.printf("evolvestack: %s\n", detail)
			s.env.Logger.Warn("lambda bootstrap could not be started", "function", fn.name, "request_id", inv.requestID, "reason", detail)
		}
		inv.log.printf("%s\n%s\n", o.errMsg, o.errType)
		return &o
	}
	const notFound = "Error: Couldn't find valid bootstrap(s): [/var/task/bootstrap /opt/bootstrap]"
	if code == nil || code.dir == "" {
		return nil, invalid(notFound, "the deployment package has no bootstrap file at its root")
	}
	bootstrap := filepath.Join(code.dir, "bootstrap")
	st, err := os.Stat(bootstrap)
	if err != nil || st.IsDir() {
		return nil, invalid(notFound, "the deployment package has no bootstrap file at its root")
	}
	root, err := s.ensureWorkDir()
	if err != nil {
		return nil, invalid("Error: "+err.Error(), err.Error())
	}
	tmp, err := os.MkdirTemp(root, "tmp-*")
	if err != nil {
		return nil, invalid(fmt.Sprintf("Error: creating the sandbox: %v", err), fmt.Sprintf("creating the sandbox directory: %v", err))
	}
	inst := &procInstance{
		id:         strings.ReplaceAll(uuid.NewString(), "-", ""),
		svc:        s,
		fn:         fn,
		gen:        gen,
		tmpDir:     tmp,
		assign:     make(chan *procInvocation, 1),
		exited:     make(chan struct{}),
		initFailed: make(chan struct{}),
	}
	cmd := exec.Command(bootstrap)
	cmd.Dir = code.dir
	cmd.Env = s.processEnv(fn, cfg, inst, code.dir)
	cmd.Stdout = &instanceWriter{inst: inst}
	cmd.Stderr = cmd.Stdout
	setProcessGroup(cmd)
	inst.cmd = cmd
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = os.RemoveAll(tmp)
		s.removeWorkDirIfClosed()
		return nil, invalid("Error: the emulator is shutting down", "")
	}
	s.instances[inst.id] = inst
	s.mu.Unlock()
	// Start under the lock kill takes: a kill (a reset, a delete) that
	// comes first stops the start; one that comes during it sees the
	// process once it exists.
	inst.mu.Lock()
	if inst.killed {
		inst.mu.Unlock()
		s.mu.Lock()
		delete(s.instances, inst.id)
		s.mu.Unlock()
		_ = os.RemoveAll(tmp)
		close(inst.exited)
		return nil, invalid("Error: the function was deleted or the emulator is shutting down", "")
	}
	err = cmd.Start()
	inst.mu.Unlock()
	if err != nil {
		s.mu.Lock()
		delete(s.instances, inst.id)
		s.mu.Unlock()
		_ = os.RemoveAll(tmp)
		msg := err.Error()
		var pe *fs.PathError
		if errors.As(err, &pe) {
			msg = "fork/exec " + taskRoot + "/bootstrap: " + pe.Err.Error()
		}
		return nil, invalid("Error: "+msg, startFailure(bootstrap, st.Mode(), err))
	}
	s.env.Logger.Debug("lambda process started", "function", fn.name, "instance", inst.id, "pid", cmd.Process.Pid)
	go inst.wait()
	return inst, nil
}

// startFailure explains why the bootstrap at path could not be executed.
func startFailure(path string, mode fs.FileMode, err error) string {
	reason := fmt.Sprintf("executing %s: %v", path, err)
	switch {
	case errors.Is(err, syscall.EACCES) && mode.Perm()&0o111 == 0:
		return reason + fmt.Sprintf(" (the bootstrap in the zip has mode %04o, without execute permission: set it, e.g. chmod 755, before zipping)", mode.Perm())
	case errors.Is(err, syscall.EACCES):
		return reason + " (the bootstrap is executable, so the code directory " + filepath.Dir(filepath.Dir(path)) +
			" is probably on a file system mounted noexec: point TMPDIR at a directory that allows execution)"
	case errors.Is(err, syscall.ENOEXEC):
		return reason + " (the bootstrap is not a program for this machine: build it for " + runtime.GOOS + "/" + runtime.GOARCH + ", or start it with a #! line)"
	case errors.Is(err, fs.ErrNotExist):
		return reason + " (the bootstrap's interpreter or dynamic loader does not exist here: build a static binary, e.g. CGO_ENABLED=0)"
	}
	return reason
}

// processEnv is the environment Lambda gives a runtime, plus the
// function's variables and AWS_ENDPOINT_URL pointing at the emulator.
func (s *Service) processEnv(fn *function, cfg FunctionConfiguration, inst *procInstance, codeDir string) []string {
	endpoint := ""
	if s.env.Endpoint != nil {
		endpoint = s.env.Endpoint()
	}
	hostPort := strings.TrimPrefix(strings.TrimPrefix(endpoint, "http://"), "https://")
	hostPort = strings.TrimSuffix(hostPort, "/")
	region := s.env.Scope.Region
	logGroup := "/aws/lambda/" + fn.name
	if cfg.LoggingConfig != nil && cfg.LoggingConfig.LogGroup != nil {
		logGroup = *cfg.LoggingConfig.LogGroup
	}
	env := []string{
		"PATH=" + os.Getenv("PATH"),
		"LANG=en_US.UTF-8",
		"TZ=:UTC",
		"HOME=" + inst.tmpDir,
		"TMPDIR=" + inst.tmpDir,
		"LAMBDA_TASK_ROOT=" + codeDir,
		"LAMBDA_RUNTIME_DIR=" + codeDir,
		"_HANDLER=" + str(cfg.Handler),
		"AWS_LAMBDA_RUNTIME_API=" + hostPort + RuntimeAPIPathPrefix + s.env.Scope.Account + "/" + region + "/" + inst.id,
		"AWS_LAMBDA_FUNCTION_NAME=" + fn.name,
		"AWS_LAMBDA_FUNCTION_VERSION=" + fn.version,
		"AWS_LAMBDA_FUNCTION_MEMORY_SIZE=" + strconv.Itoa(int(memoryOf(cfg))),
		"AWS_LAMBDA_LOG_GROUP_NAME=" + logGroup,
		"AWS_LAMBDA_LOG_STREAM_NAME=" + s.now().UTC().Format("2006/01/02") + "/[" + fn.version + "]" + hex.EncodeToString([]byte(inst.id))[:32],
		"AWS_LAMBDA_INITIALIZATION_TYPE=on-demand",
		"AWS_REGION=" + region,
		"AWS_DEFAULT_REGION=" + region,
		"AWS_ACCESS_KEY_ID=" + s.env.Scope.Account,
		"AWS_SECRET_ACCESS_KEY=evolvestack",
		"AWS_SESSION_TOKEN=evolvestack",
		"AWS_ENDPOINT_URL=" + endpoint,
	}
	if cfg.Environment != nil {
		for k, v := range cfg.Environment.Variables {
			env = append(env, k+"="+v)
		}
	}
	return env
}

// wait reaps the process and cleans up after it.
func (inst *procInstance) wait() {
	err := inst.cmd.Wait()
	inst.mu.Lock()
	inst.exitErr = err
	inst.mu.Unlock()
	close(inst.exited)
	s := inst.svc
	s.mu.Lock()
	delete(s.instances, inst.id)
	s.mu.Unlock()
	fn := inst.fn
	fn.mu.Lock()
	for i, c := range fn.idle {
		if c == inst {
			fn.idle = append(fn.idle[:i], fn.idle[i+1:]...)
			break
		}
	}
	fn.mu.Unlock()
	_ = os.RemoveAll(inst.tmpDir)
	s.removeWorkDirIfClosed()
	s.env.Logger.Debug("lambda process exited", "function", fn.name, "instance", inst.id, "error", err)
}

func (inst *procInstance) alive() bool {
	select {
	case <-inst.exited:
		return false
	default:
	}
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return !inst.killed
}

func (inst *procInstance) exitError() error {
	inst.mu.Lock()
	defer inst.mu.Unlock()
	return inst.exitErr
}

// kill ends the process group and waits (briefly) for the exit.
func (inst *procInstance) kill() {
	inst.killOnce.Do(func() {
		inst.mu.Lock()
		inst.killed = true
		started := inst.cmd != nil && inst.cmd.Process != nil
		inst.mu.Unlock()
		if started {
			killProcessGroup(inst.cmd)
		}
	})
	select {
	case <-inst.exited:
	case <-time.After(5 * time.Second):
	}
}

func (inst *procInstance) detachLog() {
	inst.mu.Lock()
	inst.logTo = nil
	inst.mu.Unlock()
}

// flushLogs waits for output the process wrote before reporting (still in
// the pipe) to reach the invocation's log: until the output has been
// quiet for a moment, at most 50 ms.
func (inst *procInstance) flushLogs() {
	deadline := time.Now().Add(50 * time.Millisecond)
	for time.Now().Before(deadline) {
		inst.mu.Lock()
		last := inst.lastLog
		inst.mu.Unlock()
		if time.Since(last) > 5*time.Millisecond {
			time.Sleep(3 * time.Millisecond)
			inst.mu.Lock()
			again := inst.lastLog
			inst.mu.Unlock()
			if again.Equal(last) {
				return
			}
			continue
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// instanceWriter takes a process's stdout and stderr.
type instanceWriter struct{ inst *procInstance }

func (w *instanceWriter) Write(p []byte) (int, error) {
	inst := w.inst
	inst.mu.Lock()
	inst.lastLog = time.Now()
	target := inst.logTo
	if target == nil && inst.served == 0 {
		target = &inst.initLog
	}
	if target != nil {
		_, _ = target.Write(p)
	}
	inst.mu.Unlock()
	if target == nil {
		inst.fn.appendLog(p)
	}
	inst.svc.env.Logger.Debug("lambda output", "function", inst.fn.name, "instance", inst.id, "text", trimNewline(string(p)))
	return len(p), nil
}
