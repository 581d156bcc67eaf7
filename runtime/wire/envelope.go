package wire

import (
	"encoding/json"
	"errors"
	"strconv"
	"sync"
	"unicode/utf8"
)

// The keys of a frame's envelope. A frame is one JSON object: the
// discriminator (DefaultKey unless a channel picks another), KeyPayload,
// and on topic traffic the reserved keys KeyVersion, KeyTopic, KeyRef and
// KeySeq. The reserved keys are single words, so camelCase conversion
// never changes them, and no channel may use one as its discriminator.
const (
	DefaultKey = "action"
	KeyPayload = "payload"
	KeyVersion = "version"
	KeyTopic   = "topic"
	KeyRef     = "ref"
	KeySeq     = "seq"
)

// EnvelopeVersion is the value of KeyVersion on stamped frames.
const EnvelopeVersion = 1

// ReservedKeys are the top-level keys a channel's discriminator may not be.
var ReservedKeys = []string{KeyPayload, KeyVersion, KeyTopic, KeyRef, KeySeq}

// Envelope is the frame shape of one channel: the key its discriminator
// is written under, and the built-in frames of Builtins written with that
// key. The fixed ones (Ping, Pong, Complete, ProcessingError, the success
// Authentication) are encoded once, so answering a ping or marking a
// completion costs no encoding on the hot path; those slices are shared
// and must not be modified. Frames with content (errors, Frame) are new
// slices. An Envelope is immutable and safe for concurrent use.
type Envelope struct {
	key    string
	quoted []byte // key as a JSON string

	ping, pong                             []byte
	complete, groupComplete, eventComplete []byte
	processing                             []byte
	authOK                                 []byte
}

var (
	envelopesMu sync.Mutex
	envelopes   = map[string]*Envelope{}
)

// Default is the envelope of channels that keep the "action" key, as
// Python Chanx always does.
var Default = mustEnvelope(DefaultKey)

func mustEnvelope(key string) *Envelope {
	e, err := NewEnvelope(key)
	if err != nil {
		panic(err)
	}
	return e
}

// NewEnvelope returns the envelope whose discriminator is key ("" means
// DefaultKey). It fails for a key that is reserved, not valid UTF-8, or
// that JSON would have to escape: a discriminator is compared byte for
// byte on the hot path (Peek), so it must read the same raw and decoded.
// Envelopes are cached by key: every channel with one key shares one.
func NewEnvelope(key string) (*Envelope, error) {
	if key == "" {
		key = DefaultKey
	}
	envelopesMu.Lock()
	defer envelopesMu.Unlock()
	if e, ok := envelopes[key]; ok {
		return e, nil
	}
	if err := checkKey(key); err != nil {
		return nil, err
	}
	q, _ := json.Marshal(key) // a valid UTF-8 string always marshals
	e := &Envelope{key: key, quoted: q}
	e.ping = e.null(ActionPing)
	e.pong = e.null(ActionPong)
	e.complete = e.null(ActionComplete)
	e.groupComplete = e.null(ActionGroupComplete)
	e.eventComplete = e.null(ActionEventComplete)
	e.processing = e.raw(ActionError, []byte(`{"detail":"`+detailProcessingFailed+`"}`))
	e.authOK = e.Authentication(200, "OK", nil)
	envelopes[key] = e
	return e, nil
}

func checkKey(key string) error {
	for _, r := range ReservedKeys {
		if key == r {
			return errors.New("wire: discriminator " + strconv.Quote(key) + " is a reserved envelope key")
		}
	}
	if !utf8.ValidString(key) {
		return errors.New("wire: discriminator " + strconv.Quote(key) + " is not valid UTF-8")
	}
	for _, c := range []byte(key) {
		// encoding/json escapes control characters, quotes, backslashes
		// and <, >, & (HTML safety).
		if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			return errors.New("wire: discriminator " + strconv.Quote(key) + " has a character JSON escapes")
		}
	}
	return nil
}

// Key returns the discriminator key.
func (e *Envelope) Key() string { return e.key }

// Peek is Peek with the envelope's key.
func (e *Envelope) Peek(frame []byte, maxDepth int) ([]byte, error) {
	return Peek(frame, e.key, maxDepth)
}

// Frame encodes {"<key>": name, "payload": payload}; payload goes through
// encoding/json (nil is null).
func (e *Envelope) Frame(name string, payload any) ([]byte, error) {
	p, err := json.Marshal(payload)
	if err != nil {
		return nil, errors.New("wire: encode " + name + " payload: " + err.Error())
	}
	return e.raw(name, p), nil
}

// raw builds {"<key>": name, "payload": payload} around an encoded payload.
func (e *Envelope) raw(name string, payload []byte) []byte {
	a, _ := json.Marshal(name) // a string always marshals
	b := make([]byte, 0, len(e.quoted)+len(a)+len(payload)+14)
	b = append(b, '{')
	b = append(b, e.quoted...)
	b = append(b, ':')
	b = append(b, a...)
	b = append(b, `,"payload":`...)
	b = append(b, payload...)
	return append(b, '}')
}

func (e *Envelope) null(name string) []byte { return e.raw(name, []byte("null")) }

// Stamp is the envelope a frame carries on topic traffic: the topic, the
// ref of the request being answered, the seq of the broadcast being
// relayed. The zero Stamp stamps nothing.
type Stamp struct {
	Topic string
	Ref   string // "" writes no ref
	Seq   int64
	// HasSeq says Seq is set (a seq of 0 is a valid value).
	HasSeq bool
}

// AppendStamp returns frame (an encoded JSON object) with the stamp's
// keys appended before its closing brace, in the order Python Chanx writes
// them: "version", "topic", then "ref" and "seq" when set. A frame with
// no topic, or that is not an object, is returned unchanged.
func AppendStamp(frame []byte, s Stamp) []byte {
	end := len(frame) - 1
	for end >= 0 && (frame[end] == ' ' || frame[end] == '\n' || frame[end] == '\r' || frame[end] == '\t') {
		end--
	}
	if s.Topic == "" || end < 1 || frame[end] != '}' {
		return frame
	}
	out := make([]byte, 0, len(frame)+len(s.Topic)+len(s.Ref)+48)
	out = append(out, frame[:end]...)
	if !emptyObject(frame[:end]) {
		out = append(out, ',')
	}
	out = append(out, `"version":`...)
	out = strconv.AppendInt(out, EnvelopeVersion, 10)
	t, _ := json.Marshal(s.Topic)
	out = append(append(out, `,"topic":`...), t...)
	if s.Ref != "" {
		r, _ := json.Marshal(s.Ref)
		out = append(append(out, `,"ref":`...), r...)
	}
	if s.HasSeq {
		out = strconv.AppendInt(append(out, `,"seq":`...), s.Seq, 10)
	}
	return append(out, '}')
}

// emptyObject reports whether b is "{" and white space.
func emptyObject(b []byte) bool {
	i := skipSpace(b, 0)
	return i < len(b) && b[i] == '{' && skipSpace(b, i+1) == len(b)
}
