// Runs the chat client's validators on the frames of a JSON file
// ([{action, frame}], frame as text) and prints their problems as JSON,
// one list per frame, for TestValidatorsAgreeWithGo.
import { readFileSync } from "node:fs";

import { validateNewChatMessage, validatePingMessage, validatePongMessage } from "../chatclient/validators.js";
import { validate, type Check } from "../chatclient/base/validate.js";

const checks: Record<string, Check> = {
  new_chat_message: validateNewChatMessage,
  ping: validatePingMessage,
  pong: validatePongMessage,
};

const cases = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as { action: string; frame: string }[];
const out = cases.map((c) => {
  const check = checks[c.action];
  if (check === undefined) throw new Error("no validator for " + c.action);
  return validate(check, JSON.parse(c.frame));
});
process.stdout.write(JSON.stringify(out));
