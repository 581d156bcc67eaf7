// chanx TypeScript client runtime: the protocol's problem vocabulary.
//
// A problem is one thing wrong with a frame, as {type, loc, msg}: the Go
// runtime sends them in error frames and reports them for frames it
// refuses, and this runtime produces the same ones, so an application
// handles a problem the same way whichever side found it. The type is
// stable (switch on it); the message is for people. Both follow the
// registry in runtime/wire/problems.go: Pydantic's names and texts where
// Pydantic has the check, chanx's own in the same style otherwise.

/** One step of a problem's location: a member key or an array index. */
export type LocItem = string | number;

/** One thing wrong with a frame: what (type), where (loc), in words (msg). */
export interface Problem {
  type: string;
  loc: LocItem[];
  msg: string;
}

/**
 * Problem types, as runtime/wire's registry names them (the keys are the
 * Go constants' names without "Problem"). Python Chanx clients switch on
 * the same names.
 */
export const ProblemType = {
  // The frame as a whole.
  JSONInvalid: "json_invalid",
  TooDeep: "json_too_deep",
  NotObject: "model_attributes_type",
  TagNotFound: "union_tag_not_found",
  TagInvalid: "union_tag_invalid",
  // Members.
  Missing: "missing",
  ExtraForbidden: "extra_forbidden",
  Dependency: "dependency",
  // Types; a null where the type allows none is the type's problem.
  StringType: "string_type",
  IntType: "int_type",
  IntParsing: "int_parsing",
  IntFromFloat: "int_from_float",
  FloatType: "float_type",
  FloatParsing: "float_parsing",
  FiniteNumber: "finite_number",
  BoolType: "bool_type",
  ListType: "list_type",
  DictType: "dict_type",
  ModelType: "model_type",
  NoneRequired: "none_required",
  TypeMismatch: "type_error",
  // Values.
  Literal: "literal_error",
  Enum: "enum",
  StringTooShort: "string_too_short",
  StringTooLong: "string_too_long",
  PatternMismatch: "string_pattern_mismatch",
  GreaterThan: "greater_than",
  GreaterThanEqual: "greater_than_equal",
  LessThan: "less_than",
  LessThanEqual: "less_than_equal",
  MultipleOf: "multiple_of",
  TooShort: "too_short",
  TooLong: "too_long",
  DatetimeParsing: "datetime_parsing",
  DateParsing: "date_parsing",
  TimeParsing: "time_parsing",
  UUIDParsing: "uuid_parsing",
  URLParsing: "url_parsing",
  ValueError: "value_error",
  // JSON Schema keywords Pydantic has no constraint for.
  UniqueItems: "unique_items",
  Contains: "contains",
  Union: "union",
  Not: "not",
  FalseSchema: "false_schema",
} as const;

/**
 * The kinds of value the Go decoder stores a member in, for
 * typeProblem: a generated struct is "model" (its problem names the
 * struct), a map "dict", "none" a member that may only be null.
 */
export type DecodeKind = "string" | "bool" | "int" | "float" | "list" | "dict" | "model" | "none";

// What a value of each kind is called in "Input should be a valid ...".
const kindWords: Record<Exclude<DecodeKind, "model" | "none">, string> = {
  string: "string",
  bool: "boolean",
  int: "integer",
  float: "number",
  list: "list",
  dict: "dictionary",
};

/**
 * typeProblem is the problem of a value (or a null) where a value of kind
 * belongs, as the Go generated validators report it: string_type "Input
 * should be a valid string", model_type naming the struct (className) for
 * "model", none_required for "none".
 */
export function typeProblem(loc: LocItem[], kind: DecodeKind, className = ""): Problem {
  if (kind === "model") {
    return { type: "model_type", loc, msg: "Input should be a valid dictionary or instance of " + className };
  }
  if (kind === "none") return { type: "none_required", loc, msg: "Input should be None" };
  return { type: kind + "_type", loc, msg: "Input should be a valid " + kindWords[kind] };
}

/**
 * numberProblem is the problem the Go decoder reports for v, a JSON value
 * that is not null, when it does not fit a number member of kind: a
 * string is int_parsing or float_parsing, a number with a fraction where
 * an integer belongs int_from_float, a number beyond float64 (Infinity
 * here) finite_number; anything else the type's problem.
 */
export function numberProblem(loc: LocItem[], kind: "int" | "float", v: unknown): Problem {
  const pr = typeProblem(loc, kind);
  if (typeof v === "string") {
    pr.type = kind + "_parsing";
    pr.msg += ", unable to parse string as " + (kind === "int" ? "an integer" : "a number");
  } else if (kind === "int" && typeof v === "number" && Number.isFinite(v) && !Number.isInteger(v)) {
    pr.type = "int_from_float";
    pr.msg += ", got a number with a fractional part";
  } else if (kind === "float" && typeof v === "number") {
    pr.type = "finite_number";
    pr.msg = "Input should be a finite number";
  }
  return pr;
}

/**
 * typeKeyword is the problem of a value outside a type keyword's types
 * (JSON Schema names), as wire.TypeProblem words it: one type (null among
 * several dropped, as Pydantic reports an Optional's inner type) is that
 * type's problem (string_type, dict_type, none_required, ...), several a
 * type_error naming them all.
 */
export function typeKeyword(types: readonly string[]): Problem {
  let ts = types;
  if (ts.length > 1) {
    ts = ts.filter((t) => t !== "null");
    if (ts.length !== 1) {
      const words = ts.map((t) => (t === "null" ? "None" : (kindWords as Record<string, string>)[schemaKinds[t]!] ?? t));
      return { type: "type_error", loc: [], msg: "Input should be a valid " + words.join(" or ") };
    }
  }
  if (ts.length === 0) return notObjectProblem();
  return typeProblem([], schemaKinds[ts[0]!] ?? "dict");
}

// The kind of each JSON Schema type.
const schemaKinds: Record<string, DecodeKind> = {
  string: "string",
  integer: "int",
  number: "float",
  boolean: "bool",
  array: "list",
  object: "dict",
  null: "none",
};

/** The frame is JSON but not an object. */
export function notObjectProblem(): Problem {
  return {
    type: "model_attributes_type",
    loc: [],
    msg: "Input should be a valid dictionary or object to extract fields from",
  };
}

/** The frame has no discriminator member. */
export function tagNotFoundProblem(key: string): Problem {
  return {
    type: "union_tag_not_found",
    loc: [],
    msg: "Unable to extract tag using discriminator '" + key + "'",
  };
}

/**
 * The discriminator names no message of the channel, or is not a string
 * (tag is then the value as Python prints it: pyRepr); expected are the
 * tags there are.
 */
export function tagInvalidProblem(key: string, tag: string, expected: readonly string[]): Problem {
  return {
    type: "union_tag_invalid",
    loc: [],
    msg:
      "Input tag '" + tag + "' found using '" + key + "' does not match any of the expected tags: " +
      expected.map((k) => "'" + k + "'").join(", "),
  };
}

/**
 * pyRepr renders a JSON value as Python prints it in Pydantic's messages
 * (wire.MsgExpected): a string quoted, null None, booleans True and
 * False, anything else its JSON text as Go writes it (object keys sorted,
 * <, > and & escaped).
 */
export function pyRepr(v: unknown): string {
  if (v === null) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (Object.is(v, -0)) return "-0";
  if (typeof v === "string") {
    return v.includes("'") && !v.includes('"') ? '"' + v + '"' : "'" + v.replaceAll("'", "\\'") + "'";
  }
  const sorted = (_: string, x: unknown) =>
    typeof x === "object" && x !== null && !Array.isArray(x)
      ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : 1)))
      : x;
  return JSON.stringify(v, sorted).replace(/[<>&\u2028\u2029]/g, (c) => "\\u" + c.charCodeAt(0).toString(16).padStart(4, "0"));
}

/**
 * expectedMessage is the message of a literal_error or enum problem:
 * "Input should be 'a'", "'a' or 'b'", "'a', 'b' or 'c'" (wire.MsgExpected).
 */
export function expectedMessage(values: readonly unknown[]): string {
  const parts = values.map(pyRepr);
  const last = parts.pop();
  return "Input should be " + (parts.length > 0 ? parts.join(", ") + " or " : "") + (last ?? "");
}

/** locString renders a loc as the Go runtime does in error texts: payload.items[2].name. */
export function locString(loc: readonly LocItem[]): string {
  let s = "";
  loc.forEach((item, i) => {
    if (typeof item === "number") {
      s += "[" + item + "]";
    } else {
      s += (i > 0 ? "." : "") + item;
    }
  });
  return s;
}
