// Query-string parsing with limits, so hostile input is a 400 envelope rather than a crash.
import { InvalidParameter } from "../models/errors";

const MAX_PARAMS = 2000;

/**
 * Parses a URL query the way ECS reads it: `+` and `%20` are spaces, every key at most once. Malformed
 * percent-encoding is a 400, never a crash.
 */
export function parseQuery(raw: string): Record<string, string> {
  const out: Record<string, string> = Object.create(null);
  if (raw === "") return out;
  const parts = raw.split("&");
  if (parts.length > MAX_PARAMS) throw new InvalidParameter("QueryString", `more than ${MAX_PARAMS} parameters`);
  for (const part of parts) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const rawKey = eq < 0 ? part : part.slice(0, eq);
    const rawValue = eq < 0 ? "" : part.slice(eq + 1);
    let key: string;
    let value: string;
    try {
      key = decodeURIComponent(rawKey.replace(/\+/g, " "));
      value = decodeURIComponent(rawValue.replace(/\+/g, " "));
    } catch {
      throw new InvalidParameter(rawKey.slice(0, 64), "malformed percent-encoding in the query string");
    }
    if (key === "" || key === "__proto__") throw new InvalidParameter(key || "(empty)", "invalid parameter name");
    if (Object.hasOwn(out, key)) throw new InvalidParameter(key, "the parameter is given more than once");
    out[key] = value;
  }
  return out;
}

/** RFC 3986 percent-encoding as Alibaba signs it (encodeURIComponent plus ! ' ( ) *). */
export function percentEncode(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}
