// The chat page's script: the TypeScript chat client chanx generates from
// asyncapi.yaml, driving the form in index.html. esbuild bundles it with the
// client into chat.js, which the Go server embeds and serves beside
// index.html; TestWebBundle (web_test.go) fails when chat.js is stale and
// says how to rebuild it.
import { ChatClient, ServerError, ValidationError } from "./chatclient/index.js";

const $ = <T extends Element>(sel: string): T => document.querySelector<T>(sel)!;
const log = $<HTMLUListElement>("#log");
const join = $<HTMLFormElement>("#join");
const send = $<HTMLFormElement>("#send");
const nameInput = $<HTMLInputElement>("#join [name=name]");
const roomInput = $<HTMLInputElement>("#join [name=room]");
const messageInput = $<HTMLInputElement>("#send [name=message]");
let chat: ChatClient | undefined;

function show(text: string, cls = ""): void {
  const li = document.createElement("li");
  li.textContent = text;
  if (cls !== "") li.className = cls;
  log.append(li);
  log.scrollTop = log.scrollHeight;
}

// setState shows the connection's state; body[data-state] is what the
// browser test waits for.
function setState(state: "connecting" | "connected" | "closed"): void {
  const on = state === "connected";
  messageInput.disabled = !on;
  $<HTMLButtonElement>("#send button").disabled = !on;
  $("#status").textContent = state === "closed" ? "not connected" : state;
  $("#joinButton").textContent = state === "closed" ? "Join" : "Leave";
  document.body.dataset["state"] = state;
}

function describe(err: unknown): string {
  if (err instanceof ServerError || err instanceof ValidationError) return err.message.replace(/^chanx: /, "");
  return String(err);
}

join.addEventListener("submit", (ev) => {
  ev.preventDefault();
  if (chat !== undefined) {
    void chat.close();
    return;
  }
  const room = roomInput.value.trim();
  const c = new ChatClient(location.origin, { room }, {
    hooks: {
      onError: (err) => show("error: " + describe(err), "error"),
      onInvalidMessage: (_frame, err) => show("invalid frame: " + describe(err), "error"),
      afterClose: (info) => {
        if (chat !== c) return;
        chat = undefined;
        setState("closed");
        show("disconnected (" + info.code + (info.reason !== "" ? ": " + info.reason : "") + ")", "system");
      },
    },
  });
  chat = c;
  c.onNewChatMessage((m) => show(m.payload.name + ": " + m.payload.message));
  setState("connecting");
  // The server joins the room before it reads the first frame: once the
  // pong is back, messages to the room reach this page.
  c.connect()
    .then(() => c.requestPing())
    .then(
      () => {
        setState("connected");
        show("joined room " + room, "system");
        messageInput.focus();
      },
      (err: unknown) => {
        show("could not join: " + describe(err), "error");
        if (chat === c) {
          chat = undefined;
          setState("closed");
        }
        void c.close();
      },
    );
});

send.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const name = nameInput.value.trim();
  const message = messageInput.value;
  if (chat === undefined || message === "") return;
  try {
    chat.sendNewChatMessage({ message, name });
  } catch (err) {
    show(describe(err), "error"); // refused before it was sent
    return;
  }
  show(name + ": " + message, "me"); // the server does not echo a message to its sender
  messageInput.value = "";
  messageInput.focus();
});
