package wire

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestBuiltinFrames pins every built-in frame as it goes on the wire, with
// the default key and with a channel's own key: the server writes error,
// pong and completion frames under the key its clients look for.
func TestBuiltinFrames(t *testing.T) {
	typ, err := NewEnvelope("type")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, got, want string }{
		{"ping", string(Default.Ping()), `{"action":"ping","payload":null}`},
		{"pong", string(Default.Pong()), `{"action":"pong","payload":null}`},
		{"pong type", string(typ.Pong()), `{"type":"pong","payload":null}`},
		{"complete", string(Default.Complete(ActionComplete)), `{"action":"complete","payload":null}`},
		{"group_complete type", string(typ.Complete(ActionGroupComplete)), `{"type":"group_complete","payload":null}`},
		{"event_complete", string(Default.Complete(ActionEventComplete)), `{"action":"event_complete","payload":null}`},
		{"not a completion", string(Default.Complete(ActionPong)), ``},
		{"handler error", string(Default.HandlerError("send")), `{"action":"error","payload":{"detail":"Failed to process message for send"}}`},
		{"handler error type", string(typ.HandlerError("send")), `{"type":"error","payload":{"detail":"Failed to process message for send"}}`},
		{"coded error", string(typ.CodedError("room_full", "The room is full")), `{"type":"error","payload":{"detail":"The room is full","code":"room_full"}}`},
		{"processing error", string(Default.ProcessingError()), `{"action":"error","payload":{"detail":"Failed to process message"}}`},
		{"problems", string(Default.Problems([]Problem{{Type: "missing", Loc: []any{"payload", "message"}, Msg: "Field required"}})),
			`{"action":"error","payload":[{"type":"missing","loc":["payload","message"],"msg":"Field required"}]}`},
		{"problems nil loc", string(typ.Problems([]Problem{PeekProblem(ErrNoDiscriminator, "type")})),
			`{"type":"error","payload":[{"type":"union_tag_not_found","loc":[],"msg":"Unable to extract tag using discriminator 'type'"}]}`},
		{"authentication", string(Default.Authentication(401, "Unauthorized", map[string]string{"detail": "no token"})),
			`{"action":"authentication","payload":{"status_code":401,"status_text":"Unauthorized","data":{"detail":"no token"}}}`},
		{"authentication ok type", string(typ.Authentication(200, "OK", nil)),
			`{"type":"authentication","payload":{"status_code":200,"status_text":"OK","data":null}}`},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, tt.got); diff != "" {
			t.Errorf("%s frame (-want +got):\n%s", tt.name, diff)
		}
	}
}

// TestBuiltinsTable: every built-in of the table that has a fixed frame
// is written with the envelope's key, and the table names each frame once
// per direction.
func TestBuiltinsTable(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range Builtins {
		k := b.Name + " " + b.Direction.String()
		if seen[k] {
			t.Errorf("%s listed twice", k)
		}
		seen[k] = true
		if got, ok := LookupBuiltin(b.Name, b.Direction); !ok || got != b {
			t.Errorf("LookupBuiltin(%q, %v) = %+v, %v", b.Name, b.Direction, got, ok)
		}
	}
	if _, ok := LookupBuiltin(ActionPong, ClientToServer); ok {
		t.Error("pong is not a client frame")
	}
	e, _ := NewEnvelope("kind")
	for _, f := range [][]byte{e.Ping(), e.Pong(), e.Complete(ActionComplete), e.ProcessingError(), e.HandlerError("x"), e.Authentication(200, "OK", nil)} {
		name, err := e.Peek(f, 0)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if _, ok := LookupBuiltin(string(name), ServerToClient); !ok && string(name) != ActionPing {
			t.Errorf("%s is not in Builtins", name)
		}
	}
}

// TestNewEnvelopeRejectsKeys: a discriminator may not be a reserved
// envelope key nor need escaping in JSON.
func TestNewEnvelopeRejectsKeys(t *testing.T) {
	for key, want := range map[string]string{
		"payload": `wire: discriminator "payload" is a reserved envelope key`,
		"topic":   `wire: discriminator "topic" is a reserved envelope key`,
		"ref":     `wire: discriminator "ref" is a reserved envelope key`,
		"seq":     `wire: discriminator "seq" is a reserved envelope key`,
		"version": `wire: discriminator "version" is a reserved envelope key`,
		"a\"b":    `wire: discriminator "a\"b" has a character JSON escapes`,
		"a\x8d":   `wire: discriminator "a\x8d" is not valid UTF-8`,
	} {
		_, err := NewEnvelope(key)
		if err == nil || err.Error() != want {
			t.Errorf("NewEnvelope(%q) = %v, want %s", key, err, want)
		}
	}
	if e, err := NewEnvelope(""); err != nil || e != Default {
		t.Errorf(`NewEnvelope("") = %v, %v; want Default`, e, err)
	}
	a, _ := NewEnvelope("type")
	b, _ := NewEnvelope("type")
	if a != b {
		t.Error("envelopes with one key are not shared")
	}
}

// TestAppendStamp: the reserved keys go after the message's own, version
// first, ref and seq only when set, as Python Chanx writes topic frames.
func TestAppendStamp(t *testing.T) {
	tests := []struct {
		frame string
		stamp Stamp
		want  string
	}{
		{`{"action":"subscribed","payload":null}`, Stamp{Topic: "discussion:5", Ref: "1"},
			`{"action":"subscribed","payload":null,"version":1,"topic":"discussion:5","ref":"1"}`},
		{`{"action":"room_event","payload":{"body":"hi"}}`, Stamp{Topic: "room:lobby", Seq: 7, HasSeq: true},
			`{"action":"room_event","payload":{"body":"hi"},"version":1,"topic":"room:lobby","seq":7}`},
		{`{"action":"x","payload":null}`, Stamp{}, `{"action":"x","payload":null}`},
		{`{ }`, Stamp{Topic: "t"}, `{ "version":1,"topic":"t"}`},
		{`[1]`, Stamp{Topic: "t"}, `[1]`},
	}
	for _, tt := range tests {
		got := string(AppendStamp([]byte(tt.frame), tt.stamp))
		if got != tt.want {
			t.Errorf("AppendStamp(%s, %+v)\n got %s\nwant %s", tt.frame, tt.stamp, got, tt.want)
		}
		if !json.Valid([]byte(got)) {
			t.Errorf("AppendStamp wrote invalid JSON %s", got)
		}
	}
}

// TestReservedKeysAreSingleWords: camelCase conversion never renames an
// envelope key, so camelized servers and clients agree on them.
func TestReservedKeysAreSingleWords(t *testing.T) {
	for _, k := range append([]string{DefaultKey}, ReservedKeys...) {
		f := `{"` + k + `":1}`
		if got := string(CamelizeKeys([]byte(f))); got != f || strings.Contains(k, "_") {
			t.Errorf("%s camelizes to %s", f, got)
		}
	}
}

// TestProtocolDocCoversTheTable: docs/PROTOCOL.md names every built-in
// frame, reserved key and error code of this package, and every test it
// cites exists, so the page cannot fall behind the table silently.
func TestProtocolDocCoversTheTable(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "PROTOCOL.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(doc)
	var names []string
	for _, b := range Builtins {
		names = append(names, b.Name)
	}
	names = append(names, ReservedKeys...)
	names = append(names, DefaultKey, CodeNotImplemented, CodeUnknown)
	for _, n := range names {
		if !strings.Contains(text, "`"+n+"`") {
			t.Errorf("docs/PROTOCOL.md does not mention `%s`", n)
		}
	}
	// Every "file: TestName" citation names a test in that file.
	cite := regexp.MustCompile("`([a-z0-9_/]+_test\\.go): ((?:Test|Fuzz)[A-Za-z0-9_]+)`")
	more := regexp.MustCompile("^,?\\s*`((?:Test|Fuzz)[A-Za-z0-9_]+)`")
	root := filepath.Join("..", "..")
	n := 0
	for _, m := range cite.FindAllStringSubmatchIndex(text, -1) {
		file, tests := text[m[2]:m[3]], []string{text[m[4]:m[5]]}
		rest := text[m[1]:]
		for {
			mm := more.FindStringSubmatchIndex(rest)
			if mm == nil {
				break
			}
			tests = append(tests, rest[mm[2]:mm[3]])
			rest = rest[mm[1]:]
		}
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(file)))
		if err != nil {
			t.Errorf("docs/PROTOCOL.md cites %s: %v", file, err)
			continue
		}
		for _, name := range tests {
			n++
			if !regexp.MustCompile(`(?m)^func ` + name + `\(`).Match(src) {
				t.Errorf("docs/PROTOCOL.md cites %s: %s, which is not there", file, name)
			}
		}
	}
	if n < 20 {
		t.Errorf("found only %d test citations in docs/PROTOCOL.md", n)
	}
}
