package apidocs

import (
	"fmt"
	"strings"
)

// scheme adds the security scheme v (at ptr, "" when declared inline) to
// the page once and returns its link.
func (b *builder) scheme(p *page, v *value, ptr string) link {
	if ptr == "" {
		b.inlineSchemes++
		ptr = fmt.Sprintf("security-%d", b.inlineSchemes)
	}
	name := lastToken(ptr)
	if strings.HasPrefix(ptr, "security-") {
		name = firstOf(v.str("type"), "scheme") + " (inline)"
	}
	l := link{Href: "#" + ptr, Text: name}
	if b.schemes[ptr] {
		return l
	}
	b.schemes[ptr] = true
	p.Security = append(p.Security, securityView{ID: ptr, Name: name, Type: v.str("type"), Description: markdown(v.str("description")), Details: schemeDetails(v)})
	return l
}

// security lists the schemes of a server's or an operation's security
// (an array of schemes or $refs to them), adding any the page lacks.
func (b *builder) security(p *page, list *value) []link {
	if list == nil || list.kind != 'a' {
		return nil
	}
	var out []link
	for _, it := range list.items {
		v, ptr := b.root.follow(it, "")
		if v == nil || v.kind != 'o' {
			continue
		}
		out = append(out, b.scheme(p, v, ptr))
	}
	return out
}

// schemeDetails are a scheme's settings in words, by its type.
func schemeDetails(v *value) []string {
	var d []string
	add := func(label, key string) {
		if s := v.str(key); s != "" {
			d = append(d, label+": "+s)
		}
	}
	switch v.str("type") {
	case "httpApiKey":
		if n := v.str("name"); n != "" {
			d = append(d, fmt.Sprintf("key %q in the %s", n, firstOf(v.str("in"), "request")))
		}
	case "apiKey":
		add("in", "in")
	case "http":
		add("HTTP scheme", "scheme")
		add("bearer format", "bearerFormat")
	case "openIdConnect":
		add("OpenID Connect URL", "openIdConnectUrl")
	case "oauth2":
		if flows := v.get("flows"); flows != nil && flows.kind == 'o' {
			for i, name := range flows.keys {
				f := flows.vals[i]
				var parts []string
				for _, k := range []string{"authorizationUrl", "tokenUrl", "refreshUrl"} {
					if s := f.str(k); s != "" {
						parts = append(parts, k+" "+s)
					}
				}
				if sc := f.get("availableScopes"); sc != nil && sc.kind == 'o' && len(sc.keys) > 0 {
					parts = append(parts, "scopes "+strings.Join(sc.keys, ", "))
				}
				d = append(d, "flow "+name+": "+strings.Join(parts, "; "))
			}
		}
	}
	if sc := v.get("scopes"); sc != nil && sc.kind == 'a' && len(sc.items) > 0 {
		var names []string
		for _, it := range sc.items {
			names = append(names, it.text)
		}
		d = append(d, "scopes: "+strings.Join(names, ", "))
	}
	return d
}
