package spec

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"

	specschemas "github.com/asyncapi/spec-json-schemas/v6"
	"github.com/chanxgo/chanx/internal/jsonptr"
	"github.com/chanxgo/chanx/internal/schemaerr"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"
	"go.yaml.in/yaml/v4"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// SupportedVersions are the AsyncAPI versions Validate checks documents
// against.
var SupportedVersions = []string{"3.0.0", "3.1.0"}

// officialSchemas holds the compiled official AsyncAPI JSON Schemas, each
// compiled on first use and then shared (a compiled *jsonschema.Schema is
// safe for concurrent use).
var officialSchemas = struct {
	// load guards spec_json_schemas.Get, whose first call races with any
	// other concurrent call.
	load     sync.Once
	raw      map[string][]byte
	loadErr  error
	compiled map[string]*compiledSchema
}{compiled: map[string]*compiledSchema{"3.0.0": {}, "3.1.0": {}}}

type compiledSchema struct {
	once   sync.Once
	schema *jsonschema.Schema
	err    error
	// compiler is kept to look sub-schemas up by location (for "did you
	// mean" hints); a Compiler is not safe for concurrent use, hence mu.
	mu       sync.Mutex
	compiler *jsonschema.Compiler
}

// officialSchema returns the compiled JSON Schema of an AsyncAPI version
// listed in SupportedVersions.
func officialSchema(version string) (*jsonschema.Schema, error) {
	c := officialSchemas.compiled[version]
	if c == nil {
		return nil, fmt.Errorf("no JSON Schema for AsyncAPI %s", version)
	}
	officialSchemas.load.Do(func() {
		officialSchemas.raw = map[string][]byte{}
		for _, v := range SupportedVersions {
			data, err := specschemas.Get(v)
			if err == nil && data == nil {
				err = errors.New("not in github.com/asyncapi/spec-json-schemas")
			}
			if err != nil {
				officialSchemas.loadErr = fmt.Errorf("load the AsyncAPI %s JSON Schema: %w", v, err)
				return
			}
			officialSchemas.raw[v] = data
		}
	})
	if officialSchemas.loadErr != nil {
		return nil, officialSchemas.loadErr
	}
	c.once.Do(func() {
		c.compiler, c.schema, c.err = compileOfficial(version, officialSchemas.raw[version])
	})
	return c.schema, c.err
}

// knownProperties returns the properties the official schema of version
// declares at schema location loc, for suggesting the one a misspelled
// property meant.
func knownProperties(version, loc string) []string {
	c := officialSchemas.compiled[version]
	if c == nil || c.compiler == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	s, err := c.compiler.Compile(loc)
	if err != nil || s == nil {
		return nil
	}
	names := make([]string, 0, len(s.Properties))
	for name := range s.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

func compileOfficial(version string, data []byte) (*jsonschema.Compiler, *jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, nil, fmt.Errorf("compile the AsyncAPI %s JSON Schema: %w", version, err)
	}
	id := "http://asyncapi.com/definitions/" + version + "/asyncapi.json"
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft7)
	// The schema is self-contained (every definition is bundled with its
	// own $id, draft-07 is built in): refuse any fetch.
	c.UseLoader(jsonschema.SchemeURLLoader{})
	if err := c.AddResource(id, doc); err != nil {
		return nil, nil, fmt.Errorf("compile the AsyncAPI %s JSON Schema: %w", version, err)
	}
	s, err := c.Compile(id)
	if err != nil {
		return nil, nil, fmt.Errorf("compile the AsyncAPI %s JSON Schema: %w", version, err)
	}
	return c, s, nil
}

// Validate checks a loaded document against the official AsyncAPI JSON
// Schema of the version it declares (3.0.0 or 3.1.0) and reports every
// problem, sorted, each at the file:line:col of the node it is about — in
// the file a $ref led to when the node lives there. It also reports every
// $ref that cannot be followed and every $ref cycle.
//
// Problems inside the bindings of protocols other than ws/wss are warnings:
// chanx does not use them, and the official schemas reject some valid
// bindings (the Kafka binding's key). $refs there, and in payloads whose
// schemaFormat chanx cannot read (Avro, RAML, Protobuf), are not followed,
// so nothing is fetched for them.
//
// The semantic checks the JSON Schema cannot express are package analyze's.
func Validate(ctx context.Context, doc *Document) Diagnostics {
	if doc == nil || doc.Root == nil || doc.Root.Node == nil {
		return Diagnostics{{Severity: Error, Message: "no document to validate"}}
	}
	root := doc.Root
	if root.Node.Kind != yaml.MappingNode {
		return Diagnostics{errorAt(root.Pos(root.Node), "", "an AsyncAPI document must be an object (a YAML mapping) with asyncapi, info, channels…; this file holds %s", DescribeNode(root.Node))}
	}
	version, d, ok := documentVersion(root)
	if !ok {
		return Diagnostics{d}
	}
	schema, err := officialSchema(version)
	if err != nil {
		return Diagnostics{errorAt(root.Pos(root.Node), "", "%v", err)}
	}
	tree, diags := doc.bundle(ctx)
	if ctx.Err() != nil {
		diags = append(diags, errorAt(Pos{File: root.Location}, "", "validation stopped: %v", ctx.Err()))
		diags.Sort()
		return diags
	}
	value, err := Value(tree)
	if err != nil {
		// parseFile rejects everything Value cannot convert; this is a bug.
		diags = append(diags, errorAt(Pos{File: root.Location}, "", "cannot convert the document to JSON: %v", err))
		diags.Sort()
		return diags
	}
	if err := schema.Validate(value); err != nil {
		var ve *jsonschema.ValidationError
		if errors.As(err, &ve) {
			diags = append(diags, doc.schemaDiagnostics(ctx, version, ve)...)
		} else {
			diags = append(diags, errorAt(Pos{File: root.Location}, "", "validate: %v", err))
		}
	}
	diags.Sort()
	return diags
}

var versionPattern = regexp.MustCompile(`^(\d+)\.(\d+)\.(\d+)`)

// documentVersion reads the asyncapi field; when it is missing or names a
// version chanx does not read, the one diagnostic to report instead of
// validating.
func documentVersion(root *File) (string, Diagnostic, bool) {
	v := MapGet(root.Node, "asyncapi")
	if v == nil {
		return "", errorAt(root.Pos(root.Node), "", "missing required property \"asyncapi\": the AsyncAPI version the document follows (%s)", strings.Join(SupportedVersions, " or ")), false
	}
	for v.Kind == yaml.AliasNode && v.Alias != nil {
		v = v.Alias
	}
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!str" {
		return "", errorAt(root.Pos(v), "/asyncapi", "asyncapi: must be a string such as \"3.0.0\", not %s", DescribeNode(v)), false
	}
	for _, s := range SupportedVersions {
		if v.Value == s {
			return s, Diagnostic{}, true
		}
	}
	if m := versionPattern.FindStringSubmatch(v.Value); m != nil && m[1] != "3" {
		return "", errorAt(root.Pos(v), "/asyncapi", "AsyncAPI %s documents are not supported: chanx reads AsyncAPI %s (the AsyncAPI CLI's 'asyncapi convert' upgrades older documents)", v.Value, strings.Join(SupportedVersions, " and ")), false
	}
	return "", errorAt(root.Pos(v), "/asyncapi", "unsupported AsyncAPI version %q: chanx reads %s", v.Value, strings.Join(SupportedVersions, " and ")), false
}

// schemaDiagnostics turns a JSON Schema validation error tree into the
// problems a person reads: the alternatives of a oneOf/anyOf the document
// obviously did not mean are dropped, the "it is not a $ref" branch of every
// Reference-or-object choice is dropped, and each remaining leaf says what
// is wrong in words, at the node's position.
func (d *Document) schemaDiagnostics(ctx context.Context, version string, ve *jsonschema.ValidationError) Diagnostics {
	leaves := collectLeaves(ve)
	if len(leaves) == 0 {
		leaves = []*jsonschema.ValidationError{ve}
	}
	var out Diagnostics
	seen := map[string]bool{}
	for _, e := range leaves {
		for _, diag := range d.describe(ctx, version, e) {
			key := diag.String()
			if !seen[key] {
				seen[key] = true
				out = append(out, diag)
			}
		}
	}
	return out
}

// collectLeaves returns the errors worth reporting under e. For a failed
// oneOf/anyOf it keeps only the alternatives that got furthest into the
// document (the deepest error wins): the one the author meant.
func collectLeaves(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	return schemaerr.Leaves(e, unionLeaves)
}

func unionLeaves(e *jsonschema.ValidationError) ([]*jsonschema.ValidationError, bool) {
	switch k := e.ErrorKind.(type) {
	case *kind.OneOf:
		if len(k.Subschemas) > 0 {
			return []*jsonschema.ValidationError{e}, true
		}
		return bestAlternatives(e), true
	case *kind.AnyOf:
		return bestAlternatives(e), true
	}
	return nil, false
}

func bestAlternatives(e *jsonschema.ValidationError) []*jsonschema.ValidationError {
	var best, all []*jsonschema.ValidationError
	var bestScore altScore
	for _, c := range e.Causes {
		leaves := collectLeaves(c)
		if len(leaves) == 0 || onlyMissingRef(leaves, e.InstanceLocation) {
			// The "or a Reference Object" alternative: the value is
			// written inline, so that is not what the author meant.
			continue
		}
		all = append(all, leaves...)
		score := scoreAlternative(e, leaves)
		switch {
		case best == nil || bestScore.less(score):
			best, bestScore = leaves, score
		case !score.less(bestScore):
			best = append(best, leaves...)
		}
	}
	if len(best) == 0 {
		return []*jsonschema.ValidationError{e}
	}
	if bestScore.kind <= 1 && bestScore.depth == len(e.InstanceLocation) {
		// Every alternative wants another JSON type: say which ones, once.
		if t := typeUnion(all); t != nil {
			return []*jsonschema.ValidationError{{SchemaURL: e.SchemaURL, InstanceLocation: e.InstanceLocation, ErrorKind: t}}
		}
	}
	return best
}

// typeUnion merges type mismatches (and enums of values of another type)
// into one Type error listing every acceptable type.
func typeUnion(leaves []*jsonschema.ValidationError) *kind.Type {
	t := &kind.Type{}
	add := func(w string) {
		if !slices.Contains(t.Want, w) {
			t.Want = append(t.Want, w)
		}
	}
	for _, l := range leaves {
		switch k := l.ErrorKind.(type) {
		case *kind.Type:
			t.Got = k.Got
			for _, w := range k.Want {
				add(w)
			}
		case *kind.Enum:
			for _, w := range k.Want {
				add(jsonTypeOf(w))
			}
		case *kind.Const:
			add(jsonTypeOf(k.Want))
		default:
			return nil
		}
	}
	if t.Got == "" && len(leaves) > 0 {
		switch k := leaves[0].ErrorKind.(type) {
		case *kind.Enum:
			t.Got = jsonTypeOf(k.Got)
		case *kind.Const:
			t.Got = jsonTypeOf(k.Got)
		}
	}
	return t
}

// altScore ranks the failed alternatives of a oneOf/anyOf by how likely the
// author meant each one.
type altScore struct {
	// depth: an alternative that got further into the value is closer to
	// what was meant.
	depth int
	// keyed: none of its const values failed. AsyncAPI tells alternatives
	// apart by a const field (a security scheme's type); the alternative
	// whose const matched is the meant one.
	keyed bool
	// kind: 2 when it failed on content, 1 when only on the value's JSON
	// type, 0 when only on enum/const values of another JSON type.
	kind int
	// problems: fewer is closer (each missing or extra property counts).
	problems int
}

func (a altScore) less(b altScore) bool {
	if a.depth != b.depth {
		return a.depth < b.depth
	}
	if a.keyed != b.keyed {
		return !a.keyed
	}
	if a.kind != b.kind {
		return a.kind < b.kind
	}
	return a.problems > b.problems
}

func scoreAlternative(e *jsonschema.ValidationError, leaves []*jsonschema.ValidationError) altScore {
	s := altScore{keyed: true}
	typeOnly, valueTypeOnly := true, true
	for _, l := range leaves {
		s.depth = max(s.depth, len(l.InstanceLocation))
		atValue := len(l.InstanceLocation) == len(e.InstanceLocation)
		switch k := l.ErrorKind.(type) {
		case *kind.AdditionalProperties:
			s.problems += len(k.Properties)
		case *kind.Required:
			s.problems += len(k.Missing)
		default:
			s.problems++
		}
		switch k := l.ErrorKind.(type) {
		case *kind.Const:
			s.keyed = false
			if !atValue || sameJSONType(k.Got, k.Want) {
				typeOnly, valueTypeOnly = false, false
			} else {
				typeOnly = false
			}
		case *kind.Enum:
			if len(k.Want) == 1 {
				s.keyed = false
			}
			if !atValue || sameJSONType(k.Got, k.Want...) {
				typeOnly, valueTypeOnly = false, false
			} else {
				typeOnly = false
			}
		case *kind.Type:
			valueTypeOnly = false
			if !atValue {
				typeOnly = false
			}
		default:
			typeOnly, valueTypeOnly = false, false
		}
	}
	switch {
	case valueTypeOnly:
		s.kind = 0
	case typeOnly:
		s.kind = 1
	default:
		s.kind = 2
	}
	return s
}

// sameJSONType reports whether got has the JSON type of any of want.
func sameJSONType(got any, want ...any) bool {
	g := jsonTypeOf(got)
	for _, w := range want {
		if jsonTypeOf(w) == g {
			return true
		}
	}
	return false
}

func jsonTypeOf(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "boolean"
	case string:
		return "string"
	case []any:
		return "array"
	case map[string]any:
		return "object"
	}
	return "number"
}

// onlyMissingRef reports whether every leaf says the value at loc lacks a
// $ref.
func onlyMissingRef(leaves []*jsonschema.ValidationError, loc []string) bool {
	for _, l := range leaves {
		k, ok := l.ErrorKind.(*kind.Required)
		if !ok || len(k.Missing) != 1 || k.Missing[0] != "$ref" || len(l.InstanceLocation) != len(loc) {
			return false
		}
	}
	return true
}

var englishPrinter = message.NewPrinter(language.English)

// describe turns one leaf error into diagnostics (several for a list of
// properties that are not allowed: each at its own key).
func (d *Document) describe(ctx context.Context, version string, e *jsonschema.ValidationError) Diagnostics {
	loc := d.locateTokens(ctx, e.InstanceLocation)
	severity := Error
	if _, foreign := foreignBinding(e.InstanceLocation); foreign {
		severity = Warning
	}
	mk := func(l located, path []string, msg string) Diagnostic {
		if p := dottedPath(path); p != "" {
			msg = p + ": " + msg
		}
		return Diagnostic{Pos: l.pos(), Severity: severity, Pointer: jsonptr.Format(l.ptr), Message: msg}
	}
	switch k := e.ErrorKind.(type) {
	case *kind.AdditionalProperties:
		var out Diagnostics
		for _, p := range k.Properties {
			pl := d.locateTokens(ctx, append(append([]string(nil), e.InstanceLocation...), p))
			pl.n = pl.key
			msg := fmt.Sprintf("property %q is not allowed here", p)
			if near := closest(p, knownProperties(version, e.SchemaURL)); near != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", near)
			} else if !strings.HasPrefix(p, "x-") {
				msg += " (custom fields must start with \"x-\")"
			}
			out = append(out, mk(pl, e.InstanceLocation, msg))
		}
		return out
	case *kind.Required:
		if len(k.Missing) == 1 && k.Missing[0] == "$ref" {
			return Diagnostics{mk(loc, e.InstanceLocation, `must be a reference ({$ref: "#/..."}), not an inline definition`)}
		}
		return Diagnostics{mk(loc, e.InstanceLocation, requiredMessage(k.Missing))}
	}
	msg := leafMessage(e)
	if t, ok := e.ErrorKind.(*kind.Type); ok && t.Got == "null" && len(e.InstanceLocation) > 0 && e.InstanceLocation[len(e.InstanceLocation)-1] == "$ref" {
		msg += ` (in YAML an unquoted # starts a comment: write $ref: '#/...' in quotes)`
	}
	return Diagnostics{mk(loc, e.InstanceLocation, msg)}
}

// closest returns the candidate nearest to name when it is a plausible
// misspelling (at most 2 edits, or the same ignoring case), else "".
func closest(name string, candidates []string) string {
	best, bestDist := "", 3
	for _, c := range candidates {
		d := editDistance(strings.ToLower(name), strings.ToLower(c))
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

func requiredMessage(missing []string) string {
	if len(missing) == 1 {
		return fmt.Sprintf("missing required property %q", missing[0])
	}
	q := make([]string, len(missing))
	for i, m := range missing {
		q[i] = strconv.Quote(m)
	}
	return "missing required properties " + strings.Join(q, ", ")
}

// leafMessage says what is wrong, in words that do not need the JSON Schema
// at hand.
func leafMessage(e *jsonschema.ValidationError) string {
	switch k := e.ErrorKind.(type) {
	case *kind.Enum:
		vals := make([]string, len(k.Want))
		for i, v := range k.Want {
			vals[i] = display(v)
		}
		if len(vals) == 1 {
			return "value must be " + vals[0]
		}
		return "value must be one of " + strings.Join(vals, ", ")
	case *kind.Const:
		return "value must be " + display(k.Want)
	case *kind.Type:
		want := make([]string, len(k.Want))
		for i, w := range k.Want {
			want[i] = article(w)
		}
		return fmt.Sprintf("must be %s, not %s", strings.Join(want, " or "), article(k.Got))
	case *kind.Format:
		return fmt.Sprintf("%s is not a valid %s", display(k.Got), k.Want)
	case *kind.OneOf:
		if len(k.Subschemas) >= 2 {
			return fmt.Sprintf("matches more than one of the allowed forms (alternatives %d and %d of a oneOf); the official schema cannot tell which is meant", k.Subschemas[0]+1, k.Subschemas[1]+1)
		}
		return "does not match any of the allowed forms"
	case *kind.AnyOf:
		return "does not match any of the allowed forms"
	case *kind.FalseSchema:
		return "is not allowed here"
	case *kind.Not:
		return "is written in a form that is not allowed here"
	case *kind.Minimum:
		return fmt.Sprintf("must be at least %s, not %s", k.Want.RatString(), k.Got.RatString())
	case *kind.ExclusiveMinimum:
		return fmt.Sprintf("must be greater than %s, not %s", k.Want.RatString(), k.Got.RatString())
	case *kind.Maximum:
		return fmt.Sprintf("must be at most %s, not %s", k.Want.RatString(), k.Got.RatString())
	case *kind.ExclusiveMaximum:
		return fmt.Sprintf("must be less than %s, not %s", k.Want.RatString(), k.Got.RatString())
	case *kind.MinLength:
		return fmt.Sprintf("must be at least %d characters long, not %d", k.Want, k.Got)
	case *kind.MaxLength:
		return fmt.Sprintf("must be at most %d characters long, not %d", k.Want, k.Got)
	case *kind.MinItems:
		return fmt.Sprintf("must hold at least %d items, not %d", k.Want, k.Got)
	case *kind.MaxItems:
		return fmt.Sprintf("must hold at most %d items, not %d", k.Want, k.Got)
	case *kind.Pattern:
		return fmt.Sprintf("%s does not match the pattern %s", display(k.Got), display(k.Want))
	case *kind.UniqueItems:
		return fmt.Sprintf("items %d and %d are equal; the items must be unique", k.Duplicates[0], k.Duplicates[1])
	case *kind.PropertyNames:
		return fmt.Sprintf("%q is not an allowed name here", k.Property)
	}
	return e.ErrorKind.LocalizedString(englishPrinter)
}

func display(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

func article(t string) string {
	switch t {
	case "object", "array", "integer":
		if t == "integer" {
			return "an integer"
		}
		return "an " + t
	case "null":
		return "null"
	}
	return "a " + t
}

var plainToken = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$\-]*$`)

// dottedPath renders a document path the way people write it:
// channels.userSignedup.messages, tags[0].name, channels["user/{id}"].
func dottedPath(tokens []string) string {
	var sb strings.Builder
	for _, t := range tokens {
		switch {
		case plainToken.MatchString(t):
			if sb.Len() > 0 {
				sb.WriteByte('.')
			}
			sb.WriteString(t)
		case isIndex(t):
			sb.WriteString("[" + t + "]")
		default:
			sb.WriteString("[" + strconv.Quote(t) + "]")
		}
	}
	return sb.String()
}

func isIndex(t string) bool {
	if t == "" {
		return false
	}
	for _, r := range t {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// located is where a document path leads in the original files.
type located struct {
	f   *File
	n   *yaml.Node
	key *yaml.Node // the key node of the last step, when it was a mapping key
	ptr []string   // n's pointer tokens within f
}

func (l located) pos() Pos {
	n := l.n
	if n == nil {
		n = l.key
	}
	return l.f.Pos(n)
}

// locateTokens follows a path through the bundled document back to the
// original node: through $refs that the bundle inlined, into the file they
// lead to. It stops at the deepest node it can reach, so a diagnostic
// always has a position. Cost: proportional to the path, not the document.
func (d *Document) locateTokens(ctx context.Context, tokens []string) located {
	l := located{f: d.Root, n: d.Root.Node}
	for _, tok := range tokens {
		n := l.n
		for n != nil && n.Kind == yaml.AliasNode {
			n = n.Alias
		}
		if n == nil {
			return l
		}
		switch n.Kind {
		case yaml.MappingNode:
			f, ptr := l.f, l.ptr
			for hops := 0; ; hops++ {
				if k, v := d.mapEntry(n, tok); v != nil {
					l = located{f: f, n: v, key: k, ptr: append(append([]string(nil), ptr...), tok)}
					break
				}
				ref := RefOf(n)
				if ref == "" || hops > 64 {
					return l
				}
				tf, tn, err := d.Resolve(ctx, f, ref)
				if err != nil {
					return l
				}
				f, n, ptr = tf, tn, pointerTokens(fragmentOf(ref))
				for n != nil && n.Kind == yaml.AliasNode {
					n = n.Alias
				}
				if n == nil || n.Kind != yaml.MappingNode {
					return l
				}
			}
		case yaml.SequenceNode:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(n.Content) {
				return l
			}
			l = located{f: l.f, n: n.Content[i], ptr: append(append([]string(nil), l.ptr...), tok)}
		default:
			return l
		}
	}
	return l
}
