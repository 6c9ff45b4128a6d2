package emulator

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"time"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
	"github.com/evolvestack/evolvestack/emulator/clock"
	"github.com/evolvestack/evolvestack/emulator/persist"
)

// WithDataDir keeps every service's state in dir across restarts: state
// found there is restored by New, and every change a client is answered
// about is in dir first (see package persist). Without it state lives in
// memory only.
func WithDataDir(dir string) Option { return func(o *options) { o.dataDir = dir } }

// WithDataSync sets what an answer waits for with a data dir: the log
// write (persist.SyncWrite, the default: survives the process being
// killed) or also fsync (persist.SyncFsync: survives an OS crash).
func WithDataSync(m persist.SyncMode) Option { return func(o *options) { o.dataSync = m } }

// clockKey is the row holding the virtual clock; snsKeyRow the SNS
// signing key (so that signatures verify and certificate URLs resolve
// across restarts).
const (
	clockKey  = "_/clock"
	snsKeyRow = "_/sns-signing-key"
)

// scopedJournal is one service instance's journal: rows go to the store
// under the instance's service/account/region/ prefix until off.
type scopedJournal struct {
	store    *persist.Store
	prefix   string
	disabled atomic.Bool
}

func (j *scopedJournal) Put(key string, value []byte) {
	if !j.disabled.Load() {
		j.store.Put(j.prefix+key, value)
	}
}

func (j *scopedJournal) Delete(key string) {
	if !j.disabled.Load() {
		j.store.Delete(j.prefix + key)
	}
}

// off stops keeping the instance's changes (nil-safe).
func (j *scopedJournal) off() {
	if j != nil {
		j.disabled.Store(true)
	}
}

// clockRow is the virtual clock as kept: its time and scale when Real was
// the wall clock's time.
type clockRow struct {
	Now   time.Time `json:"now"`
	Scale float64   `json:"scale"`
	Real  time.Time `json:"real"`
}

// durable makes every change made so far durable before an answer goes
// out (group commit: one write serves every request waiting).
func (e *Emulator) durable() error {
	if e.store == nil {
		return nil
	}
	return e.store.Sync()
}

// saveClock journals the clock's time and scale.
func (e *Emulator) saveClock() {
	if e.store == nil {
		return
	}
	b, _ := json.Marshal(e.clockRow())
	e.store.Put(clockKey, b)
}

func (e *Emulator) clockRow() clockRow {
	snap := e.clock.Snapshot()
	return clockRow{Now: snap.Now, Scale: snap.Scale, Real: time.Now().UTC()}
}

// splitKey splits a stored key into service, scope and the service's key.
func splitKey(key string) (string, awsapi.Scope, string, bool) {
	parts := strings.SplitN(key, "/", 4)
	if len(parts) != 4 || parts[0] == "" {
		return "", awsapi.Scope{}, "", false
	}
	return parts[0], awsapi.Scope{Account: parts[1], Region: parts[2]}, parts[3], true
}

// openDataDir opens the data dir, restores its state and starts keeping
// changes.
func (e *Emulator) openDataDir() error {
	st, err := persist.Open(e.opts.dataDir, persist.Options{Logger: e.log.With("component", "data-dir"), Sync: e.opts.dataSync})
	if err != nil {
		return err
	}
	e.store = st
	start := time.Now()
	n, err := e.restore(func(apply func(persist.Record) error) error { return st.Load(apply) })
	if err != nil {
		return err
	}
	st.SetDump(e.dumpRows)
	e.snsKey.OnGenerate(func(pemBytes []byte) {
		b, _ := json.Marshal(string(pemBytes))
		st.Put(snsKeyRow, b)
	})
	e.clock.SetObserver(func(clock.Snapshot) { e.saveClock() })
	e.log.Info("data dir restored", "dir", e.opts.dataDir, "rows", n, "took", time.Since(start).Round(time.Millisecond))
	return nil
}

// restore applies the rows load feeds it: each to its service instance,
// built to receive them; then the clock; then RestoreDone on every
// instance, in the services' order. It returns the number of rows.
func (e *Emulator) restore(load func(apply func(persist.Record) error) error) (int, error) {
	var (
		n       int
		clk     *clockRow
		built   []scopeKey
		skipped = map[string]bool{}
	)
	err := load(func(r persist.Record) error {
		n++
		if r.Key == snsKeyRow {
			var p string
			if r.Delete || json.Unmarshal(r.Value, &p) != nil {
				return nil
			}
			if err := e.snsKey.Restore([]byte(p)); err != nil {
				e.log.Warn("data dir: the SNS signing key was not restored; a new one signs from now on", "error", err)
			}
			return nil
		}
		if r.Key == clockKey {
			if r.Delete {
				clk = nil
				return nil
			}
			var c clockRow
			if err := json.Unmarshal(r.Value, &c); err != nil {
				return fmt.Errorf("clock row: %w", err)
			}
			clk = &c
			return nil
		}
		name, scope, key, ok := splitKey(r.Key)
		def, known := e.byName[name]
		if !ok || !known || !awsapi.ValidAccount(scope.Account) || !awsapi.ValidRegion(scope.Region) {
			return fmt.Errorf("row %q names no service and scope of this evolvestack", r.Key)
		}
		k := scopeKey{service: name, scope: scope}
		e.mu.Lock()
		svc, ok := e.scopes[k]
		e.mu.Unlock()
		if !ok {
			var isNew bool
			svc, isNew = e.build(k, def, true)
			if isNew {
				built = append(built, k)
			}
		}
		p, ok := svc.(awsapi.Persistent)
		if !ok {
			if !skipped[name] {
				skipped[name] = true
				e.log.Warn("data dir: this build does not restore the service's state; its rows are ignored", "service", name)
			}
			return nil
		}
		var v []byte
		if !r.Delete {
			v = r.Value
		}
		if err := p.RestoreState(key, v); err != nil {
			return fmt.Errorf("%s %s/%s: %w", name, scope.Account, scope.Region, err)
		}
		return nil
	})
	if err != nil {
		return n, err
	}
	if clk != nil {
		now := clk.Now
		if clk.Scale > 0 {
			// Time went on at the kept scale while the emulator was down.
			if gap := time.Since(clk.Real); gap > 0 {
				now = now.Add(time.Duration(float64(gap) * clk.Scale))
			}
		}
		if err := e.clock.Restore(now, clk.Scale); err != nil {
			return n, fmt.Errorf("clock row: %w", err)
		}
	}
	for _, d := range e.defs {
		for _, k := range built {
			if k.service != d.desc.Name {
				continue
			}
			e.mu.Lock()
			svc := e.scopes[k]
			e.mu.Unlock()
			if p, ok := svc.(awsapi.Persistent); ok {
				if err := p.RestoreDone(); err != nil {
					return n, fmt.Errorf("%s %s/%s: finishing the restore: %w", k.service, k.scope.Account, k.scope.Region, err)
				}
			}
		}
	}
	return n, nil
}

// dumpRows emits every live row: the clock, then each instance's rows.
func (e *Emulator) dumpRows(emit func(key string, value []byte)) error {
	b, _ := json.Marshal(e.clockRow())
	emit(clockKey, b)
	if k := e.snsKey.ExportIfMade(); k != nil {
		pb, _ := json.Marshal(string(k))
		emit(snsKeyRow, pb)
	}
	e.mu.Lock()
	type inst struct {
		k   scopeKey
		svc any
	}
	var insts []inst
	for _, d := range e.defs {
		for k, svc := range e.scopes {
			if k.service == d.desc.Name {
				insts = append(insts, inst{k, svc})
			}
		}
	}
	e.mu.Unlock()
	var errs []error
	for _, in := range insts {
		p, ok := in.svc.(awsapi.Persistent)
		if !ok {
			continue
		}
		prefix := in.k.service + "/" + in.k.scope.Account + "/" + in.k.scope.Region + "/"
		if err := p.DumpState(func(key string, value []byte) { emit(prefix+key, value) }); err != nil {
			errs = append(errs, fmt.Errorf("%s %s/%s: %w", in.k.service, in.k.scope.Account, in.k.scope.Region, err))
		}
	}
	return errors.Join(errs...)
}

// ExportLine is one line of an export (JSON lines): a row of one service
// in one account and region, or the clock (Service "_"). The first line
// is an ExportHeader.
type ExportLine struct {
	Service string          `json:"service"`
	Account string          `json:"account,omitempty"`
	Region  string          `json:"region,omitempty"`
	Key     string          `json:"key"`
	Value   json.RawMessage `json:"value"`
}

// ExportHeader is an export's first line.
type ExportHeader struct {
	Evolvestack string `json:"evolvestack"`
	Format      int    `json:"format"`
	Exported    string `json:"exported"`
}

// WriteExport writes rows (stored keys and JSON values) as an export.
func WriteExport(w io.Writer, rows []persist.Record) error {
	bw := bufio.NewWriterSize(w, 1<<16)
	enc := json.NewEncoder(bw)
	if err := enc.Encode(ExportHeader{Evolvestack: Version, Format: persist.FormatVersion, Exported: time.Now().UTC().Format(time.RFC3339)}); err != nil {
		return err
	}
	for _, r := range rows {
		line := ExportLine{Key: r.Key, Value: r.Value}
		if k, ok := strings.CutPrefix(r.Key, "_/"); ok {
			line.Service, line.Key = "_", k
		} else if name, scope, key, ok := splitKey(r.Key); ok {
			line.Service, line.Account, line.Region, line.Key = name, scope.Account, scope.Region, key
		}
		if !json.Valid(line.Value) {
			return fmt.Errorf("row %q does not hold JSON", r.Key)
		}
		if err := enc.Encode(line); err != nil {
			return fmt.Errorf("row %q: %w", r.Key, err)
		}
	}
	return bw.Flush()
}

// ReadExport reads an export back into stored keys and values.
func ReadExport(r io.Reader) ([]persist.Record, error) {
	dec := json.NewDecoder(bufio.NewReaderSize(r, 1<<16))
	var h ExportHeader
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("export header: %w", err)
	}
	if h.Evolvestack == "" || h.Format == 0 {
		return nil, errors.New("export header: not an evolvestack export (first line needs evolvestack and format)")
	}
	if h.Format != persist.FormatVersion {
		return nil, fmt.Errorf("export is in data format %d; this evolvestack reads format %d", h.Format, persist.FormatVersion)
	}
	var out []persist.Record
	for line := 2; ; line++ {
		var l ExportLine
		err := dec.Decode(&l)
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("export line %d: %w", line, err)
		}
		key := l.Service + "/" + l.Account + "/" + l.Region + "/" + l.Key
		if l.Service == "_" && l.Key != "" {
			key = "_/" + l.Key
		} else if l.Service == "" || l.Account == "" || l.Region == "" || l.Key == "" {
			return nil, fmt.Errorf("export line %d: service, account, region and key are required", line)
		}
		if len(l.Value) == 0 {
			return nil, fmt.Errorf("export line %d: no value", line)
		}
		out = append(out, persist.Record{Key: key, Value: []byte(l.Value)})
	}
}

// Export writes the live state as an export (JSON lines), with or without
// a data dir.
func (e *Emulator) Export(w io.Writer) error {
	var rows []persist.Record
	if err := e.dumpRows(func(k string, v []byte) {
		rows = append(rows, persist.Record{Key: k, Value: append([]byte(nil), v...)})
	}); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	return WriteExport(w, rows)
}

// Import replaces every service's state with an export's (and, with a
// data dir, the dir's). It is refused, changing nothing, when the export
// does not read.
func (e *Emulator) Import(r io.Reader) error {
	rows, err := ReadExport(r)
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if err := e.drop("", ""); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if _, err := e.restore(func(apply func(persist.Record) error) error {
		for _, r := range rows {
			if err := apply(r); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		return fmt.Errorf("import: %w", err)
	}
	if e.store != nil {
		if err := e.store.Compact(); err != nil {
			return fmt.Errorf("import: %w", err)
		}
	}
	return nil
}
