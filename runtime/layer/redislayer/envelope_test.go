package redislayer

import (
	"bytes"
	"fmt"
	"maps"
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
		{Frame: []byte(`{"action":"room_event"}`), Seq: 1 << 40, Sent: 1764777600123456789},
		{Kind: layer.Event, Seq: 7, Meta: map[string]string{"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "tracestate": ""}},
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
		if !sameMessage(got, m) {
			t.Errorf("round trip: got %+v, want %+v", got, m)
		}
	}
}

// sameMessage compares every field the envelope carries.
func sameMessage(a, b layer.Message) bool {
	return a.Kind == b.Kind && a.Exclude == b.Exclude && a.Target == b.Target && bytes.Equal(a.Frame, b.Frame) &&
		a.Seq == b.Seq && a.Sent == b.Sent && maps.Equal(a.Meta, b.Meta)
}

// Meta beyond layer.MaxMeta pairs is cut at the sender, never sent whole.
func TestEnvelopeMetaBound(t *testing.T) {
	meta := map[string]string{}
	for i := range layer.MaxMeta + 5 {
		meta[fmt.Sprint("k", i)] = "v"
	}
	m := layer.Message{Meta: meta}
	enc := appendEnvelope(nil, "o", m)
	if len(enc) != envelopeSize("o", m) {
		t.Errorf("envelopeSize = %d, encoded %d bytes", envelopeSize("o", m), len(enc))
	}
	got, _, err := decodeEnvelope(string(enc))
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Meta) != layer.MaxMeta {
		t.Errorf("decoded %d meta pairs, want %d", len(got.Meta), layer.MaxMeta)
	}
}

// Envelopes of versions 1 and 2 (from processes not yet upgraded) still
// decode.
func TestDecodeOldEnvelopes(t *testing.T) {
	for _, tc := range []struct {
		in     string
		origin string
	}{
		{"\x01\x01\x01x\x00{}", ""},
		{"\x02\x01\x02or\x01x\x00{}", "or"},
	} {
		m, origin, err := decodeEnvelope(tc.in)
		if err != nil {
			t.Fatalf("decodeEnvelope(%q): %v", tc.in, err)
		}
		if m.Kind != layer.Event || m.Exclude != "x" || m.Target != "" || string(m.Frame) != "{}" || origin != tc.origin {
			t.Errorf("decodeEnvelope(%q) = %+v from %q", tc.in, m, origin)
		}
	}
}

// The frame follows a small header unescaped, so a broadcast costs 6 bytes
// and its origin more than its frame.
func TestEnvelopeOverhead(t *testing.T) {
	frame := []byte(`{"action":"message","payload":{"text":"say \"hi\""}}`)
	enc := appendEnvelope(nil, "0123456789abcdef", layer.Message{Frame: frame})
	if got, want := len(enc)-len(frame), 6+16; got != want {
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
		{"\x04\x00\x00\x00", "decode envelope: unknown version 4"},
		{"\x00\x00", "decode envelope: unknown version 0"},
		{"\x03\x00", "decode envelope: flags: truncated"},
		{"\x03\x00\x08\x00\x00\x00", "decode envelope: unknown flags 0x8"},
		{"\x03\x00\x01\x00\x00\x00", "decode envelope: seq: truncated"},
		{"\x03\x00\x02\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01", "decode envelope: sent: out of range"},
		{"\x03\x00\x04\x00\x00\x00\x11", "decode envelope: meta: 17 pairs over the limit 16"},
		{"\x03\x00\x04\x00\x00\x00\x01\x01k", "decode envelope: meta value: truncated"},
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
	f.Add(appendEnvelope(nil, "o", layer.Message{Seq: 9, Sent: 1, Meta: map[string]string{"a": "b"}, Frame: []byte(`{}`)}))
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
		if againOrigin != origin || !sameMessage(again, m) && !(len(again.Meta) == 0 && len(m.Meta) == 0 && sameMessage(again, layer.Message{Kind: m.Kind, Exclude: m.Exclude, Target: m.Target, Frame: m.Frame, Seq: m.Seq, Sent: m.Sent})) {
			t.Fatalf("re-encoding changed the message: %+v -> %+v", m, again)
		}
	})
}
