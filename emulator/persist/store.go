package persist

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// SyncMode says what Sync waits for.
type SyncMode int

const (
	// SyncWrite waits until the changes are written to the log file: they
	// survive the process being killed (kill -9, a container restart), and
	// an fsync follows within a second.
	SyncWrite SyncMode = iota
	// SyncFsync also waits for fsync: the changes survive an operating
	// system crash or power loss too, at the cost of a disk flush per group
	// of writes.
	SyncFsync
)

// ParseSyncMode parses "write" or "fsync".
func ParseSyncMode(s string) (SyncMode, error) {
	switch s {
	case "", "write":
		return SyncWrite, nil
	case "fsync":
		return SyncFsync, nil
	}
	return 0, fmt.Errorf("sync mode %q: want write or fsync", s)
}

// Options configure Open.
type Options struct {
	Logger *slog.Logger
	Sync   SyncMode
	// CompactBytes is how many bytes of superseded rows (overwritten or
	// deleted) the files may hold before a snapshot drops them (default
	// 64 MiB, or the live rows' size when that is larger): a dataset that
	// only grows, such as a stream's records, is never rewritten.
	CompactBytes int64
}

// Store is an open data dir. Put and Delete queue changes; Sync makes the
// queued changes durable; Compact writes a snapshot.
type Store struct {
	dir  string
	opts Options
	log  *slog.Logger
	lock *os.File

	mu       sync.Mutex
	cond     *sync.Cond
	buf      []byte // changes not yet written
	spare    []byte
	appended uint64 // bytes of changes queued, ever
	written  uint64 // bytes of changes written, ever
	writing  bool   // a caller is writing buf's previous contents
	f        *os.File
	gen      uint64
	logBytes int64
	snapSize int64
	// sizes holds each live row's record size; live is their sum and dead
	// the bytes of superseded records in the files, which decide when
	// to compact.
	sizes  map[string]int32
	live   int64
	dead   int64
	dirty  bool // written but not fsynced
	err    error
	closed bool

	compactMu  sync.Mutex // one compaction at a time
	compacting bool
	dump       func(emit func(key string, value []byte)) error

	stop chan struct{}
	done chan struct{}
}

// Open opens (creating it if needed) the data dir and locks it against
// other processes. Load must be called once, before any change.
func Open(dir string, o Options) (*Store, error) {
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if o.CompactBytes <= 0 {
		o.CompactBytes = 64 << 20
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	lock, err := lockDir(filepath.Join(dir, "LOCK"))
	if err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	s := &Store{dir: dir, opts: o, log: o.Logger, lock: lock, stop: make(chan struct{}), done: make(chan struct{}), sizes: map[string]int32{}}
	s.cond = sync.NewCond(&s.mu)
	if err := s.checkFormat(); err != nil {
		unlockDir(lock)
		return nil, err
	}
	return s, nil
}

// checkFormat reads FORMAT, writing it in a dir that holds no data yet.
func (s *Store) checkFormat() error {
	p := filepath.Join(s.dir, "FORMAT")
	b, err := os.ReadFile(p)
	if errors.Is(err, os.ErrNotExist) {
		files, _ := s.dataFiles()
		if len(files) > 0 {
			return fmt.Errorf("data dir %s holds data files but no FORMAT file: not written by evolvestack, refused", s.dir)
		}
		if err := writeFileSync(p, []byte(fmt.Sprintf("evolvestack data format %d\n", FormatVersion))); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
		return syncDir(s.dir)
	}
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	v, ok := strings.CutPrefix(strings.TrimSpace(string(b)), "evolvestack data format ")
	n, convErr := strconv.Atoi(v)
	if !ok || convErr != nil {
		return fmt.Errorf("data dir %s: FORMAT file %q is not evolvestack's, refused", s.dir, strings.TrimSpace(string(b)))
	}
	if n != FormatVersion {
		return fmt.Errorf("data dir %s was written in data format %d; this evolvestack reads format %d. Export the state with the evolvestack that wrote it (evolvestack data export) and import it here (evolvestack data import), or use an empty dir", s.dir, n, FormatVersion)
	}
	return nil
}

// dataFile is a snapshot or log file.
type dataFile struct {
	name string
	snap bool
	gen  uint64
}

// dataFiles lists the dir's snapshot and log files, removing unfinished
// snapshots (*.tmp).
func (s *Store) dataFiles() ([]dataFile, error) {
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []dataFile
	for _, e := range ents {
		n := e.Name()
		if strings.HasSuffix(n, ".tmp") {
			_ = os.Remove(filepath.Join(s.dir, n))
			continue
		}
		var f dataFile
		var hex string
		switch {
		case strings.HasPrefix(n, "snap-") && strings.HasSuffix(n, ".dat"):
			f.snap, hex = true, n[5:len(n)-4]
		case strings.HasPrefix(n, "log-") && strings.HasSuffix(n, ".dat"):
			hex = n[4 : len(n)-4]
		default:
			continue
		}
		g, err := strconv.ParseUint(hex, 16, 64)
		if err != nil {
			continue
		}
		f.name, f.gen = n, g
		out = append(out, f)
	}
	slices.SortFunc(out, func(a, b dataFile) int {
		if c := cmpU(a.gen, b.gen); c != 0 {
			return c
		}
		switch {
		case a.snap == b.snap:
			return 0
		case a.snap:
			return -1
		}
		return 1
	})
	return out, nil
}

func cmpU(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func snapName(gen uint64) string { return fmt.Sprintf("snap-%016x.dat", gen) }
func logName(gen uint64) string  { return fmt.Sprintf("log-%016x.dat", gen) }

// Load reads the newest snapshot and every log after it, calling apply for
// each record in order, then opens the log for appending. A torn tail of
// the newest log is cut off and logged; any other damage is an error.
func (s *Store) Load(apply func(Record) error) error {
	files, err := s.dataFiles()
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	var snapGen uint64
	hasSnap := false
	for _, f := range files {
		if f.snap {
			snapGen, hasSnap = f.gen, true
		}
	}
	var logs []dataFile
	for _, f := range files {
		if !f.snap && (!hasSnap || f.gen >= snapGen) {
			logs = append(logs, f)
		}
	}
	if hasSnap {
		n, err := s.readFile(snapName(snapGen), kindSnap, false, apply)
		if err != nil {
			return err
		}
		s.snapSize = n
	}
	s.gen = snapGen
	if len(logs) == 0 {
		if !hasSnap {
			s.gen = 1
		}
		return s.startLog(s.gen)
	}
	for i, f := range logs {
		last := i == len(logs)-1
		n, err := s.readFile(f.name, kindLog, last, apply)
		if err != nil {
			return err
		}
		if last {
			s.gen, s.logBytes = f.gen, n
		}
	}
	fh, err := os.OpenFile(filepath.Join(s.dir, logName(s.gen)), os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	s.f = fh
	s.start()
	return nil
}

// startLog creates log gen and starts the background flusher.
func (s *Store) startLog(gen uint64) error {
	f, err := s.createLog(gen)
	if err != nil {
		return err
	}
	s.f, s.gen = f, gen
	s.start()
	return nil
}

func (s *Store) createLog(gen uint64) (*os.File, error) {
	p := filepath.Join(s.dir, logName(gen))
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o644)
	if err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	if _, err := f.Write(fileHeader(kindLog)); err != nil {
		f.Close()
		return nil, fmt.Errorf("data dir: writing %s: %w", p, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("data dir: %w", err)
	}
	return f, syncDir(s.dir)
}

// readFile applies every record of one file and returns the bytes of
// whole records read. tornOK cuts a damaged tail off (the newest log).
func (s *Store) readFile(name string, kind uint32, tornOK bool, apply func(Record) error) (int64, error) {
	p := filepath.Join(s.dir, name)
	f, err := os.Open(p)
	if err != nil {
		return 0, fmt.Errorf("data dir: %w", err)
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	h := make([]byte, headerSize)
	if _, err := io.ReadFull(r, h); err != nil {
		if tornOK && kind == kindLog {
			// A log cut short before its header was whole: start it again.
			s.log.Warn("data dir: newest log has no whole header; starting it again", "file", p)
			return 0, s.truncate(p, 0, true)
		}
		return 0, fmt.Errorf("data dir: %s: reading the header: %w", p, err)
	}
	if err := checkHeader(h, kind, p); err != nil {
		return 0, err
	}
	off := int64(headerSize)
	var head [8]byte
	for {
		_, err := io.ReadFull(r, head[:])
		if err == io.EOF {
			return off - headerSize, nil
		}
		var rec Record
		var n int
		if err == nil {
			n = int(binary.LittleEndian.Uint32(head[:]))
			if n < 2 || n > maxRecord {
				err = errTorn
			} else {
				body := make([]byte, 8+n)
				copy(body, head[:])
				if _, err = io.ReadFull(r, body[8:]); err == nil {
					rec, _, err = decodeRecord(body)
				}
			}
		}
		if err != nil {
			if !tornOK {
				return 0, fmt.Errorf("data dir: %s is damaged at byte %d (%v); refusing to restore part of it", p, off, err)
			}
			s.log.Warn("data dir: cut a torn write off the newest log", "file", p, "offset", off)
			return off - headerSize, s.truncate(p, off, false)
		}
		if err := apply(rec); err != nil {
			return 0, fmt.Errorf("data dir: restoring %q from %s: %w", rec.Key, p, err)
		}
		s.track(rec.Key, int64(8+n), rec.Delete)
		off += int64(8 + n)
	}
}

// truncate cuts file p at off (rewriting its header when header is set).
func (s *Store) truncate(p string, off int64, header bool) error {
	f, err := os.OpenFile(p, os.O_WRONLY, 0o644)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	defer f.Close()
	if err := f.Truncate(off); err != nil {
		return fmt.Errorf("data dir: truncating %s: %w", p, err)
	}
	if header {
		if _, err := f.WriteAt(fileHeader(kindLog), 0); err != nil {
			return fmt.Errorf("data dir: %w", err)
		}
	}
	return f.Sync()
}

// start runs the background flusher: queued changes nobody waits for (a
// delivery, a poller's checkpoint) are written within 20 ms, and an fsync
// follows writes within a second.
func (s *Store) start() {
	go func() {
		defer close(s.done)
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		lastFsync := time.Now()
		for {
			select {
			case <-s.stop:
				return
			case <-t.C:
			}
			s.mu.Lock()
			pending := s.appended > s.written
			s.mu.Unlock()
			if pending {
				_ = s.Sync()
			}
			if time.Since(lastFsync) >= time.Second {
				s.fsyncIfDirty()
				lastFsync = time.Now()
			}
			s.maybeCompact()
		}
	}()
}

func (s *Store) fsyncIfDirty() {
	s.mu.Lock()
	for s.writing {
		s.cond.Wait()
	}
	f, dirty := s.f, s.dirty
	s.dirty = false
	if dirty && f != nil {
		s.writing = true // keep the file from being swapped while it syncs
		s.mu.Unlock()
		_ = f.Sync()
		s.mu.Lock()
		s.writing = false
		s.cond.Broadcast()
	}
	s.mu.Unlock()
}

// Put queues a row.
func (s *Store) Put(key string, value []byte) {
	s.mu.Lock()
	if !s.closed {
		n := len(s.buf)
		s.buf = appendRecord(s.buf, opPut, key, value)
		s.appended += uint64(len(s.buf) - n)
		s.track(key, int64(len(s.buf)-n), false)
	}
	s.mu.Unlock()
}

// track accounts for a record of size n for key: what it supersedes
// becomes dead; a delete is dead itself.
func (s *Store) track(key string, n int64, del bool) {
	if old, ok := s.sizes[key]; ok {
		s.dead += int64(old)
		s.live -= int64(old)
	}
	if del {
		delete(s.sizes, key)
		s.dead += n
		return
	}
	s.sizes[key] = int32(min(n, 1<<30))
	s.live += n
}

// Delete queues a row's removal.
func (s *Store) Delete(key string) {
	s.mu.Lock()
	if !s.closed {
		n := len(s.buf)
		s.buf = appendRecord(s.buf, opDelete, key, nil)
		s.appended += uint64(len(s.buf) - n)
		s.track(key, int64(len(s.buf)-n), true)
	}
	s.mu.Unlock()
}

// Pending reports the bytes queued so far; SyncTo(Pending()) is Sync.
func (s *Store) Pending() uint64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.appended
}

// Sync returns once every change queued before the call is written (and,
// with SyncFsync, flushed to disk), or with the write error that stopped
// the store.
func (s *Store) Sync() error {
	s.mu.Lock()
	target := s.appended
	s.mu.Unlock()
	return s.SyncTo(target)
}

// SyncTo returns once the first target bytes of changes are durable.
func (s *Store) SyncTo(target uint64) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for {
		if s.err != nil {
			return s.err
		}
		if s.written >= target {
			return nil
		}
		if s.writing {
			s.cond.Wait()
			continue
		}
		// Lead this group: write everything queued so far.
		buf, upto, f := s.buf, s.appended, s.f
		s.buf, s.spare = s.spare[:0], nil
		s.writing = true
		s.mu.Unlock()
		_, err := f.Write(buf)
		if err == nil && s.opts.Sync == SyncFsync {
			err = f.Sync()
		}
		s.mu.Lock()
		s.writing = false
		if err != nil {
			s.err = fmt.Errorf("data dir: writing the log: %w", err)
			s.log.Error("data dir: a write failed; changes are no longer kept", "error", err)
		} else {
			s.written = upto
			s.logBytes += int64(len(buf))
			s.dirty = s.opts.Sync != SyncFsync
		}
		if cap(buf) <= 4<<20 {
			s.spare = buf[:0]
		}
		s.cond.Broadcast()
	}
}

// SetDump sets the function that emits every live row, for snapshots.
func (s *Store) SetDump(dump func(emit func(key string, value []byte)) error) {
	s.compactMu.Lock()
	s.dump = dump
	s.compactMu.Unlock()
}

func (s *Store) maybeCompact() {
	s.mu.Lock()
	due := s.dead > max(s.opts.CompactBytes, s.live) && !s.closed
	s.mu.Unlock()
	if due {
		if err := s.Compact(); err != nil {
			s.log.Error("data dir: snapshot failed", "error", err)
		}
	}
}

// Compact starts a new log, writes a snapshot of every live row (the dump
// function's) as of its start, and removes the older files. Changes made
// while it runs go to the new log, which restores after the snapshot.
func (s *Store) Compact() error {
	s.compactMu.Lock()
	defer s.compactMu.Unlock()
	if s.dump == nil {
		return errors.New("data dir: no snapshot source set")
	}
	// Switch to a new log with everything queued so far in the old one.
	if err := s.Sync(); err != nil {
		return err
	}
	s.mu.Lock()
	for s.writing {
		s.cond.Wait()
	}
	if s.closed {
		s.mu.Unlock()
		return errors.New("data dir: closed")
	}
	if len(s.buf) > 0 {
		if _, err := s.f.Write(s.buf); err != nil {
			s.mu.Unlock()
			return fmt.Errorf("data dir: %w", err)
		}
		s.written = s.appended
		s.buf = s.buf[:0]
	}
	old := s.f
	gen := s.gen + 1
	nf, err := s.createLog(gen)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	_ = old.Sync()
	_ = old.Close()
	s.f, s.gen, s.logBytes, s.dirty = nf, gen, 0, false
	s.dead = 0 // the snapshot holds live rows only; superseded ones go with the old files
	s.mu.Unlock()

	tmp := filepath.Join(s.dir, snapName(gen)+".tmp")
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	w := bufio.NewWriterSize(f, 1<<20)
	_, _ = w.Write(fileHeader(kindSnap))
	var rec []byte
	size := int64(0)
	err = s.dump(func(key string, value []byte) {
		rec = appendRecord(rec[:0], opPut, key, value)
		size += int64(len(rec))
		_, _ = w.Write(rec)
	})
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, filepath.Join(s.dir, snapName(gen)))
	}
	if err == nil {
		err = syncDir(s.dir)
	}
	if err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("data dir: writing snapshot %d: %w", gen, err)
	}
	s.mu.Lock()
	s.snapSize = size
	s.mu.Unlock()
	files, _ := s.dataFiles()
	for _, df := range files {
		if df.gen < gen {
			_ = os.Remove(filepath.Join(s.dir, df.name))
		}
	}
	s.log.Debug("data dir: snapshot written", "generation", gen, "bytes", size)
	return nil
}

// Close writes what is queued, fsyncs, and releases the dir.
func (s *Store) Close() error {
	err := s.Sync()
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	for s.writing {
		s.cond.Wait()
	}
	s.closed = true
	f := s.f
	s.mu.Unlock()
	if f != nil {
		close(s.stop)
		<-s.done
		if serr := f.Sync(); err == nil {
			err = serr
		}
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	}
	unlockDir(s.lock)
	return err
}

// Dir returns the data dir's path.
func (s *Store) Dir() string { return s.dir }

// ReadRows reads a data dir that no process is using and returns its live
// rows, in key order (for export).
func ReadRows(dir string, logger *slog.Logger) ([]Record, error) {
	if _, err := os.Stat(filepath.Join(dir, "FORMAT")); err != nil {
		return nil, fmt.Errorf("data dir %s: %w", dir, err)
	}
	s, err := Open(dir, Options{Logger: logger})
	if err != nil {
		return nil, err
	}
	rows := map[string][]byte{}
	err = s.Load(func(r Record) error {
		if r.Delete {
			delete(rows, r.Key)
		} else {
			rows[r.Key] = r.Value
		}
		return nil
	})
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, err
	}
	out := make([]Record, 0, len(rows))
	for k, v := range rows {
		out = append(out, Record{Key: k, Value: v})
	}
	slices.SortFunc(out, func(a, b Record) int { return strings.Compare(a.Key, b.Key) })
	return out, nil
}

// WriteSnapshot replaces the state of a data dir that no process is using
// with rows (for import): a new snapshot, older files removed.
func WriteSnapshot(dir string, rows []Record, logger *slog.Logger) error {
	s, err := Open(dir, Options{Logger: logger})
	if err != nil {
		return err
	}
	if err := s.Load(func(Record) error { return nil }); err != nil {
		s.Close()
		return err
	}
	s.SetDump(func(emit func(string, []byte)) error {
		for _, r := range rows {
			emit(r.Key, r.Value)
		}
		return nil
	})
	err = s.Compact()
	if cerr := s.Close(); err == nil {
		err = cerr
	}
	return err
}

func writeFileSync(p string, b []byte) error {
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	_ = d.Sync() // not every file system syncs directories
	return nil
}
