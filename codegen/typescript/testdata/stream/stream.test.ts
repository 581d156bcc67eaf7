// Loopback test of streamed replies (x-chanx-stream, x-chanx-cancels)
// under Node 20: the TypeScript client generated from
// codegen/goapi/testdata/assistant.yaml against a Go server generated
// from the same document (ASSISTANT_URL). TestStreamLoopback runs it.

import assert from "node:assert/strict";
import { test } from "node:test";
import WebSocket from "ws";

import { AssistantClient, ServerError, TimeoutError, type Token } from "../assistantclient/index.js";

const url = process.env["ASSISTANT_URL"];
if (url === undefined) throw new Error("ASSISTANT_URL is not set");

async function client(): Promise<AssistantClient> {
  const c = new AssistantClient(url!, { WebSocket: WebSocket as never });
  await c.connect();
  return c;
}

test("partials arrive in order, then the final", async () => {
  const c = await client();
  try {
    const s = c.streamAsk({ request_id: "r1", question: "short" });
    const got: string[] = [];
    for await (const tok of s) {
      assert.equal(tok.payload.request_id, "r1");
      got.push(tok.payload.text);
    }
    assert.deepEqual(got, ["t0 ", "t1 ", "t2 ", "t3 ", "t4 "]);
    const answer = await s.final;
    assert.deepEqual(answer.payload, { request_id: "r1", text: "t0 t1 t2 t3 t4 ", stopped: false });
    // final alone, the partials not read, on the same connection.
    const again = await c.streamAsk({ request_id: "r2", question: "short" }).final;
    assert.equal(again.payload.request_id, "r2");
  } finally {
    await c.close();
  }
});

test("an error frame rejects the stream with a ServerError", async () => {
  const c = await client();
  try {
    const s = c.streamAsk({ request_id: "r1", question: "fail" });
    await assert.rejects(async () => {
      for await (const _ of s) {
        // no partial comes before the error
      }
    }, ServerError);
    await assert.rejects(s.final, ServerError);
  } finally {
    await c.close();
  }
});

test("abort sends stop_generating and the handler's context is cancelled", async () => {
  const c = await client();
  try {
    const ac = new AbortController();
    const s = c.streamAsk({ request_id: "long1", question: "long" }, { signal: ac.signal });
    const got: Token[] = [];
    await assert.rejects(
      async () => {
        for await (const tok of s) {
          got.push(tok);
          if (got.length === 3) ac.abort(new Error("enough"));
        }
      },
      { message: "enough" },
    );
    await assert.rejects(s.final, { message: "enough" });
    assert.equal(got.length, 3);
    // The server says what ended the handler of long1: handlers of one
    // connection run in order, so this one runs after it returned, and
    // the stream of long1's late replies does not leak into this one.
    const report = c.streamAsk({ request_id: "q", question: "why:long1" });
    const tokens: string[] = [];
    for await (const tok of report) tokens.push(tok.payload.text);
    assert.deepEqual(tokens, []);
    const why = await report.final;
    assert.equal(why.payload.request_id, "q");
    assert.match(why.payload.text, /cancel/);
  } finally {
    await c.close();
  }
});

test("an aborted signal stops before anything is read", async () => {
  const c = await client();
  try {
    const s = c.streamAsk({ request_id: "x", question: "short" }, { signal: AbortSignal.abort() });
    await assert.rejects(s.final, { name: "AbortError" });
    // The next stream still gets its own replies.
    const next = await c.streamAsk({ request_id: "y", question: "short" }).final;
    assert.equal(next.payload.request_id, "y");
  } finally {
    await c.close();
  }
});

test("a timeout ends the stream with a TimeoutError and stops the handler", async () => {
  const c = await client();
  try {
    const s = c.streamAsk({ request_id: "long2", question: "long" }, { timeout: 50 });
    await assert.rejects(s.final, TimeoutError);
    const why = await c.streamAsk({ request_id: "q2", question: "why:long2" }).final;
    assert.match(why.payload.text, /cancel/);
  } finally {
    await c.close();
  }
});

test("streams started together each get their own replies", async () => {
  const c = await client();
  try {
    const ac = new AbortController();
    const first = c.streamAsk({ request_id: "long3", question: "long" }, { signal: ac.signal });
    const second = c.streamAsk({ request_id: "s2", question: "short" });
    let n = 0;
    await assert.rejects(async () => {
      for await (const tok of first) {
        assert.equal(tok.payload.request_id, "long3");
        if (++n === 3) ac.abort();
      }
    });
    // long3's tokens still on the way after the abort, and its final
    // answer, go to it, not to the stream waiting after it.
    const got: string[] = [];
    for await (const tok of second) {
      assert.equal(tok.payload.request_id, "s2");
      got.push(tok.payload.text);
    }
    assert.deepEqual(got, ["t0 ", "t1 ", "t2 ", "t3 ", "t4 "]);
    assert.equal((await second.final).payload.request_id, "s2");
  } finally {
    await c.close();
  }
});

test("a stream failing with an error frame leaves the next one its replies", async () => {
  const c = await client();
  try {
    const failing = c.streamAsk({ request_id: "f", question: "fail" });
    const next = c.streamAsk({ request_id: "n", question: "short" });
    await assert.rejects(failing.final, ServerError);
    const got: string[] = [];
    for await (const tok of next) got.push(tok.payload.request_id + ":" + tok.payload.text);
    assert.deepEqual(got, ["n:t0 ", "n:t1 ", "n:t2 ", "n:t3 ", "n:t4 "]);
  } finally {
    await c.close();
  }
});
