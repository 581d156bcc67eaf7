package redislayer

import (
	"bytes"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/runtime/layer"
)

func TestEnvelopeRoundTrip(t *testing.T) {
	for _, m := range []layer.Message{
		{},
		{Kind: layer.Event, Frame: []byte(`{"action":"x","payload":{"q":"\"quoted\""}}`)},
		{Kind: layer.Broadcast, Frame: []byte(`{}`), Exclude: "conn-1", Target: "conn-2"},
		{Exclude: strings.Repeat("e", 300), Target: strings.Repeat("t", 70000)[:maxIDLen]},
	} {
		enc := appendEnvelope(nil, "origin-1", m)
		if len(enc) != envelopeSize("origin-1", m) {
			t.Errorf("envelopeSize = %d, encoded %d bytes", envelopeSize("origin-1", m), len(enc))
		}
		got, origin, err := decodeEnvelope(string(enc))
		if err != nil {
			t.Fatalf("decode: %v", err)
		}
		if origin != "origin-1" {
			t.Errorf("origin = %q, want origin-1", origin)
		}
		if got.Kind != m.Kind || got.Exclude != m.Exclude || got.Target != m.Target || !bytes.Equal(got.Frame, m.Frame) {
			t.Errorf("round trip: got %+v, want %+v", got, m)
		}
	}
}

// The frame follows a small header unescaped, so a broadcast costs 5 bytes
// and its origin more than its frame.
func TestEnvelopeOverhead(t *testing.T) {
	frame := []byte(`{"action":"message","payload":{"text":"say \"hi\""}}`)
	enc := appendEnvelope(nil, "0123456789abcdef", layer.Message{Frame: frame})
	if got, want := len(enc)-len(frame), 5+16; got != want {
		t.Errorf("overhead = %d bytes, want %d", got, want)
	}
	if !bytes.HasSuffix(enc, frame) {
		t.Errorf("encoded %q does not end with the raw frame", enc)
	}
}

func TestDecodeEnvelopeErrors(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"", "decode envelope: truncated"},
		{"\x01", "decode envelope: truncated"},
		{"\x03\x00\x00\x00", "decode envelope: unknown version 3"},
		{"\x02\x00", "decode envelope: origin: truncated"},
		{"\x02\x00\x03ab", "decode envelope: origin: truncated"},
		{"\x02\x00\x00", "decode envelope: exclude: truncated"},
		{"\x01\x07\x00\x00", "decode envelope: unknown kind 7"},
		{"\x01\x00", "decode envelope: exclude: truncated"},
		{"\x01\x00\x05ab", "decode envelope: exclude: truncated"},
		{"\x01\x00\x00", "decode envelope: target: truncated"},
		{"\x01\x00\x00\x80", "decode envelope: target: truncated"},
		{"\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x7f", "decode envelope: exclude: length overflows 64 bits"},
		{"\x01\x00\x81\x80\x04", "decode envelope: exclude: length 65537 over the limit 65536"},
	} {
		_, _, err := decodeEnvelope(tc.in)
		if err == nil || err.Error() != tc.want {
			t.Errorf("decodeEnvelope(%q) = %v, want %q", tc.in, err, tc.want)
		}
	}
}

// FuzzDecodeEnvelope feeds arbitrary bytes, as anyone able to PUBLISH to
// the Redis could: decoding must never panic, and whatever decodes must
// encode back to something that decodes the same.
func FuzzDecodeEnvelope(f *testing.F) {
	f.Add([]byte{})
	f.Add(appendEnvelope(nil, "o", layer.Message{Frame: []byte(`{"action":"a"}`)}))
	f.Add(appendEnvelope(nil, "", layer.Message{Kind: layer.Event, Exclude: "x", Target: "y", Frame: []byte(`[]`)}))
	f.Add([]byte("\x01\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"))
	f.Fuzz(func(t *testing.T, in []byte) {
		m, origin, err := decodeEnvelope(string(in))
		if err != nil {
			return
		}
		again, againOrigin, err := decodeEnvelope(string(appendEnvelope(nil, origin, m)))
		if err != nil {
			t.Fatalf("re-decoding %+v: %v", m, err)
		}
		if again.Kind != m.Kind || againOrigin != origin || again.Exclude != m.Exclude || again.Target != m.Target || !bytes.Equal(again.Frame, m.Frame) {
			t.Fatalf("re-encoding changed the message: %+v -> %+v", m, again)
		}
	})
}
