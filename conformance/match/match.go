package match

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"sort"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"github.com/chanxgo/chanx/internal/jsonptr"
	"github.com/chanxgo/chanx/internal/schemaerr"
	"github.com/chanxgo/chanx/ir"
)

var printer = message.NewPrinter(language.English)

// Problem is one reason a value does not match a schema.
type Problem struct {
	// Path is the JSON pointer of the offending value inside the frame
	// ("" for the frame itself).
	Path string `json:"path"`
	// Keyword is the schema keyword that failed (minLength, required, …).
	Keyword string `json:"keyword"`
	Message string `json:"message"`
}

func (p Problem) String() string {
	path := p.Path
	if path == "" {
		path = "/"
	}
	return fmt.Sprintf("at %s: %s (%s)", path, p.Message, p.Keyword)
}

// Schema is a compiled ir schema.
type Schema struct {
	sch *jsonschema.Schema
}

// Compile compiles s for validation; a nil s accepts everything.
func Compile(s *ir.Schema) (*Schema, error) {
	if s == nil {
		return &Schema{}, nil
	}
	doc, err := json.Marshal(Export(s))
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", s.Pointer, err)
	}
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(doc))
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", s.Pointer, err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	c.UseLoader(jsonschema.SchemeURLLoader{})
	const id = "urn:chanx:conformance:schema.json"
	if err := c.AddResource(id, v); err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", s.Pointer, err)
	}
	sch, err := c.Compile(id)
	if err != nil {
		return nil, fmt.Errorf("compile schema %s: %w", s.Pointer, err)
	}
	return &Schema{sch: sch}, nil
}

// Validate returns every problem of v (a decoded JSON value, numbers as
// json.Number), sorted by path and keyword; nil when v is valid.
func (s *Schema) Validate(v any) []Problem {
	if s.sch == nil {
		return nil
	}
	err := s.sch.Validate(v)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return []Problem{{Keyword: "json", Message: err.Error()}}
	}
	var out []Problem
	for _, e := range schemaerr.Leaves(ve, nil) {
		if schemaerr.Grouping(e) {
			continue
		}
		kw := ""
		if kp := e.ErrorKind.KeywordPath(); len(kp) > 0 {
			kw = kp[0]
		}
		out = append(out, Problem{Path: jsonptr.Format(e.InstanceLocation), Keyword: kw, Message: e.ErrorKind.LocalizedString(printer)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Path != out[j].Path {
			return out[i].Path < out[j].Path
		}
		if out[i].Keyword != out[j].Keyword {
			return out[i].Keyword < out[j].Keyword
		}
		return out[i].Message < out[j].Message
	})
	// Nested allOf and oneOf branches repeat the same leaf.
	dedup := out[:0]
	for i, p := range out {
		if i == 0 || p != out[i-1] {
			dedup = append(dedup, p)
		}
	}
	return dedup
}

// Set is the messages one side may send on a channel, told apart by a
// discriminator property.
type Set struct {
	// Property is the discriminator ("" when messages are told apart by
	// their schemas alone).
	Property string
	entries  []entry
}

type entry struct {
	msg    *ir.Message
	value  string // discriminator value, "" when unknown
	schema *Schema
}

// NewSet compiles the payload schemas of the cases' messages. property
// and the case values are the dispatch spec/analyze decided
// (ir.Channel.Dispatch); the set never infers one of its own. A case with
// no value is told apart by its schema alone.
func NewSet(property string, cases []ir.DispatchCase) (*Set, error) {
	s := &Set{Property: property}
	for _, c := range cases {
		sch, err := Compile(c.Message.Payload)
		if err != nil {
			return nil, fmt.Errorf("message %s: %w", c.Message.Name, err)
		}
		s.entries = append(s.entries, entry{msg: c.Message, value: c.Value, schema: sch})
	}
	return s, nil
}

// Messages returns the set's messages in order.
func (s *Set) Messages() []*ir.Message {
	out := make([]*ir.Message, len(s.entries))
	for i, e := range s.entries {
		out[i] = e.msg
	}
	return out
}

// Value returns m's discriminator value, "" when it has none.
func (s *Set) Value(m *ir.Message) string {
	for _, e := range s.entries {
		if e.msg == m {
			return e.value
		}
	}
	return ""
}

// Validate checks v against m's payload schema; nil means valid.
func (s *Set) Validate(m *ir.Message, v any) []Problem {
	for _, e := range s.entries {
		if e.msg == m {
			return e.schema.Validate(v)
		}
	}
	return []Problem{{Keyword: "message", Message: fmt.Sprintf("message %s is not in this set", m.Name)}}
}

// Result is the verdict on one frame.
type Result struct {
	// Message is the message the frame is, nil when it is none.
	Message *ir.Message
	// Closest is, when Message is nil, the message the frame came closest
	// to (the one its discriminator names, else the one with fewest
	// problems), and Problems why it is not that message.
	Closest  *ir.Message
	Problems []Problem
}

// Match finds the message v is. A frame whose discriminator names a
// message is judged against that message only.
func (s *Set) Match(v any) Result {
	if len(s.entries) == 0 {
		return Result{Problems: []Problem{{Keyword: "message", Message: "no message is allowed here"}}}
	}
	if s.Property != "" {
		if obj, ok := v.(map[string]any); ok {
			if d, ok := obj[s.Property].(string); ok {
				for _, e := range s.entries {
					if e.value == d {
						if p := e.schema.Validate(v); p != nil {
							return Result{Closest: e.msg, Problems: p}
						}
						return Result{Message: e.msg}
					}
				}
			}
		}
	}
	best := Result{}
	for _, e := range s.entries {
		p := e.schema.Validate(v)
		if p == nil {
			return Result{Message: e.msg}
		}
		if best.Closest == nil || len(p) < len(best.Problems) {
			best = Result{Closest: e.msg, Problems: p}
		}
	}
	return best
}

// Len is the number of messages in the set.
func (s *Set) Len() int { return len(s.entries) }

// Key is the canonical JSON of a value, for comparing decoded values.
func Key(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}
