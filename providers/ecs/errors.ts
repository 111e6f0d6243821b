// Typed errors for everything that talks to ECS. A user reading `pulumi up` output gets one line that says which
// call failed, what it means for a shared image, the wire code / HTTP status / RequestId (what Alibaba support asks
// for) and what to do next. What each wire code means lives in codes.ts.
import type { CodeEntry, Meaning, RunInstancesParameter } from "./code-entry";
import { codeEntry } from "./codes";
import { CREDENTIAL_SOURCES, NETWORK_CODES } from "./transport-codes";

/** What the messages may mention about the resource involved. Never put secrets here. */
export interface ErrorContext {
  readonly imageId?: string;
  readonly instanceId?: string;
  readonly regionId?: string;
  readonly kmsKeyId?: string;
  readonly keyPairName?: string;
  /** The accounts a ModifyImageSharePermission call adds (so a refusal names them). */
  readonly accountIds?: readonly string[];
  /** Where the request went (scheme://host[:port]), for failures below HTTP; see recordEndpoint. */
  readonly endpoint?: string;
  /**
   * Values that must never appear in a message (passwords, keys). ECS error texts are passed through for codes we
   * have no sentence for, and those texts may echo request parameters, so they are scrubbed of these values.
   */
  readonly secrets?: readonly string[];
}

export interface EcsErrorFields {
  /** ECS API action, e.g. "CopyImage". */
  readonly action: string;
  /** ECS error code (e.g. "InvalidImageId.NotFound"), or one of ours for failures below HTTP (see NETWORK_CODES). */
  readonly code: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  /** What went wrong, as a clause that completes "<action> failed: ...". */
  readonly sentence: string;
  /** What the user can do about it. */
  readonly hint?: string;
  /** Milliseconds the server asked us to wait before retrying (throttling). */
  readonly retryAfterMs?: number;
  /** The service's own message, scrubbed of secrets. */
  readonly serverMessage?: string;
  readonly cause?: unknown;
}

export class EcsError extends Error {
  readonly action: string;
  readonly code: string;
  readonly httpStatus?: number;
  readonly requestId?: string;
  readonly sentence: string;
  readonly hint?: string;
  readonly retryAfterMs?: number;
  readonly serverMessage?: string;

  constructor(fields: EcsErrorFields, message = formatEcsMessage(fields)) {
    super(message, fields.cause === undefined ? undefined : { cause: fields.cause });
    this.name = "EcsError";
    this.action = fields.action;
    this.code = fields.code;
    this.httpStatus = fields.httpStatus;
    this.requestId = fields.requestId;
    this.sentence = fields.sentence;
    this.hint = fields.hint;
    this.retryAfterMs = fields.retryAfterMs;
    this.serverMessage = fields.serverMessage;
  }
}

function formatEcsMessage(fields: EcsErrorFields): string {
  const facts = [fields.code];
  if (fields.httpStatus !== undefined) facts.push(`HTTP ${fields.httpStatus}`);
  if (fields.requestId !== undefined) facts.push(`RequestId ${fields.requestId}`);
  const fix = fields.hint === undefined ? "" : ` Fix: ${fields.hint}`;
  return `${fields.action} failed: ${fields.sentence} (${facts.join(", ")}).${fix}`;
}

/**
 * `err` as reported after `attempts` tries over `elapsedMs`: the sentence says how long the call kept failing, so a
 * message never leaves the reader guessing whether it was retried. The same error when it was tried once.
 */
export function afterAttempts(err: EcsError, attempts: number, elapsedMs: number): EcsError {
  if (attempts < 2 || err.constructor !== EcsError) return err;
  const over = elapsedMs < 1000 ? `${Math.round(elapsedMs)} ms` : `${Math.round(elapsedMs / 1000)} s`;
  return new EcsError({
    action: err.action,
    code: err.code,
    httpStatus: err.httpStatus,
    requestId: err.requestId,
    sentence: `${err.sentence} (${attempts} attempts over ${over})`,
    hint: err.hint,
    retryAfterMs: err.retryAfterMs,
    serverMessage: err.serverMessage,
    cause: err.cause,
  });
}

/** Raised before any request is sent when no credential source yields a key pair. */
export class MissingCredentialsError extends EcsError {
  constructor(action = "ECS") {
    const sentence = "no Alibaba Cloud credentials were found";
    super(
      { action, code: "MissingCredentials", sentence },
      `No Alibaba Cloud credentials were found for ${action}: set them in ${CREDENTIAL_SOURCES}.`,
    );
    this.name = "MissingCredentialsError";
  }
}

/** A user-supplied input is malformed; `property` names it the way check() failures do. */
export class InvalidInputError extends Error {
  constructor(
    readonly property: string,
    readonly reason: string,
  ) {
    super(`${property}: ${reason}`);
    this.name = "InvalidInputError";
  }
}

/** A wait ran past its deadline; `lastReason` is what the last poll saw. */
export class TimeoutError extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
    readonly lastReason: string,
    readonly lastObserved?: unknown,
  ) {
    super(
      `Timed out after ${formatDuration(timeoutMs)} waiting for ${what}; last seen: ${lastReason}. ` +
        "Fix: raise the resource's timeouts input if the operation is merely slow, then run pulumi up again to resume.",
    );
    this.name = "TimeoutError";
  }
}

/** A wait reached a state from which the awaited outcome can no longer happen. */
export class WaitFailedError extends Error {
  constructor(
    readonly what: string,
    readonly reason: string,
    readonly observed?: unknown,
  ) {
    super(`Gave up waiting for ${what}: ${reason}.`);
    this.name = "WaitFailedError";
  }
}

/** A wait or retry loop was cancelled through its AbortSignal (e.g. the engine is shutting the provider down). */
export class AbortError extends Error {
  constructor(
    readonly what: string,
    readonly lastReason?: string,
  ) {
    super(`Stopped waiting for ${what}: cancelled${lastReason === undefined ? "" : `; last seen: ${lastReason}`}.`);
    this.name = "AbortError";
  }
}

/** A request failed before any HTTP answer: the endpoint is wrong, down, unreachable, or speaks another protocol. */
export class EndpointConnectionError extends EcsError {
  /** scheme://host[:port] the request went to, when the client that sent it said so (see recordEndpoint). */
  readonly endpoint?: string;

  constructor(fields: EcsErrorFields & { readonly endpoint?: string }) {
    super(fields);
    this.name = "EndpointConnectionError";
    this.endpoint = fields.endpoint;
  }
}

// The SDK's socket errors do not say which endpoint they were for (only their messages do, and those also carry the
// whole query, Password included), so the client that sent the request records it here.
const endpointOfError = new WeakMap<object, string>();

/** Remembers that `err` came from a request to `endpoint` (scheme://host[:port]); returns `err` for a throw. */
export function recordEndpoint(err: unknown, endpoint: string): unknown {
  if (typeof err === "object" && err !== null) endpointOfError.set(err, endpoint);
  return err;
}

/** Node.js socket error codes that mean the request may not have reached ECS, or its answer was lost. */
const TRANSIENT_SOCKET_CODES: ReadonlySet<string> = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "ECONNABORTED",
  "ETIMEDOUT",
  "EPIPE",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
  "ENETDOWN",
]);

/**
 * Node.js codes of a failed TLS handshake: OpenSSL's EPROTO ("wrong version number" when the server speaks plain
 * http), and Node's own ERR_SSL_* / ERR_TLS_* and certificate verification codes. They repeat on every attempt.
 */
const TLS_CODES: ReadonlySet<string> = new Set([
  "EPROTO",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_GET_ISSUER_CERT",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
]);
const isTlsCode = (code: string) => TLS_CODES.has(code) || code.startsWith("ERR_SSL_") || code.startsWith("ERR_TLS_");

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  statusCode?: unknown;
  requestId?: unknown;
  retryAfter?: unknown;
  data?: unknown;
  message?: unknown;
}

/**
 * Converts whatever an @alicloud/openapi-core call threw into an EcsError.
 * - ClientError / ServerError / ThrottlingError: code, HTTP status, RequestId and (throttling) retryAfter, which the
 *   SDK reads from `x-acs-retry-after` and itself treats as milliseconds, so we do too.
 * - Failures below HTTP become an EndpointConnectionError naming the endpoint recorded for the error (recordEndpoint):
 *   socket errors (ECONNREFUSED, ECONNRESET "socket hang up", ...) NetworkError, httpx's RequestTimeoutError
 *   RequestTimeout, ENOTFOUND EndpointNotFound, TLS failures (EPROTO "wrong version number" from an https client at
 *   an http server, certificate errors) TlsHandshakeFailed. Their messages are never used: httpx appends the request
 *   URL, whose query holds every parameter (Password too).
 * - SyntaxError (non-JSON body from a proxy or gateway): MalformedResponse.
 * - ClientError InvalidCredentials without an HTTP status (thrown before sending): MissingCredentialsError.
 */
export function fromSdkError(action: string, err: unknown, context: ErrorContext = {}): EcsError {
  if (err instanceof EcsError) return err;
  const e: SdkErrorShape = typeof err === "object" && err !== null ? err : {};
  const httpStatus = typeof e.statusCode === "number" ? e.statusCode : undefined;

  if (presentString(e.code) === "InvalidCredentials" && httpStatus === undefined)
    return new MissingCredentialsError(action);
  if (httpStatus !== undefined) {
    // An error body without Code (a gateway's JSON, say) still has a status worth classifying by.
    const code = presentString(e.code) ?? "NoErrorCode";
    const serverMessage = scrub(serverMessageOf(e), context.secrets);
    const entry = codeEntry(code);
    return new EcsError({
      action,
      code,
      httpStatus,
      requestId: presentString(e.requestId),
      sentence:
        entry?.sentence?.(context, action) ?? (serverMessage === undefined ? "ECS refused the request" : serverMessage),
      hint: entry?.hint?.(context, action),
      retryAfterMs: typeof e.retryAfter === "number" && e.retryAfter >= 0 ? e.retryAfter : undefined,
      serverMessage,
      cause: err,
    });
  }
  const below = belowHttpCode(e, err);
  if (below !== undefined) {
    const where: ErrorContext = { ...context, endpoint: context.endpoint ?? endpointOfError.get(e) };
    // Every code of ours has its words in the table.
    const { sentence, hint } = codeEntry(below.code) as Required<CodeEntry>;
    const detail = below.detail === undefined ? "" : ` (${below.detail})`;
    const fields = {
      action,
      code: below.code,
      sentence: `${sentence(where, action)}${detail}`,
      hint: hint(where, action),
      cause: err,
    };
    // A non-JSON body did reach us: that is an answer, not a connection failure.
    return below.code === NETWORK_CODES.malformedResponse
      ? new EcsError(fields)
      : new EndpointConnectionError({ ...fields, endpoint: where.endpoint });
  }
  const name = err instanceof Error ? err.name : typeof err;
  return new EcsError({
    action,
    code: "UnexpectedError",
    sentence: `an unexpected ${name} was thrown by the ECS client`,
    hint: "this is probably a bug in the provider; please report it with the debug log.",
    cause: err,
  });
}

function belowHttpCode(e: SdkErrorShape, err: unknown): { code: string; detail?: string } | undefined {
  const code = presentString(e.code);
  if (code !== undefined && TRANSIENT_SOCKET_CODES.has(code)) return { code: NETWORK_CODES.network, detail: code };
  if (code === "ENOTFOUND") return { code: NETWORK_CODES.endpointNotFound, detail: code };
  if (code !== undefined && isTlsCode(code)) return { code: NETWORK_CODES.tls, detail: code };
  // httpx's own timeouts carry no code; the message prefix tells connect from read (safe: we keep only the prefix).
  if (e.name === "RequestTimeoutError") {
    const phase = typeof e.message === "string" && e.message.startsWith("ConnectTimeout") ? "connect" : "read";
    return { code: NETWORK_CODES.timeout, detail: `${phase} timeout` };
  }
  if (err instanceof SyntaxError) return { code: NETWORK_CODES.malformedResponse };
  return undefined;
}

function serverMessageOf(e: SdkErrorShape): string | undefined {
  // Prefer the envelope's Message: the SDK's own .message wraps it with code, status and request id we show anyway.
  if (typeof e.data === "object" && e.data !== null) {
    const data = e.data as Record<string, unknown>;
    const message = presentString(data.Message ?? data.message);
    if (message !== undefined) return message;
  }
  return undefined;
}

/** The SDK stringifies missing fields with a template literal, so "undefined" means absent. */
function presentString(value: unknown): string | undefined {
  if (typeof value !== "string") return undefined;
  const trimmed = value.trim();
  return trimmed === "" || trimmed === "undefined" || trimmed === "null" ? undefined : trimmed;
}

function scrub(text: string | undefined, secrets: readonly string[] | undefined): string | undefined {
  if (text === undefined || secrets === undefined) return text;
  return secrets.filter((s) => s.length > 0).reduce((acc, secret) => acc.split(secret).join("***"), text);
}

/** "6h", "45m", "1h30m", "90s", "250ms": for messages about waits and timeouts. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  let rest = Math.round(ms / 1000);
  const parts: string[] = [];
  for (const [unit, size] of [
    ["h", 3600],
    ["m", 60],
    ["s", 1],
  ] as const) {
    const n = Math.floor(rest / size);
    rest -= n * size;
    if (n > 0) parts.push(`${n}${unit}`);
  }
  return parts.join("");
}

// ---- Predicates on ECS errors, from the meanings of codes.ts, so callers outside providers/ecs/ name no wire codes ----

const meaning =
  (means: Meaning) =>
  (err: unknown): boolean =>
    err instanceof EcsError && codeEntry(err.code)?.means === means;

/** The image does not exist (or is no longer visible to this account). */
export const isImageNotFound = meaning("imageNotFound");

/** CancelCopyImage came too late: the copy finished (or can no longer be cancelled) meanwhile. */
export const isCopyNoLongerCancellable = meaning("copyNoLongerCancellable");

/** An image of this account in the region already has the name asked for. */
export const isImageNameTaken = meaning("imageNameTaken");

/** DeleteImage refused because instances use the image or it is shared with other accounts (Force overrides). */
export const isImageInUse = meaning("imageInUse");

/** The instance is not in a status that allows the call (e.g. StartInstance on an instance already starting). */
export const isIncorrectInstanceStatus = meaning("instanceStatusWrong");

/** The instance does not exist in the region asked (deleted, released, or never there). */
export const isInstanceNotFound = meaning("instanceNotFound");

/** ModifyImageSharePermission named an account that does not exist. */
export const isAccountNotFound = meaning("accountNotFound");

/** A DryRun request passed every check ECS makes: ECS reports that success as the error DryRunOperation. */
export const isDryRunPassed = meaning("dryRunPassed");

/**
 * The RunInstances parameter a validation error is about (so a preview's DryRun failure can name the input), or
 * undefined when `err` is not such an error (throttling, credentials, an unexpected code).
 */
export function runInstancesParameterOf(err: unknown): RunInstancesParameter | undefined {
  return err instanceof EcsError ? codeEntry(err.code)?.parameter : undefined;
}
