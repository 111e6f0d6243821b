// What a dynamic provider's values look like on the engine's wire: the placeholder for values not known during
// preview, and the rule that a value sent back must not contain `undefined` (the engine's Struct encoding rejects it
// with "Unexpected struct type", which would also lose partial state).

/** The text the engine puts in place of a value that is unknown during preview (e.g. an id not created yet). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** Whether `value` is unknown or holds an unknown anywhere inside it. */
export function containsUnknown(value: unknown): boolean {
  if (value === UNKNOWN) return true;
  if (Array.isArray(value)) return value.some(containsUnknown);
  if (typeof value === "object" && value !== null) return Object.values(value).some(containsUnknown);
  return false;
}

/**
 * A copy of `value` without undefined properties, at any depth (array items that are undefined become null, as
 * JSON does). Every object a provider returns to the engine goes through this.
 */
export function dropUndefined<T>(value: T): T {
  if (Array.isArray(value)) return value.map((item) => (item === undefined ? null : dropUndefined(item))) as T;
  if (typeof value === "object" && value !== null) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
      if (item !== undefined) out[key] = dropUndefined(item);
    }
    return out as T;
  }
  return value;
}
