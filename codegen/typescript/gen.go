package typescript

import (
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/chanxgo/chanx/codegen/plan"
	"github.com/chanxgo/chanx/codegen/shape"
	"github.com/chanxgo/chanx/ir"
)

// gen builds the view models of one generation.
type gen struct {
	api    *ir.API
	shapes *shape.API
	plan   *plan.Plan
	opts   Options
	// names is the one namespace of every exported name: index.ts
	// re-exports all the modules and base/index.js, so no two may clash.
	names    *namespace
	reserved map[*ir.Schema]string
	decls    map[*shape.Shape]*decl
	aliases  map[*shape.Shape]*decl
	msgs     map[*ir.Message]*decl
	declared []*decl
	channels []*channelView
	// validator is the exported validator of each frame type.
	validator map[*decl]string
	vg        *vgen
	// frames are the frame types with a validator, in order found;
	// frameChecks and nullFrames their validators.
	frames      []*decl
	frameChecks []*frameCheckView
	nullFrames  []nullFrameUse
}

// streamExports are the names index.ts re-exports from base/stream.js
// when a channel streams replies; they are taken in every document, so
// that adding a stream renames nothing.
var streamExports = []string{"ReplyStream", "StreamOptions"}

func newGen(api *ir.API, opts Options) *gen {
	g := &gen{api: api, shapes: shape.OfAPI(api), plan: plan.Build(api), opts: opts,
		names:    newNamespace(append(baseExports(), streamExports...)...),
		reserved: map[*ir.Schema]string{}, decls: map[*shape.Shape]*decl{}, aliases: map[*shape.Shape]*decl{},
		msgs: map[*ir.Message]*decl{}, validator: map[*decl]string{}}
	g.vg = newVgen(g)
	return g
}

// build decides every name, type, validator and client.
func (g *gen) build() error {
	g.reserve()
	for _, m := range g.api.Messages {
		g.messageDecl(m)
	}
	for _, s := range g.shapes.Schemas {
		if s.Kind == shape.Object || s.Kind == shape.Enum || s.Kind == shape.Union {
			g.declOf(s, "")
		} else if _, ok := g.reserved[s.Schema]; ok && g.aliases[s] == nil && g.decls[s] == nil {
			d := &decl{Name: g.reserved[s.Schema], shape: s, built: true}
			g.decls[s] = d
			d.Alias = g.typeOf(s, d.Name)
			g.declared = append(g.declared, d)
		}
	}
	g.buildChannels()
	// A validator per frame type the clients send or receive.
	var frames []*decl
	for _, c := range g.channels {
		for _, r := range append(append([]routed(nil), c.in...), c.out...) {
			if _, ok := g.validator[r.decl]; !ok {
				g.validator[r.decl] = g.names.take("validate"+r.decl.Name, "validateMessage")
				frames = append(frames, r.decl)
			}
		}
	}
	g.frames = frames
	for _, d := range frames {
		g.frameCheck(d)
	}
	if len(g.vg.errs) > 0 {
		sort.Strings(g.vg.errs)
		return fmt.Errorf("%s", strings.Join(g.vg.errs, "; "))
	}
	g.vg.prune()
	for _, c := range g.channels {
		g.finishChannel(c)
	}
	g.finishDocs()
	return nil
}

// frameCheck plans the validator of one frame type.
func (g *gen) frameCheck(d *decl) {
	key := g.frameKey(d)
	if tag, ok := nullFrame(d.shape, key); ok {
		g.nullFrames = append(g.nullFrames, nullFrameUse{decl: d, tag: tag, key: key})
		return
	}
	var sh *shape.Shape
	if d.shape != nil {
		sh = d.shape
	}
	fc := &frameCheckView{decl: d}
	if sh != nil {
		r := g.vg.repOf(sh)
		fc.check = g.vg.check(sh.Schema, r)
		fc.decode = g.vg.decoderOf(r)
	}
	g.frameChecks = append(g.frameChecks, fc)
}

// frameKey is the key the channels route a frame type by.
func (g *gen) frameKey(d *decl) string {
	for _, c := range g.channels {
		for _, r := range append(append([]routed(nil), c.in...), c.out...) {
			if r.decl == d {
				return c.Key
			}
		}
	}
	return ""
}

type frameCheckView struct {
	decl   *decl
	check  *vfunc
	decode string
}

type nullFrameUse struct {
	decl     *decl
	tag, key string
}

// validatorsFile lays out validators.ts: module constants, then each
// function after those it calls (decode before check for each type),
// then the exported validators.
func (g *gen) validatorsFile() *validatorsView {
	v := &validatorsView{Header: g.header(), Consts: g.vg.consts, Formats: g.vg.formats}
	var visit func(f *vfunc)
	emitted := map[*vfunc]bool{}
	decoded := map[string]bool{}
	var blocks []string
	var empties []string
	decoderByName := map[string]*decoder{}
	for _, d := range g.vg.decOrder {
		decoderByName[d.Name] = d
	}
	var emitDecoder func(name string)
	emitDecoder = func(name string) {
		if name == "" || decoded[name] {
			return
		}
		d := decoderByName[name]
		if d == nil {
			return
		}
		decoded[name] = true
		// Nested decoders first.
		for _, l := range d.Lines {
			for _, other := range g.vg.decOrder {
				if other.Name != name && strings.Contains(l, other.Name+"(") {
					emitDecoder(other.Name)
				}
			}
		}
		blocks = append(blocks, strings.Join(d.Lines, "\n")+"\n")
	}
	visit = func(f *vfunc) {
		if emitted[f] {
			return
		}
		emitted[f] = true
		for _, c := range calledBy(f.Body) {
			visit(c)
		}
		if f.empty {
			empties = append(empties, renderFunc(f))
			return
		}
		if strings.HasPrefix(f.Name, "check") && !isNumbered(f.Name) {
			emitDecoder("decode" + strings.TrimPrefix(f.Name, "check"))
		}
		blocks = append(blocks, renderFunc(f))
	}
	for _, fc := range g.frameChecks {
		if fc.check != nil {
			visit(fc.check)
		}
		emitDecoder(fc.decode)
	}
	// Decoders a union names without a check of their own.
	for _, d := range g.vg.decOrder {
		if !decoded[d.Name] && g.decoderUsed(d.Name, blocks) {
			emitDecoder(d.Name)
		}
	}
	v.Blocks = append(empties, blocks...)
	defer func() {
		for i := range v.Blocks {
			v.Blocks[i] = strings.TrimSuffix(v.Blocks[i], "\n")
		}
		for i := range v.Exports {
			v.Exports[i] = strings.TrimSuffix(v.Exports[i], "\n")
		}
	}()
	keys := map[string]bool{}
	for _, nf := range g.nullFrames {
		if !keys[nf.key] {
			keys[nf.key] = true
			v.Blocks = append(v.Blocks, nullFrameHelper(nf.key, len(keys)))
		}
	}
	if len(g.frameChecks) > 0 && g.needsNoDecode() {
		v.Blocks = append(v.Blocks, "const decodeNothing: v.Decode = () => undefined;\n")
	}
	helperOf := map[string]string{}
	i := 0
	for _, nf := range g.nullFrames {
		if _, ok := helperOf[nf.key]; !ok {
			i++
			helperOf[nf.key] = nullFrameName(i)
		}
	}
	type export struct {
		name, text string
	}
	var exports []export
	for _, fc := range g.frameChecks {
		name := g.validator[fc.decl]
		doc := docComment("", "Validates a whole "+strconv.Quote(g.frameValue(fc.decl))+" frame.")
		var expr string
		switch {
		case fc.check == nil:
			expr = "() => {}"
		case fc.check.empty:
			expr = fc.check.Name
		default:
			expr = "v.frame(" + firstOf(fc.decode, "decodeNothing") + ", " + fc.check.Name + ")"
		}
		exports = append(exports, export{name, doc + "export const " + name + ": v.Check = " + expr + ";\n"})
	}
	for _, nf := range g.nullFrames {
		name := g.validator[nf.decl]
		doc := docComment("", "Validates a whole "+strconv.Quote(nf.tag)+" frame.")
		expr := helperOf[nf.key] + "(" + tsString(nf.tag) + ", " + tsString(g.vg.goName(nf.decl.shape)) + ", " + tsQuote(valuesMessage([]any{nf.tag})) + ")"
		exports = append(exports, export{name, doc + "export const " + name + ": v.Check = " + expr + ";\n"})
	}
	sort.SliceStable(exports, func(i, j int) bool { return exports[i].name < exports[j].name })
	for _, e := range exports {
		v.Exports = append(v.Exports, e.text)
	}
	return v
}

func (g *gen) decoderUsed(name string, blocks []string) bool {
	for _, b := range blocks {
		if strings.Contains(b, name+",") || strings.Contains(b, name+"(") {
			return true
		}
	}
	return false
}

func (g *gen) needsNoDecode() bool {
	for _, fc := range g.frameChecks {
		if fc.check != nil && !fc.check.empty && fc.decode == "" {
			return true
		}
	}
	return false
}

// frameValue is the value a frame type is routed by.
func (g *gen) frameValue(d *decl) string {
	for _, c := range g.channels {
		for _, r := range append(append([]routed(nil), c.in...), c.out...) {
			if r.decl == d {
				return r.value
			}
		}
	}
	return d.Name
}

func isNumbered(name string) bool {
	rest := strings.TrimPrefix(name, "check")
	_, err := strconv.Atoi(rest)
	return err == nil
}

// calledBy lists the functions statements call or name, after inlining.
func calledBy(list []*stmt) []*vfunc {
	var out []*vfunc
	for _, s := range list {
		out = append(out, s.Refs...)
		if s.Func != nil {
			if inlined(s.Func) == "" {
				out = append(out, s.Func)
			} else {
				out = append(out, calledBy(s.Func.Body)...)
			}
		}
		out = append(out, calledBy(s.Body)...)
		for _, b := range s.Chain {
			out = append(out, calledBy(b.Body)...)
		}
	}
	return out
}

func nullFrameName(i int) string {
	if i == 1 {
		return "nullFrame"
	}
	return "nullFrame" + strconv.Itoa(i)
}

// nullFrameHelper is the validator of the protocol's frames without a
// payload ({key: tag, payload?: null}), shared by every such message.
func nullFrameHelper(key string, i int) string {
	k := tsString(key)
	lines := []string{
		"// " + nullFrameName(i) + " validates a frame whose payload may only be null or absent:",
		"// tag is its discriminator, className its Go type, msg the const message.",
		"function " + nullFrameName(i) + "(tag: string, className: string, msg: string): v.Check {",
		"  const decode = (x: unknown, at: v.Path | undefined): v.Problem | undefined => {",
		"    if (!v.isObject(x)) return v.decodeField(x, at, \"model\", className);",
		"    return v.decodeField(" + own("x", key) + ", v.key(at, " + k + "), \"string\");",
		"  };",
		"  const check = (x: unknown, p: v.Problems, at: v.Path | undefined): void => {",
		"    if (!v.isObject(x)) {",
		"      v.wrongType(p, at, \"model\", className);",
		"      return;",
		"    }",
		"    const " + localTag(key) + " = " + own("x", key) + ";",
		"    if (" + localTag(key) + " === null) v.wrongType(p, v.key(at, " + k + "), \"string\");",
		"    else if (" + localTag(key) + " !== undefined) v.checkConst(p, v.key(at, " + k + "), " + localTag(key) + ", tag, msg);",
		"    const payload = x[\"payload\"];",
		"    if (payload !== undefined && payload !== null) v.wrongType(p, v.key(at, \"payload\"), \"none\");",
		"  };",
		"  return v.frame(decode, check);",
		"}",
	}
	return strings.Join(lines, "\n") + "\n"
}

// localTag is the local variable holding a frame's key member.
func localTag(key string) string {
	if isIdentifier(key) && !reservedWords[key] && key != "x" && key != "p" && key != "at" && key != "v" && key != "tag" && key != "msg" && key != "payload" && key != "className" {
		return key
	}
	return "value"
}

type validatorsView struct {
	Header  string
	Formats bool
	Consts  []string
	Blocks  []string
	Exports []string
}
