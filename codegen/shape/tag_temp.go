package shape

import "github.com/chanxgo/chanx/ir"

// inferTag finds the member that tells a union's variants apart, for as
// long as spec/analyze does not yet record it in ir.Schema.Union: the
// discriminator keyword when given, otherwise the first member of the
// first variant that every variant fixes to a distinct, non-empty string
// (a const or a one-value enum). It is removed once the analyzer's
// decision lands; nothing else may infer a tag.
func inferTag(s *ir.Schema, list []*ir.Schema) *ir.Tag {
	var candidates []string
	if s.Discriminator != "" {
		candidates = append(candidates, s.Discriminator)
	}
	props, _, _ := objectFields(list[0], false)
	for _, p := range props {
		candidates = append(candidates, p.Name)
	}
	for _, c := range candidates {
		tags := map[string]bool{}
		var values []string
		for _, v := range list {
			tag := fixedString(v, c)
			if tag == "" || tags[tag] {
				values = nil
				break
			}
			tags[tag] = true
			values = append(values, tag)
		}
		if values != nil {
			return &ir.Tag{Property: c, ByDiscriminator: c == s.Discriminator, Values: values}
		}
	}
	return nil
}

// fixedString is the const string of member name in the object schema s,
// "" when it has none.
func fixedString(s *ir.Schema, name string) string {
	props, _, _ := objectFields(s, false)
	var tag string
	for _, p := range props {
		if p.Name != name {
			continue
		}
		ps := p.Schema
		switch {
		case ps.HasConst:
			if str, ok := ps.Const.(string); ok && str != "" {
				tag = str
			} else {
				return ""
			}
		case len(ps.Enum) == 1:
			if str, ok := ps.Enum[0].(string); ok && str != "" {
				tag = str
			} else {
				return ""
			}
		default:
			return ""
		}
	}
	return tag
}
