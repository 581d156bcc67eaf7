// chanx TypeScript client runtime: the protocol's problem vocabulary.
//
// A problem is one thing wrong with a frame, as {type, loc, msg}: the Go
// runtime sends them in error frames and reports them for frames it
// refuses, and this runtime produces the same ones, so an application
// handles a problem the same way whichever side found it. The type is
// stable (switch on it); the message is for people.

/** One step of a problem's location: a member key or an array index. */
export type LocItem = string | number;

/** One thing wrong with a frame: what (type), where (loc), in words (msg). */
export interface Problem {
  type: string;
  loc: LocItem[];
  msg: string;
}

/**
 * Problem types, as the Go runtime names them (runtime/wire and
 * runtime/validate). The frame-level ones follow Pydantic's names, so
 * clients written for Python Chanx keep working.
 */
export const ProblemType = {
  // Found before the frame's message is known (runtime/wire).
  JSONInvalid: "json_invalid",
  NotObject: "model_attributes_type",
  TagNotFound: "union_tag_not_found",
  TagInvalid: "union_tag_invalid",
  TooDeep: "json_too_deep",
  // A member whose JSON type cannot be decoded into the message's type.
  StringType: "string_type",
  BoolType: "bool_type",
  IntType: "int_type",
  FloatType: "float_type",
  ListType: "list_type",
  DictType: "dict_type",
  // Found by validators (runtime/validate).
  Missing: "missing",
  Type: "type_error",
  Enum: "enum",
  Const: "const",
  StringTooShort: "string_too_short",
  StringTooLong: "string_too_long",
  Pattern: "string_pattern_mismatch",
  Format: "format",
  GreaterEqual: "greater_than_equal",
  Greater: "greater_than",
  LessEqual: "less_than_equal",
  Less: "less_than",
  MultipleOf: "multiple_of",
  TooShort: "too_short",
  TooLong: "too_long",
  Unique: "unique_items",
  Extra: "extra_forbidden",
  Union: "union",
  Not: "not",
  False: "false_schema",
  Dependency: "dependency",
  Contains: "contains",
  Value: "value_error",
} as const;

/** The kinds of value a decoder expects, for decodeTypeProblem. */
export type DecodeKind = "string" | "bool" | "int" | "float" | "list" | "dict";

const decodeMessages: Record<DecodeKind, string> = {
  string: "Input should be a valid string",
  bool: "Input should be a valid boolean",
  int: "Input should be a valid integer",
  float: "Input should be a valid number",
  list: "Input should be a valid list",
  dict: "Input should be a valid dictionary",
};

/**
 * decodeTypeProblem is the problem the Go runtime reports when a member's
 * JSON type does not fit the type it decodes into (a number where a string
 * belongs): "<kind>_type", e.g. string_type, "Input should be a valid
 * string". The Go runtime reports only the first such member of a frame.
 */
export function decodeTypeProblem(loc: LocItem[], kind: DecodeKind): Problem {
  return { type: kind + "_type", loc, msg: decodeMessages[kind] };
}

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

/** The frame's discriminator is not a string. */
export function tagNotStringProblem(key: string): Problem {
  return {
    type: "union_tag_invalid",
    loc: [key],
    msg: "Input tag found using '" + key + "' should be a string",
  };
}

/** The frame's discriminator names no message of the channel; known is in sorted order (docs/PROTOCOL.md). */
export function unknownTagProblem(key: string, tag: string, known: readonly string[]): Problem {
  return {
    type: "union_tag_invalid",
    loc: [],
    msg:
      "Input tag '" + tag + "' found using '" + key + "' does not match any of the expected tags: " +
      known.map((k) => "'" + k + "'").join(", "),
  };
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
