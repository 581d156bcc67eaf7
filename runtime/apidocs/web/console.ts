// The docs page's console: connect to a channel of the document the page
// shows, pick a message the client may send, start from its example or a
// generated value, edit it, validate it with the server's rules
// (schema.ts) and send it, and see every frame in and out, incoming ones
// validated against what the channel sends.
//
// The page (html.go) holds the console's form; this script, bundled with
// the TypeScript client runtime's problem rules into console.js
// (TestConsoleBundle), fills it in from asyncapi.json, fetched beside it.

import { parseJSON } from "./json.js";
import { Validator } from "./schema.js";
import { checkFrame, checkIncoming, follower, generate, readChannels } from "./model.js";
import type { Problem } from "./base/problems.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;

async function main(): Promise<void> {
  const root = $<HTMLElement>("console");
  const res = await fetch(new URL("../asyncapi.json", import.meta.url));
  const { value: doc, literals } = parseJSON(await res.text());
  const validator = new Validator(doc, literals);
  const follow = follower(validator);
  const channels = readChannels(doc, follow, validator);
  if (channels.length === 0) {
    root.dataset["state"] = "none";
    $<HTMLElement>("console-problems").textContent = "The document has no channel with an address to connect to.";
    return;
  }
  const chSelect = $<HTMLSelectElement>("console-channel");
  const msgSelect = $<HTMLSelectElement>("console-message");
  const paramsBox = $<HTMLElement>("console-params");
  const urlOut = $<HTMLOutputElement>("console-url");
  const frame = $<HTMLTextAreaElement>("console-frame");
  const problemsBox = $<HTMLElement>("console-problems");
  const log = $<HTMLOListElement>("console-log");
  const connectBtn = $<HTMLButtonElement>("console-connect-button");
  const disconnectBtn = $<HTMLButtonElement>("console-disconnect");
  const sendBtn = $<HTMLButtonElement>("console-send-button");
  let ws: WebSocket | undefined;

  for (const ch of channels) chSelect.add(new Option(ch.name + " " + ch.address, ch.name));
  const channel = () => channels.find((c) => c.name === chSelect.value) ?? channels[0]!;
  const message = () => channel().sends.find((m) => m.name === msgSelect.value);

  const url = (): string => {
    const ch = channel();
    let path = ch.address;
    for (const p of ch.params) {
      const input = paramsBox.querySelector<HTMLInputElement>(`input[name="${CSS.escape(p.name)}"]`);
      path = path.replaceAll("{" + p.name + "}", encodeURIComponent(input?.value ?? ""));
    }
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  };
  const showChannel = () => {
    const ch = channel();
    paramsBox.replaceChildren();
    for (const p of ch.params) {
      const id = "console-param-" + p.name;
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = p.name;
      const input = document.createElement("input");
      input.id = id;
      input.name = p.name;
      input.required = true;
      input.value = p.example;
      if (p.description !== "") input.title = p.description;
      input.addEventListener("input", () => (urlOut.value = url()));
      paramsBox.append(label, " ", input, " ");
    }
    msgSelect.replaceChildren();
    for (const m of ch.sends) msgSelect.add(new Option(m.name, m.name));
    urlOut.value = url();
    fill(false);
  };
  const fill = (generated: boolean) => {
    const m = message();
    if (m === undefined) {
      frame.value = "";
      return;
    }
    const v = !generated && m.examples.length > 0 ? m.examples[0] : generate(validator, m.payload, 0);
    frame.value = JSON.stringify(v, null, 2);
    showProblems([]);
  };
  const showProblems = (ps: Problem[]) => {
    problemsBox.replaceChildren();
    root.dataset["problems"] = String(ps.length);
    if (ps.length === 0) return;
    const p = document.createElement("p");
    p.textContent = "Not sent: the server would refuse this frame with these problems:";
    const pre = document.createElement("pre");
    pre.id = "console-problem-list";
    pre.textContent = JSON.stringify(ps, null, 2);
    problemsBox.append(p, pre);
  };
  const entry = (dir: string, text: string, note?: string, cls?: string) => {
    const li = document.createElement("li");
    li.className = dir + (cls === undefined ? "" : " " + cls);
    const t = document.createElement("time");
    const now = new Date();
    t.dateTime = now.toISOString();
    t.textContent = now.toISOString().slice(11, 23);
    const d = document.createElement("span");
    d.className = "dir";
    d.textContent = { out: "→ sent", in: "← received", refused: "✗ refused", info: "•" }[dir] ?? dir;
    const code = document.createElement("code");
    code.textContent = text;
    li.append(t, " ", d, " ", code);
    if (note !== undefined) {
      const n = document.createElement("span");
      n.className = "note";
      n.textContent = " " + note;
      li.append(n);
    }
    log.append(li);
    li.scrollIntoView({ block: "nearest" });
  };
  const setState = (s: string) => {
    root.dataset["state"] = s;
    connectBtn.disabled = s === "connecting" || s === "connected";
    disconnectBtn.disabled = s !== "connected";
    sendBtn.disabled = s !== "connected";
  };

  chSelect.addEventListener("change", showChannel);
  msgSelect.addEventListener("change", () => fill(false));
  $<HTMLButtonElement>("console-example").addEventListener("click", () => fill(false));
  $<HTMLButtonElement>("console-generate").addEventListener("click", () => fill(true));
  $<HTMLButtonElement>("console-validate").addEventListener("click", () => {
    const ps = checkFrame(validator, channel(), frame.value);
    showProblems(ps);
    if (ps.length === 0) problemsBox.textContent = "Valid.";
  });
  $<HTMLFormElement>("console-connect").addEventListener("submit", (e) => {
    e.preventDefault();
    const target = url();
    setState("connecting");
    entry("info", "connecting to " + target);
    const sock = new WebSocket(target);
    ws = sock;
    sock.addEventListener("open", () => {
      setState("connected");
      entry("info", "connected to " + target);
    });
    sock.addEventListener("message", (ev) => {
      const text = typeof ev.data === "string" ? ev.data : "(binary frame)";
      const [note, cls] = checkIncoming(validator, channel(), text);
      entry("in", text, note, cls);
    });
    sock.addEventListener("close", (ev) => {
      if (ws === sock) ws = undefined;
      setState("closed");
      entry("info", "closed: code " + ev.code + (ev.reason === "" ? "" : ", " + ev.reason));
    });
  });
  disconnectBtn.addEventListener("click", () => ws?.close(1000));
  $<HTMLFormElement>("console-send").addEventListener("submit", (e) => {
    e.preventDefault();
    const ps = checkFrame(validator, channel(), frame.value);
    showProblems(ps);
    if (ps.length > 0) {
      entry("refused", frame.value.replace(/\s+/g, " "), ps.length + " problem" + (ps.length === 1 ? "" : "s") + ", not sent", "invalid");
      return;
    }
    if (ws === undefined || ws.readyState !== WebSocket.OPEN) return;
    const text = JSON.stringify(JSON.parse(frame.value));
    ws.send(text);
    entry("out", text);
  });
  showChannel();
  setState("idle");
  root.dataset["ready"] = "true";
}

main().catch((e: unknown) => {
  const box = document.getElementById("console-problems");
  if (box !== null) box.textContent = "The console could not start: " + String(e);
  document.getElementById("console")?.setAttribute("data-state", "failed");
});
