package redislayer

import (
	"errors"
	"strings"
	"testing"

	"github.com/chanxgo/chanx/runtime/layer"
)

func sinceFields(epoch, seq, earliest, status string, envs ...layer.Message) []string {
	f := []string{epoch, seq, earliest, status}
	for _, m := range envs {
		f = append(f, string(appendEnvelope(nil, "", m)))
	}
	return f
}

func TestDecodeSinceReply(t *testing.T) {
	from := layer.Position{Epoch: "e", Seq: 1}
	good := sinceFields("e", "3", "1", "ok", layer.Message{Seq: 2, Frame: []byte("2")}, layer.Message{Seq: 3, Frame: []byte("3")})
	msgs, pos, err := decodeSinceReply("g", from, good)
	if err != nil || len(msgs) != 2 || pos != (layer.Position{Epoch: "e", Seq: 3}) || string(msgs[1].Frame) != "3" {
		t.Fatalf("good reply: %d messages at %+v, %v", len(msgs), pos, err)
	}
	_, pos, err = decodeSinceReply("g", from, sinceFields("e2", "7", "4", "lost"))
	var lost *layer.HistoryLostError
	if !errors.As(err, &lost) || lost.Earliest != 4 || lost.Current != pos || pos.Seq != 7 {
		t.Fatalf("lost reply: %+v %v", pos, err)
	}
	for _, tc := range []struct {
		name string
		in   []string
		want string
	}{
		{"short", []string{"e", "1"}, "2 fields"},
		{"seq", sinceFields("e", "x", "0", "ok"), `seq "x"`},
		{"earliest past seq", sinceFields("e", "1", "2", "ok"), "earliest"},
		{"epoch", sinceFields("", "1", "1", "ok"), "empty epoch"},
		{"status", sinceFields("e", "1", "1", "maybe"), `status "maybe"`},
		{"missing", sinceFields("e", "3", "1", "ok", layer.Message{Seq: 2}), "1 messages after seq 1, want 2"},
		{"gap", sinceFields("e", "3", "1", "ok", layer.Message{Seq: 2}, layer.Message{Seq: 4}), "seq 4, want 3"},
		{"envelope", append(sinceFields("e", "2", "1", "ok"), "\x09"), "bad history entry 1 of 1"},
		{"lost with messages", sinceFields("e", "2", "1", "lost", layer.Message{Seq: 2}), "messages with a lost history"},
	} {
		if _, _, err := decodeSinceReply("g", from, tc.in); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: err = %v, want one containing %q", tc.name, err, tc.want)
		}
	}
}

// FuzzDecodeSinceReply feeds arbitrary replies, as a Redis whose keys
// anyone may have written could send: NUL separates the fields, the first
// two give the position asked for. Decoding must never panic, and what
// decodes must be dense seqs after that position.
func FuzzDecodeSinceReply(f *testing.F) {
	join := func(f []string) []byte { return []byte(strings.Join(f, "\x00")) }
	f.Add(join(append([]string{"e", "1"}, sinceFields("e", "3", "1", "ok", layer.Message{Seq: 2}, layer.Message{Seq: 3})...)))
	f.Add(join(append([]string{"", "0"}, sinceFields("e", "3", "1", "ok")...)))
	f.Add(join(append([]string{"e", "1"}, sinceFields("x", "9", "5", "lost")...)))
	f.Add([]byte("e\x001\x00e\x0018446744073709551615\x000\x00ok"))
	f.Fuzz(func(t *testing.T, in []byte) {
		fields := strings.Split(string(in), "\x00")
		if len(fields) < 2 {
			return
		}
		var from layer.Position
		from.Epoch = fields[0]
		for _, c := range fields[1] {
			if c < '0' || c > '9' || from.Seq > 1<<60 {
				return
			}
			from.Seq = from.Seq*10 + uint64(c-'0')
		}
		msgs, pos, err := decodeSinceReply("g", from, fields[2:])
		if err != nil {
			return
		}
		for i, m := range msgs {
			if m.Seq != from.Seq+1+uint64(i) || m.Seq > pos.Seq {
				t.Fatalf("decoded seq %d at %d after %+v, current %+v", m.Seq, i, from, pos)
			}
		}
	})
}
