// chanx TypeScript client runtime: one connection to one channel.
//
// A generated client (ChatClient) extends Connection with the channel's
// description and typed methods; everything else — dialing, routing
// incoming frames, validating both ways, replies, reconnecting — lives
// here, written once. It needs only a WebSocket: the browser's, or on
// Node 20 the ws package's, passed as options.WebSocket.

import {
  ClosedError,
  ConnectionLostError,
  DialError,
  NotConnectedError,
  ServerError,
  TimeoutError,
  ValidationError,
} from "./errors.js";
import { notObjectProblem, pyRepr, tagInvalidProblem, tagNotFoundProblem, type Problem } from "./problems.js";
import { buildUrl, type Query } from "./url.js";
import { isObject, validate, type Check } from "./validate.js";

// ---- what the runtime needs of its host ----

/**
 * WebSocketLike is what the client uses of a WebSocket: the browser's and
 * the ws package's both fit. Event handlers take `never` so that either
 * one's event types are accepted; the client reads only the members
 * MessageEventLike and CloseEventLike name.
 */
export interface WebSocketLike {
  readonly readyState: number;
  readonly protocol: string;
  binaryType: string;
  onopen: ((ev: never) => void) | null;
  onmessage: ((ev: never) => void) | null;
  onclose: ((ev: never) => void) | null;
  onerror: ((ev: never) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** WebSocketConstructor is the browser's WebSocket, or ws's (which also takes {headers}). */
export type WebSocketConstructor = new (
  url: string,
  protocols?: string | string[],
  options?: { headers?: Record<string, string> },
) => WebSocketLike;

interface MessageEventLike {
  readonly data: unknown;
}

interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
  readonly wasClean: boolean;
}

/** AbortSignalLike is the part of an AbortSignal request() uses. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  readonly reason?: unknown;
  addEventListener(type: "abort", listener: () => void, options?: { once?: boolean }): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

// The host's timers and console, typed here so that the runtime compiles
// with the ES library alone (no DOM, no @types/node).
interface Host {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  WebSocket?: WebSocketConstructor;
  console?: { error(...args: unknown[]): void };
}
const host = globalThis as unknown as Host;

// ---- options ----

/** ChannelSpec is what a generated client tells the runtime about its channel. */
export interface ChannelSpec {
  /** The channel's address, with {param} placeholders. */
  readonly address: string;
  /** The frame member that names the message, e.g. "action". */
  readonly discriminator: string;
  /** Validators of the frames the client may receive, by discriminator value. */
  readonly incoming: Readonly<Record<string, Check>>;
  /** Validators of the frames the client may send, by discriminator value. */
  readonly outgoing: Readonly<Record<string, Check>>;
  /** For each outgoing message with a reply, the discriminator values a reply may have. */
  readonly replies: Readonly<Record<string, readonly string[]>>;
}

/** ConnectRequest is what hooks.beforeConnect may change before a dial attempt. */
export interface ConnectRequest {
  /** The ws:// or wss:// URL to dial, path parameters and query included. */
  url: string;
  /** Subprotocols to offer (Sec-WebSocket-Protocol), e.g. to carry a token in a browser. */
  protocols: string[];
  /** Handshake headers; only a WebSocket constructor that takes them (ws) can send them. */
  headers: Record<string, string>;
  /** 1 for the first try of a dial sequence, counting up on retries. */
  readonly attempt: number;
  /** True when dialing again after a connection dropped. */
  readonly reconnect: boolean;
}

/** CloseInfo says how a connection ended. */
export interface CloseInfo {
  /** The close code; 1006 when the connection ended without a close frame. */
  readonly code: number;
  readonly reason: string;
  /** True when close() ended it. */
  readonly byClient: boolean;
  /** True when the client is about to dial again. */
  readonly reconnecting: boolean;
}

/**
 * ReconnectOptions is the backoff policy for dialing again after a
 * connection drops: each wait is the previous one times multiplier,
 * starting at minDelay and capped at maxDelay, then shortened by a random
 * fraction of up to jitter, so clients dropped together do not return
 * together.
 */
export interface ReconnectOptions {
  /** Milliseconds before the first attempt; default 250. */
  minDelay?: number;
  /** Cap on every wait, in milliseconds; default 30000. */
  maxDelay?: number;
  /** Growth of the wait after each failed attempt; default 2. */
  multiplier?: number;
  /** Largest fraction (0..1) taken off each wait at random; default 0.2. */
  jitter?: number;
  /** Give up after that many failed attempts in a row; default 0, no limit. */
  maxAttempts?: number;
  /**
   * Decides, for a connection the client did not close, whether to dial
   * again. Default: always, except after close codes that say retrying
   * cannot help: 1008 (policy violation, e.g. authentication failed), 1003
   * and 1007 (the server refuses what this client sends).
   */
  shouldReconnect?: (info: CloseInfo) => boolean;
}

/**
 * Hooks observe and steer the connection's life, with the meaning the Go
 * and Python clients give them. Every one is optional.
 */
export interface Hooks<C> {
  /** Runs before every dial attempt, reconnects included; may change the URL, protocols, headers (e.g. refresh a token). A throw fails the attempt. */
  beforeConnect?(req: ConnectRequest): void | Promise<void>;
  /** Runs after every successful handshake, e.g. to send an init message. A throw closes that connection and fails the attempt. */
  afterConnect?(client: C): void | Promise<void>;
  /** Runs after a reconnect succeeded (after afterConnect): re-send joins and subscriptions here. */
  afterReconnect?(client: C, attempt: number): void | Promise<void>;
  /** Runs after each connection ends, whoever ended it. */
  afterClose?(info: CloseInfo): void;
  /** Receives every error frame the server sends, decoded. */
  onError?(err: ServerError): void;
  /** Receives a JSON frame the client cannot use: not an object, no or an unknown discriminator, or not valid for its message. */
  onInvalidMessage?(frame: string, err: ValidationError): void;
  /** Receives frames that are not JSON, and binary frames (as ArrayBuffer). */
  onRawData?(data: unknown): void;
  /** Receives a failed dial attempt and a connection lost without a close frame. */
  onConnectionError?(err: Error): void;
  /** Receives what a handler threw (or its promise rejected with); default: console.error. */
  onHandlerError?(action: string, err: unknown): void;
}

/** ClientOptions configure a client; every field is optional. */
export interface ClientOptions<C = unknown> {
  /** The WebSocket constructor; default globalThis.WebSocket. On Node 20 pass the ws package's. */
  WebSocket?: WebSocketConstructor;
  /** Subprotocols to offer. Browsers cannot set headers: a token can travel here or in the query. */
  protocols?: string[];
  /** Query parameters added to the URL. */
  query?: Query;
  /** Handshake headers; need a WebSocket constructor that takes them (ws). Browsers cannot send them. */
  headers?: Record<string, string>;
  /** Default timeout of request(), in milliseconds; default 10000, 0 for none. */
  requestTimeout?: number;
  /** Reconnect after a drop (and retry the first dial); off by default. true takes the default policy. */
  reconnect?: boolean | ReconnectOptions;
  hooks?: Hooks<C>;
}

/** RequestOptions bound one request(). */
export interface RequestOptions {
  /** Rejects the request with the signal's reason when it aborts. */
  signal?: AbortSignalLike;
  /** Milliseconds to wait for the reply; default ClientOptions.requestTimeout. */
  timeout?: number;
}

/** The protocol's own server frames: receiving one the channel does not declare is normal. */
const builtinActions = new Set(["pong", "complete", "group_complete", "event_complete", "authentication", "subscribed", "unsubscribed"]);

/** States of a Connection. */
export type ConnectionState = "idle" | "connecting" | "open" | "reconnecting" | "closed";

interface Waiter {
  readonly actions: readonly string[];
  resolve(frame: unknown): void;
  reject(err: unknown): void;
}

interface Subscriber<In> {
  push(m: In): void;
  end(): void;
}

type AnyHandler = (m: never) => void | Promise<void>;

/** The incoming frame whose discriminator D is A. */
export type FrameOf<D extends string, U, A> = Extract<U, { readonly [K in D]: A }>;

/** The reply type of outgoing action A, given the reply map R. */
export type ReplyOf<R, A> = A extends keyof R ? NonNullable<R[A]> : never;

/**
 * Connection is one client of one channel: D is the discriminator member,
 * In and Out the unions of the frames it receives and sends, R maps each
 * outgoing action that has a reply to the reply's frame type. Generated
 * clients extend it.
 */
export class Connection<D extends string, In extends { readonly [K in D]: string }, Out extends { readonly [K in D]: string }, R = {}> {
  #spec: ChannelSpec;
  #base: string;
  #params: Record<string, string>;
  #opts: ClientOptions<any>;
  #ws: WebSocketLike | undefined;
  #dialing: WebSocketLike | undefined; // a socket whose handshake is under way
  #settingUp = false; // afterConnect is running on #ws
  #state: ConnectionState = "idle";
  #waiters: Waiter[] = [];
  #handlers = new Map<string, Set<AnyHandler>>();
  #anyHandlers = new Set<(m: In) => void | Promise<void>>();
  #subscribers = new Set<Subscriber<In>>();
  #incomingTags: string[];
  #outgoingTags: string[];
  #wake: (() => void) | undefined; // ends a reconnect wait early (close())
  #done: Promise<CloseInfo>;
  #finish!: (info: CloseInfo) => void;

  constructor(spec: ChannelSpec, baseUrl: string, params: Record<string, string>, options: ClientOptions<any> = {}) {
    this.#spec = spec;
    this.#base = baseUrl;
    this.#params = { ...params };
    this.#opts = options;
    this.#incomingTags = Object.keys(spec.incoming).sort(); // sorted, as the protocol lists them
    // The server also takes ping on every channel, and lists it.
    this.#outgoingTags = [...new Set([...Object.keys(spec.outgoing), "ping"])].sort();
    this.#done = new Promise((resolve) => (this.#finish = resolve));
    buildUrl(baseUrl, spec.address, this.#params); // a bad base or parameter fails here, not at connect()
  }

  /** The client's state: idle until connect(), closed for good after close() or giving up. */
  get state(): ConnectionState {
    return this.#state;
  }

  /** Whether a connection is open now. */
  get connected(): boolean {
    return this.#state === "open";
  }

  /** The subprotocol the server picked, "" when none or not connected. */
  get protocol(): string {
    return this.#ws?.protocol ?? "";
  }

  /** The URL the client dials (before beforeConnect changes it). */
  get url(): string {
    return buildUrl(this.#base, this.#spec.address, this.#params, this.#opts.query);
  }

  /** Resolves when the client has ended for good: after close(), or when reconnecting gives up. */
  get done(): Promise<CloseInfo> {
    return this.#done;
  }

  /**
   * connect dials the channel and resolves once the connection is open and
   * hooks.afterConnect has run. With reconnect on, a failed first dial is
   * retried by the same policy as a dropped connection.
   */
  async connect(): Promise<void> {
    if (this.#state !== "idle") {
      throw new ClosedError("chanx: connect: the client is " + this.#state + "; a client connects once");
    }
    this.#state = "connecting";
    await this.#dialSequence(false);
  }

  /**
   * close ends the client for good: it stops reconnecting, closes the
   * connection with code (default 1000) and reason, fails waiting
   * requests with ClosedError and ends messages() iterators. It resolves
   * when the connection has closed.
   */
  async close(code = 1000, reason = ""): Promise<CloseInfo> {
    if (this.#state === "closed") return this.#done;
    const ws = this.#ws;
    this.#state = "closed";
    this.#wake?.();
    this.#failWaiters(new ClosedError("chanx: the client was closed"));
    this.#dialing?.close(1000);
    let info: CloseInfo = { code, reason, byClient: true, reconnecting: false };
    if (ws !== undefined) {
      this.#ws = undefined;
      info = await new Promise<CloseInfo>((resolve) => {
        const timer = host.setTimeout(() => resolve({ code: 1006, reason: "", byClient: true, reconnecting: false }), 5000);
        ws.onclose = ((ev: CloseEventLike) => {
          host.clearTimeout(timer);
          resolve({ code: ev.code, reason: ev.reason, byClient: true, reconnecting: false });
        }) as never;
        ws.onmessage = null;
        ws.onerror = null;
        try {
          ws.close(code, reason);
        } catch (err) {
          host.clearTimeout(timer);
          resolve({ code, reason, byClient: true, reconnecting: false });
        }
      });
      this.#opts.hooks?.afterClose?.(info);
    }
    this.#end(info);
    return info;
  }

  /**
   * send validates frame against its message's schema and sends it. An
   * invalid frame is refused with a ValidationError and nothing is sent;
   * without an open connection it throws NotConnectedError (ClosedError
   * after close()).
   */
  send(frame: Out): void {
    this.#socket().send(this.#encode(frame));
  }

  /**
   * request sends frame and resolves with the first frame of the declared
   * reply type that follows. An error frame rejects it with a ServerError
   * (waiting requests are answered oldest first: the protocol has no
   * request ids, and servers answer in order). It rejects with
   * TimeoutError after options.timeout, with the signal's reason when
   * options.signal aborts, with ConnectionLostError when the connection
   * drops first, and with ValidationError when frame is invalid (nothing
   * is sent) or the reply is.
   */
  request<F extends FrameOf<D, Out, keyof R>>(frame: F, options: RequestOptions = {}): Promise<ReplyOf<R, F[D]>> {
    return new Promise<ReplyOf<R, F[D]>>((resolve, reject) => {
      const action = frame[this.#spec.discriminator as D] as string;
      const actions = this.#spec.replies[action];
      if (actions === undefined || actions.length === 0) {
        reject(new ValidationError(action, [{ type: "value_error", loc: [], msg: "message " + action + " has no reply" }], "outgoing"));
        return;
      }
      let data: string;
      let ws: WebSocketLike;
      try {
        data = this.#encode(frame);
        ws = this.#socket();
      } catch (err) {
        reject(err);
        return;
      }
      const signal = options.signal;
      if (signal?.aborted) {
        reject(abortReason(signal));
        return;
      }
      const timeout = options.timeout ?? this.#opts.requestTimeout ?? 10000;
      let timer: unknown;
      const onAbort = () => settle(() => reject(abortReason(signal!)));
      const settle = (fn: () => void) => {
        this.#waiters = this.#waiters.filter((w) => w !== waiter);
        if (timer !== undefined) host.clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        fn();
      };
      const waiter: Waiter = {
        actions,
        resolve: (f) => settle(() => resolve(f as ReplyOf<R, F[D]>)),
        reject: (err) => settle(() => reject(err)),
      };
      if (timeout > 0) {
        timer = host.setTimeout(
          () => settle(() => reject(new TimeoutError("chanx: request " + action + ": no " + actions.join(" or ") + " within " + timeout + " ms"))),
          timeout,
        );
      }
      signal?.addEventListener("abort", onAbort, { once: true });
      this.#waiters.push(waiter);
      try {
        ws.send(data);
      } catch (err) {
        waiter.reject(err);
      }
    });
  }

  /**
   * on registers fn for incoming frames whose discriminator is action,
   * after they validated; it returns a function that removes it. Handlers
   * run in arrival order; what one throws (or its promise rejects with)
   * goes to hooks.onHandlerError.
   */
  on<A extends In[D]>(action: A, fn: (m: FrameOf<D, In, A>) => void | Promise<void>): () => void {
    let set = this.#handlers.get(action);
    if (set === undefined) {
      set = new Set();
      this.#handlers.set(action, set);
    }
    const h = fn as AnyHandler;
    set.add(h);
    return () => {
      set.delete(h);
    };
  }

  /** onAny registers fn for every valid incoming frame (after its own handlers); it returns a remover. */
  onAny(fn: (m: In) => void | Promise<void>): () => void {
    this.#anyHandlers.add(fn);
    return () => {
      this.#anyHandlers.delete(fn);
    };
  }

  /**
   * messages yields every valid incoming frame from now on, across
   * reconnects, until the client ends: for await (const m of
   * client.messages()). Frames are buffered while the loop body runs;
   * leaving the loop stops the buffering.
   */
  messages(): AsyncIterableIterator<In> {
    const queue: In[] = [];
    let ended = this.#state === "closed";
    let wake: (() => void) | undefined;
    const sub: Subscriber<In> = {
      push: (m) => {
        queue.push(m);
        wake?.();
      },
      end: () => {
        ended = true;
        wake?.();
      },
    };
    this.#subscribers.add(sub);
    const stop = (): IteratorResult<In> => {
      this.#subscribers.delete(sub);
      ended = true;
      queue.length = 0;
      return { value: undefined, done: true };
    };
    const it: AsyncIterableIterator<In> = {
      next: async (): Promise<IteratorResult<In>> => {
        for (;;) {
          if (queue.length > 0) return { value: queue.shift()!, done: false };
          if (ended) return stop();
          await new Promise<void>((resolve) => (wake = resolve));
          wake = undefined;
        }
      },
      return: async () => stop(),
      [Symbol.asyncIterator]() {
        return it;
      },
    };
    return it;
  }

  // ---- sending ----

  #socket(): WebSocketLike {
    const ws = this.#ws;
    if (this.#isClosed()) throw new ClosedError("chanx: the client is closed");
    if (ws === undefined || this.#state !== "open") throw new NotConnectedError("chanx: not connected (state " + this.#state + ")");
    return ws;
  }

  // encode validates an outgoing frame as the server will read it — the
  // JSON text, not the object (undefined members vanish) — and returns the
  // text.
  #encode(frame: Out): string {
    const key = this.#spec.discriminator;
    const f: unknown = frame;
    const action = isObject(f) ? f[key] : undefined;
    const text = JSON.stringify(frame);
    let problems: Problem[];
    const check = typeof action === "string" ? this.#spec.outgoing[action] : undefined;
    if (!isObject(f)) {
      problems = [notObjectProblem()];
    } else if (typeof action !== "string") {
      problems = [tagProblem(key, action, this.#outgoingTags)];
    } else if (check === undefined) {
      problems = [tagInvalidProblem(key, action, this.#outgoingTags)];
    } else {
      problems = validate(check, JSON.parse(text));
    }
    if (problems.length > 0) {
      throw new ValidationError(typeof action === "string" ? action : undefined, problems, "outgoing");
    }
    return text;
  }

  // ---- receiving ----

  #receive(data: unknown): void {
    const hooks = this.#opts.hooks;
    if (typeof data !== "string") {
      hooks?.onRawData?.(data);
      return;
    }
    let v: unknown;
    try {
      v = JSON.parse(data);
    } catch {
      hooks?.onRawData?.(data);
      return;
    }
    const key = this.#spec.discriminator;
    if (!isObject(v)) {
      this.#invalid(data, undefined, [notObjectProblem()]);
      return;
    }
    const action = v[key];
    if (typeof action !== "string") {
      this.#invalid(data, undefined, [tagProblem(key, action, this.#incomingTags)]);
      return;
    }
    if (action === "error" && this.#spec.incoming["error"] === undefined) {
      const se = ServerError.fromPayload(v["payload"]);
      this.#waiters[0]?.reject(se);
      hooks?.onError?.(se);
      return;
    }
    const check = this.#spec.incoming[action];
    if (check === undefined) {
      if (!builtinActions.has(action)) {
        this.#invalid(data, action, [tagInvalidProblem(key, action, this.#incomingTags)]);
      }
      return;
    }
    const problems = validate(check, v);
    const waiter = this.#waiters.find((w) => w.actions.includes(action));
    if (problems.length > 0) {
      const err = new ValidationError(action, problems, "incoming");
      waiter?.reject(err);
      hooks?.onInvalidMessage?.(data, err);
      return;
    }
    const m = v as In;
    waiter?.resolve(m);
    for (const h of this.#handlers.get(action) ?? []) {
      this.#call(action, h as (m: In) => void | Promise<void>, m);
    }
    for (const h of this.#anyHandlers) {
      this.#call(action, h, m);
    }
    for (const s of this.#subscribers) {
      s.push(m);
    }
  }

  #invalid(frame: string, action: string | undefined, problems: Problem[]): void {
    this.#opts.hooks?.onInvalidMessage?.(frame, new ValidationError(action, problems, "incoming"));
  }

  #call(action: string, h: (m: In) => void | Promise<void>, m: In): void {
    const fail = (err: unknown) => {
      const f = this.#opts.hooks?.onHandlerError;
      if (f !== undefined) {
        f(action, err);
      } else {
        host.console?.error("chanx: handler for " + action + " failed:", err);
      }
    };
    try {
      const r = h(m);
      if (r !== undefined && typeof (r as Promise<void>).then === "function") {
        (r as Promise<void>).then(undefined, fail);
      }
    } catch (err) {
      fail(err);
    }
  }

  // ---- the connection's life ----

  // dialSequence dials until a connection is up, retrying by the reconnect
  // policy; it throws the last error when it gives up.
  async #dialSequence(reconnect: boolean): Promise<void> {
    const policy = reconnectPolicy(this.#opts.reconnect);
    for (let attempt = 1; ; attempt++) {
      try {
        await this.#dialOnce(attempt, reconnect);
        if (reconnect) await this.#opts.hooks?.afterReconnect?.(this, attempt);
        return;
      } catch (err) {
        if (this.#isClosed()) throw closedWhileConnecting(err);
        this.#opts.hooks?.onConnectionError?.(err as Error);
        if (policy === undefined || (policy.maxAttempts > 0 && attempt >= policy.maxAttempts)) {
          this.#end({ code: 1006, reason: "", byClient: false, reconnecting: false });
          throw err;
        }
        // After a drop the first wait came before attempt 1 (dropped).
        await this.#sleep(backoff(policy, reconnect ? attempt + 1 : attempt));
        if (this.#isClosed()) throw closedWhileConnecting(err);
      }
    }
  }

  async #dialOnce(attempt: number, reconnect: boolean): Promise<void> {
    const Ctor = this.#opts.WebSocket ?? host.WebSocket;
    if (Ctor === undefined) {
      throw new DialError(this.url, 0, "chanx: connect: no global WebSocket (Node 20): pass ws's as options.WebSocket");
    }
    const req: ConnectRequest = {
      url: this.url,
      protocols: [...(this.#opts.protocols ?? [])],
      headers: { ...(this.#opts.headers ?? {}) },
      attempt,
      reconnect,
    };
    await this.#opts.hooks?.beforeConnect?.(req);
    if (this.#isClosed()) throw closedWhileConnecting();
    const hasHeaders = Object.keys(req.headers).length > 0;
    if (hasHeaders && this.#opts.WebSocket === undefined) {
      throw new DialError(
        req.url,
        0,
        "chanx: connect: browsers cannot set handshake headers (" + Object.keys(req.headers).join(", ") +
          "): use the query or a subprotocol, or pass ws's WebSocket",
      );
    }
    const ws = hasHeaders
      ? new Ctor(req.url, req.protocols, { headers: req.headers })
      : req.protocols.length > 0
        ? new Ctor(req.url, req.protocols)
        : new Ctor(req.url);
    ws.binaryType = "arraybuffer";
    this.#dialing = ws;
    await new Promise<void>((resolve, reject) => {
      // Frames may follow the handshake in the same read: the receiver
      // must be in place before the open event returns.
      ws.onopen = (() => {
        if (this.#isClosed()) {
          ws.close(1000);
          reject(closedWhileConnecting());
          return;
        }
        this.#ws = ws;
        this.#state = "open";
        ws.onmessage = ((ev: MessageEventLike) => this.#receive(ev.data)) as never;
        ws.onclose = ((ev: CloseEventLike) => void this.#dropped(ws, ev)) as never;
        resolve();
      }) as never;
      ws.onerror = (() => {}) as never; // the close event that follows says more
      ws.onclose = ((ev: CloseEventLike) =>
        reject(new DialError(req.url, ev.code, "chanx: connect " + req.url + ": connection failed (close code " + ev.code + ")"))) as never;
    }).finally(() => {
      this.#dialing = undefined;
    });
    this.#settingUp = true;
    try {
      await this.#opts.hooks?.afterConnect?.(this);
      if (this.#ws !== ws) throw new ConnectionLostError("chanx: connect: the connection ended during afterConnect");
    } catch (err) {
      if (this.#ws === ws) {
        this.#ws = undefined;
        ws.onclose = null;
        ws.onmessage = null;
        ws.close(1000);
      }
      if (!this.#isClosed()) this.#state = reconnect ? "reconnecting" : "connecting";
      throw err;
    } finally {
      this.#settingUp = false;
    }
  }

  // dropped handles a connection the client did not close.
  async #dropped(ws: WebSocketLike, ev: CloseEventLike): Promise<void> {
    if (this.#ws !== ws) return;
    this.#ws = undefined;
    if (this.#settingUp) {
      // dialOnce is still in afterConnect: it fails the attempt, and the
      // dial sequence it belongs to decides what comes next.
      this.#failWaiters(new ConnectionLostError("chanx: the connection ended (code " + ev.code + ") before the reply"));
      return;
    }
    const policy = reconnectPolicy(this.#opts.reconnect);
    const base = { code: ev.code, reason: ev.reason, byClient: false };
    const again = policy !== undefined && policy.shouldReconnect({ ...base, reconnecting: true });
    const info: CloseInfo = { ...base, reconnecting: again };
    this.#state = again ? "reconnecting" : "closed";
    this.#failWaiters(new ConnectionLostError("chanx: the connection ended (code " + ev.code + ") before the reply"));
    if (ev.code === 1006) {
      this.#opts.hooks?.onConnectionError?.(new ConnectionLostError("chanx: connection lost without a close frame"));
    }
    this.#opts.hooks?.afterClose?.(info);
    if (!again) {
      this.#end(info);
      return;
    }
    await this.#sleep(backoff(policy, 1));
    if (this.#isClosed()) return;
    try {
      await this.#dialSequence(true);
    } catch {
      // dialSequence ended the client and reported each failure.
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = host.setTimeout(() => {
        this.#wake = undefined;
        resolve();
      }, ms);
      this.#wake = () => {
        host.clearTimeout(timer);
        this.#wake = undefined;
        resolve();
      };
    });
  }

  // isClosed reads the state afresh (TypeScript keeps a narrowed
  // this.#state across awaits).
  #isClosed(): boolean {
    return this.#state === "closed";
  }

  #failWaiters(err: Error): void {
    for (const w of [...this.#waiters]) w.reject(err);
  }

  #end(info: CloseInfo): void {
    this.#state = "closed";
    for (const s of this.#subscribers) s.end();
    this.#subscribers.clear();
    this.#finish(info);
  }
}

interface Policy {
  minDelay: number;
  maxDelay: number;
  multiplier: number;
  jitter: number;
  maxAttempts: number;
  shouldReconnect(info: CloseInfo): boolean;
}

function reconnectPolicy(r: boolean | ReconnectOptions | undefined): Policy | undefined {
  if (r === undefined || r === false) return undefined;
  const o = r === true ? {} : r;
  return {
    minDelay: o.minDelay !== undefined && o.minDelay >= 0 ? o.minDelay : 250,
    maxDelay: o.maxDelay !== undefined && o.maxDelay > 0 ? o.maxDelay : 30000,
    multiplier: o.multiplier !== undefined && o.multiplier >= 1 ? o.multiplier : 2,
    jitter: o.jitter === undefined ? 0.2 : Math.min(Math.max(o.jitter, 0), 1),
    maxAttempts: o.maxAttempts ?? 0,
    shouldReconnect: o.shouldReconnect ?? ((info) => info.code !== 1008 && info.code !== 1003 && info.code !== 1007),
  };
}

/** backoff is the wait before attempt n+1 after n failures (n >= 1). */
function backoff(p: Policy, n: number): number {
  const d = Math.min(p.maxDelay, p.minDelay * p.multiplier ** (n - 1));
  return d * (1 - p.jitter * Math.random());
}

function closedWhileConnecting(cause?: unknown): ClosedError {
  return new ClosedError("chanx: the client was closed while connecting", { cause });
}

function abortReason(signal: AbortSignalLike): unknown {
  if (signal.reason !== undefined) return signal.reason;
  const err = new Error("chanx: request aborted");
  err.name = "AbortError";
  return err;
}

// tagProblem is the problem of a frame whose discriminator is absent or not
// a string, as the Go server reports it (wire.TagNotStringProblem: the
// value as Python prints it, and the tags there are).
function tagProblem(key: string, tag: unknown, expected: readonly string[]): Problem {
  return tag === undefined ? tagNotFoundProblem(key) : tagInvalidProblem(key, pyRepr(tag), expected);
}
