package awsapi

import (
	"bytes"
	"sort"
	"sync"
	"time"
)

// Journal records a service instance's state changes so that the emulator
// can keep them across restarts (--data-dir). The state is a set of rows:
// a key the service chooses (unique within its instance; the emulator adds
// the service and scope) and a JSON value holding the row's whole current
// state. Put replaces a row, Delete removes it.
//
// A service calls the journal while it still holds the lock that guards
// the change, so that rows reach the journal in the order the changes
// were made; Put must not be handed a value the service changes later
// (the journal keeps the slice). A nil Journal keeps nothing: services
// test j != nil, so an emulator without a data dir pays nothing.
type Journal interface {
	Put(key string, value []byte)
	Delete(key string)
}

// Persistent is a service whose state survives restarts. The emulator
// calls DumpState to write a snapshot, and RestoreState with every row of
// a snapshot and of the changes journaled after it, in order, before the
// service serves anything; then RestoreDone once.
//
// Rows replayed after a snapshot may already be reflected in it, so
// RestoreState must be an idempotent upsert: a row for a key already
// restored replaces it, a nil value deletes the key (a key never seen is no
// error). Rows arrive in journal order, not in dependency order (a message
// may come before its queue): keep them, and build the service's
// structures in RestoreDone. RestoreDone also starts the background work
// the restored state needs (pollers, timers, deliveries), and drops what
// has expired by the clock's time (records past retention, say).
type Persistent interface {
	// DumpState calls emit for every row of the current state, holding the
	// same locks the changes journal under.
	DumpState(emit func(key string, value []byte)) error
	// RestoreState applies one row; value nil deletes the key.
	RestoreState(key string, value []byte) error
	// RestoreDone finishes a restore.
	RestoreDone() error
}

// MemoryJournal is a Journal that keeps every call in memory, for tests of
// a service's persistence: replay its Log into a fresh service, or compare
// its Rows with what DumpState emits.
type MemoryJournal struct {
	mu   sync.Mutex
	log  []JournalEntry
	rows map[string][]byte
}

// JournalEntry is one journaled change; Value is nil for a Delete.
type JournalEntry struct {
	Key   string
	Value []byte
}

// Put records a row.
func (m *MemoryJournal) Put(key string, value []byte) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.rows == nil {
		m.rows = map[string][]byte{}
	}
	m.log = append(m.log, JournalEntry{Key: key, Value: value})
	m.rows[key] = value
}

// Delete records a deletion.
func (m *MemoryJournal) Delete(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.log = append(m.log, JournalEntry{Key: key})
	delete(m.rows, key)
}

// Log returns every change, oldest first.
func (m *MemoryJournal) Log() []JournalEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]JournalEntry(nil), m.log...)
}

// Rows returns the rows the changes leave, sorted by key.
func (m *MemoryJournal) Rows() []JournalEntry {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]JournalEntry, 0, len(m.rows))
	for k, v := range m.rows {
		out = append(out, JournalEntry{Key: k, Value: v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out
}

// Replay restores p from entries (RestoreState for each, then RestoreDone).
func Replay(p Persistent, entries []JournalEntry) error {
	for _, e := range entries {
		if err := p.RestoreState(e.Key, e.Value); err != nil {
			return err
		}
	}
	return p.RestoreDone()
}

// DumpRows returns what p's DumpState emits, sorted by key.
func DumpRows(p Persistent) ([]JournalEntry, error) {
	var out []JournalEntry
	err := p.DumpState(func(k string, v []byte) { out = append(out, JournalEntry{Key: k, Value: v}) })
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, err
}

// UnixNano is t as a row holds it: Unix nanoseconds, 0 for the zero time.
func UnixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// FromUnixNano reverses UnixNano, in UTC.
func FromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n).UTC()
}

// StageRow applies a restored row to rows, which a Persistent service
// keeps until RestoreDone: an upsert of a copy of value, nil deletes.
func StageRow(rows *map[string][]byte, key string, value []byte) {
	if value == nil {
		delete(*rows, key)
		return
	}
	if *rows == nil {
		*rows = map[string][]byte{}
	}
	(*rows)[key] = bytes.Clone(value)
}
