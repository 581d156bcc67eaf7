// The chat page of the browser test: the chat client bundled for the
// browser, talking to the Go chat server through the page's own origin.
// The query names the room and the member: /?room=lobby&name=Ada.
import { ChatClient, type NewChatMessage } from "../chatclient/index.js";

const params = new URLSearchParams(location.search);
const room = params.get("room") ?? "lobby";
const name = params.get("name") ?? "anonymous";
const log = document.getElementById("log")!;
const form = document.getElementById("form") as HTMLFormElement;
const input = document.getElementById("message") as HTMLInputElement;
const status = document.getElementById("status")!;

function show(m: NewChatMessage, mine: boolean): void {
  const li = document.createElement("li");
  li.className = mine ? "mine" : "theirs";
  li.textContent = m.payload.name + ": " + m.payload.message;
  log.append(li);
}

const chat = new ChatClient(location.origin, { room }, {
  reconnect: true,
  hooks: {
    afterClose: (info) => {
      status.textContent = info.reconnecting ? "reconnecting" : "closed";
    },
    onInvalidMessage: (_frame, err) => {
      status.textContent = err.message;
    },
  },
});
chat.onNewChatMessage((m) => show(m, false));

form.addEventListener("submit", (ev) => {
  ev.preventDefault();
  const m: NewChatMessage = { action: "new_chat_message", payload: { message: input.value, name } };
  try {
    chat.send(m);
    show(m, true); // the server does not echo a message to its sender
    input.value = "";
  } catch (err) {
    status.textContent = String(err);
  }
});

// The server joins the room before it reads the first frame: after a
// pong, messages to the room reach this page.
chat.connect().then(() => chat.requestPing()).then(
  () => {
    status.textContent = "connected as " + name + " in " + room;
    document.body.dataset["state"] = "connected";
  },
  (err: unknown) => {
    status.textContent = "connect failed: " + String(err);
  },
);
