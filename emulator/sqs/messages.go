package sqs

import (
	"context"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"
	"unsafe"

	"github.com/google/uuid"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// sendRequest is one message to send, from SendMessage or a batch entry.
type sendRequest struct {
	body     *string
	delay    *int32
	attrs    map[string]MessageAttributeValue
	sysAttrs map[string]MessageSystemAttributeValue
	dedupID  *string
	groupID  *string
}

// sendResult is what a send reports.
type sendResult struct {
	id, md5Body, md5Attrs, md5Sys, seqNum string
}

var fifoIDPattern = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[\x21-\x7E]{1,128}$`) })

// md5Hex returns the hex MD5 of b.
func md5Hex(b []byte) string {
	sum := md5.Sum(b)
	var out [2 * md5.Size]byte
	hex.Encode(out[:], sum[:])
	return string(out[:])
}

// idSources hands out ChaCha8 generators seeded from crypto/rand: message
// ids stay unpredictable random UUIDs without a system call per batch.
var idSources = sync.Pool{New: func() any {
	var seed [32]byte
	if _, err := rand.Read(seed[:]); err != nil {
		return nil
	}
	return mrand.NewChaCha8(seed)
}}

// stamp gives each message of msgs (nil entries skipped) a random
// (version 4) UUID as its id and the hex MD5 of its body, and copies its
// body, all into one string: one allocation per batch rather than two
// per message, and the messages keep only their own text alive, not the
// request they came in.
func stamp(msgs []*message) {
	const idLen, sumLen = 36, 2 * md5.Size
	size := 0
	for _, m := range msgs {
		if m != nil {
			size += idLen + sumLen + len(m.body)
		}
	}
	var sb strings.Builder
	sb.Grow(size)
	src, _ := idSources.Get().(*mrand.ChaCha8)
	var b [16]byte
	var text [idLen + sumLen]byte
	for _, m := range msgs {
		if m == nil {
			continue
		}
		if src != nil {
			_, _ = src.Read(b[:]) // never fails
			formatUUID(text[:idLen], b[:])
		} else {
			copy(text[:idLen], uuid.NewString())
		}
		sum := md5.Sum(unsafe.Slice(unsafe.StringData(m.body), len(m.body))) // md5 only reads it
		hex.Encode(text[idLen:], sum[:])
		sb.Write(text[:])
		sb.WriteString(m.body)
	}
	if src != nil {
		idSources.Put(src)
	}
	all := sb.String()
	for _, m := range msgs {
		if m == nil {
			continue
		}
		end := idLen + sumLen + len(m.body)
		m.id, m.md5Body, m.body = all[:idLen], all[idLen:idLen+sumLen], all[idLen+sumLen:end]
		all = all[end:]
	}
}

// formatUUID renders 16 random bytes into u as a version 4, variant 10
// UUID.
func formatUUID(u, b []byte) {
	_ = u[35]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	hex.Encode(u[0:8], b[0:4])
	u[8] = '-'
	hex.Encode(u[9:13], b[4:6])
	u[13] = '-'
	hex.Encode(u[14:18], b[6:8])
	u[18] = '-'
	hex.Encode(u[19:23], b[8:10])
	u[23] = '-'
	hex.Encode(u[24:], b[10:16])
}

// attributesMD5 is the digest AWS computes over message attributes: for
// each name in order, the length-prefixed name, data type, a transport
// byte (1 string, 2 binary, 3 string list, 4 binary list) and the
// length-prefixed value(s). Empty input yields "".
func attributesMD5[V MessageAttributeValue | MessageSystemAttributeValue](attrs map[string]V) string {
	if len(attrs) == 0 {
		return ""
	}
	var one [1]string
	var stack [256]byte
	buf := stack[:0]
	putBytes := func(b []byte) {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(b)))
		buf = append(buf, b...)
	}
	putString := func(s string) {
		buf = binary.BigEndian.AppendUint32(buf, uint32(len(s)))
		buf = append(buf, s...)
	}
	for _, name := range attrOrder(attrs, &one) {
		v := MessageAttributeValue(attrs[name])
		putString(name)
		putString(deref(v.DataType))
		switch {
		case v.StringValue != nil:
			buf = append(buf, 1)
			putString(*v.StringValue)
		case v.BinaryValue != nil:
			buf = append(buf, 2)
			putBytes(v.BinaryValue)
		case len(v.StringListValues) > 0:
			buf = append(buf, 3)
			for _, s := range v.StringListValues {
				putString(s)
			}
		case len(v.BinaryListValues) > 0:
			buf = append(buf, 4)
			for _, b := range v.BinaryListValues {
				putBytes(b)
			}
		}
	}
	return md5Hex(buf)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// allowedChars is how SQS lists the characters a message may hold.
const allowedChars = "#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]"

// badChar returns the first character SQS refuses in s.
func badChar(s string) (rune, bool) {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		ok := r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
		if r == utf8.RuneError && size == 1 {
			ok = false
		}
		if !ok {
			return r, true
		}
		i += size
	}
	return 0, false
}

// plainText reports whether s is printable ASCII, tabs and line breaks
// only: the common case, which needs no rune decoding.
func plainText(s string) bool {
	// Eight bytes at a time: a word whose bytes all lie in 0x20-0x7E
	// passes two carry tricks; any other word is checked byte by byte.
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	i := 0
	for ; i+8 <= len(s); i += 8 {
		w := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		// w|(w+ones) flags bytes >= 0x7F; (w-0x20*ones)&^w bytes < 0x20.
		if (w|(w+ones)|((w-0x20*ones)&^w))&highs != 0 && !plainBytes(s[i:i+8]) {
			return false
		}
	}
	return plainBytes(s[i:])
}

// plainBytes is plainText a byte at a time.
func plainBytes(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c >= 0x7f {
			return false
		}
	}
	return true
}

// checkBody reports the first character SQS refuses in a message.
func checkBody(body string) error {
	if plainText(body) {
		return nil
	}
	if r, bad := badChar(body); bad {
		return sqsErr(ErrCodeInvalidMessageContents, "", http.StatusBadRequest,
			"Invalid binary character '#x%X' was found in the message body, the set of allowed characters is %s.", r, allowedChars)
	}
	return nil
}

// attrOrder returns attrs' names in the order SQS checks and digests
// them (sorted); one name, the common case, needs no sort or allocation
// (one holds it).
func attrOrder[V any](attrs map[string]V, one *[1]string) []string {
	if len(attrs) > 1 {
		return sortedKeys(attrs)
	}
	for name := range attrs {
		one[0] = name
		return one[:]
	}
	return nil
}

// validAttrName reports whether name is a valid message attribute name:
// 1 to 256 of A-Z, a-z, 0-9, '_', '-' and '.', not starting with
// "AWS." or "Amazon." (any case), not starting or ending with '.' and
// without "..".
func validAttrName(name string) bool {
	if len(name) < 1 || len(name) > 256 || name[0] == '.' || name[len(name)-1] == '.' || strings.Contains(name, "..") {
		return false
	}
	for i := range len(name) {
		switch c := name[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '_', c == '-', c == '.':
		default:
			return false
		}
	}
	// ASCII only from here: EqualFold is ASCII case folding.
	return !(len(name) >= 4 && strings.EqualFold(name[:4], "aws.")) && !(len(name) >= 7 && strings.EqualFold(name[:7], "amazon."))
}

// checkAttrs validates message attributes and returns their size.
func checkAttrs(attrs map[string]MessageAttributeValue) (int, error) {
	if len(attrs) > maxMessageAttrs {
		return 0, errInvalidParam("Number of message attributes [%d] exceeds the allowed maximum [%d].", len(attrs), maxMessageAttrs)
	}
	size := 0
	var one [1]string
	for _, name := range attrOrder(attrs, &one) {
		v := attrs[name]
		if !validAttrName(name) {
			return 0, errInvalidParam("The message attribute name '%s' is invalid. Attribute name can contain A-Z, a-z, 0-9, underscore (_), hyphen (-), and period (.) characters.", name)
		}
		dt := deref(v.DataType)
		base, _, _ := strings.Cut(dt, ".")
		switch base {
		case "String", "Number":
			if v.StringValue == nil || *v.StringValue == "" {
				return 0, errInvalidParam("Message (user) attribute '%s' must contain a non-empty value of type '%s'.", name, base)
			}
			if base == "Number" {
				if _, err := strconv.ParseFloat(*v.StringValue, 64); err != nil {
					return 0, errInvalidParam("Can't convert '%s' to Number for message attribute '%s'.", *v.StringValue, name)
				}
			}
			if r, bad := badChar(*v.StringValue); bad {
				return 0, errInvalidParam("Invalid binary character '#x%X' was found in the message attribute '%s' value, the set of allowed characters is %s.", r, name, allowedChars)
			}
			size += len(*v.StringValue)
		case "Binary":
			if len(v.BinaryValue) == 0 {
				return 0, errInvalidParam("Message (user) attribute '%s' must contain a non-empty value of type '%s'.", name, base)
			}
			size += len(v.BinaryValue)
		default:
			return 0, errInvalidParam("The type of message (user) attribute '%s' is invalid. You must use only the following supported type prefixes: Binary, Number, String.", name)
		}
		size += len(name) + len(dt)
	}
	return size, nil
}

// prepare validates a send and builds the message into m, a zero message
// (without queue order, id or MD5 of the body: stamp adds those).
func (s *Service) prepare(m *message, cfg *sendSettings, r *sendRequest) error {
	if r.body == nil || *r.body == "" {
		return errMissingParam("MessageBody")
	}
	if err := checkBody(*r.body); err != nil {
		return err
	}
	attrSize, err := checkAttrs(r.attrs)
	if err != nil {
		return err
	}
	for name, v := range r.sysAttrs {
		if name != "AWSTraceHeader" {
			return errInvalidParam("Message system attribute name '%s' is invalid.", name)
		}
		if deref(v.DataType) != "String" || v.StringValue == nil || *v.StringValue == "" {
			return errInvalidParam("Message system attribute '%s' must contain a non-empty value of type 'String'.", name)
		}
	}
	maxSize, fifo, contentDedup, qDelay := cfg.maxSize, cfg.fifo, cfg.contentDedup, cfg.delay
	if size := len(*r.body) + attrSize; size > maxSize {
		return errInvalidParam("One or more parameters are invalid. Reason: Message must be shorter than %d bytes.", maxSize)
	}
	// m is zero: setting its fields one by one spares copying a whole
	// message through the write barrier.
	m.body, m.attrs, m.heapIndex, m.size = *r.body, r.attrs, -1, len(*r.body)+attrSize
	m.senderID = cfg.senderID
	if len(r.sysAttrs) > 0 {
		if t, ok := r.sysAttrs["AWSTraceHeader"]; ok {
			m.extra().traceHdr = deref(t.StringValue)
		}
	}
	delay := qDelay
	if r.delay != nil {
		if *r.delay < 0 || *r.delay > 900 {
			return errInvalidParam("Value %d for parameter DelaySeconds is invalid. Reason: DelaySeconds must be >= 0 and <= 900.", *r.delay)
		}
		switch {
		case fifo && *r.delay != 0:
			return errInvalidParam("Value %d for parameter DelaySeconds is invalid. Reason: The request include parameter that is not valid for this queue type.", *r.delay)
		case fifo:
			// FIFO queues have no per-message delay, yet AWS accepts an
			// explicit 0 (aws/aws-activejob-sqs-ruby#38, 2026: "verified
			// against the live service"; localstack's AWS-validated
			// test_send_message_with_delay_0_works_for_fifo). It changes
			// nothing: the queue's DelaySeconds still applies ("You can
			// set this parameter only on a queue level", SendMessage docs).
		default:
			delay = int(*r.delay)
		}
	}
	m.visibleAt = time.Time{}.Add(time.Duration(delay) * time.Second) // offset, made absolute on enqueue
	if fifo {
		if r.groupID == nil || *r.groupID == "" {
			return errMissingParam("MessageGroupId")
		}
		m.extra().group = *r.groupID
		if !fifoIDPattern().MatchString(*r.groupID) {
			return errInvalidParam("Value %s for parameter MessageGroupId is invalid. Reason: MessageGroupId can only include alphanumeric and punctuation characters. 1 to 128 in length.", *r.groupID)
		}
		switch {
		case r.dedupID != nil && *r.dedupID != "":
			m.extra().dedupID = *r.dedupID
			if !fifoIDPattern().MatchString(*r.dedupID) {
				return errInvalidParam("Value %s for parameter MessageDeduplicationId is invalid. Reason: MessageDeduplicationId can only include alphanumeric and punctuation characters. 1 to 128 in length.", *r.dedupID)
			}
		case contentDedup:
			sum := sha256Hex(*r.body)
			m.extra().dedupID = sum
		default:
			return errInvalidParam("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
	} else {
		if r.dedupID != nil {
			return errInvalidParam("Value %s for parameter MessageDeduplicationId is invalid. Reason: The request include parameter that is not valid for this queue type.", *r.dedupID)
		}
		if r.groupID != nil {
			m.extra().group = *r.groupID // fair queues: kept and returned, no ordering
		}
	}
	m.md5Attrs = attributesMD5(m.attrs)
	if len(r.sysAttrs) > 0 {
		m.extra().md5Sys = attributesMD5(r.sysAttrs)
	}
	return nil
}

// sendSettings are what a send reads of its queue and request, read once
// per request.
type sendSettings struct {
	maxSize, delay     int
	fifo, contentDedup bool
	senderID           string
}

// sendSettingsFor reads q's send settings and the sender of ctx.
func (s *Service) sendSettingsFor(ctx context.Context, q *queue) sendSettings {
	q.mu.Lock()
	cfg := sendSettings{maxSize: q.maxSize, fifo: q.fifo, contentDedup: q.contentDedup, delay: q.delay}
	q.mu.Unlock()
	cfg.senderID = awsapi.Request(ctx).Scope.Account
	if cfg.senderID == "" {
		cfg.senderID = s.env.Scope.Account
	}
	return cfg
}

// enqueue adds prepared messages to q in order and wakes receivers. For
// FIFO queues a duplicate within the window reports the original.
func (s *Service) enqueue(q *queue, msgs []*message) ([]sendResult, error) {
	now := s.env.Clock.Now()
	res := make([]sendResult, len(msgs))
	stamp(msgs)
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.deleted {
		return nil, errNoQueue()
	}
	if q.fifo {
		q.dedup.expire(now, q.j, q.name)
	}
	added := false
	for i, m := range msgs {
		if m == nil {
			continue
		}
		if q.fifo {
			key := m.dedupID()
			if q.dedupByGroup {
				key = m.group() + "\x00" + key
			}
			if e := q.dedup.get(key); e != nil {
				res[i] = sendResult{id: e.msgID, md5Body: m.md5Body, md5Attrs: m.md5Attrs, md5Sys: m.md5Sys(), seqNum: e.seqNum}
				continue
			}
			m.seq = q.nextSeqLocked()
			m.extra().seqNum = sequenceNumber(m.seq)
			e := &dedupEntry{key: key, expires: now.Add(dedupWindow5m), msgID: m.id, seqNum: m.x.seqNum}
			q.dedup.put(e)
			if q.j != nil {
				q.putDedupLocked(e)
			}
		} else {
			m.seq = q.nextSeqLocked()
		}
		if m.sent.IsZero() {
			m.sent = now
		}
		delay := m.visibleAt.Sub(time.Time{})
		if delay > 0 {
			m.state = stateDelayed
			m.visibleAt = now.Add(delay)
			q.delayed.add(m)
			if q.j != nil {
				q.putMsgLocked(m)
			}
		} else {
			m.visibleAt = time.Time{}
			q.pushReadyLocked(m, false)
			added = true
		}
		res[i] = sendResult{id: m.id, md5Body: m.md5Body, md5Attrs: m.md5Attrs, md5Sys: m.md5Sys(), seqNum: m.seqNum()}
	}
	if added {
		q.signalLocked()
	}
	return res, nil
}

// sequenceNumber renders a FIFO sequence number: 20 digits, increasing.
func sequenceNumber(n uint64) string {
	return fmt.Sprintf("%020d", uint64(18_000_000_000_000_000_000)+n)
}

// SendMessage sends one message.
func (s *Service) SendMessage(ctx context.Context, in *SendMessageInput) (*SendMessageOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	cfg := s.sendSettingsFor(ctx, q)
	m := new(message)
	if err := s.prepare(m, &cfg, &sendRequest{body: in.MessageBody, delay: in.DelaySeconds, attrs: in.MessageAttributes,
		sysAttrs: in.MessageSystemAttributes, dedupID: in.MessageDeduplicationId, groupID: in.MessageGroupId}); err != nil {
		return nil, err
	}
	if err := guardRefusal(ctx, s.guard(q), in.MessageBody); err != nil {
		return nil, err
	}
	res, err := s.enqueue(q, []*message{m})
	if err != nil {
		return nil, err
	}
	r := &res[0]
	return &SendMessageOutput{MessageId: &r.id, MD5OfMessageBody: &r.md5Body, MD5OfMessageAttributes: nonEmpty(&r.md5Attrs),
		MD5OfMessageSystemAttributes: nonEmpty(&r.md5Sys), SequenceNumber: nonEmpty(&r.seqNum)}, nil
}

func optStr(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// nonEmpty returns p, or nil when *p is empty; unlike optStr it does not
// copy the string to the heap.
func nonEmpty(p *string) *string {
	if *p == "" {
		return nil
	}
	return p
}

// entryIDs lists the Id of each batch entry.
func entryIDs[E any](entries []E, id func(E) *string) []*string {
	ids := make([]*string, len(entries))
	for i, e := range entries {
		ids[i] = id(e)
	}
	return ids
}

// checkBatch validates the entry ids of a batch.
func checkBatch(entryName string, ids []*string) error {
	if len(ids) == 0 {
		return sqsErr(ErrCodeEmptyBatchRequest, "AWS.SimpleQueueService.EmptyBatchRequest", http.StatusBadRequest,
			"There should be at least one %s in the request.", entryName)
	}
	if len(ids) > maxBatchEntries {
		return sqsErr(ErrCodeTooManyEntriesInBatchRequest, "AWS.SimpleQueueService.TooManyEntriesInBatchRequest", http.StatusBadRequest,
			"Maximum number of entries per request are %d. You have sent %d.", maxBatchEntries, len(ids))
	}
	for i, id := range ids {
		if id == nil {
			return errMissingParam(entryName + ".Id")
		}
		if !validBatchID(*id) {
			return sqsErr(ErrCodeInvalidBatchEntryId, "AWS.SimpleQueueService.InvalidBatchEntryId", http.StatusBadRequest,
				"A batch entry id can only contain alphanumeric characters, hyphens and underscores. It can be at most 80 letters long.")
		}
		for _, prev := range ids[:i] { // at most ten: a scan beats a map
			if *prev == *id {
				return sqsErr(ErrCodeBatchEntryIdsNotDistinct, "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", http.StatusBadRequest,
					"Id %s repeated.", *id)
			}
		}
	}
	return nil
}

// validBatchID reports whether id matches [A-Za-z0-9_-]{1,80}.
func validBatchID(id string) bool {
	if len(id) == 0 || len(id) > 80 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// failure renders an error as a batch result entry.
func failure(id *string, err error) BatchResultErrorEntry {
	e, ok := awsapi.AsError(err)
	if !ok {
		e = &awsapi.Error{Code: "InternalError", Message: err.Error(), Receiver: true}
	}
	code := e.WireQueryCode()
	return BatchResultErrorEntry{Id: id, SenderFault: ptr(!e.Receiver), Code: &code, Message: optStr(e.Message)}
}

// SendMessageBatch sends up to ten messages.
func (s *Service) SendMessageBatch(ctx context.Context, in *SendMessageBatchInput) (*SendMessageBatchOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	// Batches of up to ten (all valid ones) keep their scratch lists on
	// the stack.
	var idArray [maxBatchEntries]*string
	var msgArray [maxBatchEntries]*message
	ids := idArray[:0]
	if len(in.Entries) > maxBatchEntries {
		ids = make([]*string, 0, len(in.Entries))
	}
	total := 0
	for _, e := range in.Entries {
		ids = append(ids, e.Id)
		total += len(deref(e.MessageBody))
		for k, v := range e.MessageAttributes {
			total += len(k) + len(deref(v.DataType)) + len(deref(v.StringValue)) + len(v.BinaryValue)
		}
	}
	if err := checkBatch("SendMessageBatchRequestEntry", ids); err != nil {
		return nil, err
	}
	if total > defaultMaxSize {
		return nil, sqsErr(ErrCodeBatchRequestTooLong, "AWS.SimpleQueueService.BatchRequestTooLong", http.StatusBadRequest,
			"Batch requests cannot be longer than %d bytes. You have sent %d bytes.", defaultMaxSize, total)
	}
	cfg := s.sendSettingsFor(ctx, q)
	if err := checkFIFOBatch(&cfg, in.Entries); err != nil {
		return nil, err
	}
	msgs := msgArray[:len(in.Entries)] // checkBatch allowed at most ten
	// The batch's messages are allocated together: one allocation, not
	// ten, and fewer objects for the collector to track.
	slab := make([]message, len(in.Entries))
	out := &SendMessageBatchOutput{}
	sent := 0
	guard := s.guard(q)
	// Injected faults fail entries that passed validation: they are not
	// sent.
	faulted := s.entryFaults(ctx, "SendMessageBatch", q, len(in.Entries), in.QueueUrl)
	for i, e := range in.Entries {
		m := &slab[i]
		if err := s.prepare(m, &cfg, &sendRequest{body: e.MessageBody, delay: e.DelaySeconds, attrs: e.MessageAttributes,
			sysAttrs: e.MessageSystemAttributes, dedupID: e.MessageDeduplicationId, groupID: e.MessageGroupId}); err != nil {
			out.Failed = append(out.Failed, failure(e.Id, err))
			continue
		}
		if err := guardRefusal(ctx, guard, e.MessageBody); err != nil {
			out.Failed = append(out.Failed, failure(e.Id, err))
			continue
		}
		if f, ok := faulted[i]; ok {
			out.Failed = append(out.Failed, faultFailure(e.Id, f))
			continue
		}
		msgs[i] = m
		sent++
	}
	res, err := s.enqueue(q, msgs)
	if err != nil {
		return nil, err
	}
	out.Successful = make([]SendMessageBatchResultEntry, 0, sent)
	for i, e := range in.Entries {
		if msgs[i] == nil {
			continue
		}
		r := &res[i] // the entries point into res: no copy per field
		out.Successful = append(out.Successful, SendMessageBatchResultEntry{Id: e.Id, MessageId: &r.id, MD5OfMessageBody: &r.md5Body,
			MD5OfMessageAttributes: nonEmpty(&r.md5Attrs), MD5OfMessageSystemAttributes: nonEmpty(&r.md5Sys), SequenceNumber: nonEmpty(&r.seqNum)})
	}
	return out, nil
}

// checkFIFOBatch fails a whole FIFO batch when an entry lacks its group
// or deduplication id: unlike other entry errors, SQS does not report these
// per entry.
func checkFIFOBatch(cfg *sendSettings, entries []SendMessageBatchRequestEntry) error {
	fifo, contentDedup := cfg.fifo, cfg.contentDedup
	if !fifo {
		return nil
	}
	for _, e := range entries {
		if deref(e.MessageGroupId) == "" {
			return errInvalidParam("The request must contain the parameter MessageGroupId.")
		}
		if deref(e.MessageDeduplicationId) == "" && !contentDedup {
			return errInvalidParam("The queue should either have ContentBasedDeduplication enabled or MessageDeduplicationId provided explicitly")
		}
	}
	return nil
}

// receiptHandle encodes queue, message and receive number.
func receiptHandle(q *queue, m *message, n uint64) string {
	raw := q.arn + "\x00" + m.id + "\x00" + strconv.FormatUint(n, 36)
	return base64.StdEncoding.EncodeToString([]byte(raw))
}

// parseHandle returns the message id a receipt handle of q names.
func parseHandle(q *queue, h string) (string, error) {
	raw, err := base64.StdEncoding.DecodeString(h)
	if err != nil {
		return "", errReceiptInvalid(h)
	}
	parts := strings.Split(string(raw), "\x00")
	if len(parts) != 3 || parts[0] != q.arn {
		return "", errReceiptInvalid(h)
	}
	return parts[1], nil
}

// wantSet is a parsed selection of attribute names.
type wantSet struct {
	all      bool
	names    map[string]bool
	prefixes []string
}

func (w *wantSet) has(name string) bool {
	if w.all || w.names[name] {
		return true
	}
	for _, p := range w.prefixes {
		if strings.HasPrefix(name, p) {
			return true
		}
	}
	return false
}

// parseWant reads the attribute names of a ReceiveMessage. System
// attributes take names and "All". Message attributes, as AWS answered
// localstack's test_receive_message_message_attribute_names_filters
// (AWS-recorded snapshot): "All", ".*" and "*" take every attribute, a
// name holding ".*" takes every attribute starting with what precedes it
// ("Hel.*" takes Hello and Help.Me, so "bar.*" takes bar.baz and barn), and
// any other name only itself.
func parseWant(names []string, userAttrs bool) *wantSet {
	w := &wantSet{}
	for _, n := range names {
		if n == "All" || (userAttrs && (n == ".*" || n == "*")) {
			w.all = true
			continue
		}
		if userAttrs {
			if prefix, _, found := strings.Cut(n, ".*"); found {
				w.prefixes = append(w.prefixes, prefix)
				continue
			}
		}
		if w.names == nil {
			w.names = make(map[string]bool, len(names))
		}
		w.names[n] = true
	}
	return w
}

// render builds the API message for a delivery.
func (q *queue) render(m *message, handle string, sys, user *wantSet) Message {
	out := Message{MessageId: ptr(m.id), ReceiptHandle: ptr(handle), MD5OfBody: ptr(m.md5Body), Body: ptr(m.body)}
	attrs := map[string]string{}
	add := func(k, v string) {
		if sys.has(k) {
			attrs[k] = v
		}
	}
	add("SenderId", m.senderID)
	add("SentTimestamp", strconv.FormatInt(m.sent.UnixMilli(), 10))
	add("ApproximateReceiveCount", strconv.Itoa(m.receives))
	add("ApproximateFirstReceiveTimestamp", strconv.FormatInt(m.firstReceive.UnixMilli(), 10))
	if q.fifo {
		add("SequenceNumber", m.seqNum())
		add("MessageDeduplicationId", m.dedupID())
	}
	if g := m.group(); g != "" {
		add("MessageGroupId", g)
	}
	if t := m.traceHdr(); t != "" {
		add("AWSTraceHeader", t)
	}
	if d := m.dlqSource(); d != "" {
		add("DeadLetterQueueSourceArn", d)
	}
	if len(attrs) > 0 {
		out.Attributes = attrs
	}
	if len(m.attrs) > 0 {
		sel := make(map[string]MessageAttributeValue, len(m.attrs))
		for k, v := range m.attrs {
			if user.has(k) {
				sel[k] = v
			}
		}
		if len(sel) > 0 {
			out.MessageAttributes = sel
			if len(sel) == len(m.attrs) {
				out.MD5OfMessageAttributes = ptr(m.md5Attrs)
			} else {
				out.MD5OfMessageAttributes = ptr(attributesMD5(sel))
			}
		}
	}
	return out
}

// ReceiveMessage returns up to MaxNumberOfMessages visible messages,
// waiting up to WaitTimeSeconds for one to arrive.
func (s *Service) ReceiveMessage(ctx context.Context, in *ReceiveMessageInput) (*ReceiveMessageOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	n := 1
	if in.MaxNumberOfMessages != nil {
		if *in.MaxNumberOfMessages < 1 || *in.MaxNumberOfMessages > 10 {
			return nil, errInvalidParam("Value %d for parameter MaxNumberOfMessages is invalid. Reason: Must be between 1 and 10, if provided.", *in.MaxNumberOfMessages)
		}
		n = int(*in.MaxNumberOfMessages)
	}
	if v := in.VisibilityTimeout; v != nil && (*v < 0 || *v > maxVisibility) {
		return nil, errInvalidParam("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", *v)
	}
	if w := in.WaitTimeSeconds; w != nil && (*w < 0 || *w > 20) {
		return nil, errInvalidParam("Value %d for parameter WaitTimeSeconds is invalid. Reason: Must be >= 0 and <= 20, if provided.", *w)
	}
	if in.ReceiveRequestAttemptId != nil && !q.fifo {
		// Standard queues ignore the attempt id.
		in.ReceiveRequestAttemptId = nil
	}
	sysNames := make([]string, 0, len(in.AttributeNames)+len(in.MessageSystemAttributeNames))
	for _, a := range in.AttributeNames {
		sysNames = append(sysNames, string(a))
	}
	for _, a := range in.MessageSystemAttributeNames {
		sysNames = append(sysNames, string(a))
	}
	sys, user := parseWant(sysNames, false), parseWant(in.MessageAttributeNames, true)

	start := s.env.Clock.Now()
	q.mu.Lock()
	wait := time.Duration(q.waitTime) * time.Second
	q.mu.Unlock()
	if in.WaitTimeSeconds != nil {
		wait = time.Duration(*in.WaitTimeSeconds) * time.Second
	}
	deadline := start.Add(wait)
	for {
		now := s.env.Clock.Now()
		msgs, wake, next, err := s.receiveOnce(q, now, n, in.VisibilityTimeout, in.ReceiveRequestAttemptId, sys, user, now.Before(deadline))
		if err != nil {
			return nil, err
		}
		if len(msgs) > 0 || wake == nil {
			return &ReceiveMessageOutput{Messages: msgs}, nil
		}
		d := deadline.Sub(now)
		if !next.IsZero() && next.Sub(now) < d {
			d = max(next.Sub(now), 0)
		}
		t := s.env.Clock.NewTimer(d)
		done := false
		select {
		case <-wake:
		case <-t.C:
		case <-ctx.Done():
			done = true
		}
		t.Stop()
		q.mu.Lock()
		q.waiters--
		q.mu.Unlock()
		if done {
			return &ReceiveMessageOutput{}, nil
		}
	}
}

// receiveOnce takes messages once. When none is ready it registers as a
// waiter and returns the channel that signals arrivals and the time of
// the next timed event.
func (s *Service) receiveOnce(q *queue, now time.Time, n int, vis *int32, attempt *string, sys, user *wantSet, canWait bool) ([]Message, <-chan struct{}, time.Time, error) {
	q.mu.Lock()
	if q.deleted {
		q.mu.Unlock()
		return nil, nil, time.Time{}, errNoQueue()
	}
	q.releaseLocked(now)
	visibility := time.Duration(q.visibility) * time.Second
	if vis != nil {
		visibility = time.Duration(*vis) * time.Second
	}
	if attempt != nil {
		if msgs, ok := q.retryAttemptLocked(*attempt, now, visibility, sys, user); ok {
			q.mu.Unlock()
			return msgs, nil, time.Time{}, nil
		}
	}
	got, dead := q.takeLocked(now, n)
	var out []Message
	if len(got) > 0 {
		out = make([]Message, len(got))
		handles := make([]string, len(got))
		for i, m := range got {
			m.receives++
			if m.firstReceive.IsZero() {
				m.firstReceive = now
			}
			m.lastReceive = now
			rcv := q.nextRcvLocked()
			if m.handle == "" {
				q.byID[m.id] = m // first receive: from now on a handle can name it
			}
			m.handle = receiptHandle(q, m, rcv)
			handles[i] = m.handle
			m.state = stateInflight
			m.visibleAt = now.Add(visibility)
			q.inflight.add(m)
			if q.j != nil {
				q.putMsgLocked(m)
			}
			out[i] = q.render(m, m.handle, sys, user)
		}
		if attempt != nil {
			if q.attempts == nil {
				q.attempts = map[string]*receiveAttempt{}
			}
			q.attempts[*attempt] = &receiveAttempt{expires: now.Add(dedupWindow5m), msgs: got, handles: handles}
		}
	}
	var wake <-chan struct{}
	var next time.Time
	if len(out) == 0 && canWait {
		q.waiters++
		wake = q.wake
		next, _ = q.nextEventLocked()
	}
	redrive := q.redrive
	source := q.arn
	srcJournal := q.j
	var deadKeys []string
	if srcJournal != nil {
		for _, m := range dead {
			deadKeys = append(deadKeys, q.msgKey(m))
		}
	}
	q.mu.Unlock()
	if len(dead) > 0 && redrive != nil {
		s.deadLetter(source, redrive.target, dead)
	}
	for _, k := range deadKeys {
		srcJournal.Delete(k) // after the dead-letter queue's rows
	}
	if wake != nil && len(dead) > 0 {
		// Moved messages may have uncovered more; let the caller retry
		// at once.
		next = now
	}
	return out, wake, next, nil
}

// retryAttemptLocked answers a FIFO receive retried with the same
// ReceiveRequestAttemptId while its messages are untouched.
func (q *queue) retryAttemptLocked(id string, now time.Time, visibility time.Duration, sys, user *wantSet) ([]Message, bool) {
	a := q.attempts[id]
	if a == nil {
		return nil, false
	}
	if !now.Before(a.expires) {
		delete(q.attempts, id)
		return nil, false
	}
	for i, m := range a.msgs {
		if m.state != stateInflight || m.handle != a.handles[i] {
			delete(q.attempts, id)
			return nil, false
		}
	}
	out := make([]Message, len(a.msgs))
	for i, m := range a.msgs {
		m.visibleAt = now.Add(visibility)
		q.inflight.fix(m)
		if q.j != nil {
			q.putMsgLocked(m)
		}
		out[i] = q.render(m, m.handle, sys, user)
	}
	return out, true
}

// deadLetter moves messages to the dead-letter queue target.
func (s *Service) deadLetter(source, target string, msgs []*message) {
	dlq := s.byARN(target)
	if dlq == nil {
		return
	}
	now := s.env.Clock.Now()
	dlq.mu.Lock()
	defer dlq.mu.Unlock()
	if dlq.deleted {
		return
	}
	for _, old := range msgs {
		m := *old
		m.x = m.x.clone() // the copy's own details
		m.heapIndex = -1
		m.handle = ""
		m.extra().dlqSource = source
		m.seq = dlq.nextSeqLocked()
		if dlq.fifo {
			m.sent = now
			m.extra().seqNum = sequenceNumber(m.seq)
		}
		dlq.pushReadyLocked(&m, false)
	}
	dlq.signalLocked()
}

// findLocked returns the live message a receipt handle names.
func (q *queue) findLocked(h string) (*message, error) {
	id, err := parseHandle(q, h)
	if err != nil {
		return nil, err
	}
	return q.byID[id], nil
}

// deleteLocked deletes the message of handle h.
func (q *queue) deleteLocked(h string) error {
	m, err := q.findLocked(h)
	if err != nil {
		return err
	}
	if m == nil || m.handle != h {
		return nil // deleted already, or an older receipt: AWS succeeds
	}
	switch m.state {
	case stateInflight:
		q.inflight.remove(m)
		q.unlockGroupLocked(m)
	case stateReady:
		if q.fifo {
			return errHandleExpired(h)
		}
		// Visible again and not yet re-received: take it out lazily.
		q.nReady--
		q.removeReadyLocked(m)
	}
	q.dropLocked(m)
	return nil
}

// removeReadyLocked unlinks a visible standard-queue message. It is rare
// (deleting after the visibility expired), so the scan is acceptable.
func (q *queue) removeReadyLocked(m *message) {
	d := &q.ready
	for i := 0; i < d.size; i++ {
		if d.at(i) == m {
			for j := i; j > 0; j-- {
				d.buf[(d.head+j)%len(d.buf)] = d.at(j - 1)
			}
			d.popFront()
			return
		}
	}
}

// DeleteMessage deletes a received message.
func (s *Service) DeleteMessage(ctx context.Context, in *DeleteMessageInput) (*DeleteMessageOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	q.mu.Lock()
	defer q.mu.Unlock()
	if err := q.deleteLocked(*in.ReceiptHandle); err != nil {
		return nil, err
	}
	return &DeleteMessageOutput{}, nil
}

// DeleteMessageBatch deletes up to ten messages.
func (s *Service) DeleteMessageBatch(ctx context.Context, in *DeleteMessageBatchInput) (*DeleteMessageBatchOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if err := checkBatch("DeleteMessageBatchRequestEntry", entryIDs(in.Entries, func(e DeleteMessageBatchRequestEntry) *string { return e.Id })); err != nil {
		return nil, err
	}
	out := &DeleteMessageBatchOutput{Successful: []DeleteMessageBatchResultEntry{}}
	// Injected faults fail entries whose receipt handle is valid: their
	// messages are not deleted.
	faulted := s.entryFaults(ctx, "DeleteMessageBatch", q, len(in.Entries), in.QueueUrl)
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, e := range in.Entries {
		if f, ok := faulted[i]; ok {
			if _, err := parseHandle(q, deref(e.ReceiptHandle)); err != nil {
				out.Failed = append(out.Failed, failure(e.Id, err))
			} else {
				out.Failed = append(out.Failed, faultFailure(e.Id, f))
			}
			continue
		}
		if err := q.deleteLocked(deref(e.ReceiptHandle)); err != nil {
			out.Failed = append(out.Failed, failure(e.Id, err))
			continue
		}
		out.Successful = append(out.Successful, DeleteMessageBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

// changeVisibilityLocked sets the visibility timeout of a received message.
func (q *queue) changeVisibilityLocked(h string, seconds int32, now time.Time) error {
	m, err := q.findLocked(h)
	if err != nil {
		return err
	}
	if seconds < 0 || seconds > maxVisibility {
		return errInvalidParam("Value %d for parameter VisibilityTimeout is invalid. Reason: Must be >= 0 and <= 43200, if provided.", seconds)
	}
	if m == nil {
		return errInvalidParam("Value %s for parameter ReceiptHandle is invalid. Reason: Message does not exist or is not available for visibility timeout change.", h)
	}
	// Standard queues take any receipt handle of the message, even an
	// older one or one whose visibility already ran out; FIFO queues only
	// the latest, while the message is in flight.
	if m.handle != h && q.fifo {
		return errHandleExpired(h)
	}
	if m.state != stateInflight && (q.fifo || m.state != stateReady) {
		return errNotInflight()
	}
	if now.Add(time.Duration(seconds)*time.Second).Sub(m.firstReceiveOf()) > maxVisibility*time.Second && seconds > 0 {
		return errInvalidParam("Value %d for parameter VisibilityTimeout is invalid. Reason: Total VisibilityTimeout for the message is beyond the limit [43200 seconds]", seconds)
	}
	if m.state == stateReady {
		if seconds == 0 {
			return nil
		}
		q.nReady--
		q.removeReadyLocked(m)
		m.state = stateInflight
		m.visibleAt = now.Add(time.Duration(seconds) * time.Second)
		q.inflight.add(m)
		if q.j != nil {
			q.putMsgLocked(m)
		}
		return nil
	}
	if seconds == 0 {
		q.inflight.remove(m)
		q.unlockGroupLocked(m)
		q.pushReadyLocked(m, true)
		q.signalLocked()
		return nil
	}
	m.visibleAt = now.Add(time.Duration(seconds) * time.Second)
	q.inflight.fix(m)
	if q.j != nil {
		q.putMsgLocked(m)
	}
	return nil
}

// firstReceiveOf is when the current receive of m started counting for the
// 12-hour visibility limit: the latest receive.
func (m *message) firstReceiveOf() time.Time { return m.lastReceive }

// ChangeMessageVisibility changes the visibility timeout of a message.
func (s *Service) ChangeMessageVisibility(ctx context.Context, in *ChangeMessageVisibilityInput) (*ChangeMessageVisibilityOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	now := s.env.Clock.Now()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.releaseLocked(now)
	if err := q.changeVisibilityLocked(*in.ReceiptHandle, *in.VisibilityTimeout, now); err != nil {
		return nil, err
	}
	return &ChangeMessageVisibilityOutput{}, nil
}

// ChangeMessageVisibilityBatch changes the visibility of up to ten
// messages.
func (s *Service) ChangeMessageVisibilityBatch(ctx context.Context, in *ChangeMessageVisibilityBatchInput) (*ChangeMessageVisibilityBatchOutput, error) {
	q, err := s.resolve(in.QueueUrl)
	if err != nil {
		return nil, err
	}
	if err := checkBatch("ChangeMessageVisibilityBatchRequestEntry", entryIDs(in.Entries, func(e ChangeMessageVisibilityBatchRequestEntry) *string { return e.Id })); err != nil {
		return nil, err
	}
	now := s.env.Clock.Now()
	out := &ChangeMessageVisibilityBatchOutput{Successful: []ChangeMessageVisibilityBatchResultEntry{}}
	q.mu.Lock()
	defer q.mu.Unlock()
	q.releaseLocked(now)
	for _, e := range in.Entries {
		vis := int32(0)
		if e.VisibilityTimeout != nil {
			vis = *e.VisibilityTimeout
		}
		if err := q.changeVisibilityLocked(deref(e.ReceiptHandle), vis, now); err != nil {
			out.Failed = append(out.Failed, failure(e.Id, err))
			continue
		}
		out.Successful = append(out.Successful, ChangeMessageVisibilityBatchResultEntry{Id: e.Id})
	}
	return out, nil
}

func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

func jsonObject(s string) bool {
	var m map[string]any
	return json.Unmarshal([]byte(s), &m) == nil
}
