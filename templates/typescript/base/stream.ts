// chanx TypeScript client runtime: streamed replies.
//
// An operation whose reply is a sequence (x-chanx-stream: true: partial
// replies, then one final reply) is read through a ReplyStream. It lives
// in its own module, over Connection's public methods, so that a client
// of a document without streams does not carry it (bundlers drop it).

import type { AbortSignalLike, RequestOptions } from "./client.js";
import { TimeoutError } from "./errors.js";

/** StreamOptions bound one stream. */
export interface StreamOptions {
  /**
   * Ends the stream with the signal's reason when it aborts, and sends the
   * document's cancel message for the operation when it declares one.
   */
  signal?: AbortSignalLike;
  /**
   * Milliseconds the whole stream may take, final reply included; default
   * none (an answer may stream for long). When it passes the stream ends
   * with a TimeoutError, as an abort would.
   */
  timeout?: number;
}

/**
 * ReplyStream is the replies to one streamed request: iterate it for the
 * partial replies in the order the server sent them, and await final for
 * the final one.
 *
 *     const s = client.streamAsk({ request_id: "r1", question: "why?" });
 *     for await (const token of s) process.stdout.write(token.payload.text);
 *     const answer = await s.final;
 *
 * The loop ends once the final reply is in. An error frame, the abort of
 * options.signal, options.timeout, a lost connection or close() end the
 * stream instead: the loop throws that error (ServerError for an error
 * frame) and final rejects with it. Leaving the loop early stops
 * buffering partials; final still resolves. A stream is iterated once.
 */
export interface ReplyStream<P, F> extends AsyncIterable<P> {
  /** The final reply; rejects when the stream fails. */
  readonly final: Promise<F>;
}

/** StreamSpec is what a generated client tells the runtime about one streamed operation. */
export interface StreamSpec {
  /** The discriminator member of the channel, e.g. "action". */
  readonly key: string;
  /** The discriminator values of the partial replies. */
  readonly partials: readonly string[];
  /**
   * The cancel message: its discriminator value, and the JSON pointers of
   * the correlation value in the request frame (from) and in the cancel
   * frame (to), "" when the cancel names no request.
   */
  readonly cancel?: { readonly value: string; readonly from: string; readonly to: string };
}

// What a stream uses of a Connection: its public methods. The request
// waits for the final reply (the channel's reply table lists only the
// final value for a streamed operation).
interface Host {
  request(frame: unknown, options: RequestOptions): Promise<unknown>;
  on(action: string, fn: (m: unknown) => void): () => void;
  send(frame: unknown): void;
}

interface Reading {
  readonly partials: readonly string[];
  push(frame: unknown): void;
}

// Per connection: the streams waiting, oldest first, and the partial
// values a handler is registered for. Partials go to the oldest waiting
// stream that takes them, as replies go to the oldest waiting request.
interface Router {
  readonly readings: Reading[];
  readonly routed: Set<string>;
}

// The host's timers, typed here: the runtime compiles with the ES library alone.
const timers = globalThis as unknown as {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
};

let routers: WeakMap<object, Router> | undefined;

function routerOf(conn: Host, partials: readonly string[]): Router {
  routers ??= new WeakMap();
  let r = routers.get(conn);
  if (r === undefined) {
    r = { readings: [], routed: new Set() };
    routers.set(conn, r);
  }
  const router = r;
  for (const a of partials) {
    if (router.routed.has(a)) continue;
    router.routed.add(a);
    // Routed one microtask later: a final or error frame settles its
    // stream's request, whose reaction is queued as it is read, so a
    // stream that ended is gone before the partials that follow it in
    // the same read (ws hands over a whole read at once) are routed.
    conn.on(a, (m) => {
      void Promise.resolve().then(() => router.readings.find((x) => x.partials.includes(a))?.push(m));
    });
  }
  return router;
}

/**
 * stream sends frame on conn and returns the stream of its replies, for
 * generated clients' stream<Message> methods.
 */
export function stream<P, F>(conn: object, spec: StreamSpec, frame: unknown, options: StreamOptions = {}): ReplyStream<P, F> {
  const host = conn as Host;
  const router = routerOf(host, spec.partials);
  const queue: P[] = [];
  let wake: (() => void) | undefined;
  let failed: { err: unknown } | undefined; // what the user sees
  let ended = false; // the final reply or an error is in
  let reading = true; // the user still iterates
  let resolveFinal!: (f: F) => void;
  let rejectFinal!: (err: unknown) => void;
  const final = new Promise<F>((res, rej) => {
    resolveFinal = res;
    rejectFinal = rej;
  });
  final.catch(() => {}); // a user who only iterates sees the error there
  const reading_: Reading = {
    partials: spec.partials,
    push: (m) => {
      if (reading && failed === undefined) {
        queue.push(m as P);
        wake?.();
      }
    },
  };
  router.readings.push(reading_);
  const signal = options.signal;
  let timer: unknown;
  const cleanup = () => {
    if (timer !== undefined) timers.clearTimeout(timer);
    signal?.removeEventListener("abort", onAbort);
  };
  const fail = (err: unknown) => {
    if (failed !== undefined || ended) return;
    failed = { err };
    cleanup();
    rejectFinal(err);
    wake?.();
  };
  // Stopping early: tell the server when the document says how, and keep
  // this stream's place so that the replies still to come are not taken
  // for the next stream's.
  const stop = (err: unknown) => {
    if (failed !== undefined || ended) return;
    fail(err);
    const c = spec.cancel;
    if (c === undefined) return;
    const cf: Record<string, unknown> = { [spec.key]: c.value };
    if (c.from !== "" && c.to !== "") setPointer(cf, c.to, getPointer(frame, c.from));
    try {
      host.send(cf);
    } catch {
      // not connected: the server ends the handler with the connection
    }
  };
  const onAbort = () => stop(abortReason(signal!));
  const leave = () => {
    const i = router.readings.indexOf(reading_);
    if (i >= 0) router.readings.splice(i, 1);
  };
  host.request(frame, { timeout: 0 }).then(
    (f) => {
      leave();
      cleanup();
      ended = true;
      resolveFinal(f as F);
      wake?.();
    },
    (err) => {
      leave();
      fail(err);
      ended = true;
      wake?.();
    },
  );
  if (signal?.aborted) {
    onAbort();
  } else {
    signal?.addEventListener("abort", onAbort, { once: true });
    const ms = options.timeout ?? 0;
    if (ms > 0) timer = timers.setTimeout(() => stop(new TimeoutError("chanx: stream: no final reply within " + ms + " ms")), ms);
  }
  let iterated = false;
  return {
    final,
    [Symbol.asyncIterator](): AsyncIterator<P> {
      if (iterated) throw new TypeError("chanx: a reply stream is iterated once");
      iterated = true;
      const done = (): IteratorResult<P> => {
        reading = false;
        queue.length = 0;
        return { value: undefined, done: true };
      };
      return {
        next: async (): Promise<IteratorResult<P>> => {
          for (;;) {
            if (failed !== undefined) {
              done();
              throw failed.err;
            }
            if (queue.length > 0) return { value: queue.shift()!, done: false };
            if (ended || !reading) return done();
            await new Promise<void>((resolve) => (wake = resolve));
            wake = undefined;
          }
        },
        return: async () => done(),
      };
    },
  };
}

// getPointer and setPointer read and write a JSON pointer (RFC 6901).
function tokens(p: string): string[] {
  return p
    .split("/")
    .slice(1)
    .map((t) => t.replace(/~1/g, "/").replace(/~0/g, "~"));
}

function getPointer(v: unknown, p: string): unknown {
  for (const t of tokens(p)) {
    if (typeof v !== "object" || v === null) return undefined;
    v = (v as Record<string, unknown>)[t];
  }
  return v;
}

function setPointer(obj: Record<string, unknown>, p: string, value: unknown): void {
  const ts = tokens(p);
  let o = obj;
  ts.forEach((t, i) => {
    if (i === ts.length - 1) {
      o[t] = value;
      return;
    }
    const next = o[t];
    o = typeof next === "object" && next !== null ? (next as Record<string, unknown>) : (o[t] = {});
  });
}

function abortReason(signal: AbortSignalLike): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const err = new Error("chanx: stream aborted");
  err.name = "AbortError";
  return err;
}
