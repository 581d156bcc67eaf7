// Loopback tests of the TypeScript client runtime under Node 20, through
// the chat client, against the real Go chat server (CHAT_URL), a Go server
// that sends bad frames on purpose (BAD_URL), and a chat server this file
// restarts (CHAT_BIN). The Go test TestNodeLoopback runs it.

import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createInterface } from "node:readline";
import { test } from "node:test";
import WebSocket from "ws";

import {
  ChatClient,
  ClosedError,
  DialError,
  NotConnectedError,
  ServerError,
  TimeoutError,
  ValidationError,
  buildUrl,
  type ChatIncoming,
  type ClientOptions,
  type CloseInfo,
  type NewChatMessage,
  type Problem,
} from "../chatclient/index.js";

const chatURL = need("CHAT_URL");
const badURL = need("BAD_URL");

function need(name: string): string {
  const v = process.env[name];
  if (v === undefined || v === "") throw new Error(name + " is not set: run this file through go test ./internal/tsruntime");
  return v;
}

let rooms = 0;
/** A room no other test uses. */
function room(): string {
  return "room-" + process.pid + "-" + ++rooms;
}

const open: ChatClient[] = [];
async function connect(base: string, roomName: string, options: ClientOptions<ChatClient> = {}): Promise<ChatClient> {
  const c = new ChatClient(base, { room: roomName }, { WebSocket, ...options });
  open.push(c);
  await c.connect();
  return c;
}

/**
 * member connects to the chat server's room and waits for a pong: the
 * server joins the room before it reads the first frame, so after the pong
 * the member gets the room's messages.
 */
async function member(roomName: string, options: ClientOptions<ChatClient> = {}): Promise<ChatClient> {
  const c = await connect(chatURL, roomName, options);
  await c.requestPing();
  return c;
}

test.afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});

/** Resolves with the first value fn is called with; rejects after ms. */
function first<T>(ms = 5000): { fn: (v: T) => void; value: Promise<T> } {
  let fn!: (v: T) => void;
  const value = new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("nothing arrived within " + ms + " ms")), ms);
    fn = (v) => {
      clearTimeout(timer);
      resolve(v);
    };
  });
  return { fn, value };
}

test("ping gets pong through request()", async () => {
  const c = await connect(chatURL, room());
  const pong = await c.requestPing();
  assert.deepEqual(pong, { action: "pong" });
  assert.equal(c.state, "open");
});

test("a message reaches the other member of the room, not its sender", async () => {
  const r = room();
  const ada = await member(r);
  const bob = await member(r);
  const adaGot: NewChatMessage[] = [];
  ada.onNewChatMessage((m) => void adaGot.push(m));
  const got = first<NewChatMessage>();
  bob.onNewChatMessage(got.fn);
  ada.sendNewChatMessage({ message: "Hello, room!", name: "Ada" });
  assert.deepEqual(await got.value, { action: "new_chat_message", payload: { message: "Hello, room!", name: "Ada" } });
  // The server answers Ada's frames in order: after her pong, a copy of
  // her own message would have come already.
  await ada.requestPing();
  assert.deepEqual(adaGot, []);
});

test("messages() yields incoming frames and ends when the client closes", async () => {
  const r = room();
  const ada = await member(r);
  const bob = await member(r);
  const it = bob.messages();
  ada.sendNewChatMessage({ message: "one", name: "Ada" });
  ada.sendNewChatMessage({ message: "two", name: "Ada" });
  const seen: string[] = [];
  for await (const m of it) {
    const mm: ChatIncoming = m;
    switch (mm.action) {
      case "new_chat_message":
        seen.push(mm.payload.message);
        break;
      case "pong":
        break;
      default: {
        const never: never = mm;
        throw new Error("unexpected " + String(never));
      }
    }
    if (seen.length === 2) void bob.close();
  }
  assert.deepEqual(seen, ["one", "two"]);
  assert.equal(bob.state, "closed");
});

test("an invalid outgoing frame is refused before it is sent", async () => {
  const r = room();
  const ada = await member(r);
  const bob = await member(r);
  const bobGot: string[] = [];
  const got = first<void>();
  bob.onNewChatMessage((m) => {
    bobGot.push(m.payload.message);
    got.fn();
  });
  assert.throws(
    () => ada.sendNewChatMessage({ message: "", name: "x".repeat(101) }),
    (err: unknown) => {
      assert.ok(err instanceof ValidationError);
      assert.deepEqual(err.problems, [
        { type: "string_too_short", loc: ["payload", "message"], msg: "String should have at least 1 character" },
        { type: "string_too_long", loc: ["payload", "name"], msg: "String should have at most 100 characters" },
      ]);
      assert.equal(
        err.message,
        'chanx: invalid outgoing "new_chat_message" frame: payload.message: String should have at least 1 character; payload.name: String should have at most 100 characters',
      );
      return true;
    },
  );
  // Code points, not UTF-16 units: 100 emoji are a valid name.
  ada.sendNewChatMessage({ message: "after", name: "😀".repeat(100) });
  await got.value;
  assert.deepEqual(bobGot, ["after"]);
  // An action the channel does not send is refused, the known ones listed in sorted order.
  assert.throws(
    () => ada.send({ action: "dance", payload: null } as unknown as NewChatMessage),
    (err: unknown) =>
      err instanceof ValidationError &&
      err.problems[0]?.msg === "Input tag 'dance' found using 'action' does not match any of the expected tags: 'new_chat_message', 'ping'",
  );
  // A frame the types forbid (JavaScript callers have no types) is
  // refused too, with the problem the server would report.
  assert.throws(
    () => ada.send({ action: "new_chat_message", payload: { message: 5, name: "Ada" } } as unknown as NewChatMessage),
    (err: unknown) =>
      err instanceof ValidationError &&
      JSON.stringify(err.problems) ===
        JSON.stringify([{ type: "string_type", loc: ["payload", "message"], msg: "Input should be a valid string" }]),
  );
});

test("invalid incoming frames reach onInvalidMessage, non-JSON reaches onRawData", async () => {
  const invalid: { frame: string; problems: Problem[] }[] = [];
  const raw: unknown[] = [];
  const handled: NewChatMessage[] = [];
  const done = first<void>();
  const c = new ChatClient(badURL, { room: "invalid" }, {
    WebSocket,
    hooks: {
      onInvalidMessage: (frame, err) => void invalid.push({ frame, problems: err.problems }),
      onRawData: (data) => void raw.push(data),
    },
  });
  open.push(c);
  c.onNewChatMessage((m) => {
    handled.push(m);
    done.fn();
  });
  await c.connect();
  await done.value;
  assert.deepEqual(handled, [{ action: "new_chat_message", payload: { message: "the last frame", name: "Ada" } }]);
  assert.deepEqual(raw.map((d) => (typeof d === "string" ? d : "binary " + (d as ArrayBuffer).byteLength)), ["hello", "binary 3"]);
  assert.deepEqual(invalid, [
    {
      frame: '{"action":"new_chat_message","payload":{"message":"","name":"Ada"}}',
      problems: [{ type: "string_too_short", loc: ["payload", "message"], msg: "String should have at least 1 character" }],
    },
    {
      frame: '{"action":"new_chat_message","payload":{"message":5,"name":null}}',
      problems: [{ type: "string_type", loc: ["payload", "message"], msg: "Input should be a valid string" }],
    },
    {
      frame: '{"action":"new_chat_message","payload":{"name":null}}',
      problems: [
        { type: "missing", loc: ["payload", "message"], msg: "Field required" },
        { type: "string_type", loc: ["payload", "name"], msg: "Input should be a valid string" },
      ],
    },
    {
      frame: '{"action":"dance","payload":null}',
      problems: [
        {
          type: "union_tag_invalid",
          loc: [],
          msg: "Input tag 'dance' found using 'action' does not match any of the expected tags: 'new_chat_message', 'pong'",
        },
      ],
    },
    {
      frame: "[1]",
      problems: [{ type: "model_attributes_type", loc: [], msg: "Input should be a valid dictionary or object to extract fields from" }],
    },
    { frame: '{"payload":1}', problems: [{ type: "union_tag_not_found", loc: [], msg: "Unable to extract tag using discriminator 'action'" }] },
    {
      frame: '{"action":7}',
      problems: [
        {
          type: "union_tag_invalid",
          loc: [],
          msg: "Input tag '7' found using 'action' does not match any of the expected tags: 'new_chat_message', 'pong'",
        },
      ],
    },
    {
      frame: '{"action":"pong","payload":1}',
      problems: [{ type: "none_required", loc: ["payload"], msg: "Input should be None" }],
    },
  ]);
});

test("a server error frame rejects request() with its code and problems", async () => {
  const errors: ServerError[] = [];
  const c = await connect(badURL, "error", { hooks: { onError: (e) => void errors.push(e) } });
  const rejects = async (want: { code: string; detail: string; reason: string; problems: Problem[]; message: string }) =>
    assert.rejects(c.requestPing(), (err: unknown) => {
      assert.ok(err instanceof ServerError);
      assert.deepEqual(
        { code: err.code, detail: err.detail, reason: err.reason, problems: err.problems, message: err.message },
        want,
      );
      return true;
    });
  await rejects({
    code: "",
    detail: "",
    reason: "",
    problems: [{ type: "string_too_short", loc: ["payload", "message"], msg: "String should have at least 1 character" }],
    message: "chanx: server error: payload.message: String should have at least 1 character",
  });
  await rejects({
    code: "",
    detail: "Failed to process message for ping",
    reason: "",
    problems: [],
    message: "chanx: server error: Failed to process message for ping",
  });
  await rejects({
    code: "room_full",
    detail: "The room is full",
    reason: "",
    problems: [],
    message: "chanx: server error: room_full: The room is full",
  });
  await rejects({
    code: "",
    detail: "Not allowed to subscribe to 'private:secret'",
    reason: "unauthorized",
    problems: [],
    message: "chanx: server error: unauthorized: Not allowed to subscribe to 'private:secret'",
  });
  assert.equal(errors.length, 4);
});

test("an invalid reply rejects request() and reaches onInvalidMessage", async () => {
  const invalid = first<ValidationError>();
  const c = await connect(badURL, "bad-pong", { hooks: { onInvalidMessage: (_frame, err) => invalid.fn(err) } });
  await assert.rejects(c.requestPing(), (err: unknown) => {
    assert.ok(err instanceof ValidationError);
    assert.deepEqual(err.problems, [{ type: "none_required", loc: ["payload"], msg: "Input should be None" }]);
    assert.equal(err.message, 'chanx: invalid incoming "pong" frame: payload: Input should be None');
    return true;
  });
  assert.equal((await invalid.value).action, "pong");
});

test("request() honours its timeout and AbortSignal", async () => {
  const c = await connect(badURL, "silent");
  const started = Date.now();
  await assert.rejects(c.requestPing(null, { timeout: 100 }), (err: unknown) => {
    assert.ok(err instanceof TimeoutError);
    assert.equal(err.message, "chanx: request ping: no pong within 100 ms");
    return true;
  });
  assert.ok(Date.now() - started >= 90);
  const ac = new AbortController();
  const p = c.requestPing(null, { signal: ac.signal, timeout: 0 });
  ac.abort(new Error("user left"));
  await assert.rejects(p, /user left/);
  const aborted = new AbortController();
  aborted.abort();
  await assert.rejects(c.requestPing(null, { signal: aborted.signal }), { name: "AbortError" });
  // Closing fails what still waits.
  const waiting = assert.rejects(c.requestPing(null, { timeout: 0 }), ClosedError);
  await c.close();
  await waiting;
  assert.throws(() => c.sendPing(), ClosedError);
});

test("path parameters are escaped as one segment", async () => {
  assert.equal(
    buildUrl("http://127.0.0.1:1/prefix/", "/ws/chat/{room}", { room: "a b/ç?#:@&=+$!*" }, { token: "t k", n: 1, none: undefined }),
    "ws://127.0.0.1:1/prefix/ws/chat/a%20b%2F%C3%A7%3F%23:@&=+$%21%2A?token=t%20k&n=1",
  );
  assert.throws(() => new ChatClient(chatURL, { room: "" }, { WebSocket }), /parameter "room" is empty/);
  assert.throws(() => new ChatClient("ftp://x", { room: "a" }, { WebSocket }), /must be ws:\/\/, wss:\/\/, http:\/\/ or https:\/\//);
  // Two clients in a room whose name needs escaping still meet there.
  const r = room() + " / ç";
  const ada = await member(r);
  const bob = await member(r);
  const got = first<NewChatMessage>();
  bob.onNewChatMessage(got.fn);
  ada.sendNewChatMessage({ message: "escaped", name: "Ada" });
  assert.equal((await got.value).payload.message, "escaped");
});

test("query, headers and subprotocols reach the handshake", async () => {
  const seen = first<string>();
  const c = await connect(badURL, "echo-handshake", {
    query: { token: "q1" },
    headers: { "X-Token": "h1" },
    protocols: ["chanx.v1"],
    hooks: {
      beforeConnect: (req) => {
        req.url += "&attempt=" + req.attempt;
      },
    },
  });
  c.onAny((m) => {
    if (m.action === "new_chat_message") seen.fn(m.payload.message);
  });
  assert.equal(c.protocol, "chanx.v1");
  c.sendPing();
  assert.equal(await seen.value, "token=q1&attempt=1 x-token=h1 protocol=chanx.v1");
  // Without a constructor that takes headers (a browser's), headers are refused with advice.
  (globalThis as { WebSocket?: unknown }).WebSocket = WebSocket;
  try {
    const browserLike = new ChatClient(badURL, { room: "x" }, { headers: { Authorization: "t" } });
    await assert.rejects(browserLike.connect(), (err: unknown) => {
      assert.ok(err instanceof DialError);
      assert.match(err.message, /browsers cannot set handshake headers \(Authorization\): use the query or a subprotocol/);
      return true;
    });
  } finally {
    delete (globalThis as { WebSocket?: unknown }).WebSocket;
  }
  assert.throws(() => new ChatClient(badURL, { room: "x" }).sendPing(), NotConnectedError);
});

test("a handler's error goes to onHandlerError", async () => {
  const errs = first<[string, unknown]>();
  const r = room();
  const ada = await member(r);
  const bob = await member(r, { hooks: { onHandlerError: (action, err) => errs.fn([action, err]) } });
  bob.onNewChatMessage(async () => {
    throw new Error("handler broke");
  });
  ada.sendNewChatMessage({ message: "x", name: "Ada" });
  const [action, err] = await errs.value;
  assert.equal(action, "new_chat_message");
  assert.match(String(err), /handler broke/);
});

/** startChat runs the chat server binary on addr and resolves with its base URL. */
async function startChat(addr: string): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(need("CHAT_BIN"), ["-addr", addr], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: proc.stdout! });
  for await (const line of lines) {
    const m = /listening on http:\/\/([^/]+)\//.exec(line);
    if (m !== null) return { proc, url: "ws://" + m[1] };
  }
  throw new Error("the chat server exited without saying where it listens");
}

async function stop(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = once(proc, "exit");
  proc.kill("SIGKILL");
  await exited;
}

test("the client reconnects after the server restarts, and afterReconnect re-sends", async () => {
  let server = await startChat("127.0.0.1:0");
  try {
    const closes: CloseInfo[] = [];
    const reconnected = first<number>(20000);
    const connectErrors: Error[] = [];
    const c = await connect(server.url, "lobby", {
      reconnect: { minDelay: 50, maxDelay: 400, jitter: 0.5 },
      hooks: {
        afterClose: (info) => void closes.push(info),
        onConnectionError: (err) => void connectErrors.push(err),
        afterReconnect: (client, attempt) => {
          client.sendPing(); // what an application re-sends: joins, subscriptions
          reconnected.fn(attempt);
        },
      },
    });
    await c.requestPing();
    const it = c.messages();
    const addr = new URL(server.url.replace("ws:", "http:")).host;
    await stop(server.proc);
    // While the server is down the client is reconnecting and refuses sends.
    await new Promise((r) => setTimeout(r, 300));
    assert.equal(c.state, "reconnecting");
    await assert.rejects(c.requestPing(), NotConnectedError);
    server = await startChat(addr);
    const attempts = await reconnected.value;
    assert.ok(attempts >= 1);
    assert.deepEqual(await c.requestPing(), { action: "pong" });
    // messages() goes on across the reconnect.
    const bob = await connect(server.url, "lobby");
    await bob.requestPing();
    bob.sendNewChatMessage({ message: "after the restart", name: "Bob" });
    let next = await it.next();
    while (next.done === false && next.value.action === "pong") next = await it.next(); // the pongs of the pings above
    assert.deepEqual(next, { done: false, value: { action: "new_chat_message", payload: { message: "after the restart", name: "Bob" } } });
    assert.equal(closes.length, 1);
    assert.equal(closes[0]!.byClient, false);
    assert.equal(closes[0]!.reconnecting, true);
    assert.ok(connectErrors.length >= 1, "the lost connection and failed dials are reported");
    await c.close();
    assert.equal(closes.length, 2);
    assert.equal(closes[1]!.byClient, true);
  } finally {
    await stop(server.proc);
  }
});

test("without reconnect a dropped connection ends the client", async () => {
  const server = await startChat("127.0.0.1:0");
  try {
    const c = await connect(server.url, "lobby");
    const it = c.messages();
    await stop(server.proc);
    const info = await c.done;
    assert.equal(info.byClient, false);
    assert.equal(info.reconnecting, false);
    assert.equal(c.state, "closed");
    assert.deepEqual(await it.next(), { value: undefined, done: true });
    await assert.rejects(c.requestPing(), ClosedError);
  } finally {
    await stop(server.proc);
  }
});

test("afterConnect may wait for a reply before connect() resolves", async () => {
  const order: string[] = [];
  const c = await connect(chatURL, room(), {
    hooks: {
      afterConnect: async (client) => {
        const pong = await client.requestPing();
        order.push("afterConnect got " + pong.action);
      },
    },
  });
  order.push("connected");
  assert.deepEqual(order, ["afterConnect got pong", "connected"]);
  assert.equal(c.state, "open");
});

test("a first dial that keeps failing gives up after maxAttempts", async () => {
  const server = await startChat("127.0.0.1:0");
  await stop(server.proc); // a port nobody listens on now
  const failures: Error[] = [];
  const c = new ChatClient(server.url, { room: "lobby" }, {
    WebSocket,
    reconnect: { minDelay: 10, maxAttempts: 3 },
    hooks: { onConnectionError: (err) => void failures.push(err) },
  });
  await assert.rejects(c.connect(), (err: unknown) => {
    assert.ok(err instanceof DialError);
    assert.equal(err.code, 1006);
    return true;
  });
  assert.equal(failures.length, 3);
  assert.equal(c.state, "closed");
  assert.equal((await c.done).byClient, false);
});

test("close() while reconnecting ends the client at once", async () => {
  const server = await startChat("127.0.0.1:0");
  const dropped = first<CloseInfo>();
  const c = await connect(server.url, "lobby", {
    reconnect: { minDelay: 60000 },
    hooks: { afterClose: (info) => dropped.fn(info) },
  });
  await stop(server.proc);
  assert.equal((await dropped.value).reconnecting, true);
  assert.equal(c.state, "reconnecting");
  const started = Date.now();
  await c.close();
  assert.ok(Date.now() - started < 5000);
  assert.equal(c.state, "closed");
  assert.equal((await c.done).byClient, true);
});

test("a connection that ends during afterConnect fails the attempt", async () => {
  const failures: Error[] = [];
  const closes: CloseInfo[] = [];
  const c = new ChatClient(badURL, { room: "hangup" }, {
    WebSocket,
    reconnect: { minDelay: 10, maxAttempts: 2 },
    hooks: {
      afterConnect: () => new Promise((r) => setTimeout(r, 200)),
      onConnectionError: (err) => void failures.push(err),
      afterClose: (info) => void closes.push(info),
    },
  });
  open.push(c);
  await assert.rejects(c.connect(), /the connection ended during afterConnect/);
  assert.equal(failures.length, 2);
  assert.deepEqual(closes, [], "a connection that never finished connecting is not reported as closed");
  assert.equal(c.state, "closed");
});
