// ClientTokens (ECS accepts at most 64 ASCII characters). Two kinds:
// - deterministic ones (`clientToken`), the same on every retry and every later run with the same inputs: for
//   operations on an existing resource (ReplaceSystemDisk), and as the *fingerprint* of a create;
// - one token per run of a create (`runToken`): the fingerprint plus a nonce. ECS remembers a token and answers it
//   with the same resource even after that resource was deleted, so a create whose token were only its inputs would
//   get a deleted resource back after every destroy and re-create. A create interrupted before the engine recorded
//   its result is found again by its fingerprint instead, which it carries as a tag until it finishes.
import { createHash, randomBytes } from "node:crypto";

/**
 * Who the operation is for. Dynamic provider methods never see the URN, so the resource class passes these as an
 * input. Together they are unique per resource within an organisation's stacks.
 */
export interface ResourceIdentity {
  readonly project: string;
  readonly stack: string;
  /** The resource's type token, e.g. "pulumi-nodejs:dynamic/ecs-shared-images:SharedImageCopy". */
  readonly type: string;
  readonly name: string;
}

/** Bumped if the derivation ever changes, so old and new tokens can never collide. */
const PREFIX = "psi1-";
/** 48 hex characters = 192 bits of SHA-256: collisions are not a concern, and the token stays well under 64. */
const HASH_CHARS = 48;

/**
 * The token for `operation` (e.g. "CopyImage") of the resource `identity` with these `inputs`.
 * Pass only non-secret inputs: the token travels in request logs and ActionTrail; a secret that changes (a password)
 * must not change the token anyway, since the resource created with the old one is the same resource.
 * Object key order does not matter (canonical JSON); array order does (sort set-like lists first).
 * Properties that are undefined are ignored, so an omitted optional input and an explicit undefined agree.
 */
export function clientToken(identity: ResourceIdentity, operation: string, inputs: unknown): string {
  const { project, stack, type, name } = identity;
  for (const [field, value] of Object.entries({ project, stack, type, name, operation })) {
    if (typeof value !== "string" || value === "") {
      throw new TypeError(`clientToken: ${field} must be a non-empty string, got ${JSON.stringify(value)}`);
    }
  }
  // Same text as canonicalJson of { identity, inputs, operation }, built so failure paths read "inputs.x".
  const identityJson = canonicalJson({ project, stack, type, name }, "identity");
  return hashToken(
    `{"identity":${identityJson},"inputs":${canonicalJson(inputs ?? null)},"operation":${JSON.stringify(operation)}}`,
  );
}

/**
 * A deterministic token derived from `token` and a resource the operation acts on (e.g. the system disk being
 * replaced), so the same logical operation on a different resource is a new operation for ECS, while a resumed run
 * on the same resource repeats the same one.
 */
export function nextClientToken(token: string, previousResourceId: string): string {
  if (token === "" || previousResourceId === "") {
    throw new TypeError("nextClientToken: token and previousResourceId must be non-empty strings");
  }
  return hashToken(canonicalJson({ after: previousResourceId, token }));
}

/**
 * A short, stable key of the resource `identity` (hex), so resources an earlier run of its creates left behind can
 * be told apart from other resources' without putting the name in a tag.
 */
export function resourceKey(identity: ResourceIdentity): string {
  return clientToken(identity, "resource", null).slice(PREFIX.length, PREFIX.length + 16);
}

/**
 * The ClientToken of one run of a create whose fingerprint (its `clientToken`) is `fingerprint`. Retries of the call
 * within the run reuse it, so a lost answer never makes a second resource; the next run draws a new one.
 */
export function runToken(fingerprint: string, nonce: string = randomBytes(16).toString("hex")): string {
  if (fingerprint === "" || nonce === "") throw new TypeError("runToken: fingerprint and nonce must be non-empty");
  return hashToken(canonicalJson({ fingerprint, nonce }));
}

function hashToken(text: string): string {
  return PREFIX + createHash("sha256").update(text, "utf8").digest("hex").slice(0, HASH_CHARS);
}

/** JSON with object keys sorted at every level; rejects values JSON would silently change (NaN, functions, ...). */
export function canonicalJson(value: unknown, path = "inputs"): string {
  if (value === null || typeof value === "string" || typeof value === "boolean") return JSON.stringify(value);
  if (typeof value === "number") {
    if (!Number.isFinite(value)) throw new TypeError(`canonicalJson: ${path} is ${value}, which JSON cannot represent`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) {
    return `[${value.map((item, i) => (item === undefined ? "null" : canonicalJson(item, `${path}[${i}]`))).join(",")}]`;
  }
  if (typeof value === "object" && isPlainObject(value)) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v, `${path}.${k}`)}`);
    return `{${entries.join(",")}}`;
  }
  throw new TypeError(`canonicalJson: ${path} is a ${describeType(value)}, which has no canonical JSON form`);
}

/** Plain objects of any realm (inputs may be built in a vm context or structuredClone'd by a test runner). */
function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

function describeType(value: unknown): string {
  if (typeof value !== "object" || value === null) return typeof value;
  return value.constructor.name;
}
