// The docs console's validator: a JSON Schema interpreter for the subset
// chanx generates code for, reading a frame the way a generated Go server
// does, so that the console refuses what the server would, with the very
// problems the server would send (PROTOCOL.md §4.1).
//
// A generated Go server decodes a frame into its Go types first, stopping
// at the first member its Go type cannot hold, and then checks every
// constraint. This file rebuilds that plan from the document at run time:
// rep is the Go type a schema gets (codegen/golang's representation, rule
// for rule where the console can tell), decode the first pass, check the
// second. The rules every schema shares — problem types, messages, rune
// counts, exact multipleOf, formats — are the TypeScript client runtime's
// (templates/typescript/base), bundled in, so the texts are written once.
//
// The differential test TestConsoleAgreesWithGo (runtime/apidocs) holds it
// to the Go target on the JSON-Schema-Test-Suite cases.

import * as v from "./base/validate.js";
import { checkFormat } from "./base/formats.js";
import { expectedMessage, pyRepr, type Problem } from "./base/problems.js";
import type { Literals } from "./json.js";

/** A JSON Schema: an object or a boolean. */
export type Schema = boolean | { [k: string]: unknown };

type Kind = "any" | "string" | "int" | "float" | "bool" | "list" | "map" | "struct" | "union" | "ptr";

/** Rep is how the Go runtime holds a value of a schema. */
interface Rep {
  kind: Kind;
  elem?: Rep;
  // A struct's Go name (className, as problems name it) and members, in
  // document order; a union's variants, discriminator and Go name.
  className?: string;
  members?: Member[];
  required?: string[];
  variants?: Rep[];
  tag?: string;
  tags?: string[];
  exclusive?: boolean;
  // Where a struct's or union's schema is, for the keywords its members
  // do not cover (additionalProperties, minProperties...).
  schema?: { [k: string]: unknown };
}

/** Member is a struct's member, declared by one schema or (allOf) several. */
interface Member {
  name: string;
  schemas: Schema[];
  rep: Rep;
}

const anyRep: Rep = { kind: "any" };

const tagChars = "!#$%&()*+-./:;<=>?@[]^_{|}~ ";

// validTag reports whether encoding/json can name a member in a struct tag.
function validTag(name: string): boolean {
  if (name === "" || name === "-") return false;
  for (const c of name) {
    if (tagChars.includes(c)) continue;
    if (!/[\p{L}\p{N}]/u.test(c)) return false;
  }
  return true;
}

/** exported is a name as a Go identifier part: "sub-item" → "SubItem". */
export function exported(name: string): string {
  return name
    .split(/[^\p{L}\p{N}]+/u)
    .filter((w) => w !== "")
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join("");
}

function obj(s: Schema | undefined): { [k: string]: unknown } | undefined {
  return typeof s === "object" && s !== null && !Array.isArray(s) ? s : undefined;
}

// own is member k of x, undefined unless x has it itself (so "__proto__"
// and "constructor" are members like any other).
function own(x: Record<string, unknown>, k: string): unknown {
  return Object.prototype.hasOwnProperty.call(x, k) ? x[k] : undefined;
}

function types(s: { [k: string]: unknown }): string[] {
  const t = s["type"];
  if (typeof t === "string") return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === "string");
  return [];
}

/**
 * Validator validates values against the schemas of one document (or one
 * standalone schema): $refs are JSON pointers into root.
 */
export class Validator {
  private reps = new Map<unknown, Rep>();
  constructor(
    private readonly root: unknown,
    private readonly literals?: Literals,
  ) {}

  // lit is the number at holder[key] as the document writes it.
  private lit(holder: object, key: string | number, x: number): string {
    return this.literals?.get(holder)?.get(key) ?? literal(x);
  }

  // expected is the message of a const or enum problem, numbers as written.
  private expected(holder: unknown[]): string {
    const parts = holder.map((e, i) => (typeof e === "number" ? this.lit(holder, i, e) : pyRepr(e)));
    const last = parts.pop();
    return "Input should be " + (parts.length > 0 ? parts.join(", ") + " or " : "") + (last ?? "");
  }

  /** resolve follows a schema's $ref chain to the schema it names. */
  resolve(s: Schema): Schema {
    for (let i = 0; i < 64; i++) {
      const o = obj(s);
      if (o === undefined || typeof o["$ref"] !== "string") return s;
      const t = this.pointer(o["$ref"]);
      if (t === undefined) return true;
      s = t as Schema;
    }
    return true;
  }

  private pointer(ref: string): unknown {
    if (!ref.startsWith("#")) return undefined;
    let v: unknown = this.root;
    const p = decodeURIComponent(ref.slice(1));
    if (p === "") return v;
    for (const raw of p.slice(1).split("/")) {
      const k = raw.replaceAll("~1", "/").replaceAll("~0", "~");
      if (typeof v !== "object" || v === null) return undefined;
      v = (v as Record<string, unknown>)[k];
    }
    return v;
  }

  // refName is the Go name a $ref target gets: its last pointer token
  // ("" for "#", whose struct was named where the walk met it first).
  private refName(s: Schema): string | undefined {
    const o = obj(s);
    if (o === undefined || typeof o["$ref"] !== "string") return undefined;
    const ref = o["$ref"];
    return exported(decodeURIComponent(ref.slice(ref.lastIndexOf("/") + 1))) || undefined;
  }

  // rootName is the name the children of a $ref target are named after:
  // a document's named schema (components/schemas) is a root of its own,
  // anything else is named where it is used.
  private rootName(s: Schema): string | undefined {
    const o = obj(s);
    if (o === undefined || typeof o["$ref"] !== "string") return undefined;
    const m = /^#\/components\/schemas\/([^/]+)$/.exec(o["$ref"]);
    return m === null ? undefined : exported(decodeURIComponent(m[1]!));
  }

  /**
   * rep is the Go representation of s; path is the Go name its struct
   * would get where it is used.
   */
  rep(s: Schema, path: string): Rep {
    const className = this.refName(s) ?? path;
    path = this.rootName(s) ?? path;
    s = this.resolve(s);
    const o = obj(s);
    if (o === undefined) return anyRep;
    const cached = this.reps.get(o);
    if (cached !== undefined) return cached;
    // A placeholder while computing, for recursive schemas.
    const r: Rep = { kind: "any" };
    this.reps.set(o, r);
    Object.assign(r, this.computeRep(o, className, path, r));
    return r;
  }

  private computeRep(o: { [k: string]: unknown }, className: string, path: string, self: Rep): Rep {
    const nullable = nullableInner(o);
    if (nullable !== undefined) {
      const inner = this.rep(nullable, path);
      if (inner.kind === "any" || inner.kind === "ptr") return anyRep;
      return { kind: "ptr", elem: inner };
    }
    const ts = types(o);
    if (ts.length === 2 && ts.includes("null")) {
      const rest = { ...o, type: ts.find((t) => t !== "null") };
      const inner = this.computeRep(rest, className, path, self);
      if (inner.kind === "any" || inner.kind === "list" || inner.kind === "map") return anyRep;
      return { kind: "ptr", elem: inner };
    }
    const union = this.unionRep(o, className, path);
    if (union !== undefined) return union;
    const merged = this.structRep(o, className, path);
    if (merged !== undefined) return merged;
    for (const k of ["allOf", "anyOf", "oneOf", "not", "if"]) {
      if (k in o) return ts.includes("object") && ts.length === 1 ? { kind: "map", elem: anyRep } : anyRep;
    }
    if (ts.length === 0) {
      const strs = "const" in o ? [o["const"]] : Array.isArray(o["enum"]) ? o["enum"] : [];
      if (strs.length > 0 && strs.every((e) => typeof e === "string")) return { kind: "string" };
    }
    if (ts.length !== 1) return anyRep;
    switch (ts[0]) {
      case "string":
        return { kind: "string" };
      case "integer":
        return { kind: "int" };
      case "number":
        return { kind: "float" };
      case "boolean":
        return { kind: "bool" };
      case "array": {
        const items = o["items"];
        if (items === undefined || Array.isArray(items)) return { kind: "list", elem: anyRep };
        return { kind: "list", elem: this.compared(o, this.elemRep(items as Schema, path + "Item")) };
      }
      case "object": {
        const ap = o["additionalProperties"];
        if (ap !== undefined && typeof ap !== "boolean") {
          return { kind: "map", elem: this.compared(o, this.elemRep(ap as Schema, path + "Value")) };
        }
        return { kind: "map", elem: anyRep };
      }
    }
    return anyRep;
  }

  // structRep is the struct of an object schema with properties, or of an
  // allOf of such schemas (members merged, in the order they appear).
  private structRep(o: { [k: string]: unknown }, className: string, path: string): Rep | undefined {
    const parts: { [k: string]: unknown }[] = [];
    const ts = types(o);
    if (obj(o["properties"] as Schema) !== undefined && ts.length === 1 && ts[0] === "object") {
      if (["allOf", "anyOf", "oneOf", "not", "if"].some((k) => k in o)) return undefined;
      parts.push(o);
    } else if (Array.isArray(o["allOf"]) && ts.length === 0 && !["anyOf", "oneOf", "not", "if", "properties"].some((k) => k in o)) {
      for (const b of o["allOf"]) {
        const bo = obj(this.resolve(b as Schema));
        if (bo === undefined || types(bo).join() !== "object" || obj(bo["properties"] as Schema) === undefined) return undefined;
        if (["allOf", "anyOf", "oneOf", "not", "if"].some((k) => k in bo)) return undefined;
        parts.push(bo);
      }
    } else return undefined;
    const members: Member[] = [];
    const required: string[] = [];
    for (const part of parts) {
      const props = obj(part["properties"] as Schema)!;
      for (const k of Object.keys(props)) {
        if (!validTag(k)) return undefined;
        let m = members.find((x) => x.name === k);
        if (m === undefined) members.push((m = { name: k, schemas: [], rep: anyRep }));
        m.schemas.push(props[k] as Schema);
      }
      if (Array.isArray(part["required"])) {
        for (const k of part["required"]) if (typeof k === "string" && !required.includes(k)) required.push(k);
      }
    }
    const r: Rep = { kind: "struct", className, members, required, schema: parts.length === 1 ? o : { ...o, allOf: undefined } };
    for (const m of members) m.rep = this.fieldRep(m, path + exported(m.name));
    return r;
  }

  // fieldRep is the one representation of a member declared by one or
  // more schemas: the one they agree on, else any.
  private fieldRep(m: Member, path: string): Rep {
    let chosen: Rep | undefined;
    for (const s of m.schemas) {
      const r = this.rep(s, path);
      if (r.kind === "any") continue;
      if (chosen === undefined) chosen = r;
      else if (goType(chosen) !== goType(r)) return anyRep;
    }
    if (chosen === undefined) return anyRep;
    if (m.schemas.length > 1 && (chosen.kind === "struct" || chosen.kind === "union" || chosen.kind === "ptr")) return anyRep;
    return chosen;
  }

  // unionRep is the union of a oneOf or anyOf of object schemas (each a
  // struct), with the discriminator they share if any: a member every
  // variant requires with a string const.
  private unionRep(o: { [k: string]: unknown }, className: string, path: string): Rep | undefined {
    const kw = Array.isArray(o["oneOf"]) ? "oneOf" : Array.isArray(o["anyOf"]) ? "anyOf" : undefined;
    if (kw === undefined || ("oneOf" in o && "anyOf" in o) || types(o).length > 0 || "properties" in o || "allOf" in o) return undefined;
    const list = o[kw] as Schema[];
    if (list.length < 2) return undefined;
    const variants: Rep[] = [];
    for (let i = 0; i < list.length; i++) {
      const vs = list[i]!;
      const vo = obj(this.resolve(vs));
      const title = vo !== undefined && typeof vo["title"] === "string" ? exported(vo["title"]) : "";
      const vpath = this.refName(vs) === undefined && title !== "" ? path + title : path + "Variant" + (i + 1);
      const r = this.rep(vs, vpath);
      if (r.kind !== "struct") return undefined;
      variants.push(r);
    }
    const r: Rep = { kind: "union", className, variants, exclusive: kw === "oneOf", schema: o };
    const first = variants[0]!;
    for (const m of first.members!) {
      const tags: string[] = [];
      for (const vr of variants) {
        const vm = vr.members!.find((x) => x.name === m.name);
        const c = vm === undefined ? undefined : constOf(this.resolve(vm.schemas[0]!));
        if (typeof c !== "string" || !vr.required!.includes(m.name) || tags.includes(c)) break;
        tags.push(c);
      }
      if (tags.length === variants.length) {
        r.tag = m.name;
        r.tags = tags;
        break;
      }
    }
    return r;
  }

  private elemRep(s: Schema, name: string): Rep {
    const r = this.rep(s, name);
    return r.kind === "list" || r.kind === "map" ? anyRep : r;
  }

  private compared(o: { [k: string]: unknown }, elem: Rep): Rep {
    const comparable = ["string", "int", "float", "bool"].includes(elem.kind);
    if ((o["uniqueItems"] === true || "enum" in o || "const" in o) && elem.kind !== "any" && !comparable) return anyRep;
    return elem;
  }

  /**
   * validate returns the problems of x against s, [] when valid: the
   * decode pass, and when it passes the checks. name is the Go name of
   * the frame's type (the message payload's schema name).
   */
  validate(s: Schema, x: unknown, name: string): Problem[] {
    const r = this.rep(s, name);
    const check: v.Check = v.frame(
      (y, at) => this.decode(r, y, at),
      (y, p, at) => this.check(s, r, y, p, at),
    );
    return v.validate(check, x);
  }

  /** decode is the first problem the Go decoder reports for x held as r. */
  decode(r: Rep, x: unknown, at: v.Path | undefined): Problem | undefined {
    switch (r.kind) {
      case "any":
        return undefined;
      case "string":
        return v.decodeField(x, at, "string");
      case "bool":
        return v.decodeField(x, at, "bool");
      case "int":
        return v.decodeNumber(x, at, "int");
      case "float":
        return v.decodeNumber(x, at, "float");
      case "ptr":
        return x === null ? undefined : this.decode(r.elem!, x, at);
      case "list":
        if (!Array.isArray(x)) return v.decodeField(x, at, "list");
        return this.decodeElems(r.elem!, x, at);
      case "map":
        if (!v.isObject(x)) return v.decodeField(x, at, "dict");
        return this.decodeElems(r.elem!, Object.values(x), at);
      case "union": {
        if (r.tag === undefined || !v.isObject(x)) return undefined;
        const i = r.tags!.indexOf(own(x, r.tag) as string);
        return i < 0 ? undefined : this.decode(r.variants![i]!, x, at);
      }
      case "struct": {
        if (x === null || x === undefined) return undefined;
        if (!v.isObject(x)) return v.decodeField(x, at, "model", r.className);
        let first: Problem | undefined;
        for (const k of Object.keys(x)) {
          const m = r.members!.find((y) => y.name === k);
          if (m === undefined) continue;
          const d = this.decode(m.rep, x[k], v.key(at, k));
          if (d === undefined) continue;
          if (nested(m.rep)) return d;
          first ??= d;
        }
        return first;
      }
    }
  }

  // decodeElems decodes the elements of a list or map; encoding/json
  // reports an element's problem at the container.
  private decodeElems(elem: Rep, xs: readonly unknown[], at: v.Path | undefined): Problem | undefined {
    let first: Problem | undefined;
    for (const e of xs) {
      const d = this.decode(elem, e, at);
      if (d === undefined) continue;
      if (nested(elem)) return d;
      first ??= d;
    }
    return first;
  }

  /**
   * check records every constraint of s that x, held as r (so already of
   * r's type when r is not any), breaks.
   */
  check(s: Schema, r: Rep, x: unknown, p: v.Problems, at: v.Path | undefined): void {
    s = this.resolve(s);
    if (s === false) {
      v.falseSchema(p, at);
      return;
    }
    const o = obj(s);
    if (o === undefined) return;
    if (r.kind === "struct") {
      this.checkStruct(r, x, p, at);
      return;
    }
    if (r.kind === "union") {
      this.checkUnion(r, x, p, at);
      return;
    }
    if (r.kind === "ptr") {
      if (x === null) return;
      const inner = nullableInner(o);
      if (inner !== undefined) {
        this.check(inner, r.elem!, x, p, at);
        return;
      }
      if (r.elem!.kind === "struct") {
        this.checkStruct(r.elem!, x, p, at);
        return;
      }
    }
    const ts = types(o);
    if (r.kind === "any" && ts.length > 0 && !v.checkType(p, at, x, typeBits(ts), ts)) return;
    const held = r.kind === "ptr" ? r.elem! : r;
    if ("const" in o) {
      const c = o["const"];
      v.checkConst(p, at, x, c, typeof c === "number" ? "Input should be " + this.lit(o, "const", c) : expectedMessage([c]));
    }
    if (Array.isArray(o["enum"])) v.checkEnum(p, at, x, o["enum"], this.expected(o["enum"]));
    if (typeof x === "string") this.checkString(o, x, p, at);
    else if (typeof x === "number") this.checkNumber(o, x, p, at);
    else if (Array.isArray(x)) this.checkArray(o, held, x, p, at);
    else if (v.isObject(x)) this.checkObject(o, held, x, p, at);
    this.checkCombinators(o, x, p, at);
  }

  private checkUnion(r: Rep, x: unknown, p: v.Problems, at: v.Path | undefined): void {
    const variant = (vr: Rep): readonly [v.Decode, v.Check] => [(y, a) => this.decode(vr, y, a), (y, q, a) => this.checkStruct(vr, y, q, a)];
    if (r.tag !== undefined && v.isObject(x)) {
      const tag = own(x, r.tag);
      if (typeof tag === "string") {
        const i = r.tags!.indexOf(tag);
        if (i >= 0) this.checkStruct(r.variants![i]!, x, p, at);
        else v.tagInvalid(p, at, r.tag, tag, r.tags!);
        return;
      }
    }
    const names = r.variants!.map((vr) => vr.className!);
    v.union(p, at, x, r.variants!.map(variant), r.exclusive!, "Input should match one of " + names.join(", "));
  }

  private checkStruct(r: Rep, x: unknown, p: v.Problems, at: v.Path | undefined): void {
    if (!v.isObject(x)) {
      v.wrongType(p, at, "model", r.className);
      return;
    }
    for (const m of r.members!) {
      const e = own(x, m.name);
      const here = v.key(at, m.name);
      if (e === undefined) {
        if (r.required!.includes(m.name)) v.missing(p, at, m.name);
      } else if (e === null && m.rep.kind !== "any" && m.rep.kind !== "ptr") {
        nullProblem(p, here, m.rep);
      } else {
        for (const s of m.schemas) this.check(s, m.rep, e, p, here);
      }
    }
    for (const k of r.required!) {
      if (!r.members!.some((m) => m.name === k) && own(x, k) === undefined) v.missing(p, at, k);
    }
    const rest = { ...r.schema!, properties: undefined, required: undefined, type: undefined };
    this.checkObject(rest, anyRep, x, p, at, r.members!.map((m) => m.name), false);
    this.checkCombinators(rest, x, p, at);
  }

  // checkElem checks an element of a list or map held as elem: a null
  // where a scalar belongs becomes the zero value in Go, which is
  // checked; the caller reports the null itself after the container.
  private checkElem(s: Schema, elem: Rep, e: unknown, p: v.Problems, at: v.Path | undefined): void {
    if (e !== null || elem.kind === "any" || elem.kind === "ptr") {
      this.check(s, elem, e, p, at);
      return;
    }
    if (elem.kind === "struct" || elem.kind === "union") {
      nullProblem(p, at, elem);
      return;
    }
    const zero = { string: "", int: 0, float: 0, bool: false } as Record<string, unknown>;
    if (elem.kind in zero) this.check(s, elem, zero[elem.kind], p, at);
  }

  private checkString(o: { [k: string]: unknown }, x: string, p: v.Problems, at: v.Path | undefined): void {
    const min = num(o["minLength"]);
    const max = num(o["maxLength"]);
    if (min !== undefined || max !== undefined) v.stringLength(p, at, x, min, max);
    if (typeof o["pattern"] === "string") v.checkPattern(p, at, x, o["pattern"]);
    if (typeof o["format"] === "string") checkFormat(p, at, x, o["format"]);
  }

  private checkNumber(o: { [k: string]: unknown }, x: number, p: v.Problems, at: v.Path | undefined): void {
    for (const k of ["minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"] as const) {
      if (typeof o[k] === "number") v.checkBound(p, at, x, k, this.lit(o, k, o[k] as number));
    }
    if (typeof o["multipleOf"] === "number") v.checkMultipleOf(p, at, x, new v.Decimal(this.lit(o, "multipleOf", o["multipleOf"] as number)));
  }

  private checkArray(o: { [k: string]: unknown }, r: Rep, x: unknown[], p: v.Problems, at: v.Path | undefined): void {
    const items = o["items"];
    let max = num(o["maxItems"]);
    const elem = r.kind === "list" ? r.elem! : anyRep;
    if (Array.isArray(items)) {
      items.forEach((s, i) => {
        if (i < x.length) this.check(s as Schema, anyRep, x[i], p, v.index(at, i));
      });
      const add = o["additionalItems"];
      if (add === false) max = max === undefined ? items.length : Math.min(max, items.length);
      else if (add !== undefined && add !== true) {
        for (let i = items.length; i < x.length; i++) this.check(add as Schema, anyRep, x[i], p, v.index(at, i));
      }
      const min = num(o["minItems"]);
      if (min !== undefined || max !== undefined) v.itemCount(p, at, x.length, min, max);
      if (o["uniqueItems"] === true) v.checkUnique(p, at, x);
    } else {
      const min = num(o["minItems"]);
      if (min !== undefined || max !== undefined) v.itemCount(p, at, x.length, min, max);
      if (o["uniqueItems"] === true) v.checkUnique(p, at, x);
      if (items !== undefined) x.forEach((e, i) => this.checkElem(items as Schema, elem, e, p, v.index(at, i)));
      if (lostNull(elem)) x.forEach((e, i) => e === null && nullProblem(p, v.index(at, i), elem));
    }
    if (o["contains"] !== undefined) {
      const c = o["contains"] as Schema;
      v.contains(p, at, x, (y, q, a) => this.check(c, anyRep, y, q, a));
    }
  }

  private checkObject(
    o: { [k: string]: unknown },
    r: Rep,
    x: Record<string, unknown>,
    p: v.Problems,
    at: v.Path | undefined,
    declared: readonly string[] = [],
    sorted = true,
  ): void {
    const props = obj(o["properties"] as Schema) ?? {};
    // Go holds a map, whose keys it walks sorted; a struct's extra members
    // are walked as the frame has them.
    const keys = sorted ? Object.keys(x).sort() : Object.keys(x);
    for (const k of Object.keys(props)) {
      if (own(x, k) !== undefined) this.check(props[k] as Schema, anyRep, x[k], p, v.key(at, k));
    }
    if (Array.isArray(o["required"])) {
      for (const k of o["required"]) {
        if (typeof k === "string" && own(x, k) === undefined) v.missing(p, at, k);
      }
    }
    const pats = obj(o["patternProperties"] as Schema) ?? {};
    const ap = o["additionalProperties"];
    const elem = r.kind === "map" ? r.elem! : anyRep;
    for (const k of keys) {
      let known = Object.prototype.hasOwnProperty.call(props, k) || declared.includes(k);
      for (const pat of Object.keys(pats)) {
        if (v.pattern(pat).test(k)) {
          known = true;
          this.check(pats[pat] as Schema, anyRep, x[k], p, v.key(at, k));
        }
      }
      if (known || ap === undefined || ap === true) continue;
      if (ap === false) v.extra(p, at, k);
      else this.checkElem(ap as Schema, elem, x[k], p, v.key(at, k));
    }
    const min = num(o["minProperties"]);
    const max = num(o["maxProperties"]);
    if (min !== undefined || max !== undefined) v.propertyCount(p, at, Object.keys(x).length, min, max);
    if (lostNull(elem) && ap !== undefined && typeof ap !== "boolean") {
      for (const k of Object.keys(x)) if (x[k] === null) nullProblem(p, v.key(at, k), elem);
    }
    const deps = obj(o["dependencies"] as Schema);
    if (deps !== undefined) {
      for (const k of Object.keys(deps)) {
        if (own(x, k) === undefined) continue;
        const d = deps[k];
        if (Array.isArray(d)) {
          for (const need of d) {
            if (typeof need === "string" && own(x, need) === undefined) v.dependency(p, at, need, k);
          }
        } else this.check(d as Schema, anyRep, x, p, at);
      }
    }
    if (o["propertyNames"] !== undefined) {
      for (const k of keys) this.check(o["propertyNames"] as Schema, anyRep, k, p, v.key(at, k));
    }
  }

  private checkCombinators(o: { [k: string]: unknown }, x: unknown, p: v.Problems, at: v.Path | undefined): void {
    const sub = (s: unknown): v.Check => (y, q, a) => this.check(s as Schema, anyRep, y, q, a);
    if (Array.isArray(o["allOf"])) for (const s of o["allOf"]) this.check(s as Schema, anyRep, x, p, at);
    if (Array.isArray(o["anyOf"])) v.anyOf(p, at, x, o["anyOf"].map(sub));
    if (Array.isArray(o["oneOf"])) v.oneOf(p, at, x, o["oneOf"].map(sub));
    if (o["not"] !== undefined) v.not(p, at, x, sub(o["not"]));
    if (o["if"] !== undefined) {
      const branch = v.matches(sub(o["if"]), x) ? o["then"] : o["else"];
      if (branch !== undefined) this.check(branch as Schema, anyRep, x, p, at);
    }
  }
}

// nullProblem records a null where a value held as r belongs.
function nullProblem(p: v.Problems, at: v.Path | undefined, r: Rep): void {
  if (r.kind === "union") p.add(at, "model_attributes_type", "Input should be a valid dictionary or object to extract fields from");
  else if (r.kind === "struct") v.wrongType(p, at, "model", r.className);
  else v.wrongType(p, at, decodeKind(r));
}

// lostNull reports whether Go turns a null element held as elem into a
// zero value, checked like any, the null reported after the container.
function lostNull(elem: Rep): boolean {
  return ["string", "int", "float", "bool"].includes(elem.kind);
}

// nullableInner is X of anyOf/oneOf [X, {type: null}] (either order).
function nullableInner(o: { [k: string]: unknown }): Schema | undefined {
  for (const kw of ["anyOf", "oneOf"]) {
    const l = o[kw];
    if (!Array.isArray(l) || l.length !== 2 || types(o).length > 0) continue;
    const isNull = (s: unknown) => {
      const so = obj(s as Schema);
      return so !== undefined && types(so).join() === "null" && Object.keys(so).length === 1;
    };
    if (isNull(l[1])) return l[0] as Schema;
    if (isNull(l[0])) return l[1] as Schema;
  }
  return undefined;
}

function constOf(s: Schema): unknown {
  const o = obj(s);
  if (o === undefined) return undefined;
  if ("const" in o) return o["const"];
  if (Array.isArray(o["enum"]) && o["enum"].length === 1) return o["enum"][0];
  return undefined;
}

// goType tells representations apart as Go types do.
function goType(r: Rep): string {
  switch (r.kind) {
    case "list":
      return "[]" + goType(r.elem!);
    case "map":
      return "map" + goType(r.elem!);
    case "ptr":
      return "*" + goType(r.elem!);
    case "struct":
    case "union":
      return "T" + r.className;
  }
  return r.kind;
}

// nested reports whether a member held as r is a struct, whose decode
// problem encoding/json returns at once instead of saving it.
function nested(r: Rep): boolean {
  return r.kind === "struct" || r.kind === "union" || (r.kind === "ptr" && nested(r.elem!));
}

function decodeKind(r: Rep): v.DecodeKind {
  switch (r.kind) {
    case "string":
    case "bool":
    case "int":
    case "float":
    case "list":
      return r.kind;
    case "map":
      return "dict";
    case "struct":
      return "model";
  }
  return "none";
}

const typeBitsOf: Record<string, number> = {
  null: v.T.Null,
  boolean: v.T.Boolean,
  integer: v.T.Integer,
  number: v.T.Number,
  string: v.T.String,
  array: v.T.Array,
  object: v.T.Object,
};

function typeBits(ts: readonly string[]): number {
  return ts.reduce((b, t) => b | (typeBitsOf[t] ?? 0), 0);
}

function num(x: unknown): number | undefined {
  return typeof x === "number" ? x : undefined;
}

// literal is a number as the document wrote it, as near as JSON.parse
// lets the page tell: 1 for 1.0, as Go's messages print the bound.
function literal(x: number): string {
  return String(x).replace("e+", "e");
}
