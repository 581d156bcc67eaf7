// A switch over everything a chat client receives, checked exhaustive
// by a never: TestExhaustivenessBites removes a case and expects tsc to
// fail here.
import type { ChatIncoming } from "../chatclient/index.js";

export function describe(m: ChatIncoming): string {
  switch (m.action) {
    case "new_chat_message":
      return m.payload.name + ": " + m.payload.message;
    case "pong":
      return "pong";
    default: {
      const unreachable: never = m;
      return unreachable;
    }
  }
}
