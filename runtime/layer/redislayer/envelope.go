package redislayer

import (
	"encoding/binary"
	"errors"
	"fmt"
	"unsafe"

	"github.com/chanxgo/chanx/runtime/layer"
)

// The envelope is how a layer.Message travels through Redis. Frames are
// JSON already, so wrapping them in JSON again would escape every quote;
// instead a few header bytes precede the raw frame:
//
//	version  1 byte, envelopeVersion
//	kind     1 byte, layer.Kind
//	origin   uvarint length, then that many bytes: the publishing Layer
//	exclude  uvarint length, then that many bytes
//	target   uvarint length, then that many bytes
//	frame    every remaining byte
//
// A broadcast without exclude or target costs 5 bytes plus the origin over
// the frame. Version 1 had no origin field; it is still read.
const envelopeVersion = 2

// maxIDLen bounds the exclude and target fields, so a corrupt length cannot
// make the decoder slice far past a sane connection id.
const maxIDLen = 1 << 16

// appendEnvelope appends the encoding of m, published by origin, to dst.
func appendEnvelope(dst []byte, origin string, m layer.Message) []byte {
	dst = append(dst, envelopeVersion, byte(m.Kind))
	dst = binary.AppendUvarint(dst, uint64(len(origin)))
	dst = append(dst, origin...)
	dst = binary.AppendUvarint(dst, uint64(len(m.Exclude)))
	dst = append(dst, m.Exclude...)
	dst = binary.AppendUvarint(dst, uint64(len(m.Target)))
	dst = append(dst, m.Target...)
	return append(dst, m.Frame...)
}

// envelopeSize is the encoded length of m from origin, for sizing buffers.
func envelopeSize(origin string, m layer.Message) int {
	return 2 + uvarintLen(len(origin)) + len(origin) + uvarintLen(len(m.Exclude)) + len(m.Exclude) + uvarintLen(len(m.Target)) + len(m.Target) + len(m.Frame)
}

func uvarintLen(n int) int {
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
	if version != 1 && version != envelopeVersion {
		return m, "", fmt.Errorf("decode envelope: unknown version %d", s[0])
	}
	m.Kind = layer.Kind(s[1])
	if m.Kind > layer.Event {
		return m, "", fmt.Errorf("decode envelope: unknown kind %d", s[1])
	}
	rest := s[2:]
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
	if len(rest) > 0 {
		m.Frame = unsafe.Slice(unsafe.StringData(rest), len(rest))
	}
	return m, origin, nil
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
