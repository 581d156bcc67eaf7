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
 * ServerError is an error frame from the server, {"action": "error",
 * "payload": ...}: request() rejects with it and hooks.onError receives it.
 * A frame the server found invalid carries problems; anything else a
 * detail, with the stable code of a coded handler error (e.g.
 * "room_full", "not_implemented") or the reason of a topic error.
 */
export class ServerError extends ChanxError {
  constructor(
    /** The stable code of a coded handler error; "" otherwise. */
    readonly code: string,
    /** Text for the client to read, e.g. "Failed to process message for ping"; "" for validation errors. */
    readonly detail: string,
    /** What was wrong with the frame, for validation errors; [] otherwise. */
    readonly problems: Problem[],
    /** The machine-readable cause of a topic error ("unknown_topic", ...); "" otherwise. */
    readonly reason: string,
    /** The error frame's payload as sent, for shapes the other fields do not cover. */
    readonly payload: unknown,
  ) {
    super(
      "chanx: server error: " +
        (problems.length > 0
          ? problemsText(problems)
          : reason !== ""
            ? reason + ": " + detail
            : code !== ""
              ? code + ": " + detail
              : detail !== ""
                ? detail
                : JSON.stringify(payload)),
    );
  }

  /** fromPayload reads an error frame's payload in any of its shapes. */
  static fromPayload(payload: unknown): ServerError {
    if (Array.isArray(payload)) {
      const problems: Problem[] = [];
      for (const item of payload) {
        if (typeof item !== "object" || item === null) continue;
        const o = item as Record<string, unknown>;
        problems.push({
          type: str(o["type"]),
          loc: Array.isArray(o["loc"]) ? (o["loc"] as unknown[]).filter(isLocItem) : [],
          msg: str(o["msg"]),
        });
      }
      return new ServerError("", "", problems, "", payload);
    }
    const o = typeof payload === "object" && payload !== null ? (payload as Record<string, unknown>) : {};
    return new ServerError(str(o["code"]), str(o["detail"]), [], str(o["reason"]), payload);
  }
}

function str(v: unknown): string {
  return typeof v === "string" ? v : "";
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
