// Typed, strict reading of a request's parameters: each read names the parameter in its error, and parameters no
// handler read are rejected, so a misspelt parameter fails loudly.
import { InvalidParameter, MissingParameter, UnsupportedParameter } from "../models/errors";

/** Protocol and account-context parameters every action accepts (and ignores). */
const COMMON = new Set([
  "Action",
  "Version",
  "Format",
  "Timestamp",
  "SignatureNonce",
  "SignatureMethod",
  "SignatureVersion",
  "AccessKeyId",
  "SecurityToken",
  "Signature",
  "OwnerId",
  "OwnerAccount",
  "ResourceOwnerAccount",
  "ResourceOwnerId",
]);

const MAX_VALUE = 32 * 1024;

interface StrOpts {
  required?: boolean;
  max?: number;
  pattern?: RegExp;
  oneOf?: readonly string[];
}

/**
 * Reads and validates the flat query parameters of one action. Every failure names the parameter. Parameters no
 * reader consumed are rejected by `finish()`, so a client typo fails loudly instead of being silently ignored.
 */
export class Params {
  private readonly consumed: Set<string>;

  constructor(
    private readonly raw: Record<string, string>,
    readonly action: string,
    private readonly prefix = "",
    consumed?: Set<string>,
  ) {
    this.consumed = consumed ?? new Set();
  }

  private take(name: string): string | undefined {
    const key = this.prefix + name;
    this.consumed.add(key);
    const v = this.raw[key];
    if (v !== undefined && v.length > MAX_VALUE) throw new InvalidParameter(key, `longer than ${MAX_VALUE} characters`);
    return v;
  }

  key(name: string): string {
    return this.prefix + name;
  }

  has(name: string): boolean {
    return this.raw[this.prefix + name] !== undefined;
  }

  /** Marks parameters as accepted without effect in the emulator. */
  ignore(...names: string[]): this {
    for (const n of names) this.take(n);
    return this;
  }

  str(name: string, opts: StrOpts & { required: true }): string;
  str(name: string, opts?: StrOpts): string | undefined;
  str(name: string, opts: StrOpts = {}): string | undefined {
    const v = this.take(name);
    const key = this.key(name);
    if (v === undefined || v === "") {
      if (opts.required) throw new MissingParameter(key);
      return undefined;
    }
    if (opts.max !== undefined && v.length > opts.max)
      throw new InvalidParameter(key, `must be at most ${opts.max} characters`);
    if (opts.pattern && !opts.pattern.test(v))
      throw new InvalidParameter(key, `${JSON.stringify(v.slice(0, 80))} is malformed`);
    if (opts.oneOf && !opts.oneOf.includes(v)) {
      throw new InvalidParameter(key, `${JSON.stringify(v.slice(0, 80))} is not one of ${opts.oneOf.join(", ")}`);
    }
    return v;
  }

  int(name: string, opts: { min: number; max: number; required?: boolean }): number | undefined {
    const v = this.str(name, { required: opts.required });
    if (v === undefined) return undefined;
    const key = this.key(name);
    const n = Number(v);
    if (!/^-?\d{1,16}$/.test(v) || !Number.isSafeInteger(n)) {
      throw new InvalidParameter(key, `${JSON.stringify(v.slice(0, 40))} is not an integer`);
    }
    if (n < opts.min || n > opts.max)
      throw new InvalidParameter(key, `must be between ${opts.min} and ${opts.max} (got ${n})`);
    return n;
  }

  bool(name: string): boolean | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (v === "true" || v === "True") return true;
    if (v === "false" || v === "False") return false;
    throw new InvalidParameter(this.key(name), `must be true or false (got ${JSON.stringify(v.slice(0, 40))})`);
  }

  /** Repeat-list `Name.1 ... Name.N` of strings. */
  list(name: string, max: number, opts: { required?: boolean; pattern?: RegExp } = {}): string[] {
    const indexes = this.indexes(name, max, false);
    const out = indexes.map((i) => this.str(`${name}.${i}`, { required: true, pattern: opts.pattern }));
    if (opts.required && out.length === 0) throw new MissingParameter(`${this.key(name)}.1`);
    return out;
  }

  /** A parameter carrying a JSON array of strings, e.g. DescribeInstances `InstanceIds`. */
  jsonList(name: string, max: number): string[] | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    const key = this.key(name);
    let parsed: unknown;
    try {
      parsed = JSON.parse(v);
    } catch {
      throw new InvalidParameter(key, 'must be a JSON array of strings, e.g. ["i-1","i-2"]');
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === "string")) {
      throw new InvalidParameter(key, "must be a JSON array of strings");
    }
    if (parsed.length > max) throw new InvalidParameter(key, `at most ${max} values`);
    return parsed;
  }

  /** A comma-separated parameter, e.g. DescribeImages `Status`. */
  commaList(name: string, max: number, oneOf?: readonly string[]): string[] {
    const v = this.str(name);
    if (v === undefined) return [];
    const items = v
      .split(",")
      .map((x) => x.trim())
      .filter((x) => x !== "");
    if (items.length > max) throw new InvalidParameter(this.key(name), `at most ${max} values`);
    for (const item of items) {
      if (oneOf && !oneOf.includes(item)) {
        throw new InvalidParameter(
          this.key(name),
          `${JSON.stringify(item.slice(0, 40))} is not one of ${oneOf.join(", ")}`,
        );
      }
    }
    return items;
  }

  /** `Tag.N.Key` / `Tag.N.Value` (filters: value optional). */
  tags(max = 20, keyField = "Key", valueField = "Value", name = "Tag"): { key: string; value?: string }[] {
    return this.indexes(name, max, true).map((i) => {
      const key = this.str(`${name}.${i}.${keyField}`, { required: true, max: 128 });
      const value = this.take(`${name}.${i}.${valueField}`);
      if (value !== undefined && value.length > 128)
        throw new InvalidParameter(this.key(`${name}.${i}.${valueField}`), "at most 128 characters");
      return { key, value };
    });
  }

  /** Sub-readers for `Name.N.Field` structures (e.g. DataDisk.1.Size), in index order. */
  structs(name: string, max: number): Params[] {
    return this.indexes(name, max, true).map(
      (i) => new Params(this.raw, this.action, `${this.prefix}${name}.${i}.`, this.consumed),
    );
  }

  /** A nested structure `Name.Field` (e.g. SystemDisk.Size). */
  struct(name: string): Params {
    return new Params(this.raw, this.action, `${this.prefix}${name}.`, this.consumed);
  }

  private indexes(name: string, max: number, structured: boolean): number[] {
    const base = `${this.prefix}${name}.`;
    const found = new Set<number>();
    for (const k of Object.keys(this.raw)) {
      if (!k.startsWith(base)) continue;
      const rest = k.slice(base.length);
      const m = structured ? /^(\d+)\./.exec(rest) : /^(\d+)$/.exec(rest);
      if (!m) continue;
      const n = Number(m[1]);
      if (n < 1 || n > max || String(n) !== m[1]) {
        throw new InvalidParameter(k, `index must be between 1 and ${max}`);
      }
      found.add(n);
    }
    return [...found].sort((a, b) => a - b);
  }

  /** Rejects parameters that no reader consumed. */
  finish(): void {
    if (this.raw.Format !== undefined && this.raw.Format.toLowerCase() !== "json") {
      throw new InvalidParameter("Format", "the emulator only answers in JSON");
    }
    for (const k of Object.keys(this.raw)) {
      if (!COMMON.has(k) && !this.consumed.has(k)) throw new UnsupportedParameter(k.slice(0, 100), this.action);
    }
  }
}

export function page(p: Params, maxSize: number, defaultSize = 10): { pageNumber: number; pageSize: number } {
  return {
    pageNumber: p.int("PageNumber", { min: 1, max: 1_000_000 }) ?? 1,
    pageSize: p.int("PageSize", { min: 1, max: maxSize }) ?? defaultSize,
  };
}

export function paginate<T>(items: T[], pageNumber: number, pageSize: number): T[] {
  return items.slice((pageNumber - 1) * pageSize, pageNumber * pageSize);
}

/** NextToken pagination: the token is an opaque offset. */
export function tokenPage<T>(
  p: Params,
  items: T[],
  maxResults: number,
  defaultResults = 10,
): { items: T[]; nextToken: string } {
  const size = p.int("MaxResults", { min: 1, max: maxResults }) ?? defaultResults;
  const token = p.str("NextToken", { max: 256 });
  let offset = 0;
  if (token !== undefined) {
    const decoded = Buffer.from(token, "base64url").toString();
    if (!/^o:\d{1,9}$/.test(decoded))
      throw new InvalidParameter(p.key("NextToken"), "is not a token returned by a previous call");
    offset = Number(decoded.slice(2));
  }
  const slice = items.slice(offset, offset + size);
  const next = offset + size < items.length ? Buffer.from(`o:${offset + size}`).toString("base64url") : "";
  return { items: slice, nextToken: next };
}

/**
 * Either pagination a Describe* call may use: NextToken/MaxResults when the caller sends either (ECS's newer style),
 * else PageNumber/PageSize. Returns the page and the fields both response shapes carry.
 */
export function pageOf<T>(
  p: Params,
  all: T[],
  limits: { maxResults: number; maxPageSize: number },
): { items: T[]; nextToken: string; pageNumber: number; pageSize: number } {
  if (p.has("NextToken") || p.has("MaxResults")) {
    const { items, nextToken } = tokenPage(p, all, limits.maxResults);
    return { items, nextToken, pageNumber: 1, pageSize: items.length };
  }
  const { pageNumber, pageSize } = page(p, limits.maxPageSize);
  return { items: paginate(all, pageNumber, pageSize), nextToken: "", pageNumber, pageSize };
}
