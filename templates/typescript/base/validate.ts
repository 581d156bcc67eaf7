// chanx TypeScript client runtime: support for generated validators.
//
// Only generated code calls this module. A generated validator is a plain
// function (value, problems, path) that checks one schema and records what
// is wrong; the helpers here hold the rules every schema shares, with the
// problem types and messages of the Go runtime (runtime/validate and the
// Go generator: runtime/wire's registry, Pydantic's names and texts), so
// both sides report a bad frame alike. Messages that depend on a schema's
// literals as written (enum and const values, the names of union
// variants) are computed by the generator and passed in.

import {
  ProblemType,
  numberProblem,
  tagInvalidProblem,
  typeKeyword,
  typeProblem,
  type DecodeKind,
  type LocItem,
  type Problem,
} from "./problems.js";

// Generated validators import this module alone. Problem types are written
// as literals below (not ProblemType.X) so that bundlers drop the table when
// an application does not use it.
export { ProblemType, typeKeyword, type DecodeKind, type LocItem, type Problem };

/**
 * Path is where a value sits in the frame, as a chain from the value back
 * to the root; undefined is the root. Validators extend it as they descend
 * and turn it into a loc only when they report a problem.
 */
export interface Path {
  readonly parent: Path | undefined;
  readonly item: LocItem;
}

/** key is the path of member k of the object at `at`. */
export function key(at: Path | undefined, k: string): Path {
  return { parent: at, item: k };
}

/** index is the path of element i of the array at `at`. */
export function index(at: Path | undefined, i: number): Path {
  return { parent: at, item: i };
}

/** loc renders a path as a problem's loc, root first. */
export function loc(at: Path | undefined): LocItem[] {
  const out: LocItem[] = [];
  for (let p = at; p !== undefined; p = p.parent) {
    out.push(p.item);
  }
  return out.reverse();
}

/**
 * Problems collects what is wrong with a value. A quiet one only counts,
 * for trying a value against a schema (anyOf, oneOf, not) without building
 * messages.
 */
export class Problems {
  readonly list: Problem[] = [];
  count = 0;
  constructor(readonly quiet = false) {}

  /** add records a problem of the given type at the path. */
  add(at: Path | undefined, type: string, msg: string): void {
    this.count++;
    if (!this.quiet) {
      this.list.push({ type, loc: loc(at), msg });
    }
  }

  /** addProblem records a problem found elsewhere (a decode pass). */
  addProblem(problem: Problem): void {
    this.count++;
    if (!this.quiet) {
      this.list.push(problem);
    }
  }

  /** ok reports whether no problem was found. */
  get ok(): boolean {
    return this.count === 0;
  }
}

/** A generated validator: checks v, the value at `at`, into p. */
export type Check = (v: unknown, p: Problems, at: Path | undefined) => void;

/** validate runs a check on a whole frame and returns its problems, [] when valid. */
export function validate(check: Check, v: unknown): Problem[] {
  const p = new Problems();
  check(v, p, undefined);
  if (p.count > 0 && p.list.length === 0) {
    return [{ type: "value_error", loc: [], msg: "Value error, invalid value" }];
  }
  return p.list;
}

/** matches reports whether v passes check, without building messages. */
export function matches(check: Check, v: unknown): boolean {
  const p = new Problems(true);
  check(v, p, undefined);
  return p.ok;
}

// ---- JSON types ----

/** JSON types as bits, for the type keyword (as runtime/validate's TNull...). */
export const T = {
  Null: 1,
  Boolean: 2,
  Integer: 4,
  Number: 8,
  String: 16,
  Array: 32,
  Object: 64,
} as const;

/** isObject reports whether v is a JSON object (not null, not an array). */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** hasType reports whether the JSON value v is of one of the types in the bit set. */
export function hasType(v: unknown, set: number): boolean {
  switch (typeof v) {
    case "string":
      return (set & T.String) !== 0;
    case "boolean":
      return (set & T.Boolean) !== 0;
    case "number":
      if ((set & T.Number) !== 0) return true;
      return (set & T.Integer) !== 0 && Number.isInteger(v);
    case "object":
      if (v === null) return (set & T.Null) !== 0;
      return (set & (Array.isArray(v) ? T.Array : T.Object)) !== 0;
  }
  return false;
}

/** checkType records a problem unless v is of one of the types; it returns whether it is. */
export function checkType(p: Problems, at: Path | undefined, v: unknown, set: number, types: readonly string[]): boolean {
  if (hasType(v, set)) return true;
  const pr = typeKeyword(types);
  p.add(at, pr.type, pr.msg);
  return false;
}

/** missing records a required member that is absent. */
export function missing(p: Problems, at: Path | undefined, k: string): void {
  p.add(key(at, k), "missing", "Field required");
}

/**
 * wrongType records a value (a null, mostly) where a value of kind
 * belongs: the type's own problem, as Pydantic reports None — string_type
 * for a string member, model_type naming the struct for "model".
 */
export function wrongType(p: Problems, at: Path | undefined, kind: DecodeKind, className?: string): void {
  const pr = typeProblem([], kind, className);
  p.add(at, pr.type, pr.msg);
}

/** extra records a member additionalProperties: false forbids. */
export function extra(p: Problems, at: Path | undefined, k: string): void {
  p.add(key(at, k), "extra_forbidden", "Extra inputs are not permitted");
}

/** falseSchema records a value where the schema is false. */
export function falseSchema(p: Problems, at: Path | undefined): void {
  p.add(at, "false_schema", "No value is allowed here");
}

// ---- strings ----

/**
 * runeCount is a string's length as JSON Schema (and Go) counts it: in
 * code points, a surrogate pair counting once.
 */
export function runeCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function plural(n: number, word: string): string {
  return n === 1 ? word : word + "s";
}

/** stringLength checks minLength and maxLength (either may be undefined). */
export function stringLength(p: Problems, at: Path | undefined, s: string, min: number | undefined, max: number | undefined): void {
  // A string of u UTF-16 units has between ceil(u/2) and u code points:
  // counting them is needed only when the bounds fall in between.
  const u = s.length;
  if ((min === undefined || (u + 1) >> 1 >= min) && (max === undefined || u <= max)) return;
  const n = runeCount(s);
  if (min !== undefined && n < min) {
    p.add(at, "string_too_short", "String should have at least " + min + plural(min, " character"));
  } else if (max !== undefined && n > max) {
    p.add(at, "string_too_long", "String should have at most " + max + plural(max, " character"));
  }
}

const patterns = new Map<string, RegExp>();

/**
 * pattern returns the regular expression for a schema's pattern, compiled
 * once. Patterns are searched, not anchored, as in JSON Schema and Go; the
 * u flag makes them count code points as Go's RE2 does.
 */
export function pattern(source: string): RegExp {
  let re = patterns.get(source);
  if (re === undefined) {
    re = new RegExp(source, "u");
    patterns.set(source, re);
  }
  return re;
}

/** checkPattern records a string that does not match the pattern. */
export function checkPattern(p: Problems, at: Path | undefined, s: string, source: string): void {
  if (!pattern(source).test(s)) {
    p.add(at, "string_pattern_mismatch", "String should match pattern '" + source + "'");
  }
}

// ---- numbers ----

/** Bound is a numeric keyword: its value and its literal as the document writes it. */
export type BoundKind = "minimum" | "exclusiveMinimum" | "maximum" | "exclusiveMaximum";

const bounds: Record<BoundKind, [(x: number, b: number) => boolean, string, string]> = {
  minimum: [(x, b) => x < b, "greater_than_equal", "greater than or equal to"],
  exclusiveMinimum: [(x, b) => x <= b, "greater_than", "greater than"],
  maximum: [(x, b) => x > b, "less_than_equal", "less than or equal to"],
  exclusiveMaximum: [(x, b) => x >= b, "less_than", "less than"],
};

/** checkBound records a number outside a bound; literal is the bound as written. */
export function checkBound(p: Problems, at: Path | undefined, x: number, kind: BoundKind, literal: string): void {
  const [fails, type, words] = bounds[kind];
  if (fails(x, Number(literal))) {
    p.add(at, type, "Input should be " + words + " " + literal);
  }
}

/**
 * Decimal is a number literal (multipleOf) kept exact as mant × 10^exp,
 * so that 0.1 is a tenth and not the double nearest to it.
 */
export class Decimal {
  readonly mant: bigint;
  readonly exp: number;
  constructor(readonly literal: string) {
    const d = splitDecimal(literal);
    if (d === undefined || d[0] <= 0n) {
      throw new Error("chanx: bad multipleOf literal " + literal);
    }
    [this.mant, this.exp] = d;
  }
}

// splitDecimal reads a decimal literal ("1.5", "2e-3", "-7.50E+1") as a
// bigint mantissa and a power of ten.
function splitDecimal(lit: string): [bigint, number] | undefined {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(lit);
  if (m === null || (m[2] === "" && (m[3] ?? "") === "")) return undefined;
  const frac = m[3] ?? "";
  let digits = (m[2] + frac).replace(/^0+/, "");
  let exp = (m[4] === undefined ? 0 : parseInt(m[4], 10)) - frac.length;
  if (digits === "") return [0n, 0];
  const trimmed = digits.replace(/0+$/, "");
  exp += digits.length - trimmed.length;
  digits = trimmed;
  const mant = BigInt(digits);
  return [m[1] === "-" ? -mant : mant, exp];
}

/**
 * isMultipleOf reports whether x is a multiple of d exactly. x is taken as
 * the shortest decimal that reads back as x — the literal it was parsed
 * from — so 0.0075 is a multiple of 0.0001 although neither is exact in
 * binary, as in the Go runtime.
 */
export function isMultipleOf(x: number, d: Decimal): boolean {
  if (!Number.isFinite(x)) return false;
  const s = splitDecimal(String(x).replace("e+", "e"));
  if (s === undefined) return false;
  const [xm, xe] = s;
  if (xm === 0n) return true;
  const e = Math.min(xe, d.exp);
  const a = xm * 10n ** BigInt(xe - e);
  const b = d.mant * 10n ** BigInt(d.exp - e);
  return a % b === 0n;
}

/** checkMultipleOf records a number that is not a multiple of d. */
export function checkMultipleOf(p: Problems, at: Path | undefined, x: number, d: Decimal): void {
  if (!isMultipleOf(x, d)) {
    p.add(at, "multiple_of", "Input should be a multiple of " + d.literal);
  }
}

// ---- arrays and objects ----

// counts checks minItems/maxItems or minProperties/maxProperties; the
// message names the field type ("List", "Dictionary") and the count.
function counts(p: Problems, at: Path | undefined, fieldType: string, n: number, min: number | undefined, max: number | undefined): void {
  const tail = " after validation, not " + n;
  if (min !== undefined && n < min) {
    p.add(at, "too_short", fieldType + " should have at least " + min + plural(min, " item") + tail);
  }
  if (max !== undefined && n > max) {
    p.add(at, "too_long", fieldType + " should have at most " + max + plural(max, " item") + tail);
  }
}

/** itemCount checks minItems and maxItems (additionalItems: false is a maxItems). */
export function itemCount(p: Problems, at: Path | undefined, n: number, min: number | undefined, max: number | undefined): void {
  counts(p, at, "List", n, min, max);
}

/** propertyCount checks minProperties and maxProperties. */
export function propertyCount(p: Problems, at: Path | undefined, n: number, min: number | undefined, max: number | undefined): void {
  counts(p, at, "Dictionary", n, min, max);
}

/**
 * equal reports whether two JSON values are equal as enum, const and
 * uniqueItems see them: numbers by value, objects regardless of key
 * order, no coercion between types.
 */
export function equal(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => equal(x, b[i]));
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  const bo = b as Record<string, unknown>;
  if (ka.length !== Object.keys(bo).length) return false;
  const ao = a as Record<string, unknown>;
  return ka.every((k) => Object.prototype.hasOwnProperty.call(bo, k) && equal(ao[k], bo[k]));
}

/** checkEnum records a value equal to none of the values; msg comes from the generator (expectedMessage). */
export function checkEnum(p: Problems, at: Path | undefined, v: unknown, values: readonly unknown[], msg: string): void {
  if (!values.some((e) => equal(v, e))) {
    p.add(at, "enum", msg);
  }
}

/** checkConst records a value other than the constant; msg comes from the generator (expectedMessage). */
export function checkConst(p: Problems, at: Path | undefined, v: unknown, value: unknown, msg: string): void {
  if (!equal(v, value)) {
    p.add(at, "literal_error", msg);
  }
}

/** checkUnique records the first pair of equal items (uniqueItems). */
export function checkUnique(p: Problems, at: Path | undefined, xs: readonly unknown[]): void {
  for (let i = 0; i < xs.length; i++) {
    for (let j = i + 1; j < xs.length; j++) {
      if (equal(xs[i], xs[j])) {
        p.add(at, "unique_items", "List should have unique items, items " + i + " and " + j + " are equal");
        return;
      }
    }
  }
}

// ---- combinators ----

const unionAny = "Input should match at least one of the allowed schemas";

/** anyOf records a value matching none of the checks. */
export function anyOf(p: Problems, at: Path | undefined, v: unknown, checks: readonly Check[]): void {
  if (!checks.some((c) => matches(c, v))) {
    p.add(at, "union", unionAny);
  }
}

/** oneOf records a value matching none, or more than one, of the checks. */
export function oneOf(p: Problems, at: Path | undefined, v: unknown, checks: readonly Check[]): void {
  let n = 0;
  for (const c of checks) {
    if (matches(c, v)) n++;
  }
  if (n === 0) {
    p.add(at, "union", unionAny);
  } else if (n > 1) {
    p.add(at, "union", "Input should match exactly one of the allowed schemas, not several");
  }
}

/** not records a value that matches the check. */
export function not(p: Problems, at: Path | undefined, v: unknown, check: Check): void {
  if (matches(check, v)) {
    p.add(at, "not", "Input should not match the schema");
  }
}

/** contains records an array none of whose items passes the check. */
export function contains(p: Problems, at: Path | undefined, xs: readonly unknown[], check: Check): void {
  if (!xs.some((x) => matches(check, x))) {
    p.add(at, "contains", "List should contain at least one matching item");
  }
}

/** dependency records a member required because another one is present. */
export function dependency(p: Problems, at: Path | undefined, required: string, present: string): void {
  p.add(key(at, required), "dependency", "Field required when " + present + " is present");
}

/**
 * tagInvalid records a discriminated union's tag that names no variant;
 * expected are the variants' tags, in the document's order.
 */
export function tagInvalid(p: Problems, at: Path | undefined, discriminator: string, tag: string, expected: readonly string[]): void {
  const pr = tagInvalidProblem(discriminator, tag, expected);
  p.add(at, pr.type, pr.msg);
}

/**
 * noVariant records a union value that is none of its variants; msg comes
 * from the generator ("Input should match one of A, B", wire.MsgUnionOf).
 */
export function noVariant(p: Problems, at: Path | undefined, msg: string): void {
  p.add(at, "union", msg);
}

// ---- decoding, as the Go runtime decodes ----

/** A decode pass: the first member whose JSON type its Go type cannot hold, if any. */
export type Decode = (v: unknown, at: Path | undefined) => Problem | undefined;

/**
 * fits reports whether the Go runtime decodes v into a field of the kind
 * without a type error. null fits every kind: Go leaves the field as it
 * is, and the validator then says whether null was allowed; so does an
 * absent member (undefined). "none" (a member that may only be null) is
 * decoded as any JSON value.
 */
export function fits(v: unknown, kind: DecodeKind): boolean {
  if (v === null || v === undefined) return true;
  switch (kind) {
    case "string":
      return typeof v === "string";
    case "bool":
      return typeof v === "boolean";
    case "int":
      return typeof v === "number" && Number.isInteger(v) && Math.abs(v) < 2 ** 63;
    case "float":
      return typeof v === "number" && Number.isFinite(v);
    case "list":
      return Array.isArray(v);
    case "dict":
    case "model":
      return isObject(v);
    case "none":
      return true;
  }
}

/**
 * decodeField is the problem of member v at `at` when it does not fit
 * kind (string_type, model_type naming className, ...); number members
 * use decodeNumber.
 */
export function decodeField(v: unknown, at: Path | undefined, kind: DecodeKind, className?: string): Problem | undefined {
  return fits(v, kind) ? undefined : typeProblem(loc(at), kind, className);
}

/**
 * decodeNumber is decodeField for an integer or number member, whose
 * problem also depends on the value (int_parsing for a string,
 * int_from_float for 1.5, finite_number for a number beyond float64).
 */
export function decodeNumber(v: unknown, at: Path | undefined, kind: "int" | "float"): Problem | undefined {
  return fits(v, kind) ? undefined : numberProblem(loc(at), kind, v);
}

/**
 * frame joins a message's two passes as the Go runtime runs them: decoding
 * first, which reports one member that does not fit its type (a nested
 * struct's problem wins, as encoding/json returns an Unmarshaler's error
 * over the type errors it saved: decode functions return it at once and
 * keep a plain member's, the first, until the end), then, when decoding
 * succeeded, every constraint.
 */
export function frame(decode: Decode, check: Check): Check {
  return (v, p, at) => {
    const d = decode(v, at);
    if (d !== undefined) {
      p.addProblem(d);
      return;
    }
    check(v, p, at);
  };
}

// ---- unions without a tag ----

/**
 * union checks a union of objects the way the Go runtime holds one: the
 * variants that decode and validate are counted, and the first of them is
 * the value; none is noVariant's problem with msg (naming the variants),
 * more than one, for an exclusive union (oneOf), the union problem of
 * several matches.
 */
export function union(
  p: Problems,
  at: Path | undefined,
  v: unknown,
  variants: readonly (readonly [Decode | undefined, Check])[],
  exclusive: boolean,
  msg: string,
): void {
  let n = 0;
  for (const [decode, check] of variants) {
    if ((decode === undefined || decode(v, undefined) === undefined) && matches(check, v)) n++;
  }
  if (n === 0) {
    noVariant(p, at, msg);
  } else if (exclusive && n > 1) {
    p.add(at, "union", "Input should match exactly one of the allowed schemas, not several");
  }
}
