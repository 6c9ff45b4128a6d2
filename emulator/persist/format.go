// Package persist keeps an emulator's state in a data dir: an append-only
// log of row changes (Put and Delete of keyed JSON rows, see
// awsapi.Journal) and, from time to time, a snapshot of every live row,
// after which older logs are removed.
//
// Files:
//
//	FORMAT                  "evolvestack data format N": refused unless N is FormatVersion
//	LOCK                    held (flock) by the one process using the dir
//	snap-<gen>.dat          every row at the start of log <gen>
//	log-<gen>.dat           changes after it, in the order they were made
//
// Each .dat file starts with a 16-byte header (magic, format version,
// kind) followed by records:
//
//	u32 length of body | u32 CRC-32C of body | body
//	body: u8 op (1 put, 2 delete) | uvarint key length | key | value
//
// A torn write at the end of the newest log (a crash mid-write) is cut off
// at the last whole record and logged; damage anywhere else refuses the
// dir rather than restoring part of it.
//
// Writes are acknowledged after group commit: Sync returns once every
// change made before it was called has been written to the log file (one
// write for all the changes waiting, by whichever caller gets there
// first), so a process killed at any moment keeps every change a client
// was told about; with SyncFsync it also waits for fsync, which survives
// an operating system crash too.
package persist

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"sync"
)

// FormatVersion is the version of the data dir layout and record format
// this build reads and writes.
const FormatVersion = 1

const (
	magic      = "EVSTDAT\n"
	headerSize = 16
	kindLog    = 1
	kindSnap   = 2

	opPut    = 1
	opDelete = 2

	// maxRecord bounds one record's body (a Lambda function's code is the
	// largest row: 50 MB zipped, base64 in JSON).
	maxRecord = 256 << 20
)

// castagnoli is the CRC-32C table, built on first use: building it (and
// the hardware tables behind it) at package init took 0.2 ms of every
// start, data dir or not.
var castagnoli = sync.OnceValue(func() *crc32.Table { return crc32.MakeTable(crc32.Castagnoli) })

// errTorn marks a record cut short or damaged.
var errTorn = errors.New("torn or damaged record")

func fileHeader(kind uint32) []byte {
	h := make([]byte, headerSize)
	copy(h, magic)
	binary.LittleEndian.PutUint32(h[8:], FormatVersion)
	binary.LittleEndian.PutUint32(h[12:], kind)
	return h
}

// checkHeader validates a file's header.
func checkHeader(h []byte, kind uint32, name string) error {
	if len(h) < headerSize || string(h[:8]) != magic {
		return fmt.Errorf("%s is not an evolvestack data file", name)
	}
	if v := binary.LittleEndian.Uint32(h[8:]); v != FormatVersion {
		return fmt.Errorf("%s was written in data format %d; this evolvestack reads format %d (export the state with the evolvestack that wrote it, then import it here)", name, v, FormatVersion)
	}
	if k := binary.LittleEndian.Uint32(h[12:]); k != kind {
		return fmt.Errorf("%s holds file kind %d, want %d", name, k, kind)
	}
	return nil
}

// appendRecord appends one record to b.
func appendRecord(b []byte, op byte, key string, value []byte) []byte {
	bodyLen := 1 + uvarintLen(uint64(len(key))) + len(key) + len(value)
	start := len(b)
	b = binary.LittleEndian.AppendUint32(b, uint32(bodyLen))
	b = append(b, 0, 0, 0, 0) // CRC, below
	body := len(b)
	b = append(b, op)
	b = binary.AppendUvarint(b, uint64(len(key)))
	b = append(b, key...)
	b = append(b, value...)
	binary.LittleEndian.PutUint32(b[start+4:], crc32.Checksum(b[body:], castagnoli()))
	return b
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// Record is one decoded record; Value is nil for a delete.
type Record struct {
	Delete bool
	Key    string
	Value  []byte
}

// decodeRecord decodes the record at the start of b and returns it and its
// length; errTorn when b holds no whole, undamaged record.
func decodeRecord(b []byte) (Record, int, error) {
	if len(b) < 8 {
		return Record{}, 0, errTorn
	}
	n := int(binary.LittleEndian.Uint32(b))
	if n < 2 || n > maxRecord || len(b) < 8+n {
		return Record{}, 0, errTorn
	}
	body := b[8 : 8+n]
	if crc32.Checksum(body, castagnoli()) != binary.LittleEndian.Uint32(b[4:]) {
		return Record{}, 0, errTorn
	}
	op := body[0]
	kl, m := binary.Uvarint(body[1:])
	if m <= 0 || uint64(len(body)-1-m) < kl {
		return Record{}, 0, errTorn
	}
	key := string(body[1+m : 1+m+int(kl)])
	val := body[1+m+int(kl):]
	switch op {
	case opPut:
		if val == nil {
			val = []byte{}
		}
		return Record{Key: key, Value: val}, 8 + n, nil
	case opDelete:
		return Record{Delete: true, Key: key}, 8 + n, nil
	}
	return Record{}, 0, errTorn
}
