package kinesis

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/binary"

	"github.com/evolvestack/evolvestack/emulator/awsapi"
)

// iterator is the decoded content of a shard iterator.
type iterator struct {
	issued  int64 // Unix ms
	shard   uint32
	pos     uint64
	created int64 // stream creation, Unix ns: binds the iterator to one incarnation
	stream  string
}

// Shard iterators have AWS's shape (kinesalite's createShardIterator and
// assertShardIterator, measured on AWS's): base64 of the version bytes
// 0 0 0 0 0 0 0 1 and 16-byte blocks, 152 + 16·⌊(len(stream name)+2)/16⌋
// bytes in all, so 152 to 280. Here the blocks hold an AES-GCM nonce, the
// sealed fields padded with zeros, and the tag.
const (
	// iteratorPrefix starts every shard iterator, as on Kinesis.
	iteratorPrefix   = "\x00\x00\x00\x00\x00\x00\x00\x01"
	iteratorMinBytes = 152
	iteratorMaxBytes = 280
	// iteratorFields is the size of the fixed fields: issued, shard,
	// position, stream creation and the stream name's length.
	iteratorFields = 29
)

// iteratorBytes is the decoded size of an iterator into a stream whose
// name has n bytes.
func iteratorBytes(n int) int { return iteratorMinBytes + 16*((n+2)/16) }

// sealIterator encodes it as an opaque, authenticated string of AWS's
// shape.
func (s *Service) sealIterator(it iterator) string {
	ns := s.aead.NonceSize()
	total := iteratorBytes(len(it.stream))
	// Stream names have at most 128 bytes, so the fields always fit.
	plain := make([]byte, total-len(iteratorPrefix)-ns-s.aead.Overhead())
	binary.BigEndian.PutUint64(plain, uint64(it.issued))
	binary.BigEndian.PutUint32(plain[8:], it.shard)
	binary.BigEndian.PutUint64(plain[12:], it.pos)
	binary.BigEndian.PutUint64(plain[20:], uint64(it.created))
	plain[28] = byte(len(it.stream))
	copy(plain[iteratorFields:], it.stream)
	out := make([]byte, len(iteratorPrefix)+ns, total)
	copy(out, iteratorPrefix)
	_, _ = rand.Read(out[len(iteratorPrefix):])
	out = s.aead.Seal(out, out[len(iteratorPrefix):], plain, []byte("iterator"))
	return base64.StdEncoding.EncodeToString(out)
}

// errInvalidIterator is the error for an iterator this service did not
// issue.
func errInvalidIterator() *awsapi.Error { return invalidArg("Invalid ShardIterator.") }

// openIterator decodes and authenticates a shard iterator, refusing, as
// Kinesis does, anything but canonical base64 of 152 to 280 bytes that
// starts with the version bytes.
func (s *Service) openIterator(str string) (iterator, error) {
	raw, err := base64.StdEncoding.DecodeString(str)
	if err != nil || len(raw) < iteratorMinBytes || len(raw) > iteratorMaxBytes ||
		string(raw[:len(iteratorPrefix)]) != iteratorPrefix || base64.StdEncoding.EncodeToString(raw) != str {
		return iterator{}, errInvalidIterator()
	}
	ns := s.aead.NonceSize()
	raw = raw[len(iteratorPrefix):]
	plain, err := s.aead.Open(nil, raw[:ns], raw[ns:], []byte("iterator"))
	if err != nil || len(plain) < iteratorFields || iteratorFields+int(plain[28]) > len(plain) {
		return iterator{}, errInvalidIterator()
	}
	return iterator{
		issued:  int64(binary.BigEndian.Uint64(plain)),
		shard:   binary.BigEndian.Uint32(plain[8:]),
		pos:     binary.BigEndian.Uint64(plain[12:]),
		created: int64(binary.BigEndian.Uint64(plain[20:])),
		stream:  string(plain[iteratorFields : iteratorFields+int(plain[28])]),
	}, nil
}

// seal encrypts and authenticates plain for kind (a NextToken's) as an
// opaque base64 string.
func (s *Service) seal(kind string, plain []byte) string {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	out := make([]byte, 0, len(iteratorPrefix)+len(nonce)+len(plain)+s.aead.Overhead())
	out = append(out, iteratorPrefix...)
	out = append(out, nonce...)
	out = s.aead.Seal(out, nonce, plain, []byte(kind))
	return base64.StdEncoding.EncodeToString(out)
}

// open reverses seal; ok is false for anything seal did not produce for
// kind.
func (s *Service) open(kind, str string) ([]byte, bool) {
	raw, err := base64.StdEncoding.DecodeString(str)
	ns := s.aead.NonceSize()
	if err != nil || len(raw) < len(iteratorPrefix)+ns+s.aead.Overhead() || string(raw[:len(iteratorPrefix)]) != iteratorPrefix {
		return nil, false
	}
	raw = raw[len(iteratorPrefix):]
	plain, err := s.aead.Open(nil, raw[:ns], raw[ns:], []byte(kind))
	return plain, err == nil
}
