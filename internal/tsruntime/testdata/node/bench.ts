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

// Interleave the two several times and keep each one's best, so that a
// busy machine slows both alike.
let parse = Infinity;
let both = Infinity;
for (let r = 0; r < 5; r++) {
  parse = Math.min(parse, measure(() => void (sink += JSON.parse(frame) === null ? 0 : 1), 200_000));
  both = Math.min(both, measure(() => void (sink += validate(validateNewChatMessage, JSON.parse(frame)).length), 200_000));
}
process.stdout.write(
  JSON.stringify({ frameBytes: frame.length, parseNs: parse, parseValidateNs: both, ratio: both / parse, sink: sink > 0 }) + "\n",
);
