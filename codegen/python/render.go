package python

import (
	"sort"
	"strings"

	"github.com/chanxgo/chanx/ir"
)

// fileView is one Python file: every part already laid out in lines,
// which module.py.tmpl puts together with the blank lines PEP 8 wants.
type fileView struct {
	// Header are the comment lines first in the file.
	Header []string
	// Doc is the module docstring's lines.
	Doc []string
	// Imports are groups (standard library, pydantic, the package's own),
	// each of statements.
	Imports [][]string
	// All is the __all__ statement.
	All string
	// Setup is a statement run at import, before the declarations.
	Setup string
	// Blocks are the declarations, two blank lines apart.
	Blocks []string
	// Tail are the statements after them, one blank line apart.
	Tail []string
}

// imports collects the names a file imports, by module.
type imports map[string]map[string]bool

func (im imports) add(module string, names ...string) {
	if im[module] == nil {
		im[module] = map[string]bool{}
	}
	for _, n := range names {
		im[module][n] = true
	}
}

// groups renders the imports as isort orders them: standard library,
// then third party, then the package's own (relative) modules; names
// sorted constants, classes, then functions.
func (im imports) groups() [][]string {
	var future, std, third, local []string
	mods := make([]string, 0, len(im))
	for m := range im {
		mods = append(mods, m)
	}
	sort.Strings(mods)
	for _, m := range mods {
		var names []string
		for n := range im[m] {
			names = append(names, n)
		}
		sort.Slice(names, func(i, j int) bool {
			ri, rj := nameRank(names[i]), nameRank(names[j])
			if ri != rj {
				return ri < rj
			}
			return names[i] < names[j]
		})
		st := importStatement(m, names)
		switch {
		case m == "__future__":
			future = append(future, st)
		case strings.HasPrefix(m, "."):
			local = append(local, st)
		case m == "pydantic":
			third = append(third, st)
		default:
			std = append(std, st)
		}
	}
	// Relative imports: deeper (..) before nearer (.), as isort sorts them.
	sort.SliceStable(local, func(i, j int) bool {
		return strings.Count(strings.Fields(local[i])[1], ".") > strings.Count(strings.Fields(local[j])[1], ".")
	})
	var out [][]string
	for _, g := range [][]string{future, std, third, local} {
		if len(g) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// nameRank orders imported names as isort's force-sort-by-type does:
// CONSTANTS, Classes, functions.
func nameRank(n string) int {
	switch {
	case strings.ToUpper(n) == n && strings.ToLower(n) != n:
		return 0
	case n[0] >= 'A' && n[0] <= 'Z':
		return 1
	}
	return 2
}

// importStatement is "from module import names" on one line, else in
// parentheses one name a line, as black lays out imports.
func importStatement(module string, names []string) string {
	if module == "__future__" && len(names) == 1 {
		return "from __future__ import " + names[0]
	}
	one := "from " + module + " import " + strings.Join(names, ", ")
	if len(one) <= lineLength {
		return one
	}
	lines := []string{"from " + module + " import ("}
	for _, n := range names {
		lines = append(lines, "    "+n+",")
	}
	return strings.Join(append(lines, ")"), "\n")
}

// allStatement is the __all__ list of names, sorted.
func allStatement(names []string) string {
	names = append([]string(nil), names...)
	sort.Strings(names)
	var quoted []string
	for _, n := range names {
		quoted = append(quoted, pyString(n))
	}
	if len(quoted) == 0 {
		return "__all__: list[str] = []"
	}
	return strings.Join(blackLine("", "__all__ = ["+strings.Join(quoted, ", ")+"]"), "\n")
}

// header are a generated file's first lines.
func (g *gen) header() []string {
	h := []string{"# " + generatedMarker}
	if g.opts.Source != "" {
		h = append(h, "# source: "+strings.ReplaceAll(g.opts.Source, "\n", " "))
	}
	return h
}

// messagesFile renders the messages module of a channel (cm) or the
// shared one (cm nil).
func (g *gen) messagesFile(cm *channelModel, declared []*class, doc string) *fileView {
	f := &fileView{Header: g.header(), Doc: docstring("", doc)}
	im := imports{}
	var names []string
	module := sharedModule
	if cm != nil {
		module = cm.Module
		shared := g.sharedOf(cm)
		if len(shared) > 0 {
			var sn []string
			for _, cl := range shared {
				sn = append(sn, cl.Name)
				names = append(names, cl.Name)
			}
			im.add("..shared.messages", sn...)
		}
	}
	order, forward := emissionOrder(declared, module)
	var u uses
	for _, cl := range order {
		if cl.leftOut {
			f.Blocks = append(f.Blocks, strings.Join([]string{
				"def _left_out(value: object) -> bool:",
				`    """Whether an optional member is left out of the frame: it is when None."""`,
				"    return value is None",
			}, "\n"))
			break
		}
	}
	needRebuild := map[*class]bool{}
	emitted := map[*class]bool{}
	for _, cl := range order {
		names = append(names, cl.Name)
		fwd := false
		for _, d := range cl.deps() {
			if d.module == module && !emitted[d] {
				fwd = true
			}
		}
		if fwd && cl.Kind == model {
			needRebuild[cl] = true
		}
		block, bu := g.renderClass(cl, fwd && forward)
		u |= bu
		f.Blocks = append(f.Blocks, block)
		emitted[cl] = true
	}
	if forward {
		im.add("__future__", "annotations")
	}
	for _, cl := range order {
		if needRebuild[cl] {
			f.Tail = append(f.Tail, cl.Name+".model_rebuild()")
		}
	}
	if cm != nil {
		names = append(names, "IncomingMessage", "OutgoingMessage")
		im.add("typing", "TypeAlias")
		var unions []string
		for _, un := range []struct {
			name, doc string
			list      []*class
		}{
			{"IncomingMessage", "The messages the server sends on this channel.", cm.Incoming},
			{"OutgoingMessage", "The messages a client sends on this channel.", cm.Outgoing},
		} {
			var members []string
			for _, cl := range un.list {
				members = append(members, cl.Name)
			}
			if len(members) == 0 {
				im.add("typing", "NoReturn")
				members = []string{"NoReturn"}
				un.doc = strings.Replace(strings.Replace(un.doc, "The messages the server sends", "The server sends no message", 1), "The messages a client sends", "A client sends no message", 1)
			}
			lines := wrapUnion("", un.name+": TypeAlias = ", members)
			lines = append(lines, docstring("", un.doc)...)
			unions = append(unions, strings.Join(lines, "\n"))
		}
		f.Blocks = append(f.Blocks, strings.Join(unions, "\n\n"))
	}
	if u&usesLiteral != 0 {
		im.add("typing", "Literal")
	}
	if u&usesAnnotated != 0 {
		im.add("typing", "Annotated")
	}
	if u&usesAny != 0 {
		im.add("typing", "Any")
	}
	for _, cl := range order {
		switch cl.Kind {
		case model:
			im.add("pydantic", "BaseModel")
			if len(cl.Config) > 0 {
				im.add("pydantic", "ConfigDict")
			}
		case root:
			im.add("pydantic", "RootModel")
		case enum:
			im.add("enum", "Enum")
		case alias:
			im.add("typing", "TypeAlias")
		}
	}
	if u&usesField != 0 {
		im.add("pydantic", "Field")
	}
	f.Imports = im.groups()
	f.All = allStatement(names)
	return f
}

// emissionOrder is the order a module declares its classes in: by name,
// each after the classes of the module it names, unless they name it
// back. forward reports whether some class names one declared after it.
func emissionOrder(declared []*class, module string) (order []*class, forward bool) {
	sorted := sortedClasses(declared)
	state := map[*class]int{} // 1 visiting, 2 done
	var visit func(cl *class)
	visit = func(cl *class) {
		if state[cl] != 0 {
			return
		}
		state[cl] = 1
		for _, d := range cl.deps() {
			if d.module != module {
				continue
			}
			if state[d] == 1 {
				forward = true
			}
			visit(d)
		}
		state[cl] = 2
		order = append(order, cl)
	}
	for _, cl := range sorted {
		visit(cl)
	}
	return order, forward
}

// renderClass lays out one declaration; quoted marks a type alias whose
// value names a class declared after it (then the value is a string).
func (g *gen) renderClass(cl *class, quoted bool) (string, uses) {
	var lines []string
	var u uses
	switch cl.Kind {
	case enum:
		lines = append(lines, "class "+cl.Name+"(str, Enum):")
		if doc := docstring("    ", cl.Doc); doc != nil {
			lines = append(append(lines, doc...), "")
		}
		for _, m := range cl.Members {
			lines = append(lines, "    "+m.Name+" = "+m.Value)
		}
	case alias:
		u |= cl.Value.Uses
		value := cl.Value.Text
		if quoted && !strings.Contains(value, "'") {
			value = "'" + value + "'"
		}
		lines = append(lines, blackLine("", cl.Name+": TypeAlias = "+value)...)
		lines = append(lines, docstring("", cl.Doc)...)
	case root:
		u |= cl.Value.Uses
		lines = append(lines, blackLine("", "class "+cl.Name+"(RootModel["+cl.Value.Text+"]):")...)
		if doc := docstring("    ", cl.Doc); doc != nil {
			lines = append(lines, doc...)
		} else {
			lines = append(lines, "    pass")
		}
	case model:
		lines = append(lines, "class "+cl.Name+"(BaseModel):")
		if doc := docstring("    ", cl.Doc); doc != nil {
			lines = append(append(lines, doc...), "")
		}
		if len(cl.Config) > 0 {
			lines = append(lines, wrapCall("    ", "model_config = ConfigDict(", cl.Config, ")")...)
			lines = append(lines, "")
		}
		for _, f := range cl.Fields {
			u |= f.Type.Uses
			code := f.Name + ": " + f.Type.Text
			switch {
			case len(f.Args) > 0:
				code += " = Field(" + strings.Join(f.Args, ", ") + ")"
			case f.Default != "":
				code += " = " + f.Default
			}
			lines = append(lines, blackLine("    ", code)...)
			lines = append(lines, docstring("    ", f.Doc)...)
		}
	}
	return strings.Join(lines, "\n"), u
}

// clientFile renders a channel's client module.
func (g *gen) clientFile(cm *channelModel) *fileView {
	f := &fileView{Header: g.header(), Doc: docstring("", sentence(`The client of channel "`+cm.Name+`" (`+cm.Address+`)`, cm.Doc, lineLength-6))}
	im := imports{}
	im.add("typing", "Any", "ClassVar")
	im.add("pydantic", "TypeAdapter")
	im.add("..base", "BaseClient", "require_runtime")
	im.add(".messages", "IncomingMessage", "OutgoingMessage")
	version := 1 // what a client without stream helpers needs
	if len(cm.Streams) > 0 {
		version = runtimeVersion
	}
	f.Setup = "require_runtime(" + itoa(version) + ")"

	var lines []string
	lines = append(lines, "class "+cm.Client+"(BaseClient[IncomingMessage, OutgoingMessage]):")
	doc := sentence(`WebSocket client of channel "`+cm.Name+`"`, cm.Doc, lineLength-10)
	if len(cm.Params) > 0 {
		var ps []string
		for _, p := range cm.Params {
			if p.Description != "" {
				ps = append(ps, p.Name+" ("+withPeriod(strings.Join(strings.Fields(p.Description), " "))+")")
			} else {
				ps = append(ps, p.Name)
			}
		}
		doc += "\n\nPath parameters: " + strings.Join(ps, ", ") + "."
	}
	lines = append(lines, docstring("    ", doc)...)
	lines = append(lines, "")
	lines = append(lines, blackLine("    ", "path: ClassVar[str] = "+pyString(cm.Address))...)
	if cm.Key != "" {
		lines = append(lines, "    discriminator: ClassVar[str] = "+pyString(cm.Key))
	}
	const adapter = "incoming_adapter: ClassVar[TypeAdapter[Any]] = TypeAdapter("
	switch {
	case len(cm.Incoming) == 0:
		im.add("typing", "Literal")
		lines = append(lines, comment("    ", "The server sends nothing on this channel: no frame validates.")...)
		lines = append(lines, "    "+adapter+`Literal[b""])`)
	case cm.Discriminator != "":
		im.add("typing", "Annotated")
		im.add("pydantic", "Field")
		lines = append(lines, wrapCall("    ", adapter, []string{"Annotated[IncomingMessage, Field(discriminator=" + pyString(cm.Discriminator) + ")]"}, ")")...)
	case cm.plan.Client.Strategy == ir.StrategySchema && len(cm.Incoming) > 1:
		// Schema dispatch: the first message, in the document's order,
		// that a frame is valid as (ir.StrategySchema), as every target
		// decides it.
		im.add("typing", "Annotated")
		im.add("pydantic", "Field")
		lines = append(lines, wrapCall("    ", adapter, []string{"Annotated[IncomingMessage, Field(union_mode=\"left_to_right\")]"}, ")")...)
	default:
		lines = append(lines, wrapCall("    ", adapter, []string{"IncomingMessage"}, ")")...)
	}
	for _, rq := range cm.Requests {
		im.add(".messages", rq.Send.Name, rq.Reply.Name)
		lines = append(lines, "")
		params := []string{"self", "message: " + rq.Send.Name}
		arg := "message"
		if rq.NoArgs {
			params[1] += " | None = None"
			arg = rq.Send.Name + "() if message is None else message"
		}
		params = append(params, "*", "timeout: float | None = None")
		lines = append(lines, wrapCall("    ", "async def "+rq.Method+"(", params, ") -> "+rq.Reply.Name+":")...)
		d := "Send " + rq.SendLabel + " and wait for its reply, " + rq.ReplyLabel
		if rq.Operation != "" {
			d += " (operation " + rq.Operation + ")"
		}
		d += "."
		if rq.Doc != "" {
			d += "\n\n" + rq.Doc
		}
		lines = append(lines, docstring("        ", d)...)
		lines = append(lines, wrapCall("        ", "return await self.request(", []string{arg, rq.Reply.Name, "timeout=timeout"}, ")")...)
	}
	for _, st := range cm.Streams {
		lines = append(lines, "")
		lines = append(lines, g.streamMethod(st, im)...)
	}
	f.Blocks = []string{strings.Join(lines, "\n")}
	f.Imports = im.groups()
	f.All = allStatement([]string{cm.Client})
	return f
}

// streamMethod is a stream helper: a method returning the ReplyStream of
// its request.
func (g *gen) streamMethod(st *streamModel, im imports) []string {
	im.add("..base", "ReplyStream")
	im.add(".messages", st.Send.Name, st.Final.Name)
	var partials []string
	for _, p := range st.Partials {
		im.add(".messages", p.Name)
		partials = append(partials, p.Name)
	}
	tuple := "(" + strings.Join(partials, ", ") + ")"
	if len(partials) == 1 {
		tuple = "(" + partials[0] + ",)"
	}
	ret := "ReplyStream[" + strings.Join(partials, " | ") + ", " + st.Final.Name + "]"
	params := []string{"self", "message: " + st.Send.Name, "*", "timeout: float | None = None"}
	arg := "message"
	if st.NoArgs {
		params[1] += " | None = None"
		arg = st.Send.Name + "() if message is None else message"
	}
	lines := wrapCall("    ", "def "+st.Method+"(", params, ") -> "+ret+":")
	var labels []string
	for _, l := range st.PartialLabels {
		labels = append(labels, l)
	}
	d := "Send " + st.SendLabel + " and stream its reply: " + strings.Join(labels, " or ") + " replies, then " + st.FinalLabel
	if st.Operation != "" {
		d += " (operation " + st.Operation + ")"
	}
	d += "."
	if st.Cancel != nil {
		d += "\n\ncancel() sends " + st.CancelLabel + ", as do leaving ``async with`` or cancelling the reading task before " + st.FinalLabel + "."
	}
	d += "\n\nThe request is sent when the stream is first used: ``async for " + "partial in stream`` then ``await stream.final()``, or ``async with``."
	if st.Doc != "" {
		d += "\n\n" + st.Doc
	}
	lines = append(lines, docstring("        ", d)...)
	args := []string{arg, tuple, st.Final.Name}
	if st.Cancel != nil {
		im.add(".messages", st.Cancel.Name)
		args = append(args, "cancel="+st.Cancel.Name)
		if st.IntoKey != "" && st.FromKey != "" {
			args = append(args, "cancel_keys=("+pyString(st.IntoKey)+", "+pyString(st.FromKey)+")")
		}
	}
	args = append(args, "timeout=timeout")
	lines = append(lines, wrapCall("        ", "return self.stream(", args, ")")...)
	return lines
}

// channelInit renders a channel's __init__.py: it re-exports the client
// and the messages module's names.
func (g *gen) channelInit(cm *channelModel, messageNames []string) *fileView {
	f := &fileView{Header: g.header(), Doc: docstring("", sentence(`Channel "`+cm.Name+`" (`+cm.Address+`)`, cm.Doc, lineLength-6))}
	im := imports{}
	im.add(".client", cm.Client)
	im.add(".messages", messageNames...)
	f.Imports = im.groups()
	f.All = allStatement(append([]string{cm.Client}, messageNames...))
	return f
}

// sharedInit renders shared/__init__.py.
func (g *gen) sharedInit(names []string) *fileView {
	f := &fileView{Header: g.header(), Doc: docstring("", "The messages several channels use.")}
	im := imports{}
	im.add(".messages", names...)
	f.Imports = im.groups()
	f.All = allStatement(names)
	return f
}

// packageInit renders the package's __init__.py: each channel's client.
func (g *gen) packageInit() *fileView {
	title := strings.TrimSpace(g.api.Info.Title + " " + g.api.Info.Version)
	var mods []string
	for _, cm := range g.channels {
		mods = append(mods, cm.Module)
	}
	doc := "Clients of " + firstOf(title, "the API")
	if len(mods) > 0 {
		doc += ", one module per channel: " + strings.Join(mods, ", ") + "."
	} else {
		doc += ": the document has no channel a client can connect to."
	}
	f := &fileView{Header: g.header(), Doc: docstring("", doc)}
	im := imports{}
	var names []string
	for _, cm := range g.channels {
		im.add("."+cm.Module, cm.Client)
		names = append(names, cm.Client)
	}
	f.Imports = im.groups()
	f.All = allStatement(names)
	return f
}
