package wire

import (
	"encoding/json"
	"errors"
	"strings"
)

// RouteError is a frame that none of a channel's messages claims, when
// the messages are told apart by which members a frame has or by schema
// rather than by a discriminator value; Problems are what the error frame
// reports. PeekProblem turns it into its first problem.
type RouteError struct {
	Problems []Problem
}

func (e *RouteError) Error() string {
	if len(e.Problems) == 0 {
		return "wire: the frame is none of the channel's messages"
	}
	return "wire: the frame is none of the channel's messages: " + e.Problems[0].Msg
}

// MemberRoute names one message of structural dispatch (the AsyncAPI
// document's messages told apart by the members they require): a frame
// with any of Members at its top level is message Name. A route without
// Members takes the frames no other route claims.
type MemberRoute struct {
	Name    string
	Members []string
}

// RouteByMembers returns the Name of the first route one of whose Members
// is a top-level member of frame, else that of the route without Members;
// with none, a *RouteError naming the members looked for. A frame that is
// not a JSON object fails as Peek fails (ErrNotJSON, ErrNotObject,
// ErrTooDeep). It reads the frame once, decoding nothing but the keys.
func RouteByMembers(frame []byte, routes []MemberRoute, maxDepth int) (string, error) {
	best := len(routes)
	err := walkMembers(frame, maxDepth, func(key []byte, escaped bool) {
		for i := 0; i < best; i++ {
			for _, m := range routes[i].Members {
				if keyEquals(key, escaped, m, strings.ContainsRune(m, '\uFFFD')) {
					best = i
					return
				}
			}
		}
	})
	if err != nil {
		return "", err
	}
	if best < len(routes) {
		return routes[best].Name, nil
	}
	var looked []string
	for _, r := range routes {
		if len(r.Members) == 0 {
			return r.Name, nil
		}
		for _, m := range r.Members {
			looked = append(looked, "'"+m+"'")
		}
	}
	return "", &RouteError{Problems: []Problem{{Type: ProblemTagNotFound, Loc: []any{}, Msg: MsgMembersNotFound(looked)}}}
}

// MsgMembersNotFound is union_tag_not_found's message when the messages
// are told apart by their members: members are quoted already.
func MsgMembersNotFound(members []string) string {
	return "Unable to tell the message apart: the frame has none of the members " + strings.Join(members, ", ")
}

// SchemaRoute is one message of schema dispatch: Accept decodes and
// validates a frame as the message, returning nil when it is one.
type SchemaRoute struct {
	Name   string
	Accept func(frame []byte) error
}

// RouteBySchema returns the Name of the first route whose Accept takes
// frame: the dispatch of messages nothing on the wire names, in the
// document's order. A frame costs up to one decode and validation per
// route (and the handler's own decode after). When none accepts it, the
// *RouteError holds each route's problems, their loc prefixed with the
// route's name as Pydantic reports the variants of an untagged union.
func RouteBySchema(frame []byte, routes []SchemaRoute) (string, error) {
	if !json.Valid(frame) {
		return "", ErrNotJSON
	}
	var problems []Problem
	for _, r := range routes {
		err := r.Accept(frame)
		if err == nil {
			return r.Name, nil
		}
		for _, p := range DecodeProblems(err) {
			p.Loc = append([]any{r.Name}, p.Loc...)
			problems = append(problems, p)
		}
	}
	return "", &RouteError{Problems: problems}
}

// Accepts returns the Accept of a SchemaRoute for message type T: decode
// the frame into a new T, then run its Validator if it has one.
func Accepts[T any]() func(frame []byte) error {
	return func(frame []byte) error {
		msg := new(T)
		if err := json.Unmarshal(frame, msg); err != nil {
			return err
		}
		if v, ok := any(msg).(Validator); ok {
			return v.Validate()
		}
		return nil
	}
}

// walkMembers calls fn with each top-level key of the object frame, as
// Peek walks it: balanced strings, objects and arrays, nesting within
// maxDepth (DefaultMaxDepth when <= 0), nothing after the object.
func walkMembers(frame []byte, maxDepth int, fn func(key []byte, escaped bool)) error {
	if maxDepth <= 0 {
		maxDepth = DefaultMaxDepth
	}
	i := skipSpace(frame, 0)
	if i == len(frame) {
		return ErrNotJSON
	}
	if frame[i] != '{' {
		if json.Valid(frame) {
			return ErrNotObject
		}
		return ErrNotJSON
	}
	i++
	first := true
	for {
		i = skipSpace(frame, i)
		if i >= len(frame) {
			return ErrNotJSON
		}
		if frame[i] == '}' && first {
			i++
			break
		}
		first = false
		if frame[i] != '"' {
			return ErrNotJSON
		}
		end, esc, ok := scanString(frame, i)
		if !ok {
			return ErrNotJSON
		}
		fn(frame[i+1:end], esc)
		i = skipSpace(frame, end+1)
		if i >= len(frame) || frame[i] != ':' {
			return ErrNotJSON
		}
		i = skipSpace(frame, i+1)
		if i >= len(frame) {
			return ErrNotJSON
		}
		i, ok = skipValue(frame, i, maxDepth-1)
		if !ok {
			if i < 0 {
				return ErrTooDeep
			}
			return ErrNotJSON
		}
		i = skipSpace(frame, i)
		if i >= len(frame) {
			return ErrNotJSON
		}
		if frame[i] == ',' {
			i++
			continue
		}
		if frame[i] == '}' {
			i++
			break
		}
		return ErrNotJSON
	}
	if skipSpace(frame, i) != len(frame) {
		return ErrNotJSON
	}
	return nil
}

// routeProblem is PeekProblem's answer for a *RouteError.
func routeProblem(err error) (Problem, bool) {
	var re *RouteError
	if errors.As(err, &re) && len(re.Problems) > 0 {
		return re.Problems[0], true
	}
	return Problem{}, false
}
