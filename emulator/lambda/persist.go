package lambda

// Persistence (--data-dir): the service's rows, journaled as state changes
// and restored after a restart (awsapi.Journal, awsapi.Persistent).
//
// Rows, keyed within the instance:
//
//	f/<name>          a function's $LATEST with what belongs to the whole
//	                  function: configuration, code digest, tags, resource
//	                  policies, event invoke configs, reserved concurrency,
//	                  aliases, the version counter and generation
//	v/<name>/<n>      a published version: configuration, code digest
//	c/<name>/<sha>    a deployment package (the zip), shared by $LATEST and
//	                  the versions that run it
//	a/<name>/<seq>    an asynchronous event not yet ended (delivery rows:
//	                  payload, attempts so far, next due time)
//	e/<uuid>          an event source mapping: configuration, enabled, tags
//
// Derived or runtime things are not stored: unpacked code folders (the zips
// are unpacked again on restore), handler processes, invocation records and
// logs (observability, like request logs), the alias routing generator and
// the state transition delay (settings of the running emulator), and the
// in-process Go handlers, which are Go values: a function created by
// RegisterHandler is restored without code, and the test registers its
// handler again after the restart, as it did before it.

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"

	"github.com/evolvestack/evolvestack/emulator/delivery"
)

// Row key prefixes.
const (
	keyFunction = "f/"
	keyVersion  = "v/"
	keyCode     = "c/"
	keyAsync    = "a/"
	keyESM      = "e/"
)

// functionRow is the row of a function's $LATEST.
type functionRow struct {
	Cfg         FunctionConfiguration                 `json:"c"`
	Code        string                                `json:"k,omitempty"` // CodeSha256 of its bundle; "" without code
	Tags        map[string]string                     `json:"t,omitempty"`
	Policies    map[string][]map[string]any           `json:"p,omitempty"`
	Invoke      map[string]*FunctionEventInvokeConfig `json:"i,omitempty"`
	Reserved    *int32                                `json:"r,omitempty"`
	Aliases     map[string]*AliasConfiguration        `json:"a,omitempty"`
	LastVersion int                                   `json:"n,omitempty"`
	Generation  int                                   `json:"g,omitempty"`
}

// versionRow is the row of a published version.
type versionRow struct {
	Cfg  FunctionConfiguration `json:"c"`
	Code string                `json:"k,omitempty"`
	From int                   `json:"g,omitempty"` // publishedFrom
}

// codeRow is the row of a deployment package.
type codeRow struct {
	Zip []byte `json:"z"`
}

// esmRow is the row of an event source mapping.
type esmRow struct {
	Cfg     EventSourceMappingConfiguration `json:"c"`
	Enabled bool                            `json:"e"`
	Tags    map[string]string               `json:"t,omitempty"`
}

// asyncRow is the payload part of an asynchronous event's delivery row.
type asyncRow struct {
	Qualifier string        `json:"q,omitempty"`
	Payload   []byte        `json:"p"`
	Last      *asyncLastRow `json:"l,omitempty"`
}

// asyncLastRow is the part of an event's last attempt that its
// destination record and dead-letter message use.
type asyncLastRow struct {
	RequestID       string `json:"r,omitempty"`
	Payload         []byte `json:"p,omitempty"`
	FunctionError   string `json:"f,omitempty"`
	ErrorType       string `json:"t,omitempty"`
	ErrorMessage    string `json:"m,omitempty"`
	ExecutedVersion string `json:"v,omitempty"`
	Attempt         int    `json:"a,omitempty"`
}

func functionKey(name string) string     { return keyFunction + name }
func versionKey(name, n string) string   { return keyVersion + name + "/" + n }
func asyncPrefix(name string) string     { return keyAsync + name + "/" }
func esmKey(id string) string            { return keyESM + id }
func codeKey(name, sha256 string) string { return keyCode + name + "/" + codeID(sha256) }

// codeID turns a base64 CodeSha256 into a key part without slashes.
func codeID(sha256 string) string {
	raw, err := base64.StdEncoding.DecodeString(sha256)
	if err != nil {
		return strings.NewReplacer("/", "_", "+", "-").Replace(sha256)
	}
	return base64.RawURLEncoding.EncodeToString(raw)
}

// mustJSON marshals a row; the row types always marshal.
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic(fmt.Sprintf("lambda: encoding a row: %v", err))
	}
	return b
}

// codeSha is the digest of a bundle, "" for none.
func codeSha(b *codeBundle) string {
	if b == nil {
		return ""
	}
	return b.sha256
}

// rowLocked renders fn's row: $LATEST's (fn locked) or a version's (the
// version locked).
func (fn *function) rowLocked() (string, []byte) {
	if fn.parent != nil {
		return versionKey(fn.name, fn.version), mustJSON(versionRow{Cfg: fn.cfg, Code: codeSha(fn.code), From: fn.publishedFrom})
	}
	return functionKey(fn.name), mustJSON(functionRow{
		Cfg: fn.cfg, Code: codeSha(fn.code), Tags: fn.tags, Policies: fn.policies, Invoke: fn.invoke,
		Reserved: fn.reserved, Aliases: fn.aliases, LastVersion: fn.lastVersion, Generation: fn.generation,
	})
}

// persistedLocked reports whether fn has a row: it is created and not
// deleted.
func (fn *function) persistedLocked() bool {
	return !fn.unlisted && fn.cfg.FunctionName != nil
}

// persistLocked journals fn's row ($LATEST or a version, locked).
func (fn *function) persistLocked() {
	j := fn.svc.env.Journal
	if j == nil || !fn.persistedLocked() {
		return
	}
	k, v := fn.rowLocked()
	j.Put(k, v)
}

// persistCodeLocked journals the package of b for fn ($LATEST, locked).
func (fn *function) persistCodeLocked(b *codeBundle) {
	j := fn.svc.env.Journal
	if j == nil || b == nil || fn.unlisted {
		return
	}
	j.Put(codeKey(fn.name, b.sha256), mustJSON(codeRow{Zip: b.zip}))
}

// codeShaInUseLocked reports whether $LATEST or a version of fn ($LATEST,
// locked) runs a package with digest sha.
func (fn *function) codeShaInUseLocked(sha string) bool {
	if codeSha(fn.code) == sha {
		return true
	}
	for _, v := range fn.versions {
		if codeSha(v.code) == sha {
			return true
		}
	}
	return false
}

// forgetCodeLocked deletes the row of b's package once nothing of fn
// ($LATEST, locked) runs it.
func (fn *function) forgetCodeLocked(b *codeBundle) {
	j := fn.svc.env.Journal
	if j == nil || b == nil || fn.unlisted || fn.codeShaInUseLocked(b.sha256) {
		return
	}
	j.Delete(codeKey(fn.name, b.sha256))
}

// forgetVersionLocked deletes the row of version v of fn ($LATEST,
// locked), which was just removed.
func (fn *function) forgetVersionLocked(v *function) {
	v.mu.Lock()
	v.unlisted = true
	v.mu.Unlock()
	if j := fn.svc.env.Journal; j != nil && !fn.unlisted {
		j.Delete(versionKey(fn.name, v.version))
	}
}

// forgetFunctionLocked deletes the rows of fn ($LATEST), just removed
// from the service (s.mu held). Its asynchronous events' rows go once
// its queue is closed (forgetAsync).
func (s *Service) forgetFunctionLocked(fn *function) {
	fn.mu.Lock()
	defer fn.mu.Unlock()
	was := fn.persistedLocked()
	shas := map[string]bool{}
	if fn.code != nil {
		shas[fn.code.sha256] = true
	}
	for _, v := range fn.versions {
		v.mu.Lock()
		v.unlisted = true
		v.mu.Unlock()
		if s.env.Journal != nil && was {
			s.env.Journal.Delete(versionKey(fn.name, v.version))
		}
		if v.code != nil {
			shas[v.code.sha256] = true
		}
	}
	fn.unlisted = true
	if s.env.Journal == nil || !was {
		return
	}
	for sha := range shas {
		s.env.Journal.Delete(codeKey(fn.name, sha))
	}
	s.env.Journal.Delete(functionKey(fn.name))
}

// forgetAsync deletes the rows of a closed asynchronous queue's events
// (the function was deleted).
func (s *Service) forgetAsync(q *delivery.Queue[*asyncEvent]) {
	if q == nil || s.env.Journal == nil {
		return
	}
	_ = q.DumpState(func(key string, _ []byte) { s.env.Journal.Delete(key) })
}

// encodeAsync is the delivery row payload of an event. A new event (the
// hot case) is appended by hand; it reads back as an asyncRow.
func encodeAsync(ev *asyncEvent) ([]byte, error) {
	if ev.last == nil && jsonPlain(ev.qualifier) {
		b := make([]byte, 0, 16+len(ev.qualifier)+base64.StdEncoding.EncodedLen(len(ev.payload)))
		b = append(b, '{')
		if ev.qualifier != "" {
			b = append(b, `"q":"`...)
			b = append(b, ev.qualifier...)
			b = append(b, `",`...)
		}
		if ev.payload == nil {
			return append(b, `"p":null}`...), nil
		}
		b = append(b, `"p":"`...)
		b = base64.StdEncoding.AppendEncode(b, ev.payload)
		return append(b, `"}`...), nil
	}
	row := asyncRow{Qualifier: ev.qualifier, Payload: ev.payload}
	if r := ev.last; r != nil {
		row.Last = &asyncLastRow{
			RequestID: r.RequestID, Payload: r.Payload, FunctionError: r.FunctionError, ErrorType: r.ErrorType,
			ErrorMessage: r.ErrorMessage, ExecutedVersion: r.ExecutedVersion, Attempt: r.Attempt,
		}
	}
	b, err := json.Marshal(row)
	if err != nil {
		return nil, fmt.Errorf("lambda: encoding an event: %w", err)
	}
	return b, nil
}

// jsonPlain reports whether s needs no escaping in a JSON string
// (qualifiers are version numbers, $LATEST or alias names).
func jsonPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x80 || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// decodeAsync reverses encodeAsync for the event with request id id.
func decodeAsync(id string, b []byte) (*asyncEvent, error) {
	var row asyncRow
	if err := json.Unmarshal(b, &row); err != nil {
		return nil, fmt.Errorf("lambda: decoding event %s: %w", id, err)
	}
	ev := &asyncEvent{requestID: id, qualifier: row.Qualifier, payload: row.Payload}
	if l := row.Last; l != nil {
		ev.last = &InvocationResult{
			RequestID: l.RequestID, Payload: l.Payload, FunctionError: l.FunctionError, ErrorType: l.ErrorType,
			ErrorMessage: l.ErrorMessage, ExecutedVersion: l.ExecutedVersion, Attempt: l.Attempt,
		}
	}
	return ev, nil
}

// persistESMLocked journals m's row (m locked).
func (s *Service) persistESMLocked(m *eventSourceMapping) {
	if s.env.Journal == nil || m.gone {
		return
	}
	s.env.Journal.Put(esmKey(str(m.cfg.UUID)), m.rowLocked())
}

func (m *eventSourceMapping) rowLocked() []byte {
	return mustJSON(esmRow{Cfg: m.cfg, Enabled: m.enabled, Tags: m.tags})
}

// DumpState emits every row of the service's state (awsapi.Persistent).
func (s *Service) DumpState(emit func(key string, value []byte)) error {
	s.mu.Lock()
	fns := slices.Collect(maps.Values(s.functions))
	esms := slices.Collect(maps.Values(s.esms))
	s.mu.Unlock()
	sort.Slice(fns, func(i, j int) bool { return fns[i].name < fns[j].name })
	for _, fn := range fns {
		if err := fn.dump(emit); err != nil {
			return err
		}
	}
	for _, m := range esms {
		m.mu.Lock()
		if !m.gone {
			emit(esmKey(str(m.cfg.UUID)), m.rowLocked())
		}
		m.mu.Unlock()
	}
	return nil
}

// dump emits the rows of fn ($LATEST): its own, its versions', its
// packages' and its pending events'.
func (fn *function) dump(emit func(key string, value []byte)) error {
	fn.mu.Lock()
	if !fn.persistedLocked() {
		fn.mu.Unlock()
		return nil
	}
	emit(fn.rowLocked())
	codes := map[string]*codeBundle{}
	if fn.code != nil {
		codes[fn.code.sha256] = fn.code
	}
	for _, v := range fn.versions {
		v.mu.Lock()
		emit(v.rowLocked())
		v.mu.Unlock()
		if v.code != nil {
			codes[v.code.sha256] = v.code
		}
	}
	for sha, b := range codes {
		emit(codeKey(fn.name, sha), mustJSON(codeRow{Zip: b.zip}))
	}
	q := fn.async
	fn.mu.Unlock()
	if q != nil {
		if err := q.DumpState(emit); err != nil {
			return fmt.Errorf("lambda: dumping the events of %s: %w", fn.name, err)
		}
	}
	return nil
}

// restored collects rows until RestoreDone.
type restored struct {
	functions map[string][]byte            // by name
	versions  map[string]map[string][]byte // by name, version
	codes     map[string]map[string][]byte // by name, code id
	async     map[string]map[string][]byte // by name, row key
	esms      map[string][]byte            // by UUID
}

func upsert(m map[string]map[string][]byte, outer, inner string, value []byte) {
	if value == nil {
		delete(m[outer], inner)
		return
	}
	if m[outer] == nil {
		m[outer] = map[string][]byte{}
	}
	m[outer][inner] = value
}

// RestoreState takes one row (awsapi.Persistent); value nil deletes it.
func (s *Service) RestoreState(key string, value []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.restoring
	if r == nil {
		r = &restored{functions: map[string][]byte{}, versions: map[string]map[string][]byte{},
			codes: map[string]map[string][]byte{}, async: map[string]map[string][]byte{}, esms: map[string][]byte{}}
		s.restoring = r
	}
	set := func(m map[string][]byte, k string) {
		if value == nil {
			delete(m, k)
		} else {
			m[k] = value
		}
	}
	switch {
	case strings.HasPrefix(key, keyFunction):
		set(r.functions, strings.TrimPrefix(key, keyFunction))
	case strings.HasPrefix(key, keyESM):
		set(r.esms, strings.TrimPrefix(key, keyESM))
	case strings.HasPrefix(key, keyVersion), strings.HasPrefix(key, keyCode), strings.HasPrefix(key, keyAsync):
		name, rest, ok := strings.Cut(key[2:], "/")
		if !ok {
			return fmt.Errorf("lambda: restoring row %q: malformed key", key)
		}
		switch key[:2] {
		case keyVersion:
			upsert(r.versions, name, rest, value)
		case keyCode:
			upsert(r.codes, name, rest, value)
		default:
			upsert(r.async, name, key, value)
		}
	default:
		return fmt.Errorf("lambda: restoring row %q: unknown key", key)
	}
	return nil
}

// RestoreDone builds the restored functions and mappings (awsapi.
// Persistent): packages are unpacked again, transitional states settle,
// and pending asynchronous events are queued with their attempts so far.
// Event source mapping pollers are esm.Manager's.
func (s *Service) RestoreDone() error {
	s.mu.Lock()
	r := s.restoring
	s.restoring = nil
	s.mu.Unlock()
	if r == nil {
		return nil
	}
	var errs []error
	names := make([]string, 0, len(r.functions))
	for name := range r.functions {
		names = append(names, name)
	}
	sort.Strings(names)
	var settle []*function
	for _, name := range names {
		fn, pending, err := s.restoreFunction(name, r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		settle = append(settle, pending...)
		if err := s.restoreAsync(fn, r.async[name]); err != nil {
			errs = append(errs, err)
		}
	}
	s.forgetOrphans(r)
	for _, fn := range settle {
		s.settleFunction(fn)
	}
	ids := make([]string, 0, len(r.esms))
	for id := range r.esms {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		if err := s.restoreESM(id, r.esms[id]); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// forgetOrphans deletes the rows of versions, packages and events whose
// function has no row (a crash between the deletions of its rows), and of
// packages nothing runs.
func (s *Service) forgetOrphans(r *restored) {
	j := s.env.Journal
	if j == nil {
		return
	}
	for name, vs := range r.versions {
		if r.functions[name] == nil {
			for n := range vs {
				j.Delete(versionKey(name, n))
			}
		}
	}
	for name, rows := range r.async {
		if r.functions[name] == nil {
			for key := range rows {
				j.Delete(key)
			}
		}
	}
	for name, codes := range r.codes {
		s.mu.Lock()
		fn := s.functions[name]
		s.mu.Unlock()
		used := map[string]bool{}
		if fn != nil {
			fn.mu.Lock()
			if fn.code != nil {
				used[codeID(fn.code.sha256)] = true
			}
			for _, v := range fn.versions {
				if v.code != nil {
					used[codeID(v.code.sha256)] = true
				}
			}
			fn.mu.Unlock()
		}
		for id := range codes {
			if !used[id] {
				j.Delete(keyCode + name + "/" + id)
			}
		}
	}
}

// restoreFunction builds function name with its versions and packages
// and returns it with those of its parts whose state has yet to settle.
func (s *Service) restoreFunction(name string, r *restored) (*function, []*function, error) {
	var row functionRow
	if err := json.Unmarshal(r.functions[name], &row); err != nil {
		return nil, nil, fmt.Errorf("lambda: restoring function %s: %w", name, err)
	}
	fn := newFunction(s, name)
	fn.cfg = row.Cfg
	if row.Tags != nil {
		fn.tags = row.Tags
	}
	if row.Policies != nil {
		fn.policies = row.Policies
	}
	if row.Invoke != nil {
		fn.invoke = row.Invoke
	}
	if row.Aliases != nil {
		fn.aliases = row.Aliases
	}
	fn.reserved, fn.lastVersion, fn.generation = row.Reserved, row.LastVersion, row.Generation
	bundles := map[string]*codeBundle{}
	var errs []error
	bundle := func(sha string) *codeBundle {
		if sha == "" {
			return nil
		}
		if b, ok := bundles[sha]; ok {
			return b
		}
		b, err := s.restoreCode(name, sha, r.codes[name][codeID(sha)])
		if err != nil {
			errs = append(errs, err)
		}
		bundles[sha] = b
		return b
	}
	fn.code = bundle(row.Code)
	pending := []*function{}
	if unsettled(fn.cfg) {
		pending = append(pending, fn)
	}
	for n, raw := range r.versions[name] {
		var vr versionRow
		if err := json.Unmarshal(raw, &vr); err != nil {
			errs = append(errs, fmt.Errorf("lambda: restoring version %s of %s: %w", n, name, err))
			continue
		}
		v := &function{svc: s, name: name, arn: fn.arn, parent: fn, version: n, done: make(chan struct{}),
			cfg: vr.Cfg, code: bundle(vr.Code), publishedFrom: vr.From}
		fn.versions[n] = v
		if unsettled(v.cfg) {
			pending = append(pending, v)
		}
	}
	s.mu.Lock()
	if old := s.functions[name]; old != nil {
		s.mu.Unlock()
		return nil, nil, errors.Join(append(errs, fmt.Errorf("lambda: restoring function %s: it exists already", name))...)
	}
	s.functions[name] = fn
	s.mu.Unlock()
	return fn, pending, errors.Join(errs...)
}

// unsettled reports whether a configuration is in a transitional state.
func unsettled(cfg FunctionConfiguration) bool {
	return cfg.State == StatePending || cfg.LastUpdateStatus == LastUpdateStatusInProgress
}

// restoreCode unpacks a restored package of function name; it keeps the
// digest (and answers with a bundle without files) when the row is
// missing or unusable, so that the configuration stays as it was.
func (s *Service) restoreCode(name, sha string, raw []byte) (*codeBundle, error) {
	b := &codeBundle{sha256: sha}
	if raw == nil {
		return b, fmt.Errorf("lambda: restoring function %s: the package %s is missing", name, sha)
	}
	var row codeRow
	if err := json.Unmarshal(raw, &row); err != nil {
		return b, fmt.Errorf("lambda: restoring the package of %s: %w", name, err)
	}
	zr, checked, err := checkCode(row.Zip, "CreateFunction")
	if err != nil {
		return b, fmt.Errorf("lambda: restoring the package of %s: %w", name, err)
	}
	if checked.sha256 != sha {
		return b, fmt.Errorf("lambda: restoring the package of %s: digest %s, want %s", name, checked.sha256, sha)
	}
	checked.zip = row.Zip
	if err := s.unpackInto(zr, checked); err != nil {
		return b, fmt.Errorf("lambda: unpacking the package of %s: %w", name, err)
	}
	return checked, nil
}

// restoreAsync queues fn's restored events again.
func (s *Service) restoreAsync(fn *function, rows map[string][]byte) error {
	if len(rows) == 0 {
		return nil
	}
	stored := make([]delivery.Stored, 0, len(rows))
	for key, raw := range rows {
		st, err := delivery.ParseStored(raw)
		if err != nil {
			return fmt.Errorf("lambda: restoring event %s: %w", key, err)
		}
		stored = append(stored, st)
	}
	q, err := s.asyncQueue(fn)
	if err != nil {
		return err
	}
	if s.env.Journal == nil {
		// Without a journal a queue cannot restore: queue the events anew.
		for _, st := range stored {
			if ev, err := decodeAsync(st.ID, st.Payload); err == nil {
				_, _ = q.Enqueue(delivery.Delivery[*asyncEvent]{ID: ev.requestID, Target: fn.arn, Payload: ev, Policy: asyncPolicy{s: s, fn: fn, ev: ev}})
			}
		}
		return nil
	}
	var bad []error
	err = q.Restore(stored, func(st delivery.Stored) (delivery.Delivery[*asyncEvent], bool) {
		ev, err := decodeAsync(st.ID, st.Payload)
		if err != nil {
			bad = append(bad, err)
			return delivery.Delivery[*asyncEvent]{}, false
		}
		return delivery.Delivery[*asyncEvent]{Payload: ev, Policy: asyncPolicy{s: s, fn: fn, ev: ev}}, true
	})
	if err != nil {
		return fmt.Errorf("lambda: restoring the events of %s: %w", fn.name, err)
	}
	return errors.Join(bad...)
}

// restoreESM builds a restored event source mapping; one caught in a
// transition settles (or, Deleting, goes).
func (s *Service) restoreESM(id string, raw []byte) error {
	var row esmRow
	if err := json.Unmarshal(raw, &row); err != nil {
		return fmt.Errorf("lambda: restoring event source mapping %s: %w", id, err)
	}
	m := &eventSourceMapping{cfg: row.Cfg, enabled: row.Enabled, tags: row.Tags}
	if m.tags == nil {
		m.tags = map[string]string{}
	}
	s.mu.Lock()
	s.esms[id] = m
	s.mu.Unlock()
	switch str(m.cfg.State) {
	case ESMEnabled, ESMDisabled:
	case ESMDeleting:
		s.removeESMAfterTransition(m)
	default:
		s.settleESM(m)
	}
	return nil
}
