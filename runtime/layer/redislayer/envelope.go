package redislayer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"unsafe"

	"github.com/chanxgo/chanx/runtime/layer"
)

// The envelope is how a layer.Message travels through Redis. Frames are
// JSON already, so wrapping them in JSON again would escape every quote;
// instead a few header bytes precede the raw frame:
//
//	version  1 byte, envelopeVersion
//	kind     1 byte, layer.Kind
//	flags    1 byte: flagSeq, flagSent, flagMeta (version 3 on)
//	origin   uvarint length, then that many bytes: the publishing Layer
//	exclude  uvarint length, then that many bytes
//	target   uvarint length, then that many bytes
//	seq      uvarint, when flagSeq
//	sent     uvarint (Unix nanoseconds), when flagSent
//	meta     uvarint count (at most layer.MaxMeta), then that many key and
//	         value fields as above, when flagMeta
//	frame    every remaining byte
//
// A broadcast without exclude, target or the optional fields costs 6
// bytes plus the origin over the frame. Versions 1 (no flags, no origin)
// and 2 (no flags) are still read.
const envelopeVersion = 3

const (
	flagSeq  = 1 << 0
	flagSent = 1 << 1
	flagMeta = 1 << 2
)

// maxIDLen bounds the exclude and target fields, so a corrupt length cannot
// make the decoder slice far past a sane connection id.
const maxIDLen = 1 << 16

// appendEnvelope appends the encoding of m, published by origin, to dst.
func appendEnvelope(dst []byte, origin string, m layer.Message) []byte {
	var flags byte
	if m.Seq != 0 {
		flags |= flagSeq
	}
	if m.Sent > 0 {
		flags |= flagSent
	}
	if len(m.Meta) > 0 {
		flags |= flagMeta
	}
	dst = append(dst, envelopeVersion, byte(m.Kind), flags)
	dst = appendField(dst, origin)
	dst = appendField(dst, m.Exclude)
	dst = appendField(dst, m.Target)
	if flags&flagSeq != 0 {
		dst = binary.AppendUvarint(dst, m.Seq)
	}
	if flags&flagSent != 0 {
		dst = binary.AppendUvarint(dst, uint64(m.Sent))
	}
	if flags&flagMeta != 0 {
		keys := metaKeys(m.Meta)
		if keys == nil {
			dst = binary.AppendUvarint(dst, uint64(len(m.Meta)))
			for k, v := range m.Meta {
				dst = appendField(dst, k)
				dst = appendField(dst, v)
			}
		} else {
			dst = binary.AppendUvarint(dst, uint64(len(keys)))
			for _, k := range keys {
				dst = appendField(dst, k)
				dst = appendField(dst, m.Meta[k])
			}
		}
	}
	return append(dst, m.Frame...)
}

func appendField(dst []byte, f string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(f)))
	return append(dst, f...)
}

// envelopeSize is the encoded length of m from origin, for sizing buffers.
func envelopeSize(origin string, m layer.Message) int {
	n := 3 + fieldSize(origin) + fieldSize(m.Exclude) + fieldSize(m.Target) + len(m.Frame)
	if m.Seq != 0 {
		n += uvarintLen64(m.Seq)
	}
	if m.Sent > 0 {
		n += uvarintLen64(uint64(m.Sent))
	}
	if len(m.Meta) > 0 {
		if keys := metaKeys(m.Meta); keys == nil {
			n += uvarintLen(len(m.Meta))
			for k, v := range m.Meta {
				n += fieldSize(k) + fieldSize(v)
			}
		} else {
			n += uvarintLen(len(keys))
			for _, k := range keys {
				n += fieldSize(k) + fieldSize(m.Meta[k])
			}
		}
	}
	return n
}

// metaKeys is nil when every pair of meta travels, and otherwise the
// layer.MaxMeta smallest keys, so the cut is the same on every call.
func metaKeys(meta map[string]string) []string {
	if len(meta) <= layer.MaxMeta {
		return nil
	}
	return slices.Sorted(maps.Keys(meta))[:layer.MaxMeta]
}

func fieldSize(f string) int { return uvarintLen64(uint64(len(f))) + len(f) }

func uvarintLen(n int) int { return uvarintLen64(uint64(n)) }

func uvarintLen64(n uint64) int {
	size := 1
	for n >= 0x80 {
		n >>= 7
		size++
	}
	return size
}

var errShortEnvelope = errors.New("truncated")

// decodeEnvelope parses what another process published. The bytes come
// from Redis, which anyone with access may write to, so every length is
// checked and bad input is an error, never a panic. Exclude, Target and
// Frame all share the memory of s, which is immutable: Frame must be
// treated as read-only (the layer's local fan-out copies it before any
// subscriber sees it).
func decodeEnvelope(s string) (m layer.Message, origin string, err error) {
	if len(s) < 2 {
		return m, "", fmt.Errorf("decode envelope: %w", errShortEnvelope)
	}
	version := s[0]
	if version < 1 || version > envelopeVersion {
		return m, "", fmt.Errorf("decode envelope: unknown version %d", s[0])
	}
	m.Kind = layer.Kind(s[1])
	if m.Kind > layer.Event {
		return m, "", fmt.Errorf("decode envelope: unknown kind %d", s[1])
	}
	rest := s[2:]
	var flags byte
	if version >= 3 {
		if len(rest) == 0 {
			return m, "", fmt.Errorf("decode envelope: flags: %w", errShortEnvelope)
		}
		flags, rest = rest[0], rest[1:]
		if flags&^(flagSeq|flagSent|flagMeta) != 0 {
			return layer.Message{}, "", fmt.Errorf("decode envelope: unknown flags %#x", flags)
		}
	}
	if version >= 2 {
		if origin, rest, err = readField(rest); err != nil {
			return layer.Message{}, "", fmt.Errorf("decode envelope: origin: %w", err)
		}
	}
	if m.Exclude, rest, err = readField(rest); err != nil {
		return layer.Message{}, "", fmt.Errorf("decode envelope: exclude: %w", err)
	}
	if m.Target, rest, err = readField(rest); err != nil {
		return layer.Message{}, "", fmt.Errorf("decode envelope: target: %w", err)
	}
	if flags&flagSeq != 0 {
		if m.Seq, rest, err = readUvarint(rest); err != nil {
			return layer.Message{}, "", fmt.Errorf("decode envelope: seq: %w", err)
		}
	}
	if flags&flagSent != 0 {
		var sent uint64
		if sent, rest, err = readUvarint(rest); err != nil {
			return layer.Message{}, "", fmt.Errorf("decode envelope: sent: %w", err)
		}
		if sent > math.MaxInt64 {
			return layer.Message{}, "", errors.New("decode envelope: sent: out of range")
		}
		m.Sent = int64(sent)
	}
	if flags&flagMeta != 0 {
		var count uint64
		if count, rest, err = readUvarint(rest); err != nil {
			return layer.Message{}, "", fmt.Errorf("decode envelope: meta: %w", err)
		}
		if count > layer.MaxMeta {
			return layer.Message{}, "", fmt.Errorf("decode envelope: meta: %d pairs over the limit %d", count, layer.MaxMeta)
		}
		m.Meta = make(map[string]string, count)
		for i := uint64(0); i < count; i++ {
			var k, v string
			if k, rest, err = readField(rest); err != nil {
				return layer.Message{}, "", fmt.Errorf("decode envelope: meta key: %w", err)
			}
			if v, rest, err = readField(rest); err != nil {
				return layer.Message{}, "", fmt.Errorf("decode envelope: meta value: %w", err)
			}
			m.Meta[k] = v
		}
	}
	if len(rest) > 0 {
		m.Frame = unsafe.Slice(unsafe.StringData(rest), len(rest))
	}
	return m, origin, nil
}

// readUvarint reads one uvarint off the front of s.
func readUvarint(s string) (uint64, string, error) {
	n, size := uvarint(s)
	if size == 0 {
		return 0, "", errShortEnvelope
	}
	if size < 0 {
		return 0, "", errors.New("overflows 64 bits")
	}
	return n, s[size:], nil
}

// readField reads one uvarint-length-prefixed string off the front of s.
func readField(s string) (field, rest string, err error) {
	n, size := uvarint(s)
	if size == 0 {
		return "", "", errShortEnvelope
	}
	if size < 0 {
		return "", "", errors.New("length overflows 64 bits")
	}
	if n > maxIDLen {
		return "", "", fmt.Errorf("length %d over the limit %d", n, maxIDLen)
	}
	s = s[size:]
	if uint64(len(s)) < n {
		return "", "", errShortEnvelope
	}
	return s[:n], s[n:], nil
}

// uvarint is binary.Uvarint over a string, so decoding does not copy the
// message Redis handed over. size <= 0 means truncated or overflowing.
func uvarint(s string) (uint64, int) {
	var x uint64
	var shift uint
	for i := 0; i < len(s) && i < binary.MaxVarintLen64; i++ {
		b := s[i]
		if b < 0x80 {
			if i == binary.MaxVarintLen64-1 && b > 1 {
				return 0, -(i + 1)
			}
			return x | uint64(b)<<shift, i + 1
		}
		x |= uint64(b&0x7f) << shift
		shift += 7
	}
	return 0, 0
}
