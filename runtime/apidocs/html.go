package apidocs

import (
	"bytes"
	"fmt"
	"html/template"
	"strings"

	"github.com/chanxgo/chanx/internal/jsonptr"
)

// HTML renders the page /asyncapi/docs serves for an AsyncAPI document
// given as JSON: info, servers, channels, operations, messages (schemas
// and examples) and the named schemas, linked to each other by their JSON
// pointers, which are the page's anchors.
func HTML(doc []byte) ([]byte, error) {
	return render(doc, "../")
}

// render is HTML with up the relative path from the page's folder to the
// one holding asyncapi.json: "../" at /asyncapi/docs and /asyncapi/,
// "../../" at /asyncapi/docs/.
func render(doc []byte, up string) ([]byte, error) {
	root, err := parse(doc)
	if err != nil {
		return nil, fmt.Errorf("apidocs: read document: %w", err)
	}
	if root.kind != 'o' {
		return nil, fmt.Errorf("apidocs: read document: not an object")
	}
	p := build(root)
	p.Up = up
	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, p); err != nil {
		return nil, fmt.Errorf("apidocs: render: %w", err)
	}
	return buf.Bytes(), nil
}

type page struct {
	Title, Version, AsyncAPI, Up string
	Description                  template.HTML
	Servers                      []serverView
	Security                     []securityView
	Channels                     []channelView
	Operations                   []operationView
	Messages                     []messageView
	Schemas                      []namedSchema
}

type link struct{ Href, Text string }

type serverView struct {
	Name, URL, Bindings string
	Description         template.HTML
	Security            []link
}

// securityView is a security scheme of components.securitySchemes (or
// one a server or operation declares inline).
type securityView struct {
	ID, Name, Type string
	Description    template.HTML
	// Details are the scheme's settings (where the key goes, the HTTP
	// scheme, OAuth flows with their URLs and scopes...).
	Details []string
}

type channelView struct {
	ID, Name, Address, Title, Bindings string
	Description                        template.HTML
	Params                             []paramView
	Messages                           []link
}

type paramView struct {
	Name, Notes string
	Description template.HTML
}

type operationView struct {
	ID, Name, Action, Summary, Bindings string
	Description                         template.HTML
	Channel                             link
	Messages, Reply, Security           []link
}

type messageView struct {
	ID, Name, Title, Summary, ContentType, Bindings string
	Description                                     template.HTML
	Payload, Headers                                *schemaView
	Examples                                        []exampleView
}

type exampleView struct{ Name, Summary, JSON string }

type namedSchema struct {
	ID, Name string
	Schema   *schemaView
}

type schemaView struct {
	Ref *link
	// Named links the named schema a message's payload refers to, which is
	// expanded below it.
	Named       *link
	Type        string
	Description template.HTML
	Notes       []string
	Props       []propView
	Items       *schemaView
	Variants    []variantView
	JSON        string
}

type propView struct {
	Name     string
	Required bool
	Schema   *schemaView
}

type variantView struct {
	Keyword string
	Schemas []*schemaView
}

type builder struct {
	root *value
	// budget is how many more schema nodes the page may expand; $refs
	// expanded inline could otherwise multiply a small document into a
	// huge page.
	budget int
	// expanding holds the $ref targets being expanded, so a recursive
	// schema becomes a link.
	expanding map[string]bool
	// named are the pointers of the schemas listed under Schemas: a $ref
	// to one is a link, not a copy.
	named map[string]bool
	// schemes are the security schemes on the page, by anchor;
	// inlineSchemes counts those declared in place, which get numbered
	// anchors.
	schemes       map[string]bool
	inlineSchemes int
}

func build(root *value) *page {
	b := &builder{root: root, named: map[string]bool{}, budget: maxSchemaNodes, expanding: map[string]bool{}, schemes: map[string]bool{}}
	info := root.get("info")
	p := &page{Title: info.str("title"), Version: info.str("version"), Description: markdown(info.str("description")), AsyncAPI: root.str("asyncapi")}
	if p.Title == "" {
		p.Title = "AsyncAPI document"
	}
	schemas := root.get("components").get("schemas")
	if schemas != nil {
		for _, k := range schemas.keys {
			b.named["/components/schemas/"+jsonptr.Escape(k)] = true
		}
	}
	if schemes := root.get("components").get("securitySchemes"); schemes != nil {
		for i, k := range schemes.keys {
			b.scheme(p, schemes.vals[i], "/components/securitySchemes/"+jsonptr.Escape(k))
		}
	}
	if s := root.get("servers"); s != nil {
		for i, name := range s.keys {
			v, _ := root.follow(s.vals[i], "")
			url := v.str("protocol") + "://" + v.str("host") + v.str("pathname")
			p.Servers = append(p.Servers, serverView{Name: name, URL: url, Description: markdown(v.str("description")), Security: b.security(p, v.get("security")), Bindings: bindings(root, v)})
		}
	}
	msgSeen := map[string]bool{}
	addMessage := func(v *value, ptr string) link {
		v, ptr = root.follow(v, ptr)
		l := link{Href: "#" + ptr, Text: messageName(v, ptr)}
		if !msgSeen[ptr] {
			msgSeen[ptr] = true
			p.Messages = append(p.Messages, b.message(v, ptr))
		}
		return l
	}
	if chans := root.get("channels"); chans != nil {
		for i, name := range chans.keys {
			ptr := "/channels/" + jsonptr.Escape(name)
			ch, ptr := root.follow(chans.vals[i], ptr)
			cv := channelView{ID: ptr, Name: name, Address: ch.str("address"), Title: ch.str("title"), Description: markdown(firstOf(ch.str("description"), ch.str("summary"))), Bindings: bindings(root, ch)}
			if ch.get("address") == nil || ch.get("address").kind == 'z' {
				cv.Address = "(set at run time)"
			}
			if params := ch.get("parameters"); params != nil {
				for j, pn := range params.keys {
					pv, _ := root.follow(params.vals[j], "")
					var notes []string
					if e := pv.get("enum"); e != nil {
						notes = append(notes, "one of "+list(e))
					}
					if d := pv.get("default"); d != nil {
						notes = append(notes, "default "+d.scalar())
					}
					if e := pv.get("examples"); e != nil {
						notes = append(notes, "e.g. "+list(e))
					}
					cv.Params = append(cv.Params, paramView{Name: pn, Description: inlineMarkdown(pv.str("description")), Notes: strings.Join(notes, "; ")})
				}
			}
			if msgs := ch.get("messages"); msgs != nil {
				for j, mk := range msgs.keys {
					cv.Messages = append(cv.Messages, addMessage(msgs.vals[j], ptr+"/messages/"+jsonptr.Escape(mk)))
				}
			}
			p.Channels = append(p.Channels, cv)
		}
	}
	if ops := root.get("operations"); ops != nil {
		for i, name := range ops.keys {
			ptr := "/operations/" + jsonptr.Escape(name)
			op, ptr := root.follow(ops.vals[i], ptr)
			ov := operationView{ID: ptr, Name: name, Action: op.str("action"), Summary: firstOf(op.str("summary"), op.str("title")), Description: markdown(op.str("description")), Security: b.security(p, op.get("security")), Bindings: bindings(root, op)}
			if ch := op.get("channel"); ch != nil {
				_, cptr := root.follow(ch, "")
				ov.Channel = link{Href: "#" + cptr, Text: lastToken(cptr)}
			}
			if msgs := op.get("messages"); msgs != nil {
				for _, m := range msgs.items {
					ov.Messages = append(ov.Messages, addMessage(m, ""))
				}
			}
			if msgs := op.get("reply").get("messages"); msgs != nil {
				for _, m := range msgs.items {
					ov.Reply = append(ov.Reply, addMessage(m, ""))
				}
			}
			p.Operations = append(p.Operations, ov)
		}
	}
	if msgs := root.get("components").get("messages"); msgs != nil {
		for i, k := range msgs.keys {
			addMessage(msgs.vals[i], "/components/messages/"+jsonptr.Escape(k))
		}
	}
	if schemas != nil {
		for i, k := range schemas.keys {
			ptr := "/components/schemas/" + jsonptr.Escape(k)
			p.Schemas = append(p.Schemas, namedSchema{ID: ptr, Name: k, Schema: b.schema(schemas.vals[i], 0, true)})
		}
	}
	return p
}

// bindings is the bindings object of v (followed when it is a $ref), as
// indented JSON, or "" when v has none: protocol-specific settings (ws
// headers and query, ...) the page shows as written.
func bindings(root, v *value) string {
	bv := v.get("bindings")
	if bv == nil {
		return ""
	}
	bv, _ = root.follow(bv, "")
	return bv.indent()
}

func messageName(v *value, ptr string) string {
	if n := v.str("name"); n != "" {
		return n
	}
	if ptr == "" {
		return "message"
	}
	return lastToken(ptr)
}

func (b *builder) message(v *value, ptr string) messageView {
	mv := messageView{ID: ptr, Name: messageName(v, ptr), Title: v.str("title"), Summary: v.str("summary"), Description: markdown(v.str("description")), ContentType: v.str("contentType"), Bindings: bindings(b.root, v)}
	if ptr == "" {
		mv.ID = "message-" + mv.Name
	}
	if s := v.get("payload"); s != nil {
		mv.Payload = b.schema(s, 0, true)
	}
	if s := v.get("headers"); s != nil {
		mv.Headers = b.schema(s, 0, true)
	}
	if ex := v.get("examples"); ex != nil {
		for i, e := range ex.items {
			name := firstOf(e.str("name"), fmt.Sprintf("example %d", i+1))
			var parts []string
			if h := e.get("headers"); h != nil {
				parts = append(parts, "headers: "+h.indent())
			}
			if pl := e.get("payload"); pl != nil {
				parts = append(parts, pl.indent())
			}
			mv.Examples = append(mv.Examples, exampleView{Name: name, Summary: e.str("summary"), JSON: strings.Join(parts, "\n")})
		}
	}
	return mv
}

// maxSchemaDepth stops expanding nested schemas, and maxSchemaNodes the
// whole page's; past them the raw JSON, shown beside every top-level
// schema, has the rest.
const (
	maxSchemaDepth = 6
	maxSchemaNodes = 20000
)

func (b *builder) schema(v *value, depth int, top bool) *schemaView {
	sv := &schemaView{}
	if top {
		sv.JSON = v.indent()
	}
	b.budget--
	if b.budget < 0 {
		depth = maxSchemaDepth
	}
	if ref := v.str("$ref"); ref != "" && top && strings.HasPrefix(ref, "#") {
		// A message's payload or headers: show the schema itself.
		target, ptr := b.root.follow(v, "")
		if target != v && target.str("$ref") == "" {
			b.expanding[ptr] = true
			inner := b.schema(target, depth+1, true)
			delete(b.expanding, ptr)
			inner.Named = &link{Href: "#" + ptr, Text: lastToken(ptr)}
			return inner
		}
	}
	if ref := v.str("$ref"); ref != "" {
		ptr := strings.TrimPrefix(ref, "#")
		// Named schemas are expanded near the top of a message, where
		// readers look for them, and linked deeper down.
		if (b.named[ptr] && depth >= 3) || b.expanding[ptr] || depth >= maxSchemaDepth || !strings.HasPrefix(ref, "#") {
			sv.Ref = &link{Href: "#" + ptr, Text: lastToken(ptr)}
			if !strings.HasPrefix(ref, "#") {
				sv.Ref = &link{Href: ref, Text: ref}
			}
			return sv
		}
		target, _ := b.root.follow(v, "")
		b.expanding[ptr] = true
		inner := b.schema(target, depth+1, false)
		delete(b.expanding, ptr)
		inner.JSON = sv.JSON
		if b.named[ptr] {
			inner.Named = &link{Href: "#" + ptr, Text: lastToken(ptr)}
		}
		return inner
	}
	if v.kind != 'o' {
		sv.Type = v.scalar()
		return sv
	}
	if t := v.get("type"); t != nil {
		if t.kind == 'a' {
			var ts []string
			for _, it := range t.items {
				ts = append(ts, it.text)
			}
			sv.Type = strings.Join(ts, " or ")
		} else {
			sv.Type = t.text
		}
	}
	sv.Description = inlineMarkdown(firstOf(v.str("description"), v.str("title")))
	for _, k := range []string{"const", "enum", "format", "pattern", "minLength", "maxLength", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf", "minItems", "maxItems", "uniqueItems", "minProperties", "maxProperties", "default"} {
		if c := v.get(k); c != nil {
			text := c.scalar()
			if c.kind == 'a' {
				text = list(c)
			}
			sv.Notes = append(sv.Notes, k+": "+text)
		}
	}
	if ap := v.get("additionalProperties"); ap != nil && ap.kind == 'b' && !ap.b {
		sv.Notes = append(sv.Notes, "no other properties")
	}
	if depth >= maxSchemaDepth {
		return sv
	}
	required := map[string]bool{}
	if r := v.get("required"); r != nil {
		for _, it := range r.items {
			required[it.text] = true
		}
	}
	if props := v.get("properties"); props != nil {
		for i, k := range props.keys {
			sv.Props = append(sv.Props, propView{Name: k, Required: required[k], Schema: b.schema(props.vals[i], depth+1, false)})
		}
	}
	if it := v.get("items"); it != nil && it.kind == 'o' {
		sv.Items = b.schema(it, depth+1, false)
	}
	for _, kw := range []string{"allOf", "oneOf", "anyOf"} {
		if list := v.get(kw); list != nil && list.kind == 'a' {
			vv := variantView{Keyword: kw}
			for _, it := range list.items {
				vv.Schemas = append(vv.Schemas, b.schema(it, depth+1, false))
			}
			sv.Variants = append(sv.Variants, vv)
		}
	}
	return sv
}

func list(v *value) string {
	if v.kind != 'a' {
		return v.scalar()
	}
	var parts []string
	for _, it := range v.items {
		parts = append(parts, it.scalar())
	}
	return strings.Join(parts, ", ")
}

func firstOf(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

var pageTemplate = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}{{with .Version}} {{.}}{{end}}</title>
<style>
:root { font-family: system-ui, sans-serif; color-scheme: light dark; line-height: 1.45; }
body { max-width: 60rem; margin: 2rem auto; padding: 0 1rem; }
h1 { margin-bottom: .2rem; } h2 { margin-top: 2.2rem; border-bottom: 1px solid GrayText; }
h3 { margin-bottom: .3rem; } code, pre { font-family: ui-monospace, monospace; font-size: .9em; }
pre { padding: .6rem; border: 1px solid GrayText; border-radius: .3rem; overflow-x: auto; }
.tag { display: inline-block; padding: 0 .4rem; border-radius: .3rem; border: 1px solid GrayText; font-size: .8em; }
.muted { color: GrayText; } section { margin-bottom: 1.4rem; }
ul.props { list-style: none; padding-left: 1.1rem; border-left: 2px solid GrayText; margin: .3rem 0; }
nav a { margin-right: .8rem; } .md > :first-child { margin-top: 0; }
#console form { display: flex; flex-wrap: wrap; gap: .4rem .6rem; align-items: center; margin: .5rem 0; }
#console textarea { width: 100%; font-family: ui-monospace, monospace; }
#console-log { font-family: ui-monospace, monospace; font-size: .85em; padding-left: 1.5rem; max-height: 24rem; overflow-y: auto; }
#console-log .invalid, #console-log .error, #console-problems { color: #b00020; }
#console-log time { color: GrayText; } #console-problems pre { white-space: pre-wrap; } :focus-visible { outline: 2px solid Highlight; }
</style>
<script type="module" src="{{.Up}}asyncapi/console.js"></script>
</head>
<body>
<h1>{{.Title}}</h1>
<p class="muted">{{with .Version}}version {{.}} · {{end}}AsyncAPI {{.AsyncAPI}} · <a href="{{.Up}}asyncapi.json">asyncapi.json</a> · <a href="{{.Up}}asyncapi.yaml">asyncapi.yaml</a></p>
{{with .Description}}<div class="md">{{.}}</div>{{end}}
<nav>{{if .Servers}}<a href="#servers">Servers</a>{{end}}{{if .Security}}<a href="#security">Security</a>{{end}}<a href="#channels">Channels</a><a href="#operations">Operations</a><a href="#messages">Messages</a><a href="#console">Console</a>{{if .Schemas}}<a href="#schemas">Schemas</a>{{end}}</nav>
{{if .Servers}}<h2 id="servers">Servers</h2><ul>{{range .Servers}}<li><code>{{.URL}}</code> <span class="tag">{{.Name}}</span>{{with .Security}} security: {{range $i, $s := .}}{{if $i}}, {{end}}<a href="{{$s.Href}}">{{$s.Text}}</a>{{end}}{{end}}{{with .Description}}<div class="md">{{.}}</div>{{end}}{{with .Bindings}}<details><summary>Bindings</summary><pre>{{.}}</pre></details>{{end}}</li>{{end}}</ul>{{end}}
{{if .Security}}<h2 id="security">Security</h2>
{{range .Security}}<section id="{{.ID}}"><h3>{{.Name}} <span class="tag">{{.Type}}</span></h3>
{{with .Description}}<div class="md">{{.}}</div>{{end}}{{with .Details}}<ul>{{range .}}<li>{{.}}</li>{{end}}</ul>{{end}}</section>
{{end}}{{end}}
<h2 id="channels">Channels</h2>
{{range .Channels}}<section id="{{.ID}}"><h3>{{.Name}} <code>{{.Address}}</code></h3>
{{with .Title}}<p><strong>{{.}}</strong></p>{{end}}{{with .Description}}<div class="md">{{.}}</div>{{end}}
{{if .Params}}<p>Parameters:</p><ul>{{range .Params}}<li><code>{{"{"}}{{.Name}}{{"}"}}</code> {{.Description}} <span class="muted">{{.Notes}}</span></li>{{end}}</ul>{{end}}
<p>Messages: {{range $i, $m := .Messages}}{{if $i}}, {{end}}<a href="{{$m.Href}}">{{$m.Text}}</a>{{end}}</p>{{with .Bindings}}<details><summary>Bindings</summary><pre>{{.}}</pre></details>{{end}}</section>
{{else}}<p class="muted">None.</p>{{end}}
<h2 id="operations">Operations</h2>
{{range .Operations}}<section id="{{.ID}}"><h3><span class="tag">{{.Action}}</span> {{.Name}}</h3>
{{with .Summary}}<p>{{.}}</p>{{end}}{{with .Description}}<div class="md">{{.}}</div>{{end}}
<p>Channel <a href="{{.Channel.Href}}">{{.Channel.Text}}</a>; messages: {{range $i, $m := .Messages}}{{if $i}}, {{end}}<a href="{{$m.Href}}">{{$m.Text}}</a>{{end}}{{if .Reply}}; reply: {{range $i, $m := .Reply}}{{if $i}}, {{end}}<a href="{{$m.Href}}">{{$m.Text}}</a>{{end}}{{end}}{{if .Security}}; security: {{range $i, $s := .Security}}{{if $i}}, {{end}}<a href="{{$s.Href}}">{{$s.Text}}</a>{{end}}{{end}}</p>{{with .Bindings}}<details><summary>Bindings</summary><pre>{{.}}</pre></details>{{end}}</section>
{{else}}<p class="muted">None.</p>{{end}}
<h2 id="messages">Messages</h2>
{{range .Messages}}<section id="{{.ID}}"><h3>{{.Name}}{{with .ContentType}} <span class="tag">{{.}}</span>{{end}}</h3>
{{with .Title}}<p><strong>{{.}}</strong></p>{{end}}{{with .Summary}}<p>{{.}}</p>{{end}}{{with .Description}}<div class="md">{{.}}</div>{{end}}
{{with .Payload}}<p>Payload:</p>{{template "schema" .}}{{end}}
{{with .Headers}}<p>Headers:</p>{{template "schema" .}}{{end}}
{{with .Bindings}}<details><summary>Bindings</summary><pre>{{.}}</pre></details>{{end}}
{{range .Examples}}<p>Example <em>{{.Name}}</em>{{with .Summary}}: {{.}}{{end}}</p><pre>{{.JSON}}</pre>{{end}}
</section>{{else}}<p class="muted">None.</p>{{end}}
<h2 id="console-heading">Console</h2>
<section id="console" aria-labelledby="console-heading" data-state="loading">
<noscript><p>The console needs JavaScript.</p></noscript>
<p class="muted">Connect to a channel of this server, send a message and see every frame. A frame is checked here with the server's rules before it is sent.</p>
<form id="console-connect">
<label for="console-channel">Channel</label> <select id="console-channel"></select>
<span id="console-params"></span>
<button type="submit" id="console-connect-button">Connect</button>
<button type="button" id="console-disconnect" disabled>Disconnect</button>
<label for="console-url">URL</label> <output id="console-url" for="console-channel"></output>
</form>
<form id="console-send">
<label for="console-message">Message</label> <select id="console-message"></select>
<button type="button" id="console-example">Example</button>
<button type="button" id="console-generate">Generate</button>
<label for="console-frame" style="width:100%">Frame (JSON)</label>
<textarea id="console-frame" rows="8" spellcheck="false"></textarea>
<button type="button" id="console-validate">Validate</button>
<button type="submit" id="console-send-button" disabled>Send</button>
</form>
<div id="console-problems" role="alert"></div>
<h3 id="console-log-heading">Frames</h3>
<ol id="console-log" aria-labelledby="console-log-heading" aria-live="polite"></ol>
</section>
{{if .Schemas}}<h2 id="schemas">Schemas</h2>
{{range .Schemas}}<section id="{{.ID}}"><h3>{{.Name}}</h3>{{template "schema" .Schema}}</section>{{end}}{{end}}
</body>
</html>
{{define "schema"}}{{with .Named}}<span class="muted">schema <a href="{{.Href}}">{{.Text}}</a></span> {{end}}{{if .Ref}}<a href="{{.Ref.Href}}">{{.Ref.Text}}</a>{{else}}<code>{{or .Type "any"}}</code>{{range .Notes}} <span class="tag">{{.}}</span>{{end}}{{with .Description}} — {{.}}{{end}}
{{if .Props}}<ul class="props">{{range .Props}}<li><code>{{.Name}}</code>{{if .Required}} <strong>required</strong>{{end}}: {{template "schema" .Schema}}</li>{{end}}</ul>{{end}}
{{with .Items}}<ul class="props"><li>items: {{template "schema" .}}</li></ul>{{end}}
{{range .Variants}}<ul class="props"><li>{{.Keyword}}:<ul class="props">{{range .Schemas}}<li>{{template "schema" .}}</li>{{end}}</ul></li></ul>{{end}}{{end}}
{{with .JSON}}<details><summary>JSON Schema</summary><pre>{{.}}</pre></details>{{end}}{{end}}
`))
