package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"reflect"
	"sync"

	"github.com/chanxgo/chanx/runtime/validate"
	"github.com/chanxgo/chanx/runtime/wire"
)

// encoder is a reusable buffer for encoding a frame: the reply to a client
// frame is written from it inline, so it costs no allocation of its own,
// and a frame handed to the layer is copied out of it once.
type encoder struct {
	buf bytes.Buffer
	enc *json.Encoder
	app []byte // for values that append themselves (validate.JSONAppender)
}

var encoders = sync.Pool{New: func() any {
	e := new(encoder)
	e.enc = json.NewEncoder(&e.buf)
	return e
}}

func getEncoder() *encoder { return encoders.Get().(*encoder) }

// put returns e to the pool, unless a rare huge frame grew its buffers.
func (e *encoder) put() {
	if e.buf.Cap() > maxPooledBuf {
		e.buf = bytes.Buffer{}
		e.enc = json.NewEncoder(&e.buf)
	}
	if cap(e.app) > maxPooledBuf {
		e.app = nil
	}
	encoders.Put(e)
}

// encode returns v's JSON, the bytes json.Marshal(v) returns, held by e
// until e is put back. A value that implements validate.JSONAppender and
// json.Marshaler (the structs chanx generates with a MarshalJSON, whose
// AppendJSON appends what MarshalJSON returns) appends itself to e's
// buffer: through encoding/json, its MarshalJSON result would be copied,
// checked and compacted again, which costs several times the encoding.
// validate's interface is used rather than a local copy so the contract
// has one home: runtime/validate imports only runtime/wire, which the
// server imports anyway, so the dependency adds no cycle or weight.
func (e *encoder) encode(v any) ([]byte, error) {
	if a, ok := appender(v); ok {
		b, err := a.AppendJSON(e.app[:0])
		if err != nil {
			// The error json.Marshal returns when MarshalJSON fails.
			return nil, &json.MarshalerError{Type: reflect.TypeOf(v), Err: err}
		}
		e.app = escapeHTML(b)
		return e.app, nil
	}
	e.buf.Reset()
	if err := e.enc.Encode(v); err != nil {
		return nil, err
	}
	b := e.buf.Bytes()
	return b[:len(b)-1], nil // Encode ends the value with a newline
}

// appender returns v as a validate.JSONAppender when encoding/json would
// call a MarshalJSON that AppendJSON stands for: v implements both and is
// not a nil pointer (json.Marshal writes null for one without calling it).
func appender(v any) (validate.JSONAppender, bool) {
	a, ok := v.(validate.JSONAppender)
	if !ok {
		return nil, false
	}
	if _, ok := v.(json.Marshaler); !ok || isNilPointer(v) {
		return nil, false
	}
	return a, true
}

// isNilPointer tells a nil pointer from a value AppendJSON can be called on.
func isNilPointer(v any) bool {
	rv := reflect.ValueOf(v)
	return rv.Kind() == reflect.Pointer && rv.IsNil()
}

// escapeHTML escapes <, > and & in b's strings as json.Marshal does (an
// AppendJSON writes them as they are, like json.Encoder.SetEscapeHTML(false));
// b is returned unchanged, with no work beyond a scan, when it has none.
func escapeHTML(b []byte) []byte {
	if bytes.IndexAny(b, "<>&") < 0 {
		return b
	}
	var out bytes.Buffer
	json.HTMLEscape(&out, b)
	return append(b[:0], out.Bytes()...)
}

// encodeFrame is wire.Encode for a frame that leaves this call (to the
// layer or a connection's queue): []byte and json.RawMessage pass through,
// a validate.JSONAppender appends itself, anything else goes through
// json.Marshal. The bytes and errors are wire.Encode's.
func encodeFrame(frame any) ([]byte, error) {
	if _, ok := appender(frame); !ok {
		return wire.Encode(frame)
	}
	e := getEncoder()
	defer e.put()
	b, err := e.encode(frame)
	if err != nil {
		return nil, errors.New("wire: encode frame: " + err.Error())
	}
	return bytes.Clone(b), nil
}
