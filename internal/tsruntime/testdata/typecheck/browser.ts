// The chat client as a browser program uses it, type-checked against the
// DOM library: the browser's WebSocket and AbortSignal fit the runtime's
// WebSocketLike and AbortSignalLike without casts.
import { ChatClient, ServerError } from "../chatclient/index.js";

export async function demo(page: { show(line: string): void }): Promise<void> {
  const chat = new ChatClient(location.origin, { room: "lobby" }, {
    WebSocket,
    query: { token: "secret" },
    protocols: ["chanx.v1"],
    reconnect: { maxAttempts: 5 },
    hooks: { onError: (err: ServerError) => page.show(err.code) },
  });
  chat.onNewChatMessage((m) => page.show(m.payload.name + ": " + m.payload.message));
  await chat.connect();
  const ac = new AbortController();
  await chat.requestPing(null, { signal: ac.signal, timeout: 1000 });
  chat.sendNewChatMessage({ message: "hi", name: "Ada" });
  for await (const m of chat.messages()) {
    if (m.action === "pong") break;
  }
  await chat.close(1000, "bye");
}

// What the types forbid: each line must fail to compile (tsc reports an
// unused @ts-expect-error otherwise).
export function forbidden(chat: ChatClient): void {
  // @ts-expect-error new_chat_message has no reply to wait for
  void chat.request({ action: "new_chat_message", payload: { message: "x", name: "y" } });
  // @ts-expect-error clients do not send pong
  chat.send({ action: "pong" });
  // @ts-expect-error payload.name is required
  chat.sendNewChatMessage({ message: "x" });
  // @ts-expect-error clients do not receive ping
  chat.on("ping", () => {});
  chat.on("pong", (m) => {
    // @ts-expect-error a pong has no message member
    void m.payload.message;
  });
}
