package wire

import (
	"bytes"
	"encoding/json"
	"strconv"
	"strings"
)

// Topic protocol names beyond the built-in table: the frame that says a
// recovery could not be made (PROTOCOL.md §2.1) and the reasons of topic
// error frames (ErrorDetail.Reason).
const (
	ActionHistoryLost = "history_lost"

	ReasonUnknownTopic  = "unknown_topic"
	ReasonUnauthorized  = "unauthorized"
	ReasonNotSubscribed = "not_subscribed"
)

// Addressing is what the envelope keys of an inbound frame say about where
// it goes: the topic it is addressed to and the ref its answers echo.
// Python Chanx also sends "version" and may send "seq"; both are checked
// and then ignored.
type Addressing struct {
	Topic    string
	HasTopic bool // "topic" was a string; absent or null leaves it false
	Ref      string
	HasRef   bool // "ref" was a string
}

// MayHaveEnvelope reports, with a scan much cheaper than a parse, whether
// frame could hold one of the envelope keys "version", "topic", "ref" or
// "seq": false means it certainly holds none, so SplitEnvelope can be
// skipped. A frame with any backslash may spell a key with escapes and
// counts as a maybe.
func MayHaveEnvelope(frame []byte) bool {
	if bytes.IndexByte(frame, '\\') >= 0 {
		return true
	}
	// One pass from quote to quote: a key is a quoted word.
	for i := 0; ; {
		j := bytes.IndexByte(frame[i:], '"')
		if j < 0 {
			return false
		}
		i += j + 1
		if i >= len(frame) {
			return false
		}
		switch rest := frame[i:]; rest[0] {
		case 't':
			if bytes.HasPrefix(rest, quotedTopic[1:]) {
				return true
			}
		case 'r':
			if bytes.HasPrefix(rest, quotedRef[1:]) {
				return true
			}
		case 'v':
			if bytes.HasPrefix(rest, quotedVersion[1:]) {
				return true
			}
		case 's':
			if bytes.HasPrefix(rest, quotedSeq[1:]) {
				return true
			}
		}
	}
}

var (
	quotedTopic   = []byte(`"topic"`)
	quotedRef     = []byte(`"ref"`)
	quotedVersion = []byte(`"version"`)
	quotedSeq     = []byte(`"seq"`)
)

// SplitEnvelope reads the envelope keys of an inbound frame and returns
// what they say and the frame without them, so the message is decoded and
// validated as if they were not there (a generated type that forbids
// extra members still accepts an enveloped frame). A frame without any is
// returned as it is, with no allocation.
//
// The keys are checked as Python Chanx checks them, as the model
// {version: int = 1, topic: str | None, ref: str | None, seq: int | None}
// in Pydantic's lax mode: an integer may be written as a string ("5") or
// a float without a fractional part, a string may not be a number. Each
// value that fails is one problem whose loc is the key; the frame is then
// not handled (the problems go back unstamped). When a key occurs more
// than once the last occurrence counts, as a JSON decoder reads it, and
// all are removed.
//
// A frame that is not a JSON object, or that is not well-formed, is
// returned unchanged with no problems: the discriminator read that follows
// reports it as it reports any such frame.
func SplitEnvelope(frame []byte, maxDepth int) (a Addressing, rest []byte, problems []Problem) {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	i := skipSpace(frame, 0)
	if i == len(frame) || frame[i] != '{' {
		return a, frame, nil
	}
	i++
	type span struct{ start, end int }
	var keptBuf [16]span
	var (
		kept     = keptBuf[:0]
		values   [4][]byte // version, topic, ref, seq: the last raw value of each
		found    bool
		first    = true
		reserved = [4]string{KeyVersion, KeyTopic, KeyRef, KeySeq}
	)
	for {
		i = skipSpace(frame, i)
		if i >= len(frame) {
			return Addressing{}, frame, nil
		}
		if frame[i] == '}' && first {
			i++
			break
		}
		first = false
		if frame[i] != '"' {
			return Addressing{}, frame, nil
		}
		mStart := i
		end, esc, ok := scanString(frame, i)
		if !ok {
			return Addressing{}, frame, nil
		}
		k := frame[i+1 : end]
		i = skipSpace(frame, end+1)
		if i >= len(frame) || frame[i] != ':' {
			return Addressing{}, frame, nil
		}
		i = skipSpace(frame, i+1)
		vStart := i
		i, ok = skipValue(frame, i, maxDepth-1)
		if !ok {
			return Addressing{}, frame, nil
		}
		which := -1
		for n, r := range reserved {
			if keyEquals(k, esc, r, false) {
				which = n
				break
			}
		}
		if which >= 0 {
			values[which] = frame[vStart:i]
			found = true
		} else {
			kept = append(kept, span{mStart, i})
		}
		i = skipSpace(frame, i)
		if i >= len(frame) {
			return Addressing{}, frame, nil
		}
		if frame[i] == ',' {
			i++
			continue
		}
		if frame[i] == '}' {
			i++
			break
		}
		return Addressing{}, frame, nil
	}
	if skipSpace(frame, i) != len(frame) {
		return Addressing{}, frame, nil
	}
	if !found {
		return a, frame, nil
	}
	if v := values[0]; v != nil {
		if p, bad := intProblem(v, false); bad {
			problems = append(problems, Problem{Type: p, Loc: []any{KeyVersion}, Msg: intMsg(p)})
		}
	}
	var bad bool
	if v := values[1]; v != nil {
		if a.Topic, a.HasTopic, bad = stringOrNull(v); bad {
			problems = append(problems, Problem{Type: ProblemStringType, Loc: []any{KeyTopic}, Msg: MsgStringType})
		}
	}
	if v := values[2]; v != nil {
		if a.Ref, a.HasRef, bad = stringOrNull(v); bad {
			problems = append(problems, Problem{Type: ProblemStringType, Loc: []any{KeyRef}, Msg: MsgStringType})
		}
	}
	if v := values[3]; v != nil {
		if p, bad := intProblem(v, true); bad {
			problems = append(problems, Problem{Type: p, Loc: []any{KeySeq}, Msg: intMsg(p)})
		}
	}
	if problems != nil {
		return Addressing{}, frame, problems
	}
	out := make([]byte, 0, len(frame))
	out = append(out, '{')
	for n, s := range kept {
		if n > 0 {
			out = append(out, ',')
		}
		out = append(out, frame[s.start:s.end]...)
	}
	return a, append(out, '}'), nil
}

// stringOrNull reads a JSON string or null; bad is true for anything else.
func stringOrNull(v []byte) (s string, isString, bad bool) {
	if string(v) == "null" {
		return "", false, false
	}
	if len(v) == 0 || v[0] != '"' {
		return "", false, true
	}
	if err := json.Unmarshal(v, &s); err != nil {
		return "", false, true
	}
	return s, true, false
}

// intProblem checks a JSON value as Pydantic's lax int does and returns the
// problem type when it is not one (null passes when nullable).
func intProblem(v []byte, nullable bool) (string, bool) {
	switch {
	case string(v) == "null":
		if nullable {
			return "", false
		}
		return ProblemIntType, true
	case string(v) == "true" || string(v) == "false":
		return "", false // lax mode takes a bool as 0 or 1
	case v[0] == '"':
		var s string
		if json.Unmarshal(v, &s) != nil {
			return ProblemIntParsing, true
		}
		s = strings.TrimSpace(s)
		if _, err := strconv.ParseInt(strings.TrimPrefix(s, "+"), 10, 64); err != nil && !bigInt(s) {
			return ProblemIntParsing, true
		}
		return "", false
	case v[0] == '-' || v[0] >= '0' && v[0] <= '9':
		if bytes.ContainsAny(v, ".eE") {
			f, err := strconv.ParseFloat(string(v), 64)
			if err != nil {
				return ProblemIntType, true
			}
			if f != float64(int64(f)) {
				return ProblemIntFromFloat, true
			}
		}
		return "", false
	}
	return ProblemIntType, true
}

// bigInt reports whether s is an integer too large for int64, which Python
// still reads as an int.
func bigInt(s string) bool {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "-"), "+")
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func intMsg(typ string) string {
	switch typ {
	case ProblemIntParsing:
		return MsgIntParsing
	case ProblemIntFromFloat:
		return MsgIntFromFloat
	}
	return MsgIntType
}

// AppendSeq returns frame (an encoded JSON object) with ,"seq":n added
// before its closing brace: a topic push stamped with its topic when it
// was published gets its seq once the layer has assigned one. It allocates
// a new slice; frame is not modified. A frame that is not an object is
// returned unchanged.
func AppendSeq(frame []byte, seq uint64) []byte {
	end := len(frame) - 1
	for end >= 0 && (frame[end] == ' ' || frame[end] == '\n' || frame[end] == '\r' || frame[end] == '\t') {
		end--
	}
	if end < 1 || frame[end] != '}' {
		return frame
	}
	out := make([]byte, 0, end+28)
	out = append(out, frame[:end]...)
	if !emptyObject(frame[:end]) {
		out = append(out, ',')
	}
	out = strconv.AppendUint(append(out, `"seq":`...), seq, 10)
	return append(out, '}')
}
