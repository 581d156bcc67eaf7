// chanx TypeScript client runtime: channel URLs.

import { ChanxError } from "./errors.js";

/** Query values; undefined members are left out. */
export type Query = Record<string, string | number | boolean | undefined>;

const baseRE = /^(wss?|https?):\/\/([^/?#]+)([^?#]*)(\?[^#]*)?(#.*)?$/i;

/**
 * buildUrl joins a server base URL and a channel address with {param}
 * placeholders, escaping each parameter value as one path segment (as Go's
 * url.PathEscape does), and appends the query. base may use ws, wss, http
 * or https (the last two become ws and wss) and may carry a path prefix
 * and a query, both kept. Every placeholder needs a non-empty value and
 * every value a placeholder: a mismatch is a bug in the caller and throws.
 *
 *     buildUrl("http://127.0.0.1:8000", "/ws/chat/{room}", {room: "a b"})
 *     // "ws://127.0.0.1:8000/ws/chat/a%20b"
 */
export function buildUrl(base: string, address: string, params: Record<string, string>, query?: Query): string {
  const m = baseRE.exec(base);
  if (m === null) {
    throw new ChanxError('chanx: build url: base "' + base + '" must be ws://, wss://, http:// or https:// and a host');
  }
  let scheme = m[1]!.toLowerCase();
  if (scheme === "http") scheme = "ws";
  if (scheme === "https") scheme = "wss";
  const host = m[2]!;
  const prefix = (m[3] ?? "").replace(/\/+$/, "");
  let search = m[4] ?? "";

  const used = new Set<string>();
  const path = address.replace(/\{([^}]*)\}|\{/g, (_: string, name: string | undefined) => {
    if (name === undefined) {
      throw new ChanxError('chanx: build url: address "' + address + '": unclosed {');
    }
    const v = Object.prototype.hasOwnProperty.call(params, name) ? params[name] : undefined;
    if (v === undefined) {
      throw new ChanxError('chanx: build url: address "' + address + '": no value for parameter "' + name + '"');
    }
    if (v === "") {
      throw new ChanxError('chanx: build url: address "' + address + '": parameter "' + name + '" is empty');
    }
    used.add(name);
    return pathEscape(v);
  });
  const extra = Object.keys(params).filter((k) => !used.has(k)).sort();
  if (extra.length > 0) {
    throw new ChanxError('chanx: build url: address "' + address + '" has no parameter ' + extra.join(", "));
  }
  for (const [k, v] of Object.entries(query ?? {})) {
    if (v === undefined) continue;
    const sep = search === "" ? "?" : search.endsWith("?") || search.endsWith("&") ? "" : "&";
    search += sep + queryEscape(k) + "=" + queryEscape(String(v));
  }
  const p = path === "" || path.startsWith("/") ? path : "/" + path;
  return scheme + "://" + host + prefix + p + search;
}

// wellFormed replaces lone surrogates with U+FFFD, which encodeURIComponent
// refuses and Go would have read the same way.
function wellFormed(s: string): string {
  return s.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/**
 * pathEscape escapes s as one path segment exactly as Go's url.PathEscape:
 * unreserved characters and : @ & = + $ stay, everything else is %XX.
 */
export function pathEscape(s: string): string {
  return encodeURIComponent(wellFormed(s))
    .replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%(3A|40|26|3D|2B|24)/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));
}

function queryEscape(s: string): string {
  return encodeURIComponent(wellFormed(s));
}
