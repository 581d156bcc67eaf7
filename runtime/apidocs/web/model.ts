// The console's model of a document, without the page: the channels a
// client can connect to with the messages it may send and receive, what
// the server answers a frame with (checkFrame) and a generated value for a
// schema. console.ts puts it on the page; TestConsoleGeneratesValidFrames
// runs it under Node.

import { Validator, exported, type Schema } from "./schema.js";
import type { Problem } from "./base/problems.js";

// The discriminator every chanx frame carries (PROTOCOL.md §1).
const tagKey = "action";

type Obj = { [k: string]: unknown };

export interface Message {
  name: string;
  tag: string | undefined;
  payload: Schema;
  className: string;
  examples: unknown[];
}

export interface Channel {
  name: string;
  address: string;
  params: { name: string; description: string; example: string }[];
  sends: Message[]; // what the client may send (the server's receive operations)
  receives: Message[]; // what the server sends (send operations, replies)
}

function obj(x: unknown): Obj | undefined {
  return typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Obj) : undefined;
}

/** follower resolves $refs (message, channel, parameter) through the validator. */
export function follower(validator: Validator): (x: unknown) => Obj {
  return (x) => {
    for (let i = 0; i < 32; i++) {
      const o = obj(x);
      if (o === undefined || typeof o["$ref"] !== "string") return o ?? {};
      x = validator.resolve(o as Schema);
      if (x === o) break;
    }
    return obj(x) ?? {};
  };
}

// readChannels lists the channels with an address, and per channel the
// messages of its operations: receive operations are what a client sends,
// send operations and replies what it gets.
export function readChannels(doc: unknown, follow: (x: unknown) => Obj, validator: Validator): Channel[] {
  const d = obj(doc) ?? {};
  const out: Channel[] = [];
  const chans = obj(d["channels"]) ?? {};
  const ops = obj(d["operations"]) ?? {};
  for (const name of Object.keys(chans)) {
    const ch = follow(chans[name]);
    if (typeof ch["address"] !== "string") continue;
    const params = Object.entries(obj(ch["parameters"]) ?? {}).map(([pn, pv]) => {
      const p = follow(pv);
      const ex = Array.isArray(p["examples"]) ? p["examples"][0] : Array.isArray(p["enum"]) ? p["enum"][0] : p["default"];
      return { name: pn, description: typeof p["description"] === "string" ? p["description"] : "", example: ex === undefined ? "" : String(ex) };
    });
    const c: Channel = { name, address: ch["address"], params, sends: [], receives: [] };
    const add = (list: Message[], ref: unknown) => {
      const m = follow(ref);
      if (list.some((x) => x.payload === m["payload"])) return;
      const refText = obj(ref)?.["$ref"];
      const last = typeof refText === "string" ? decodeURIComponent(refText.slice(refText.lastIndexOf("/") + 1)) : "message";
      const mname = typeof m["name"] === "string" ? m["name"] : last;
      const payload = (m["payload"] ?? true) as Schema;
      const ps = obj(validator.resolve(payload));
      const tagSchema = obj(validator.resolve((obj(ps?.["properties"])?.[tagKey] ?? true) as Schema));
      const tag = typeof tagSchema?.["const"] === "string" ? tagSchema["const"] : undefined;
      const examples = Array.isArray(m["examples"]) ? m["examples"].map((e) => obj(e)?.["payload"]).filter((e) => e !== undefined) : [];
      list.push({ name: mname, tag, payload, className: exported(mname), examples });
    };
    for (const on of Object.keys(ops)) {
      const op = follow(ops[on]);
      const opCh = obj(op["channel"])?.["$ref"];
      if (opCh !== "#/channels/" + name.replaceAll("~", "~0").replaceAll("/", "~1")) continue;
      const msgs = Array.isArray(op["messages"]) ? op["messages"] : [];
      const reply = obj(follow(op["reply"])["messages"]) ?? follow(op["reply"])["messages"];
      for (const m of msgs) add(op["action"] === "receive" ? c.sends : c.receives, m);
      if (Array.isArray(reply)) for (const m of reply) add(c.receives, m);
    }
    out.push(c);
  }
  return out;
}

// checkFrame is what the server answers a text frame with, [] when it
// accepts it: the frame is JSON, an object, carries a tag naming a
// message the client may send (PROTOCOL.md §4.1's frame-level problems),
// and that message's payload schema holds.
export function checkFrame(validator: Validator, ch: Channel, text: string): Problem[] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    // The server's words (wire.PeekProblem), not the browser's.
    return [{ type: "json_invalid", loc: [], msg: "Invalid JSON: the frame is not a JSON text" }];
  }
  const o = obj(v);
  if (o === undefined) {
    return [{ type: "model_attributes_type", loc: [], msg: "Input should be a valid dictionary or object to extract fields from" }];
  }
  const tag = Object.prototype.hasOwnProperty.call(o, tagKey) ? o[tagKey] : undefined;
  if (tag === undefined) return [{ type: "union_tag_not_found", loc: [], msg: "Unable to extract tag using discriminator '" + tagKey + "'" }];
  if (typeof tag !== "string") {
    return [{ type: "union_tag_invalid", loc: [tagKey], msg: "Input tag found using '" + tagKey + "' should be a string" }];
  }
  const m = ch.sends.find((x) => x.tag === tag);
  if (m === undefined) {
    const expected = ch.sends.flatMap((x) => (x.tag === undefined ? [] : [x.tag])).sort();
    return [{
      type: "union_tag_invalid",
      loc: [],
      msg: "Input tag '" + tag + "' found using '" + tagKey + "' does not match any of the expected tags: " + expected.map((k) => "'" + k + "'").join(", "),
    }];
  }
  return validator.validate(m.payload, v, m.className);
}

// checkIncoming says what an incoming frame is: a message of the channel
// (valid or not against its schema), an error frame, or undeclared.
export function checkIncoming(validator: Validator, ch: Channel, text: string): [string, string] {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return ["not JSON", "invalid"];
  }
  const tag = obj(v)?.[tagKey];
  if (tag === "error") return ["error frame", "error"];
  const m = ch.receives.find((x) => x.tag === tag) ?? ch.sends.find((x) => x.tag === tag);
  if (m === undefined) return ["not declared by the channel", "undeclared"];
  const ps = validator.validate(m.payload, v, m.className);
  if (ps.length === 0) return [m.name + ", valid", "valid"];
  return [m.name + ", invalid: " + JSON.stringify(ps), "invalid"];
}

// generate builds a value the schema accepts where it can tell: consts,
// defaults, examples, the first enum value, required members (and those
// with a const or default), strings and arrays at their minimum length,
// numbers within their bounds.
export function generate(validator: Validator, s: Schema, depth: number): unknown {
  const o = obj(validator.resolve(s));
  if (o === undefined || depth > 8) return null;
  if ("const" in o) return o["const"];
  if ("default" in o) return o["default"];
  if (Array.isArray(o["examples"]) && o["examples"].length > 0) return o["examples"][0];
  if (Array.isArray(o["enum"]) && o["enum"].length > 0) return o["enum"][0];
  for (const kw of ["oneOf", "anyOf"]) {
    if (Array.isArray(o[kw]) && o[kw].length > 0) return generate(validator, o[kw][0] as Schema, depth + 1);
  }
  if (Array.isArray(o["allOf"])) {
    const parts = o["allOf"].map((b) => generate(validator, b as Schema, depth + 1));
    if (parts.every((p) => obj(p) !== undefined)) return Object.assign({}, ...parts);
    return parts[0] ?? null;
  }
  const t = Array.isArray(o["type"]) ? o["type"].find((x) => x !== "null") : o["type"];
  const props = obj(o["properties"]);
  switch (t ?? (props !== undefined ? "object" : undefined)) {
    case "object": {
      const out: Obj = {};
      const required = Array.isArray(o["required"]) ? o["required"] : [];
      for (const [k, ps] of Object.entries(props ?? {})) {
        const po = obj(validator.resolve(ps as Schema));
        if (required.includes(k) || (po !== undefined && ("const" in po || "default" in po))) {
          out[k] = generate(validator, ps as Schema, depth + 1);
        }
      }
      return out;
    }
    case "array": {
      const n = typeof o["minItems"] === "number" ? o["minItems"] : 0;
      const items = (Array.isArray(o["items"]) ? true : (o["items"] ?? true)) as Schema;
      return Array.from({ length: n }, () => generate(validator, items, depth + 1));
    }
    case "string": {
      if (o["format"] === "date-time") return new Date(0).toISOString();
      if (o["format"] === "date") return "2026-01-01";
      if (o["format"] === "uuid") return "00000000-0000-4000-8000-000000000000";
      const n = typeof o["minLength"] === "number" ? Math.max(o["minLength"], 1) : 1;
      return "x".repeat(typeof o["maxLength"] === "number" ? Math.min(n, o["maxLength"]) : n);
    }
    case "integer":
    case "number": {
      let x = 0;
      if (typeof o["minimum"] === "number") x = Math.max(x, o["minimum"]);
      if (typeof o["exclusiveMinimum"] === "number") x = Math.max(x, Math.floor(o["exclusiveMinimum"]) + 1);
      if (typeof o["maximum"] === "number") x = Math.min(x, o["maximum"]);
      if (typeof o["multipleOf"] === "number") x = Math.ceil(x / o["multipleOf"]) * o["multipleOf"];
      return t === "integer" ? Math.ceil(x) : x;
    }
    case "boolean":
      return false;
  }
  return null;
}

