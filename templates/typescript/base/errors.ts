// chanx TypeScript client runtime: the errors a client throws or reports.

import { locString, type LocItem, type Problem } from "./problems.js";

/** ChanxError is the base class of every error this runtime raises. */
export class ChanxError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

function problemsText(problems: readonly Problem[]): string {
  return problems.map((p) => (p.loc.length > 0 ? locString(p.loc) + ": " : "") + p.msg).join("; ");
}

/**
 * ValidationError is a frame this client refuses: an outgoing frame that
 * does not match its schema (nothing is sent), or an incoming one, handed
 * to onInvalidMessage. problems has the shape the server uses.
 */
export class ValidationError extends ChanxError {
  constructor(
    readonly action: string | undefined,
    readonly problems: Problem[],
    direction: "outgoing" | "incoming",
  ) {
    super(
      "chanx: invalid " + direction + " " + (action === undefined ? "frame" : '"' + action + '" frame') + ": " +
        problemsText(problems),
    );
  }
}

/**
 * ServerErrorCode says which kind of error frame the server sent:
 * "validation" for a list of problems (the frame was invalid),
 * "processing" for a detail text (a handler failed), or, for topic errors,
 * the server's reason ("unknown_topic", "unauthorized", ...).
 */
export type ServerErrorCode = "validation" | "processing" | (string & {});

/**
 * ServerError is an error frame from the server, {"action": "error",
 * "payload": ...}: request() rejects with it and hooks.onError receives it.
 */
export class ServerError extends ChanxError {
  constructor(
    /** What kind of error this is; see ServerErrorCode. */
    readonly code: ServerErrorCode,
    /** The server's text, e.g. "Failed to process message for ping"; "" for validation errors. */
    readonly detail: string,
    /** What was wrong with the frame, for validation errors; [] otherwise. */
    readonly problems: Problem[],
    /** The error frame's payload as sent. */
    readonly payload: unknown,
  ) {
    super(
      "chanx: server error: " +
        (problems.length > 0 ? problemsText(problems) : code !== "processing" ? code + ": " + detail : detail),
    );
  }

  /** fromPayload reads an error frame's payload in any of its shapes. */
  static fromPayload(payload: unknown): ServerError {
    if (Array.isArray(payload)) {
      const problems: Problem[] = [];
      for (const item of payload) {
        if (typeof item !== "object" || item === null) continue;
        const o = item as Record<string, unknown>;
        const loc = Array.isArray(o["loc"]) ? (o["loc"] as unknown[]).filter(isLocItem) : [];
        problems.push({
          type: typeof o["type"] === "string" ? o["type"] : "",
          loc,
          msg: typeof o["msg"] === "string" ? o["msg"] : "",
        });
      }
      return new ServerError("validation", "", problems, payload);
    }
    let detail = "";
    let code: ServerErrorCode = "processing";
    if (typeof payload === "object" && payload !== null) {
      const o = payload as Record<string, unknown>;
      if (typeof o["detail"] === "string") detail = o["detail"];
      if (typeof o["reason"] === "string" && o["reason"] !== "") code = o["reason"];
    } else if (typeof payload === "string") {
      detail = payload;
    }
    return new ServerError(code, detail, [], payload);
  }
}

function isLocItem(v: unknown): v is LocItem {
  return typeof v === "string" || typeof v === "number";
}

/** NotConnectedError: a send or request while the client has no open connection. */
export class NotConnectedError extends ChanxError {}

/** ClosedError: the client was closed, or gave up reconnecting. */
export class ClosedError extends ChanxError {}

/** ConnectionLostError: the connection ended while a request waited for its reply. */
export class ConnectionLostError extends ChanxError {}

/** TimeoutError: no reply came within the request's timeout. */
export class TimeoutError extends ChanxError {}

/** DialError: a connection attempt failed (browsers tell no more than the close code). */
export class DialError extends ChanxError {
  constructor(
    readonly url: string,
    readonly code: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}
