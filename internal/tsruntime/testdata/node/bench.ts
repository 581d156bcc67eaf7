// Measures what the chat client's validation adds to reading a frame:
// JSON.parse alone against JSON.parse plus the validators, on the
// 216-byte chat frame of issue #11. Prints one JSON line; run through
// TestValidationCost (CHANX_TEST_BENCH=1).
import { validate } from "../chatclient/base/validate.js";
import { validateNewChatMessage } from "../chatclient/validators.js";

const frame =
  '{"action": "new_chat_message", "payload": {"message": "' + "x".repeat(134) + '", "name": "Ada Lovelace"}}';

let sink = 0;
function measure(fn: () => void, rounds: number): number {
  for (let i = 0; i < 50_000; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  return Number(process.hrtime.bigint() - start) / rounds;
}

// Interleave the three several times and keep each one's best, so that a
// busy machine slows them alike. The ratio is (parse + validate) / parse
// from the best of each, the steadier figure on a loaded machine;
// directRatio times the two together.
let parse = Infinity;
let both = Infinity;
let alone = Infinity;
const parsed: unknown = JSON.parse(frame);
for (let r = 0; r < 15; r++) {
  parse = Math.min(parse, measure(() => void (sink += JSON.parse(frame) === null ? 0 : 1), 100_000));
  both = Math.min(both, measure(() => void (sink += validate(validateNewChatMessage, JSON.parse(frame)).length), 100_000));
  alone = Math.min(alone, measure(() => void (sink += validate(validateNewChatMessage, parsed).length), 100_000));
}
process.stdout.write(
  JSON.stringify({ frameBytes: frame.length, parseNs: parse, parseValidateNs: both, validateNs: alone, ratio: (parse + alone) / parse, directRatio: both / parse, sink: sink > 0 }) + "\n",
);
