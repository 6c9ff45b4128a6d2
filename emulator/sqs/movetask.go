package sqs

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
)

// Move task statuses.
const (
	taskRunning   = "RUNNING"
	taskCompleted = "COMPLETED"
	taskCancelled = "CANCELLED"
	taskFailed    = "FAILED"
)

// moveTask is a StartMessageMoveTask redrive running on the clock.
type moveTask struct {
	svc    *Service
	id     string
	handle string
	source string
	dest   string
	rate   int32
	seq    uint64 // start order, newest listed first

	mu      sync.Mutex
	status  string
	moved   int64
	toMove  int64
	started time.Time
	failure string
	timer   *clock.Timer
	next    time.Time // when the next step runs
	stopped bool      // the service closed: no more steps
}

type taskHandle struct {
	TaskID    string `json:"taskId"`
	SourceArn string `json:"sourceArn"`
}

// stop halts t for Close. Its status stays: a task running when the
// emulator shuts down goes on after a restart.
func (t *moveTask) stop() {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.timer != nil {
		t.timer.Stop()
	}
	t.stopped = true
}

// isDeadLetterQueue reports whether some queue of the scope redrives to arn.
func (s *Service) isDeadLetterQueue(arn string) bool {
	s.mu.RLock()
	qs := make([]*queue, 0, len(s.queues))
	for _, q := range s.queues {
		qs = append(qs, q)
	}
	s.mu.RUnlock()
	for _, q := range qs {
		q.mu.Lock()
		hit := q.redrive != nil && q.redrive.target == arn
		q.mu.Unlock()
		if hit {
			return true
		}
	}
	return false
}

// StartMessageMoveTask starts moving the messages of a dead-letter queue
// back to their sources or to DestinationArn.
func (s *Service) StartMessageMoveTask(ctx context.Context, in *StartMessageMoveTaskInput) (*StartMessageMoveTaskOutput, error) {
	if !arnPattern().MatchString(*in.SourceArn) {
		return nil, errARNFormat("SourceArn")
	}
	src := s.byARN(*in.SourceArn)
	if src == nil {
		return nil, errResourceNotFound("SourceArn")
	}
	if !s.isDeadLetterQueue(src.arn) {
		return nil, errInvalidParam("Source queue must be configured as a Dead Letter Queue.")
	}
	dest := ""
	if in.DestinationArn != nil {
		if !arnPattern().MatchString(*in.DestinationArn) {
			return nil, errARNFormat("DestinationArn")
		}
		d := s.byARN(*in.DestinationArn)
		if d == nil {
			return nil, errResourceNotFound("DestinationArn")
		}
		if d == src {
			return nil, errInvalidParam("Source queue arn and destination queue arn cannot be the same.")
		}
		if d.fifo != src.fifo {
			return nil, errInvalidParam("The source queue and destination queue must be of the same queue type.")
		}
		dest = d.arn
	}
	var rate int32
	if in.MaxNumberOfMessagesPerSecond != nil {
		rate = *in.MaxNumberOfMessagesPerSecond
		if rate < 1 || rate > 500 {
			return nil, errInvalidParam("Value for parameter MaxNumberOfMessagesPerSecond is invalid. Reason: You must enter a number that's between 1 and 500.")
		}
	}
	now := s.env.Clock.Now()
	src.mu.Lock()
	src.releaseLocked(now)
	toMove := int64(src.nReady)
	src.mu.Unlock()
	id := uuid.NewString()
	hb, _ := json.Marshal(taskHandle{TaskID: id, SourceArn: src.arn})
	t := &moveTask{svc: s, id: id, handle: base64.StdEncoding.EncodeToString(hb), source: src.arn, dest: dest, rate: rate,
		status: taskRunning, toMove: toMove, started: now}
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil, errUnsupported("The service is shutting down.")
	}
	for _, o := range s.tasks {
		o.mu.Lock()
		busy := o.source == src.arn && o.status == taskRunning
		o.mu.Unlock()
		if busy {
			s.mu.Unlock()
			return nil, errInvalidParam("There is already a task running. Only one active task is allowed for a source queue arn at a given time.")
		}
	}
	s.taskSeq++
	t.seq = s.taskSeq
	s.tasks[id] = t
	t.mu.Lock()
	t.next = now
	t.timer = s.env.Clock.AfterFunc(0, t.step)
	t.putLocked()
	t.mu.Unlock()
	s.mu.Unlock()
	return &StartMessageMoveTaskOutput{TaskHandle: &t.handle}, nil
}

// step moves one second's worth of messages (all when no rate is set).
func (t *moveTask) step() {
	t.mu.Lock()
	if t.status != taskRunning || t.stopped {
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	s := t.svc
	src := s.byARN(t.source)
	if src == nil {
		t.finish(taskFailed, "AWS.SimpleQueueService.NonExistentQueue")
		return
	}
	batch := int(t.rate)
	if batch == 0 {
		batch = 1 << 30
	}
	now := s.env.Clock.Now()
	src.mu.Lock()
	src.releaseLocked(now)
	var msgs []*message
	for len(msgs) < batch {
		m := src.popVisibleLocked(now)
		if m == nil {
			break
		}
		msgs = append(msgs, m)
	}
	left := src.nReady
	srcJournal := src.j
	var srcKeys []string
	if srcJournal != nil {
		for _, m := range msgs {
			srcKeys = append(srcKeys, src.msgKey(m))
		}
	}
	src.mu.Unlock()
	for i, m := range msgs {
		target := t.dest
		if target == "" {
			target = m.dlqSource()
		}
		dq := s.byARN(target)
		if dq == nil {
			src.mu.Lock()
			for j := len(msgs) - 1; j >= i; j-- {
				back := msgs[j]
				if back.handle != "" {
					src.byID[back.id] = back
				}
				src.pushReadyLocked(back, true)
			}
			src.mu.Unlock()
			reason := "AWS.SimpleQueueService.NonExistentQueue"
			if target == "" {
				reason = "CouldNotDetermineMessageSource"
			}
			t.finish(taskFailed, reason)
			return
		}
		s.redriveInto(dq, m)
		if srcJournal != nil {
			srcJournal.Delete(srcKeys[i]) // after the target's row
		}
		t.mu.Lock()
		t.moved++
		t.mu.Unlock()
	}
	if left == 0 || t.rate == 0 {
		t.finish(taskCompleted, "")
		return
	}
	t.mu.Lock()
	if t.status == taskRunning && !t.stopped {
		t.next = now.Add(time.Second)
		t.timer = s.env.Clock.AfterFunc(time.Second, t.step)
		t.putLocked()
	}
	t.mu.Unlock()
}

func (t *moveTask) finish(status, reason string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.status == taskRunning {
		t.status, t.failure = status, reason
		t.next = time.Time{}
	}
	t.putLocked()
}

// popVisibleLocked removes the next visible message without delivering it.
// The message's row stays in the journal: the caller deletes it (srcKeys)
// once the message is in its target, or puts the message back.
func (q *queue) popVisibleLocked(now time.Time) *message {
	if !q.fifo {
		for {
			m := q.ready.popFront()
			if m == nil {
				return nil
			}
			q.nReady--
			if q.expiredLocked(m, now) {
				q.dropLocked(m)
				continue
			}
			q.unlinkLocked(m) // its row goes once the target holds it
			return m
		}
	}
	for {
		g := q.readyGroups.pop()
		if g == nil {
			return nil
		}
		g.queued = false
		m := g.msgs.popFront()
		if g.msgs.len() > 0 {
			g.queued = true
			q.readyGroups.push(g)
		} else if g.inflight == 0 {
			delete(q.groups, g.id)
		}
		if m == nil {
			continue
		}
		q.nReady--
		q.unlinkLocked(m) // its row goes once the target holds it
		return m
	}
}

// redriveInto puts a moved message into q as a fresh one: same id, body
// and attributes, receive count reset.
func (s *Service) redriveInto(q *queue, old *message) {
	now := s.env.Clock.Now()
	m := *old
	m.x = m.x.clone() // the copy's own details
	m.heapIndex, m.handle, m.receives, m.firstReceive, m.lastReceive = -1, "", 0, time.Time{}, time.Time{}
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return
	}
	m.seq = q.nextSeqLocked()
	if q.fifo {
		m.extra().seqNum = sequenceNumber(m.seq)
		m.sent = now
	}
	q.pushReadyLocked(&m, false)
	q.signalLocked()
}

// errARNFormat reports an ARN parameter that is no ARN.
func errARNFormat(param string) *awsapi.Error {
	return errInvalidParam("You must use this format to specify the %s: arn:<partition>:<service>:<region>:<account-id>:<resource-id>", param)
}

// decodeTaskHandle returns the task a handle names.
func (s *Service) decodeTaskHandle(h string) (*moveTask, error) {
	raw, err := base64.StdEncoding.DecodeString(h)
	var th taskHandle
	if err != nil || json.Unmarshal(raw, &th) != nil || th.TaskID == "" {
		return nil, errInvalidParam("Value for parameter TaskHandle is invalid.")
	}
	if s.byARN(th.SourceArn) == nil {
		return nil, errResourceNotFound("SourceArn")
	}
	s.mu.RLock()
	t := s.tasks[th.TaskID]
	s.mu.RUnlock()
	if t == nil {
		return nil, sqsErr(ErrCodeResourceNotFoundException, "", http.StatusNotFound, "Task does not exist.")
	}
	return t, nil
}

// CancelMessageMoveTask stops a running move task.
func (s *Service) CancelMessageMoveTask(ctx context.Context, in *CancelMessageMoveTaskInput) (*CancelMessageMoveTaskOutput, error) {
	t, err := s.decodeTaskHandle(*in.TaskHandle)
	if err != nil {
		return nil, err
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.status != taskRunning {
		return nil, errInvalidParam("Only active tasks can be cancelled.")
	}
	t.status = taskCancelled
	t.next = time.Time{}
	if t.timer != nil {
		t.timer.Stop()
	}
	t.putLocked()
	return &CancelMessageMoveTaskOutput{ApproximateNumberOfMessagesMoved: ptr(t.moved)}, nil
}

// ListMessageMoveTasks lists the most recent move tasks of a source queue.
func (s *Service) ListMessageMoveTasks(ctx context.Context, in *ListMessageMoveTasksInput) (*ListMessageMoveTasksOutput, error) {
	if !arnPattern().MatchString(*in.SourceArn) {
		return nil, errARNFormat("SourceArn")
	}
	src := s.byARN(*in.SourceArn)
	if src == nil {
		return nil, errResourceNotFound("SourceArn")
	}
	n := 1
	if in.MaxResults != nil {
		if *in.MaxResults < 1 || *in.MaxResults > 10 {
			return nil, errInvalidParam("Value %d for parameter MaxResults is invalid. Reason: You must enter a number that's between 1 and 10.", *in.MaxResults)
		}
		n = int(*in.MaxResults)
	}
	s.mu.RLock()
	var tasks []*moveTask
	for _, t := range s.tasks {
		if t.source == src.arn {
			tasks = append(tasks, t)
		}
	}
	s.mu.RUnlock()
	sort.Slice(tasks, func(i, j int) bool {
		if tasks[i].started.Equal(tasks[j].started) {
			return tasks[i].seq > tasks[j].seq
		}
		return tasks[i].started.After(tasks[j].started)
	})
	out := &ListMessageMoveTasksOutput{Results: []ListMessageMoveTasksResultEntry{}}
	for _, t := range tasks[:min(n, len(tasks))] {
		t.mu.Lock()
		e := ListMessageMoveTasksResultEntry{Status: ptr(t.status), SourceArn: ptr(t.source),
			ApproximateNumberOfMessagesMoved: ptr(t.moved), ApproximateNumberOfMessagesToMove: ptr(t.toMove),
			StartedTimestamp: ptr(t.started.UnixMilli())}
		if t.status == taskRunning {
			e.TaskHandle = ptr(t.handle)
		}
		if t.dest != "" {
			e.DestinationArn = ptr(t.dest)
		}
		if t.rate > 0 {
			e.MaxNumberOfMessagesPerSecond = ptr(t.rate)
		}
		if t.failure != "" {
			e.FailureReason = ptr(t.failure)
		}
		t.mu.Unlock()
		out.Results = append(out.Results, e)
	}
	return out, nil
}
