// Runs the chat client's validators, and its routing of whole frames, on
// the frames of a JSON file and prints their problems as JSON, one list
// per frame, for TestValidatorsAgreeWithGo:
//   validators: [{action, frame}]  the message's validator on the frame
//   incoming:   [frame]            the frame received: what onInvalidMessage gets
//   outgoing:   [frame]            the frame passed to send: what it is refused with
// Frames are JSON texts.
import { readFileSync } from "node:fs";

import { ChatClient } from "../chatclient/chat.js";
import { validateNewChatMessage, validatePingMessage, validatePongMessage } from "../chatclient/validators.js";
import { ValidationError, type Problem } from "../chatclient/base/index.js";
import { validate, type Check } from "../chatclient/base/validate.js";

const checks: Record<string, Check> = {
  new_chat_message: validateNewChatMessage,
  ping: validatePingMessage,
  pong: validatePongMessage,
};

interface Cases {
  validators: { action: string; frame: string }[];
  incoming: string[];
  outgoing: string[];
}

// FakeSocket opens at once and keeps what is sent: routing needs no server.
class FakeSocket {
  static last: FakeSocket | undefined;
  readyState = 1;
  protocol = "";
  binaryType = "blob";
  onopen: ((ev: never) => void) | null = null;
  onmessage: ((ev: never) => void) | null = null;
  onclose: ((ev: never) => void) | null = null;
  onerror: ((ev: never) => void) | null = null;
  sent: string[] = [];
  constructor(_url: string) {
    FakeSocket.last = this;
    queueMicrotask(() => this.onopen?.({} as never));
  }
  send(data: string): void {
    this.sent.push(data);
  }
  close(): void {}
}

const cases = JSON.parse(readFileSync(process.argv[2]!, "utf8")) as Cases;
const validators = cases.validators.map((c) => {
  const check = checks[c.action];
  if (check === undefined) throw new Error("no validator for " + c.action);
  return validate(check, JSON.parse(c.frame));
});

let invalid: Problem[] = [];
const chat = new ChatClient("ws://fake", { room: "lobby" }, {
  WebSocket: FakeSocket,
  hooks: {
    onInvalidMessage: (_frame, err) => {
      invalid = err.problems;
    },
  },
});
await chat.connect();
const socket = FakeSocket.last!;
const incoming = cases.incoming.map((frame) => {
  invalid = [];
  socket.onmessage?.({ data: frame } as never);
  return invalid;
});
const outgoing = cases.outgoing.map((frame) => {
  try {
    chat.send(JSON.parse(frame));
    return [];
  } catch (err) {
    if (err instanceof ValidationError) return err.problems;
    throw err;
  }
});
await chat.close();
process.stdout.write(JSON.stringify({ validators, incoming, outgoing }));
