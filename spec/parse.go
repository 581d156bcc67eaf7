package spec

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v4"
)

// maxAliasNodes and maxAliasBytes bound what a file's YAML aliases may add
// to it once expanded: every consumer of a Document walks aliases as if
// they were copies. They stop "billion laughs" documents, tiny on disk and
// exponential in memory, both the kind that repeats many small nodes
// (counted in nodes) and the kind that repeats a long string (counted in
// the bytes of scalar text). The limits are far above what sharing a few
// definitions by anchor needs (AsyncAPI shares with $ref), and low enough
// that a file just under them validates in well under a second.
const (
	maxAliasNodes = 100_000
	maxAliasBytes = 1 << 20
)

// parseFile parses one file of a document. The format is told from the
// content, not the name: a file whose first non-blank character is '{' or
// '[' is JSON and must be valid JSON (so a JSON syntax error is reported as
// one, not as a puzzling YAML error); anything else is YAML. Both become
// yaml.Node trees carrying line:col, so the rest of the package handles one
// node type.
//
// Every problem that would make the tree unusable as JSON is reported here,
// with its position: YAML and JSON syntax, duplicate keys, non-scalar or
// merge keys, recursive or exploding aliases, numbers JSON cannot hold,
// more than one YAML document. Value therefore cannot fail on a loaded
// file.
func parseFile(shown string, data []byte) (f *File, err error) {
	// The YAML parser has panicked on crafted input in the past; a panic
	// here must not take down a server that validates uploaded documents.
	defer func() {
		if r := recover(); r != nil {
			f, err = nil, diagErr(errorAt(Pos{File: shown}, "", "cannot parse the file: %v", r))
		}
	}()
	if d, bad := checkText(shown, data); bad {
		return nil, diagErr(d)
	}
	body := bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	var root *yaml.Node
	if len(trimmed) > 0 && (trimmed[0] == '{' || trimmed[0] == '[') {
		root, err = parseJSON(shown, body)
	} else {
		root, err = parseYAML(shown, body)
	}
	if err != nil {
		return nil, err
	}
	var ds Diagnostics
	checkTree(shown, root, &ds)
	if len(ds) > 0 {
		ds.Sort()
		return nil, &DiagnosticsError{Diagnostics: ds}
	}
	return &File{Location: shown, Data: data, Node: root}, nil
}

func diagErr(d Diagnostic) error {
	return &DiagnosticsError{Diagnostics: Diagnostics{d}}
}

// checkText rejects what is not a text document before a parser sees it:
// an empty file, binary data, invalid UTF-8.
func checkText(shown string, data []byte) (Diagnostic, bool) {
	if len(bytes.TrimSpace(data)) == 0 {
		return errorAt(Pos{File: shown}, "", "the file is empty: an AsyncAPI document is a YAML or JSON object"), true
	}
	line, col := 1, 1
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			return errorAt(Pos{File: shown, Line: line, Col: col}, "", "the file is not UTF-8 text (invalid byte 0x%02x): is it a binary file?", data[i]), true
		case r == '\n':
			line, col = line+1, 0
		case r < 0x20 && r != '\t' && r != '\r', r == 0x7f, r == 0xfffe, r == 0xffff:
			return errorAt(Pos{File: shown, Line: line, Col: col}, "", "the file is not text (character U+%04X is not allowed in YAML or JSON): is it a binary file?", r), true
		}
		i += size
		col++
	}
	return Diagnostic{}, false
}

// parseYAML parses a YAML stream that must hold exactly one document.
func parseYAML(shown string, data []byte) (*yaml.Node, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, diagErr(errorAt(Pos{File: shown}, "", "the file holds no YAML document, only comments or blank lines"))
		}
		return nil, diagErr(yamlErrorDiagnostic(shown, data, err))
	}
	var next yaml.Node
	switch err := dec.Decode(&next); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, diagErr(yamlErrorDiagnostic(shown, data, err))
	default:
		return nil, diagErr(errorAt(Pos{File: shown, Line: next.Line, Col: next.Column}, "",
			"a second YAML document starts here: an AsyncAPI file holds one document (remove the '---' separator)"))
	}
	n := &doc
	if n.Kind == yaml.DocumentNode {
		if len(n.Content) == 0 {
			return nil, diagErr(errorAt(Pos{File: shown}, "", "the file holds no YAML document, only comments or blank lines"))
		}
		n = n.Content[0]
	}
	return n, nil
}

// yamlErrorDiagnostic turns a YAML syntax error into a positioned
// diagnostic, explaining the errors people actually make (tabs).
func yamlErrorDiagnostic(shown string, data []byte, err error) Diagnostic {
	var le *yaml.LoadError
	if !errors.As(err, &le) {
		return errorAt(Pos{File: shown}, "", "invalid YAML: %s", strings.TrimPrefix(err.Error(), "yaml: "))
	}
	pos := Pos{File: shown, Line: le.Mark.Line, Col: le.Mark.Column}
	if pos.Line == 0 {
		pos.Col = 0
	}
	msg := le.Message
	if pos.Line > 0 {
		if tab := tabAt(data, pos.Line, pos.Col); tab > 0 {
			pos.Col = tab
			return errorAt(pos, "", "invalid YAML: a tab character in the indentation; YAML indents with spaces only")
		}
	}
	if le.ContextMsg != "" && le.ContextMark.Line > 0 && le.ContextMark != le.Mark {
		msg = fmt.Sprintf("%s (%s started at line %d, column %d)", msg, strings.TrimPrefix(le.ContextMsg, "while "), le.ContextMark.Line, le.ContextMark.Column)
	}
	return errorAt(pos, "", "invalid YAML: %s", msg)
}

// tabAt returns the column of a tab in the indentation of line, or at col,
// or 0 when the YAML error there is not about a tab.
func tabAt(data []byte, line, col int) int {
	start := 0
	for l := 1; l < line; l++ {
		i := bytes.IndexByte(data[start:], '\n')
		if i < 0 {
			return 0
		}
		start += i + 1
	}
	end := bytes.IndexByte(data[start:], '\n')
	if end < 0 {
		end = len(data) - start
	}
	text := []rune(string(data[start : start+end]))
	for i, r := range text {
		if r == '\t' && (i+1 == col || strings.TrimSpace(string(text[:i])) == "") {
			return i + 1
		}
		if r != ' ' && r != '\t' && i+1 >= col {
			break
		}
	}
	return 0
}

// parseJSON builds a yaml.Node tree from JSON, with the position of every
// value, using encoding/json's tokenizer so that JSON is read exactly as
// JSON (escapes, numbers, no YAML extensions).
func parseJSON(shown string, data []byte) (*yaml.Node, error) {
	p := &jsonParser{shown: shown, data: data, dec: json.NewDecoder(bytes.NewReader(data)), line: 1, col: 1}
	p.dec.UseNumber()
	n, err := p.value()
	if err != nil {
		return nil, err
	}
	if _, err := p.dec.Token(); !errors.Is(err, io.EOF) {
		start := p.skip()
		return nil, diagErr(errorAt(p.posAt(start), "", "invalid JSON: unexpected data after the top-level value"))
	}
	return n, nil
}

type jsonParser struct {
	shown string
	data  []byte
	dec   *json.Decoder
	// line and col are the position of byte off; positions are asked for
	// in increasing order, so advancing from the last one keeps the whole
	// parse linear even for a single-line (minified) file.
	off, line, col int
}

// posAt returns the position of byte offset off (>= every earlier call).
func (p *jsonParser) posAt(off int) Pos {
	for p.off < off && p.off < len(p.data) {
		r, size := utf8.DecodeRune(p.data[p.off:])
		if r == '\n' {
			p.line, p.col = p.line+1, 1
		} else {
			p.col++
		}
		p.off += size
	}
	return Pos{File: p.shown, Line: p.line, Col: p.col}
}

// skip returns the offset of the next token: past whitespace and the ',' and
// ':' separators that the decoder consumes silently.
func (p *jsonParser) skip() int {
	i := int(p.dec.InputOffset())
	for i < len(p.data) {
		switch p.data[i] {
		case ' ', '\t', '\r', '\n', ',', ':':
			i++
			continue
		}
		break
	}
	return i
}

func (p *jsonParser) syntaxError(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		off := int(se.Offset)
		if off < p.off {
			off = p.off
		}
		return diagErr(errorAt(p.posAt(off), "", "invalid JSON: %s", strings.TrimPrefix(se.Error(), "json: ")))
	}
	if errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) {
		return diagErr(errorAt(p.posAt(len(p.data)), "", "invalid JSON: unexpected end of file"))
	}
	return diagErr(errorAt(p.posAt(p.off), "", "invalid JSON: %v", err))
}

func (p *jsonParser) value() (*yaml.Node, error) {
	start := p.skip()
	tok, err := p.dec.Token()
	if err != nil {
		return nil, p.syntaxError(err)
	}
	pos := p.posAt(start)
	n := &yaml.Node{Line: pos.Line, Column: pos.Col}
	switch t := tok.(type) {
	case json.Delim:
		if t == '{' {
			n.Kind, n.Tag, n.Style = yaml.MappingNode, "!!map", yaml.FlowStyle
			for p.dec.More() {
				kstart := p.skip()
				ktok, err := p.dec.Token()
				if err != nil {
					return nil, p.syntaxError(err)
				}
				kpos := p.posAt(kstart)
				key, _ := ktok.(string)
				k := &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: key, Style: yaml.DoubleQuotedStyle, Line: kpos.Line, Column: kpos.Col}
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, k, v)
			}
		} else {
			n.Kind, n.Tag, n.Style = yaml.SequenceNode, "!!seq", yaml.FlowStyle
			for p.dec.More() {
				v, err := p.value()
				if err != nil {
					return nil, err
				}
				n.Content = append(n.Content, v)
			}
		}
		if _, err := p.dec.Token(); err != nil {
			return nil, p.syntaxError(err)
		}
	case string:
		n.Kind, n.Tag, n.Value, n.Style = yaml.ScalarNode, "!!str", t, yaml.DoubleQuotedStyle
	case json.Number:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!int", string(t)
		if strings.ContainsAny(string(t), ".eE") {
			n.Tag = "!!float"
		}
	case bool:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!bool", strconv.FormatBool(t)
	case nil:
		n.Kind, n.Tag, n.Value = yaml.ScalarNode, "!!null", "null"
	}
	return n, nil
}

// checkTree reports what JSON cannot represent, at its position: duplicate,
// non-scalar and merge keys, aliases that are recursive or expand too much,
// non-finite numbers.
func checkTree(shown string, root *yaml.Node, ds *Diagnostics) {
	c := &treeChecker{shown: shown, ds: ds, size: map[*yaml.Node]expansion{}}
	c.walk(root, 0)
}

type treeChecker struct {
	shown string
	ds    *Diagnostics
	// size memoizes the expanded size of anchored nodes; inProgress marks
	// a node whose size is being computed (an alias to it is recursive).
	size map[*yaml.Node]expansion
	// added is what the aliases met so far add to the file; tooBig is set
	// once it passes the limits, which is reported once.
	added  expansion
	tooBig bool
}

// expansion is the size of a value once its aliases are expanded.
type expansion struct {
	nodes, bytes int64
}

var inProgress = expansion{nodes: -1}

func (e expansion) over() bool { return e.nodes > maxAliasNodes || e.bytes > maxAliasBytes }

// plus adds the sizes, saturating above the limits so nothing overflows.
func (e expansion) plus(o expansion) expansion {
	return expansion{nodes: min(e.nodes+o.nodes, maxAliasNodes+1), bytes: min(e.bytes+o.bytes, maxAliasBytes+1)}
}

func (c *treeChecker) errorf(n *yaml.Node, format string, args ...any) {
	*c.ds = append(*c.ds, errorAt(Pos{File: c.shown, Line: n.Line, Col: n.Column}, "", format, args...))
}

// walk checks every node once, not following aliases (their targets are
// checked where they are defined), and adds up what each alias adds.
func (c *treeChecker) walk(n *yaml.Node, depth int) {
	if depth > maxValueDepth {
		c.errorf(n, "nested more than %d levels deep", maxValueDepth)
		return
	}
	switch n.Kind {
	case yaml.MappingNode:
		seen := make(map[string]*yaml.Node, len(n.Content)/2)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			switch {
			case k.Kind != yaml.ScalarNode:
				c.errorf(k, "a mapping key must be a plain value, not %s", DescribeNode(k))
			case k.Tag == "!!merge" || (k.Value == "<<" && k.Style == 0):
				c.errorf(k, "YAML merge keys (<<) are not supported: JSON has no equivalent")
			default:
				if first, dup := seen[k.Value]; dup {
					c.errorf(k, "duplicate key %q (first defined at line %d, column %d)", k.Value, first.Line, first.Column)
				} else {
					seen[k.Value] = k
				}
			}
			c.walk(v, depth+1)
		}
	case yaml.SequenceNode:
		for _, v := range n.Content {
			c.walk(v, depth+1)
		}
	case yaml.AliasNode:
		if n.Alias == nil {
			c.errorf(n, "unknown YAML alias %q", n.Value)
			return
		}
		e, ok := c.expanded(n)
		if !ok || c.tooBig {
			return
		}
		c.added = c.added.plus(e)
		if c.added.over() {
			c.tooBig = true
			what := fmt.Sprintf("more than %d nodes", maxAliasNodes)
			if c.added.bytes > maxAliasBytes {
				what = "more than " + formatBytes(maxAliasBytes) + " of text"
			}
			c.errorf(n, "YAML aliases expand this file too much: counting *%s (%s), they add %s (aliases may add at most %d nodes and %s of text; share definitions with $ref instead)",
				n.Value, describeExpansion(e), what, maxAliasNodes, formatBytes(maxAliasBytes))
		}
	case yaml.ScalarNode:
		if n.ShortTag() == "!!float" && !isJSONNumber(n.Value) {
			var f float64
			if err := n.Decode(&f); err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
				c.errorf(n, "%s is not a number JSON can hold", n.Value)
			}
		}
	}
}

// expanded returns the size n stands for once aliases are expanded,
// saturating above the limits; ok is false for an alias that is recursive,
// which it reports.
func (c *treeChecker) expanded(n *yaml.Node) (e expansion, ok bool) {
	if n == nil {
		return expansion{}, true
	}
	if n.Kind == yaml.AliasNode {
		t := n.Alias
		if t == nil {
			return expansion{nodes: 1}, true
		}
		switch s, known := c.size[t]; {
		case known && s == inProgress:
			c.errorf(n, "YAML alias *%s refers to a node that contains it: the value would be infinite", n.Value)
			c.size[t] = expansion{nodes: maxAliasNodes + 1, bytes: maxAliasBytes + 1}
			return expansion{}, false
		case known:
			return s, true
		}
		return c.expanded(t)
	}
	if n.Anchor != "" {
		if s, known := c.size[n]; known {
			return s, s != inProgress
		}
		c.size[n] = inProgress
	}
	e, ok = expansion{nodes: 1, bytes: int64(len(n.Value))}, true
	for _, ch := range n.Content {
		ce, cok := c.expanded(ch)
		e, ok = e.plus(ce), ok && cok
		if e.over() {
			break
		}
	}
	if n.Anchor != "" {
		c.size[n] = e
	}
	return e, ok
}

func describeExpansion(e expansion) string {
	switch {
	case e.nodes > maxAliasNodes:
		return fmt.Sprintf("more than %d nodes", maxAliasNodes)
	case e.bytes > maxAliasBytes:
		return "more than " + formatBytes(maxAliasBytes) + " of text"
	}
	return fmt.Sprintf("%d nodes, %s of text", e.nodes, formatBytes(e.bytes))
}

// formatBytes writes a size the way people read it: 512 bytes, 4 KiB,
// 1.5 MiB.
func formatBytes(n int64) string {
	switch {
	case n < 1<<10:
		return fmt.Sprintf("%d bytes", n)
	case n < 1<<20:
		return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<10)), ".0") + " KiB"
	}
	return strings.TrimSuffix(fmt.Sprintf("%.1f", float64(n)/(1<<20)), ".0") + " MiB"
}
