// A JSON reader that keeps number literals as the document writes them:
// the server's messages quote a schema's bounds as written ("less than
// 3.0"), which JSON.parse forgets.

/** Literals maps a number's holder (object or array) and key to its text. */
export type Literals = WeakMap<object, Map<string | number, string>>;

/** parseJSON reads text as JSON.parse does and records its number literals. */
export function parseJSON(text: string): { value: unknown; literals: Literals } {
  const literals: Literals = new WeakMap();
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\n\r".includes(text[i]!)) i++;
  };
  const fail = (): never => {
    throw new SyntaxError("Unexpected token at position " + i);
  };
  const note = (holder: object, key: string | number, lit: string) => {
    let m = literals.get(holder);
    if (m === undefined) literals.set(holder, (m = new Map()));
    m.set(key, lit);
  };
  const str = (): string => {
    const m = /^"(?:[^"\\\u0000-\u001f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"/.exec(text.slice(i));
    if (m === null) return fail();
    i += m[0].length;
    return JSON.parse(m[0]) as string;
  };
  const value = (holder: object | undefined, key: string | number): unknown => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const o: Record<string, unknown> = {};
      ws();
      if (text[i] === "}") {
        i++;
        return o;
      }
      for (;;) {
        ws();
        const k = str();
        ws();
        if (text[i++] !== ":") fail();
        // defineProperty: "__proto__" is a member like any other.
        Object.defineProperty(o, k, { value: value(o, k), writable: true, enumerable: true, configurable: true });
        ws();
        const d = text[i++];
        if (d === "}") return o;
        if (d !== ",") fail();
      }
    }
    if (c === "[") {
      i++;
      const a: unknown[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return a;
      }
      for (;;) {
        a.push(value(a, a.length));
        ws();
        const d = text[i++];
        if (d === "]") return a;
        if (d !== ",") fail();
      }
    }
    if (c === '"') return str();
    const m = /^(?:true|false|null|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(text.slice(i, i + 400));
    if (m === null) return fail();
    i += m[0].length;
    const v = JSON.parse(m[0]) as unknown;
    if (typeof v === "number" && holder !== undefined) note(holder, key, m[0]);
    return v;
  };
  const v = value(undefined, "");
  ws();
  if (i !== text.length) fail();
  return { value: v, literals };
}
