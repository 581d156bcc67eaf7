// chanx TypeScript client runtime: string formats, for generated
// validators.
//
// The Go runtime checks the format keyword with the JSON Schema oracle's
// rules (runtime/validate/oracle); these are the same rules, format for
// format, so that a client refuses what the server would, and the
// problems have the Go runtime's types (runtime/wire's FormatProblem):
// datetime_parsing, date_parsing, time_parsing, uuid_parsing, url_parsing,
// else value_error naming the format. A format the Go runtime does not
// know is not checked here either.

import type { Path, Problems } from "./validate.js";

type FormatCheck = (s: string) => string | undefined;

/** checkFormat records a string that is not of the named format. */
export function checkFormat(p: Problems, at: Path | undefined, s: string, format: string): void {
  const check = formats[format];
  const why = check === undefined ? undefined : check(s);
  if (why === undefined) return;
  switch (format) {
    case "date-time":
      p.add(at, "datetime_parsing", "Input should be a valid datetime, " + why);
      return;
    case "date":
      p.add(at, "date_parsing", "Input should be a valid date in the format YYYY-MM-DD, " + why);
      return;
    case "time":
      p.add(at, "time_parsing", "Input should be in a valid time format, " + why);
      return;
    case "uuid":
      p.add(at, "uuid_parsing", "Input should be a valid UUID, " + why);
      return;
    case "uri":
    case "url":
      p.add(at, "url_parsing", "Input should be a valid URL, " + why);
      return;
  }
  p.add(at, "value_error", "Value error, value is not a valid " + format + ": " + why);
}

const isDigit = (c: string): boolean => c >= "0" && c <= "9";

function digits(s: string): number {
  let n = 0;
  while (n < s.length && isDigit(s[n]!)) n++;
  return n;
}

// utf8Length is a string's length in UTF-8 bytes, as Go's len counts.
function utf8Length(s: string): number {
  let n = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    n += c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
  }
  return n;
}

function jsonPointer(s: string): string | undefined {
  if (s === "") return undefined;
  if (!s.startsWith("/")) return "not starting with /";
  for (const tok of s.split("/").slice(1)) {
    let escape = false;
    for (const ch of tok) {
      if (escape) {
        escape = false;
        if (ch !== "0" && ch !== "1") return "~ must be followed by 0 or 1";
        continue;
      }
      if (ch === "~") escape = true;
    }
    if (escape) return "~ must be followed by 0 or 1";
  }
  return undefined;
}

function relativeJSONPointer(s: string): string | undefined {
  const n = digits(s);
  if (n === 0) return "must start with non-negative integer";
  if (n > 1 && s.startsWith("0")) return "starts with zero";
  const rest = s.slice(n);
  return rest === "#" ? undefined : jsonPointer(rest);
}

function uuid(s: string): string | undefined {
  const sizes = [8, 4, 4, 4, 12];
  const groups = s.split("-");
  if (groups.length !== sizes.length) return "must have 5 elements";
  for (let i = 0; i < groups.length; i++) {
    const g = groups[i]!;
    if (g.length !== sizes[i]) return "element " + (i + 1) + " must be " + sizes[i] + " characters long";
    if (!/^[0-9a-fA-F]*$/.test(g)) return "non-hex character";
  }
  return undefined;
}

function duration(s: string): string | undefined {
  if (!s.startsWith("P")) return "must start with P";
  s = s.slice(1);
  if (s === "") return "nothing after P";
  if (s.endsWith("W")) {
    const w = s.slice(0, -1);
    if (w === "") return "no number in week";
    return /^[0-9]+$/.test(w) ? undefined : "invalid week";
  }
  const all = ["YMD", "HMS"];
  const parts = s.split("T");
  for (let i = 0; i < parts.length; i++) {
    let part = parts[i]!;
    if (i !== 0 && part === "") return "no time elements";
    if (i >= all.length) return "more than one T";
    let units = all[i]!;
    while (part !== "") {
      const n = digits(part);
      if (n === 0) return "missing number";
      part = part.slice(n);
      if (part === "") return "missing unit";
      const unit = part[0]!;
      const j = units.indexOf(unit);
      if (j === -1) return all[i]!.includes(unit) ? "unit " + unit + " out of order" : "invalid unit " + unit;
      units = units.slice(j + 1);
      part = part.slice(1);
    }
  }
  return undefined;
}

function ipv4(s: string): string | undefined {
  const groups = s.split(".");
  if (groups.length !== 4) return "expected four decimals";
  for (const g of groups) {
    if (g.length > 1 && g[0] === "0") return "leading zeros";
    if (!/^[+-]?[0-9]+$/.test(g)) return "invalid decimal " + JSON.stringify(g);
    const n = Number(g);
    if (n < 0 || n > 255) return "decimal must be between 0 and 255";
  }
  return undefined;
}

// ipv6 reads an IPv6 address as Go's netip.ParseAddr does, without a zone.
function ipv6(s: string): string | undefined {
  if (!s.includes(":")) return "missing colon";
  if (s.includes("%")) return "zone id is not a part of ipv6 address";
  let groups = 0;
  let rest = s;
  const v4 = /(?:^|:)(\d+\.\d+\.\d+\.\d+)$/.exec(rest);
  if (v4 !== null) {
    if (ipv4(v4[1]!) !== undefined) return "invalid IPv4 part";
    rest = rest.slice(0, rest.length - v4[1]!.length);
    if (rest.endsWith(":") && !rest.endsWith("::")) rest = rest.slice(0, -1);
    groups += 2;
  }
  const halves = rest.split("::");
  if (halves.length > 2) return "more than one ::";
  for (const h of halves) {
    if (h === "") continue;
    for (const g of h.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return "invalid group";
      groups++;
    }
  }
  if (halves.length === 2 ? groups > 7 : groups !== 8) return "wrong number of groups";
  return undefined;
}

function hostname(s: string): string | undefined {
  if (s.endsWith(".")) s = s.slice(0, -1);
  if (utf8Length(s) > 253) return "more than 253 characters long";
  for (const label of s.split(".")) {
    const n = utf8Length(label);
    if (n < 1 || n > 63) return "label must be 1 to 63 characters long";
    if (label.startsWith("-")) return "label starts with hyphen";
    if (label.endsWith("-")) return "label ends with hyphen";
    if (!/^[a-zA-Z0-9-]*$/.test(label)) return "invalid character";
  }
  return undefined;
}

function email(s: string): string | undefined {
  if (utf8Length(s) > 254) return "more than 255 characters long";
  const at = s.lastIndexOf("@");
  if (at === -1) return "missing @";
  const local = s.slice(0, at);
  let domain = s.slice(at + 1);
  if (utf8Length(local) > 64) return "local part more than 64 characters long";
  if (local.length > 1 && local.startsWith('"') && local.endsWith('"')) {
    const inner = local.slice(1, -1);
    if (inner.includes("\\") || inner.includes('"')) return "backslash and quote are not allowed within quoted local part";
  } else {
    if (local.startsWith(".")) return "starts with dot";
    if (local.endsWith(".")) return "ends with dot";
    if (local.includes("..")) return "consecutive dots";
    if (!/^[a-zA-Z0-9.!#$%&'*+\-/=?^_`{|}~]*$/.test(local)) return "invalid character";
  }
  if (domain.startsWith("[") && domain.endsWith("]")) {
    domain = domain.slice(1, -1);
    if (domain.startsWith("IPv6:")) {
      const why = ipv6(domain.slice(5));
      return why === undefined ? undefined : "invalid ipv6 address: " + why;
    }
    const why = ipv4(domain);
    return why === undefined ? undefined : "invalid ipv4 address: " + why;
  }
  const why = hostname(domain);
  return why === undefined ? undefined : "invalid domain: " + why;
}

// date reads YYYY-MM-DD as Go's time.Parse("2006-01-02") does, and says
// what is wrong in its words.
function date(s: string): string | undefined {
  const q = JSON.stringify(s);
  const cannot = (rest: string, elem: string) =>
    "parsing time " + q + ' as "2006-01-02": cannot parse ' + JSON.stringify(rest) + " as " + JSON.stringify(elem);
  const two = (at: number) => /^\d\d/.test(s.slice(at));
  if (!/^\d{4}/.test(s)) return cannot(s, "2006");
  if (s[4] !== "-") return cannot(s.slice(4), "-");
  if (!two(5)) return cannot(s.slice(5), "01");
  const mo = Number(s.slice(5, 7));
  if (mo < 1 || mo > 12) return "parsing time " + q + ": month out of range";
  if (s[7] !== "-") return cannot(s.slice(7), "-");
  if (!two(8)) return cannot(s.slice(8), "02");
  const d = Number(s.slice(8, 10));
  if (d > 31) return "parsing time " + q + ": day out of range";
  if (s.length > 10) return "parsing time " + q + ": extra text: " + JSON.stringify(s.slice(10));
  const y = Number(s.slice(0, 4));
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][mo - 1]!;
  if (d < 1 || d > days) return "parsing time " + q + ": day out of range";
  return undefined;
}

function time(str: string): string | undefined {
  if (str.length < 9) return "less than 9 characters long";
  if (str[2] !== ":" || str[5] !== ":") return "missing colon in correct place";
  const hms = str.slice(0, 8).split(":");
  if (!hms.every((t) => /^[+-]?\d+$/.test(t))) return "invalid hour/min/sec";
  let [h, m] = [Number(hms[0]), Number(hms[1])];
  const sec = Number(hms[2]);
  if (h < 0 || m < 0 || sec < 0) return "non-positive hour/min/sec";
  if (h > 23 || m > 59 || sec > 60) return "hour/min/sec out of range";
  str = str.slice(8);
  if (str.startsWith(".")) {
    const n = digits(str.slice(1));
    if (n === 0) return "no digits in second fraction";
    str = str.slice(1 + n);
  }
  if (str !== "z" && str !== "Z") {
    if (str.length !== 6) return "offset must be 6 characters long";
    let sign: number;
    if (str[0] === "+") sign = -1;
    else if (str[0] === "-") sign = 1;
    else return "offset must begin with plus/minus";
    str = str.slice(1);
    if (str[2] !== ":") return "missing colon in offset in correct place";
    const zhm = str.split(":");
    if (!zhm.every((t) => /^[+-]?\d+$/.test(t))) return "invalid hour/min in offset";
    const zh = Number(zhm[0]);
    const zm = Number(zhm[1]);
    if (zh < 0 || zm < 0) return "non-positive hour/min in offset";
    if (zh > 23 || zm > 59) return "hour/min in offset out of range";
    let hm = h * 60 + m + sign * (zh * 60 + zm);
    if (hm < 0) hm += 24 * 60;
    h = Math.floor(hm / 60);
    m = hm % 60;
  }
  if (sec >= 60 && (h !== 23 || m !== 59)) return "invalid leap second";
  return undefined;
}

function dateTime(s: string): string | undefined {
  if (s.length < 20) return "less than 20 characters long";
  if (s[10] !== "t" && s[10] !== "T") return "11th character must be t or T";
  const d = date(s.slice(0, 10));
  if (d !== undefined) return "invalid date element: " + d;
  const t = time(s.slice(11));
  return t === undefined ? undefined : "invalid time element: " + t;
}

// url reads a URL reference as Go's url.Parse does, well enough to refuse
// what it refuses; absolute says whether it needs a scheme.
function url(s: string, absolute: boolean): string | undefined {
  if (/[\x00-\x1f\x7f]/.test(s)) return "invalid control character in URL";
  if (/%(?![0-9a-fA-F]{2})/.test(s)) return "invalid URL escape";
  const scheme = /^([a-zA-Z][a-zA-Z0-9+.-]*):/.exec(s);
  if (scheme === null) {
    if (s.startsWith(":")) return "missing protocol scheme";
    if (absolute) return "relative url";
    const first = s.split(/[/?#]/)[0]!;
    if (first.includes(":")) return "first path segment in URL cannot contain colon";
  }
  let rest = scheme === null ? s : s.slice(scheme[0].length);
  rest = rest.split("#")[0]!;
  if (rest.startsWith("//")) {
    const authority = rest.slice(2).split(/[/?]/)[0]!;
    const host = authority.slice(authority.lastIndexOf("@") + 1);
    if (host.startsWith("[")) {
      const end = host.indexOf("]");
      if (end < 0) return "missing ']' in host";
      const why = ipv6(host.slice(1, end));
      if (why !== undefined) return "invalid ipv6 address: " + why;
      const port = host.slice(end + 1);
      if (port !== "" && !/^:\d*$/.test(port)) return "invalid port";
    } else {
      const colon = host.lastIndexOf(":");
      const name = colon < 0 ? host : host.slice(0, colon);
      if (colon >= 0 && !/^\d*$/.test(host.slice(colon + 1))) {
        return name.includes(":") ? "ipv6 address not enclosed in brackets" : "invalid port";
      }
      if (!/^[a-zA-Z0-9\-._~!$&'()*+,;=%]*$/.test(name) && !/[^\x00-\x7f]/.test(name)) return "invalid character in host name";
    }
  }
  return undefined;
}

const formats: Record<string, FormatCheck> = {
  "json-pointer": jsonPointer,
  "relative-json-pointer": relativeJSONPointer,
  uuid,
  duration,
  ipv4,
  ipv6,
  hostname,
  email,
  date,
  time,
  "date-time": dateTime,
  uri: (s) => url(s, true),
  iri: (s) => url(s, true),
  "uri-reference": (s) => (s.includes("\\") ? "contains \\" : url(s, false)),
  "iri-reference": (s) => (s.includes("\\") ? "contains \\" : url(s, false)),
};
