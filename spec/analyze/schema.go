package analyze

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v4"

	"github.com/chanxgo/chanx/internal/jsonptr"
	"github.com/chanxgo/chanx/ir"
	"github.com/chanxgo/chanx/spec"
)

// schemaBuilder turns JSON Schema nodes into ir.Schema values. Every node is
// converted once: a $ref and its target share one *ir.Schema, which is what
// makes recursive schemas finite graphs.
type schemaBuilder struct {
	ctx   context.Context
	doc   *spec.Document
	done  map[*yaml.Node]*ir.Schema
	diags *spec.Diagnostics
	// following holds the $ref nodes being resolved, so that a chain of
	// pure references that comes back to itself ends in a diagnostic
	// instead of endless recursion.
	following map[*yaml.Node]bool
	// keyPos is where each property's name is written, for diagnostics
	// about the property rather than its schema.
	keyPos map[*ir.Property]ir.Pos
	res    *resolver
}

func newSchemaBuilder(ctx context.Context, doc *spec.Document, diags *spec.Diagnostics) *schemaBuilder {
	return &schemaBuilder{ctx: ctx, doc: doc, done: map[*yaml.Node]*ir.Schema{}, diags: diags, following: map[*yaml.Node]bool{}, keyPos: map[*ir.Property]ir.Pos{}, res: newResolver(doc)}
}

func (b *schemaBuilder) errorf(f *spec.File, n *yaml.Node, ptr, format string, args ...any) {
	*b.diags = append(*b.diags, spec.Diagnostic{Pos: f.Pos(n), Pointer: ptr, Severity: spec.Error, Message: fmt.Sprintf(format, args...)})
}

func (b *schemaBuilder) warnf(f *spec.File, n *yaml.Node, ptr, format string, args ...any) {
	*b.diags = append(*b.diags, spec.Diagnostic{Pos: f.Pos(n), Pointer: ptr, Severity: spec.Warning, Message: fmt.Sprintf(format, args...)})
}

// placeholder stands for a schema that cannot be built (a dangling $ref),
// so that callers always get a non-nil schema.
func (b *schemaBuilder) placeholder(f *spec.File, n *yaml.Node, ptr string) *ir.Schema {
	s := &ir.Schema{Pointer: f.Location + "#" + ptr, Pos: f.Pos(n)}
	b.done[n] = s
	return s
}

// SchemaFromJSON builds a standalone schema from JSON or YAML bytes; name is
// used in diagnostics and to anchor relative $refs. It serves tests and
// tools that hold a bare JSON Schema rather than an AsyncAPI document.
func SchemaFromJSON(ctx context.Context, name string, data []byte) (*ir.Schema, error) {
	doc, err := spec.Parse(name, data, spec.Options{NoRemote: true})
	if err != nil {
		return nil, err
	}
	var diags spec.Diagnostics
	b := newSchemaBuilder(ctx, doc, &diags)
	s := b.schema(doc.Root, doc.Root.Node, "")
	b.fillUnions()
	diags.Sort()
	if err := diags.Err(); err != nil {
		return nil, err
	}
	return s, nil
}

// schema converts the schema node n of file f; ptr is n's JSON pointer in f.
func (b *schemaBuilder) schema(f *spec.File, n *yaml.Node, ptr string) *ir.Schema {
	for n != nil && n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n == nil {
		return nil
	}
	if s, ok := b.done[n]; ok {
		return s
	}
	if ref := spec.RefOf(n); ref != "" {
		if b.following[n] {
			b.errorf(f, spec.MapGet(n, "$ref"), ptr+"/$ref", "$ref cycle: %q leads back to itself without a schema in between", ref)
			return b.placeholder(f, n, ptr)
		}
		tf, tn, tptr, err := b.res.resolve(b.ctx, f, ref)
		if err != nil {
			b.errorf(f, spec.MapGet(n, "$ref"), ptr+"/$ref", "%v", err)
			return b.placeholder(f, n, ptr)
		}
		b.following[n] = true
		s := b.schema(tf, tn, tptr)
		delete(b.following, n)
		b.done[n] = s
		return s
	}
	s := &ir.Schema{Pointer: f.Location + "#" + ptr, Pos: f.Pos(n)}
	b.done[n] = s
	s.Name = nameFromPointer(ptr)
	if s.Name == "" && f != b.doc.Root && strings.Count(ptr, "/") == 1 {
		// A file of definitions ("./schemas.yaml#/userId") names its
		// schemas by their top-level keys.
		s.Name = jsonptr.Unescape(ptr[1:])
	}
	if n.Kind == yaml.MappingNode && spec.MapGet(n, "schemaFormat") != nil && spec.MapGet(n, "schema") != nil {
		// A multi-format schema object, which components.schemas may
		// hold: read its schema when its format is one chanx reads.
		format := spec.MapGet(n, "schemaFormat").Value
		if !spec.ReadableSchemaFormat(format) {
			b.warnf(f, spec.MapGet(n, "schemaFormat"), ptr+"/schemaFormat", "schemaFormat %q is not one chanx reads (AsyncAPI or JSON Schema draft-07); the schema is ignored", format)
			return s
		}
		inner := b.schema(f, spec.MapGet(n, "schema"), ptr+"/schema")
		if inner.Name == "" {
			inner.Name = s.Name
		}
		b.done[n] = inner
		return inner
	}
	switch n.Kind {
	case yaml.ScalarNode:
		if n.ShortTag() == "!!bool" {
			v := n.Value == "true"
			s.Bool = &v
			return s
		}
		b.errorf(f, n, ptr, "a schema must be an object or a boolean, not %s", spec.DescribeNode(n))
		return s
	case yaml.MappingNode:
	default:
		b.errorf(f, n, ptr, "a schema must be an object or a boolean, not %s", spec.DescribeNode(n))
		return s
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		key, v := n.Content[i].Value, n.Content[i+1]
		kp := ptr + "/" + jsonptr.Escape(key)
		sub := func() *ir.Schema { return b.schema(f, v, kp) }
		list := func() []*ir.Schema {
			if v.Kind != yaml.SequenceNode {
				b.errorf(f, v, kp, "%s must be an array of schemas", key)
				return nil
			}
			out := make([]*ir.Schema, len(v.Content))
			for j, c := range v.Content {
				out[j] = b.schema(f, c, kp+"/"+strconv.Itoa(j))
			}
			return out
		}
		named := func() []*ir.Property {
			if v.Kind != yaml.MappingNode {
				b.errorf(f, v, kp, "%s must be an object", key)
				return nil
			}
			out := make([]*ir.Property, 0, len(v.Content)/2)
			for j := 0; j+1 < len(v.Content); j += 2 {
				name := v.Content[j].Value
				p := &ir.Property{Name: name, Schema: b.schema(f, v.Content[j+1], kp+"/"+jsonptr.Escape(name))}
				b.keyPos[p] = f.Pos(v.Content[j])
				out = append(out, p)
			}
			return out
		}
		switch key {
		case "type":
			if v.Kind == yaml.SequenceNode {
				for _, c := range v.Content {
					s.Type = append(s.Type, c.Value)
				}
			} else {
				s.Type = []string{v.Value}
			}
		case "title":
			s.Title = v.Value
		case "description":
			s.Description = v.Value
		case "format":
			s.Format = v.Value
		case "default":
			s.Default, s.HasDefault = b.value(f, v, kp), true
		case "const":
			s.Const, s.HasConst = b.value(f, v, kp), true
		case "enum":
			if a, ok := b.value(f, v, kp).([]any); ok {
				s.Enum = a
			}
		case "examples":
			if a, ok := b.value(f, v, kp).([]any); ok {
				s.Examples = a
			}
		case "readOnly":
			s.ReadOnly = v.Value == "true"
		case "writeOnly":
			s.WriteOnly = v.Value == "true"
		case "deprecated":
			s.Deprecated = v.Value == "true"
		case "multipleOf":
			s.MultipleOf = b.number(f, v, kp)
		case "minimum":
			s.Minimum = b.number(f, v, kp)
		case "maximum":
			s.Maximum = b.number(f, v, kp)
		case "exclusiveMinimum":
			s.ExclusiveMinimum = b.number(f, v, kp)
		case "exclusiveMaximum":
			s.ExclusiveMaximum = b.number(f, v, kp)
		case "minLength":
			s.MinLength = b.count(f, v, kp)
		case "maxLength":
			s.MaxLength = b.count(f, v, kp)
		case "pattern":
			s.Pattern = v.Value
		case "contentEncoding":
			s.ContentEncoding = v.Value
		case "contentMediaType":
			s.ContentMediaType = v.Value
		case "items":
			if v.Kind == yaml.SequenceNode {
				s.TupleItems = list()
				if s.TupleItems == nil {
					s.TupleItems = []*ir.Schema{}
				}
			} else {
				s.Items = sub()
			}
		case "additionalItems":
			s.AdditionalItems = sub()
		case "minItems":
			s.MinItems = b.count(f, v, kp)
		case "maxItems":
			s.MaxItems = b.count(f, v, kp)
		case "uniqueItems":
			s.UniqueItems = v.Value == "true"
		case "contains":
			s.Contains = sub()
		case "properties":
			s.Properties = named()
		case "required":
			if a, ok := b.value(f, v, kp).([]any); ok {
				for _, r := range a {
					if str, ok := r.(string); ok {
						s.Required = append(s.Required, str)
					}
				}
			}
		case "additionalProperties":
			s.AdditionalProperties = sub()
		case "patternProperties":
			s.PatternProperties = named()
		case "propertyNames":
			s.PropertyNames = sub()
		case "minProperties":
			s.MinProperties = b.count(f, v, kp)
		case "maxProperties":
			s.MaxProperties = b.count(f, v, kp)
		case "dependencies":
			if v.Kind != yaml.MappingNode {
				b.errorf(f, v, kp, "dependencies must be an object")
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				name, dv := v.Content[j].Value, v.Content[j+1]
				dep := &ir.Dependency{Name: name}
				if dv.Kind == yaml.SequenceNode {
					dep.Required = []string{}
					for _, c := range dv.Content {
						dep.Required = append(dep.Required, c.Value)
					}
				} else {
					dep.Schema = b.schema(f, dv, kp+"/"+jsonptr.Escape(name))
				}
				s.Dependencies = append(s.Dependencies, dep)
			}
		case "allOf":
			s.AllOf = list()
		case "anyOf":
			s.AnyOf = list()
		case "oneOf":
			s.OneOf = list()
		case "not":
			s.Not = sub()
		case "if":
			s.If = sub()
		case "then":
			s.Then = sub()
		case "else":
			s.Else = sub()
		case "definitions", "$defs":
			s.Definitions = append(s.Definitions, named()...)
		case "discriminator":
			s.Discriminator = v.Value
		default:
			if strings.HasPrefix(key, "x-") {
				if s.Extensions == nil {
					s.Extensions = map[string]any{}
				}
				s.Extensions[key] = b.value(f, v, kp)
			}
		}
	}
	return s
}

func (b *schemaBuilder) value(f *spec.File, n *yaml.Node, ptr string) any {
	v, err := spec.Value(n)
	if err != nil {
		b.errorf(f, n, ptr, "%v", err)
	}
	return v
}

func (b *schemaBuilder) number(f *spec.File, n *yaml.Node, ptr string) *ir.Number {
	v := b.value(f, n, ptr)
	num, ok := v.(json.Number)
	if !ok {
		b.errorf(f, n, ptr, "expected a number, got %s", spec.DescribeNode(n))
		return nil
	}
	x := ir.Number(num)
	return &x
}

func (b *schemaBuilder) count(f *spec.File, n *yaml.Node, ptr string) *int {
	v := b.value(f, n, ptr)
	num, ok := v.(json.Number)
	if ok {
		if i, err := strconv.Atoi(string(num)); err == nil && i >= 0 {
			return &i
		}
		// draft-07 allows 2.0 for a non-negative integer.
		if fl, err := num.Float64(); err == nil && fl >= 0 && fl == float64(int(fl)) {
			i := int(fl)
			return &i
		}
	}
	b.errorf(f, n, ptr, "expected a non-negative integer, got %s", spec.DescribeNode(n))
	return nil
}

// nameFromPointer names schemas defined under components.schemas,
// definitions or $defs after their key.
func nameFromPointer(ptr string) string {
	parts := strings.Split(ptr, "/")
	if len(parts) < 2 {
		return ""
	}
	parent := parts[len(parts)-2]
	if parent == "schemas" || parent == "definitions" || parent == "$defs" {
		return jsonptr.Unescape(parts[len(parts)-1])
	}
	return ""
}

func unescapeFragment(frag string) string {
	if p, err := url.PathUnescape(frag); err == nil {
		return p
	}
	return frag
}
