// Validation primitives for world files: each reads one key of a parsed JSON object and fails with the key's path in
// the file (e.g. `world.accounts[0].accountId`), so a bad world names what to fix.

export class WorldValidationError extends Error {
  constructor(
    readonly path: string,
    problem: string,
  ) {
    super(`invalid world: ${path}: ${problem}`);
    this.name = "WorldValidationError";
  }
}

export type Json = Record<string, unknown>;

export function fail(path: string, problem: string): never {
  throw new WorldValidationError(path, problem);
}

/** `value` as an object whose keys are all in `allowed`. */
export function obj(value: unknown, path: string, allowed: readonly string[]): Json {
  if (typeof value !== "object" || value === null || Array.isArray(value)) fail(path, "must be an object");
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) fail(`${path}.${key}`, `unknown key (allowed: ${allowed.join(", ")})`);
  }
  return value as Json;
}

/** An array; an absent optional key reads as empty. */
export function arr(o: Json, key: string, path: string, required = false): unknown[] {
  const v = o[key];
  if (v === undefined && !required) return [];
  if (!Array.isArray(v)) fail(`${path}.${key}`, required ? "is required and must be an array" : "must be an array");
  return v;
}

/** A non-empty string; an absent optional key reads as "". */
export function str(
  o: Json,
  key: string,
  path: string,
  opts: { optional?: boolean; pattern?: RegExp; hint?: string } = {},
): string {
  const v = o[key];
  if (v === undefined && opts.optional) return "";
  if (typeof v !== "string" || v.length === 0) fail(`${path}.${key}`, "is required and must be a non-empty string");
  if (opts.pattern && !opts.pattern.test(v))
    fail(`${path}.${key}`, `${opts.hint ?? `must match ${opts.pattern}`} (got ${JSON.stringify(v)})`);
  return v;
}

/** A number in [min, max]; an absent optional key reads as NaN. */
export function num(o: Json, key: string, path: string, min: number, max: number, optional = false): number {
  const v = o[key];
  if (v === undefined && optional) return Number.NaN;
  if (typeof v !== "number" || !Number.isFinite(v) || v < min || v > max) {
    fail(`${path}.${key}`, `must be a number between ${min} and ${max} (got ${JSON.stringify(v)})`);
  }
  return v;
}

/** A boolean; absent reads as false. */
export function bool(o: Json, key: string, path: string): boolean {
  const v = o[key];
  if (v === undefined) return false;
  if (typeof v !== "boolean") fail(`${path}.${key}`, "must be true or false");
  return v;
}

export function stringMap(o: Json, key: string, path: string): Record<string, string> {
  const v = o[key];
  if (v === undefined) return {};
  if (typeof v !== "object" || v === null || Array.isArray(v)) fail(`${path}.${key}`, "must be an object of strings");
  for (const [k, s] of Object.entries(v)) if (typeof s !== "string") fail(`${path}.${key}.${k}`, "must be a string");
  return v as Record<string, string>;
}

/** A string or an array of strings (RAM's Action and condition values). */
export function isStringOrStrings(v: unknown): boolean {
  return typeof v === "string" || (Array.isArray(v) && v.every((x) => typeof x === "string"));
}
