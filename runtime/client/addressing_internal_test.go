package client

import (
	"bytes"
	"encoding/json"
	"testing"
)

func TestReadAddressing(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want addressing
		rest string
	}{
		{`{"action":"a","payload":1}`, addressing{}, `{"action":"a","payload":1}`},
		{`{"action":"a","payload":{"topic":"x","ref":"1"}}`, addressing{}, `{"action":"a","payload":{"topic":"x","ref":"1"}}`},
		{`{"action": "room_event", "payload": {"body": "hi"}, "version": 1, "topic": "room:lobby", "seq": 7}`,
			addressing{topic: "room:lobby", hasTopic: true, seq: 7, hasSeq: true}, `{"action":"room_event","payload":{"body":"hi"}}`},
		{`{"action":"subscribed","payload":null,"version":1,"topic":"t","ref":"12"}`,
			addressing{topic: "t", hasTopic: true, ref: "12"}, `{"action":"subscribed","payload":null}`},
		{`{"action":"x","payload":null,"topic":null,"ref":5,"seq":null}`, addressing{}, `{"action":"x","payload":null,"topic":null,"ref":5,"seq":null}`},
		{`{"action":"x","payload":null,"topic":"a\u0062","topic":"t2"}`, addressing{topic: "t2", hasTopic: true}, `{"action":"x","payload":null}`},
		{`{"action":"x","payload":null,"to\u0070ic":"t"}`, addressing{topic: "t", hasTopic: true}, `{"action":"x","payload":null}`},
	} {
		got, rest := readAddressing([]byte(tc.in))
		if got != tc.want || string(rest) != tc.rest {
			t.Errorf("readAddressing(%s) = %+v, %s; want %+v, %s", tc.in, got, rest, tc.want, tc.rest)
		}
	}
}

// FuzzReadAddressing: any frame (valid JSON, as the client checks before)
// gives either itself back, or, when it is addressed, an object without
// the envelope keys.
func FuzzReadAddressing(f *testing.F) {
	for _, s := range []string{
		`{"action":"a","payload":1}`,
		`{"action":"a","payload":null,"version":1,"topic":"t","ref":"1","seq":3}`,
		`{"topic":"","ref":""}`, `[1,"topic"]`, `"ref"`, `{"seq":1e400,"topic":"x"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if !json.Valid(data) {
			return
		}
		a, rest := readAddressing(data)
		if !a.hasTopic && a.ref == "" {
			if !bytes.Equal(rest, data) {
				t.Fatalf("unaddressed frame changed: %s -> %s", data, rest)
			}
			return
		}
		var m map[string]json.RawMessage
		if err := json.Unmarshal(rest, &m); err != nil {
			t.Fatalf("rest %s: %v", rest, err)
		}
		for _, k := range []string{"version", "topic", "ref", "seq"} {
			if _, ok := m[k]; ok {
				t.Fatalf("rest %s keeps %q", rest, k)
			}
		}
	})
}
