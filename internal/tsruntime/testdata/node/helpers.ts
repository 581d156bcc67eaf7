// Runs the runtime's validator helpers on the inputs of a JSON file and
// prints their answers as JSON, for TestHelpersAgreeWithGo; also the
// problem types the runtime knows.
import { readFileSync } from "node:fs";

import { Decimal, decodeField, decodeNumber, equal, isMultipleOf, key, runeCount, type DecodeKind } from "../chatclient/base/validate.js";
import { ProblemType, expectedMessage } from "../chatclient/base/problems.js";
import { buildUrl, pathEscape } from "../chatclient/base/url.js";

interface Input {
  multipleOf: [number, string][];
  strings: string[];
  equal: [string, string][];
  expected: string[];
  decode: [string, string][];
  urls: [string, string, Record<string, string>][];
}

const input = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Input;
process.stdout.write(
  JSON.stringify({
    multipleOf: input.multipleOf.map(([x, lit]) => isMultipleOf(x, new Decimal(lit))),
    runeCount: input.strings.map(runeCount),
    expected: input.expected.map((vs) => expectedMessage(JSON.parse(vs) as unknown[])),
    pathEscape: input.strings.map(pathEscape),
    equal: input.equal.map(([a, b]) => equal(JSON.parse(a), JSON.parse(b))),
    decode: input.decode.map(([kind, value]) => {
      const v: unknown = JSON.parse(value);
      const at = key(undefined, kind);
      const p =
        kind === "int" || kind === "float" ? decodeNumber(v, at, kind) : decodeField(v, at, kind as DecodeKind, "probeModel");
      return p ?? null;
    }),
    urls: input.urls.map(([base, address, params]) => buildUrl(base, address, params)),
    problemTypes: Object.values(ProblemType).sort(),
  }),
);
