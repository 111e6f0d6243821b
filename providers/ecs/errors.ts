// Typed errors for everything that talks to ECS. A user reading `pulumi up` output gets one line that says which
// call failed, what it means for a shared image, the wire code / HTTP status / RequestId (what Alibaba support asks
// for) and what to do next.

/** What the messages may mention about the resource involved. Never put secrets here. */
export interface ErrorContext {
  readonly imageId?: string;
  readonly instanceId?: string;
  readonly regionId?: string;
  readonly kmsKeyId?: string;
  readonly keyPairName?: string;
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

export function formatEcsMessage(fields: EcsErrorFields): string {
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

/** The stack config key that points the providers at another ECS endpoint (an emulator, a VPC endpoint). */
export const ENDPOINT_CONFIG_KEY = "ecsSharedImages:endpoint";

/** Where credentials are looked up, in order; shared by the client factory and this error's sentence. */
export const CREDENTIAL_SOURCES =
  "the stack config (alicloud:accessKey and alicloud:secretKey, optionally alicloud:securityToken, or alicloud:profile), " +
  "the environment (ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY or ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET), " +
  "or the Alibaba Cloud credentials chain (~/.aliyun/config.json, ~/.alibabacloud/credentials, OIDC, ECS RAM role)";

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

/**
 * Codes we assign to failures that never reached an ECS response. All but EndpointNotFound and TlsHandshakeFailed
 * are transient: a host that does not resolve, or an https client talking to a plain http server, fails the same way
 * on every attempt, so retrying them only delays the one sentence that says what to fix.
 */
export const NETWORK_CODES = {
  network: "NetworkError",
  timeout: "RequestTimeout",
  malformedResponse: "MalformedResponse",
  endpointNotFound: "EndpointNotFound",
  tls: "TlsHandshakeFailed",
} as const;

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

type Describe = (c: ErrorContext, action: string) => string;
export interface CodeEntry {
  readonly sentence: Describe;
  readonly hint: Describe;
}

const image = (c: ErrorContext) => (c.imageId === undefined ? "the image" : `the image ${c.imageId}`);
const instance = (c: ErrorContext) => (c.instanceId === undefined ? "the instance" : `the instance ${c.instanceId}`);
const kmsKey = (c: ErrorContext) => (c.kmsKeyId === undefined ? "the KMS key" : `the KMS key ${c.kmsKeyId}`);
const usesSharedImage = (action: string) =>
  ["CopyImage", "RunInstances", "CreateInstance", "ReplaceSystemDisk"].includes(action);
const endpoint = (c: ErrorContext) =>
  c.endpoint === undefined ? "the ECS endpoint" : `the ECS endpoint ${c.endpoint}`;
const CHECK_ENDPOINT =
  `check that ${ENDPOINT_CONFIG_KEY} (or, without it, the region) names the right host and port, that the emulator ` +
  "or the network to that host is up, and that the scheme matches what it serves (http:// for the local emulator, " +
  "https:// for Alibaba Cloud)";
const fixed =
  (text: string): Describe =>
  () =>
    text;

const THROTTLED: CodeEntry = {
  sentence: fixed("ECS throttled the request (too many calls to this API)"),
  hint: fixed("retry later, or run fewer resources in parallel (pulumi up --parallel)."),
};
const IDEMPOTENT_MISMATCH: CodeEntry = {
  sentence: fixed("the ClientToken of this operation was already used with different parameters"),
  hint: fixed(
    "ECS remembers this token from an earlier request with other parameters; run pulumi refresh, then pulumi up " +
      "(creates draw a new token on every run). If it persists, report it as a bug with the RequestId.",
  ),
};

/** Sentences and hints for the codes our operations can meet (the error codes of ECS's API reference). */
export const CODE_TABLE: Readonly<Record<string, CodeEntry>> = {
  "InvalidImageId.NotFound": {
    sentence: (c, action) =>
      usesSharedImage(action)
        ? `${image(c)} no longer exists or is no longer shared with this account`
        : `${image(c)} does not exist in this region`,
    hint: (_c, action) =>
      usesSharedImage(action)
        ? "ask the image owner to share it with this account again, or choose another approved image."
        : "check the image id and region.",
  },
  IncorrectImageStatus: {
    sentence: (c) => `${image(c)} is not in a status that allows this operation (it must be Available)`,
    hint: fixed("wait until the image is Available, or ask the owner why it is not."),
  },
  "OperationDenied.SameRegionOnly": {
    sentence: (c) => `${image(c)} is shared by another account and can only be copied within its own region`,
    hint: fixed("copy it in the image's region (set region to the source region)."),
  },
  "OperationDenied.ImageCopying": {
    sentence: (c) => `${image(c)} is being copied`,
    hint: fixed("wait for the copy to finish or cancel it (CancelCopyImage) first."),
  },
  "OperationDenied.ImageNotValid": {
    sentence: (c) =>
      `${image(c)} can no longer be used: the owner may be in arrears, may have revoked the share or disabled its key`,
    hint: fixed("ask the image owner to restore the image, or choose another approved image."),
  },
  "QuotaExceed.Image": {
    sentence: fixed("this account has reached its custom image quota in this region"),
    hint: fixed("delete unused images or request a higher quota in the Quota Center."),
  },
  "QuotaExceed.Snapshot": {
    sentence: fixed("this account has reached its snapshot quota (a copy creates snapshots)"),
    hint: fixed("delete unused snapshots or request a higher quota."),
  },
  "OperationDenied.QuotaExceed": {
    sentence: fixed("the resource would carry more than 20 tags"),
    hint: fixed(
      "remove tags added to it outside Pulumi; this package keeps up to 4 of the 20 for itself, so give it at most 16.",
    ),
  },
  "InvalidImageName.Duplicated": {
    sentence: fixed("an image with this name already exists in this account and region"),
    hint: fixed("choose another name, or adopt the existing image."),
  },
  IncorrectDestinationRegion: {
    sentence: fixed("the destination region is not valid for this copy"),
    hint: fixed("use a region where ECS is available to this account."),
  },
  RegionNotSupportCopy: {
    sentence: fixed("image copy is not supported in this region"),
    hint: fixed("copy in another region."),
  },
  "OperationDeined.EncryptedSnapshot": {
    sentence: (c) => `${image(c)} is backed by encrypted snapshots that cannot be copied this way`,
    hint: fixed("copy with encrypted=true and a KMS key this account can use."),
  },
  "InvalidParameter.KMSKeyId.CMKNotEnabled": {
    sentence: (c) => `${kmsKey(c)} is not enabled`,
    hint: fixed("enable the key in KMS or choose another key."),
  },
  "InvalidParameter.KMSKeyId.NotFound": {
    sentence: (c) => `${kmsKey(c)} does not exist in this region`,
    hint: fixed("check the key id and region."),
  },
  "InvalidParameter.KMSKeyId.KMSUnauthorized": {
    sentence: (c) => `ECS is not authorized to use ${kmsKey(c)}`,
    hint: fixed("grant the ECS service role access to the key (AliyunECSDiskEncryptDefaultRole)."),
  },
  "InvalidParameter.EncryptedIllegal": {
    sentence: fixed("a KMS key was given without enabling encryption, or encryption is required and was not enabled"),
    hint: fixed("set encrypted=true whenever a KMS key is set; encrypted shared images need encrypted disks."),
  },
  "InvalidParameter.EncryptedNotSupported": {
    sentence: fixed("encryption is not supported for this disk category or instance type"),
    hint: fixed("choose a disk category that supports encryption (e.g. cloud_essd)."),
  },
  "EncryptedOption.Conflict": {
    sentence: fixed("the encryption settings conflict with the image's encryption"),
    hint: fixed("disks made from an encrypted shared image must be encrypted: set encrypted=true."),
  },
  "InvalidParameter.Encrypted.KmsNotEnabled": {
    sentence: fixed("KMS is not activated for this account"),
    hint: fixed("activate Key Management Service in this region."),
  },
  "SizeExceed.Image": {
    sentence: (c) => `${image(c)} is larger than ECS allows for this operation`,
    hint: fixed("use a smaller image."),
  },
  ImageCreatedNotFromCopy: {
    sentence: (c) => `${image(c)} was not created by a copy, so there is no copy to cancel`,
    hint: fixed("delete the image instead."),
  },
  CancelNotSupported: {
    sentence: (c) => `the copy of ${image(c)} can no longer be cancelled`,
    hint: fixed("wait for it to finish, then delete the image."),
  },
  ImageNotSupportInstanceType: {
    sentence: (c) => `${image(c)} does not support this instance type`,
    hint: fixed("choose an instance type compatible with the image's architecture and boot mode."),
  },
  "InvalidDataDiskCategory.ValueNotSupported": {
    sentence: fixed("a data disk category is not supported for this instance type or zone"),
    hint: fixed("choose another data disk category."),
  },
  "Forbidden.RAM": {
    sentence: fixed("the RAM user or role is not allowed to do this (a RAM policy may restrict ecs:ImageOwnerId)"),
    hint: fixed("grant the permission, or use an image whose owner the RAM policy allows."),
  },
  IncorrectInstanceStatus: {
    sentence: (c) => `${instance(c)} is not in a status that allows this operation`,
    hint: fixed("ReplaceSystemDisk needs the instance Stopped in standard (not economical) mode."),
  },
  "InvalidSystemDiskSize.LessThanImageSize": {
    sentence: (c) => `the system disk size is smaller than ${image(c)}`,
    hint: fixed("raise systemDiskSize to at least the image size."),
  },
  "InvalidSystemDiskSize.MoreThanMaxSize": {
    sentence: fixed("the system disk size is above the maximum for this category"),
    hint: fixed("lower systemDiskSize."),
  },
  "InvalidSystemDiskSize.ImageNotSupportResize": {
    sentence: (c) => `${image(c)} does not support resizing the system disk`,
    hint: fixed("leave systemDiskSize unset."),
  },
  InstanceLockedForSecurity: {
    sentence: (c) => `${instance(c)} is locked for security reasons`,
    hint: fixed("resolve the security lock in the console first."),
  },
  "InvalidKeyPairName.NotFound": {
    sentence: (c) =>
      c.keyPairName === undefined ? "the key pair does not exist" : `the key pair ${c.keyPairName} does not exist`,
    hint: fixed("check the key pair name and region."),
  },
  "InvalidPasswordParam.Mismatch": {
    sentence: fixed("the password does not meet ECS rules or conflicts with the other credential settings"),
    hint: fixed("use 8-30 characters with three of: upper, lower, digits, special characters."),
  },
  "InvalidParameter.Conflict": {
    sentence: fixed("some parameters conflict with each other"),
    hint: fixed(
      "give one of password, key pair or PasswordInherit; PasswordInherit also needs an image with a preset " +
        "password (otherwise set password or keyPairName).",
    ),
  },
  "OperationDenied.InstanceCreating": {
    sentence: (c) => `${instance(c)} is still being created`,
    hint: fixed("wait until it is Running or Stopped."),
  },
  DiskCreatingSnapshot: {
    sentence: fixed("the system disk is creating a snapshot"),
    hint: fixed("wait for the snapshot to finish."),
  },
  ImageUsingByInstance: {
    sentence: (c) => `${image(c)} is used by instances`,
    hint: fixed("delete those instances first, or set force=true on delete."),
  },
  ImageUseShared: {
    sentence: (c) => `${image(c)} is shared with other accounts`,
    hint: fixed("unshare it first, or set force=true on delete."),
  },
  ImageIsImporting: {
    sentence: (c) => `${image(c)} is being imported`,
    hint: fixed("wait for the import to finish."),
  },
  ImageIsExporting: {
    sentence: (c) => `${image(c)} is being exported`,
    hint: fixed("wait for the export to finish."),
  },
  "InvalidInstanceId.NotFound": {
    sentence: (c) => `${instance(c)} does not exist`,
    hint: fixed("check the instance id and region; it may have been deleted outside Pulumi (run pulumi refresh)."),
  },
  Throttling: THROTTLED,
  "Throttling.User": THROTTLED,
  "Throttling.ConcurrentLimitExceeded": THROTTLED,
  "Rejected.Throttling": THROTTLED,
  ServiceUnavailable: {
    sentence: fixed("ECS is temporarily unavailable"),
    hint: fixed("retry later."),
  },
  InternalError: {
    sentence: fixed("ECS reported an internal error"),
    hint: fixed("retry later; report the RequestId to Alibaba Cloud support if it persists."),
  },
  IdempotentParameterMismatch: IDEMPOTENT_MISMATCH,
  "InvalidIdempotenceParameter.Mismatch": IDEMPOTENT_MISMATCH,
  IdempotentProcessing: {
    sentence: fixed("an earlier request with the same ClientToken is still being processed"),
    hint: fixed("retry later."),
  },
  LastTokenProcessing: {
    sentence: fixed("an earlier request with the same ClientToken is still being processed"),
    hint: fixed("retry later."),
  },
  InvalidAccessKeyId: {
    sentence: fixed("the AccessKey id is not valid"),
    hint: fixed(`check the credentials in ${CREDENTIAL_SOURCES}.`),
  },
  "InvalidAccessKeyId.NotFound": {
    sentence: fixed("the AccessKey id does not exist"),
    hint: fixed(`check the credentials in ${CREDENTIAL_SOURCES}.`),
  },
  SignatureDoesNotMatch: {
    sentence: fixed("the request signature does not match (the AccessKey secret is probably wrong)"),
    hint: fixed(`check the credentials in ${CREDENTIAL_SOURCES}.`),
  },
  [NETWORK_CODES.network]: {
    sentence: (c) => `the connection to ${endpoint(c)} failed before any answer`,
    hint: fixed(`${CHECK_ENDPOINT}.`),
  },
  [NETWORK_CODES.timeout]: {
    sentence: (c) => `${endpoint(c)} did not answer in time`,
    hint: fixed(`${CHECK_ENDPOINT}.`),
  },
  [NETWORK_CODES.malformedResponse]: {
    sentence: fixed("the endpoint answered with something that is not an ECS JSON response (a proxy or gateway?)"),
    hint: fixed("check the endpoint setting and any proxy in between."),
  },
  [NETWORK_CODES.endpointNotFound]: {
    sentence: (c) => `the host name of ${endpoint(c)} could not be resolved`,
    hint: fixed(`check ${ENDPOINT_CONFIG_KEY} (or, without it, the region) and this machine's DNS.`),
  },
  [NETWORK_CODES.tls]: {
    sentence: (c) => `the TLS handshake with ${endpoint(c)} failed`,
    hint: fixed(
      `if the endpoint serves plain http (the local emulator does), write it as http://HOST:PORT in ${ENDPOINT_CONFIG_KEY}; ` +
        "otherwise check its certificate and any proxy in between.",
    ),
  },
};

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
    const entry = CODE_TABLE[code];
    return new EcsError({
      action,
      code,
      httpStatus,
      requestId: presentString(e.requestId),
      sentence:
        entry?.sentence(context, action) ?? (serverMessage === undefined ? "ECS refused the request" : serverMessage),
      hint: entry?.hint(context, action),
      retryAfterMs: typeof e.retryAfter === "number" && e.retryAfter >= 0 ? e.retryAfter : undefined,
      serverMessage,
      cause: err,
    });
  }
  const below = belowHttpCode(e, err);
  if (below !== undefined) {
    const where: ErrorContext = { ...context, endpoint: context.endpoint ?? endpointOfError.get(e) };
    const entry = CODE_TABLE[below.code];
    const detail = below.detail === undefined ? "" : ` (${below.detail})`;
    const fields = {
      action,
      code: below.code,
      sentence: `${entry.sentence(where, action)}${detail}`,
      hint: entry.hint(where, action),
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

// ---- Predicates on ECS error codes (SharedImageCopy), so callers outside providers/ecs/ name no wire codes ----

/** Whether `err` is an EcsError with one of `codes`. */
export function hasCode(err: unknown, ...codes: string[]): boolean {
  return err instanceof EcsError && codes.includes(err.code);
}

/** The image does not exist (or is no longer visible to this account). */
export function isImageNotFound(err: unknown): boolean {
  return hasCode(err, "InvalidImageId.NotFound");
}

/** CancelCopyImage came too late: the copy finished (or can no longer be cancelled) meanwhile. */
export function isCopyNoLongerCancellable(err: unknown): boolean {
  return hasCode(err, "IncorrectImageStatus", "CancelNotSupported");
}

/** An image of this account in the region already has the name asked for. */
export function isImageNameTaken(err: unknown): boolean {
  return hasCode(err, "InvalidImageName.Duplicated");
}

/** DeleteImage refused because instances use the image or it is shared with other accounts (Force overrides). */
export function isImageInUse(err: unknown): boolean {
  return hasCode(err, "ImageUsingByInstance", "ImageUseShared");
}

// ---- Predicates on ECS error codes (SystemDiskReplacement / system-disk-sequence), reusing hasCode above ----

/** The instance is not in a status that allows the call (e.g. StartInstance on an instance already starting). */
export function isIncorrectInstanceStatus(err: unknown): boolean {
  return hasCode(err, "IncorrectInstanceStatus");
}

// ---- Predicates and tables on ECS error codes (InstanceFromSharedImage), so callers outside providers/ecs/ name no
// wire codes ----

/** The instance does not exist in the region asked (deleted, released, or never there). */
export function isInstanceNotFound(err: unknown): boolean {
  return err instanceof EcsError && err.code === "InvalidInstanceId.NotFound";
}

/** A DryRun request passed every check ECS makes: ECS reports that success as the error DryRunOperation. */
export function isDryRunPassed(err: unknown): boolean {
  return err instanceof EcsError && err.code === "DryRunOperation";
}

/** The RunInstances parameters (RunInstanceRequest fields) that validation errors of RunInstances are about. */
export type RunInstancesParameter =
  | "imageId"
  | "instanceType"
  | "vSwitchId"
  | "zoneId"
  | "securityGroupIds"
  | "keyPairName"
  | "systemDisk"
  | "dataDisks";

const RUN_INSTANCES_PARAMETER_BY_CODE: Readonly<Record<string, RunInstancesParameter>> = {
  "InvalidImageId.NotFound": "imageId",
  IncorrectImageStatus: "imageId",
  "OperationDenied.ImageNotValid": "imageId",
  // A RAM policy denying RunInstances is conditioned on the image's owner (ecs:ImageOwnerId).
  "Forbidden.RAM": "imageId",
  ImageNotSupportInstanceType: "instanceType",
  "InvalidInstanceType.ValueNotSupported": "instanceType",
  "InvalidVSwitchId.NotFound": "vSwitchId",
  "InvalidZoneId.NotFound": "zoneId",
  // The zone given does not match the vSwitch's zone.
  "InvalidParameter.Mismatch": "vSwitchId",
  "InvalidSecurityGroupId.NotFound": "securityGroupIds",
  "InvalidKeyPairName.NotFound": "keyPairName",
  "EncryptedOption.Conflict": "dataDisks",
  "InvalidParameter.EncryptedIllegal": "systemDisk",
  "InvalidParameter.EncryptedNotSupported": "systemDisk",
  "InvalidParameter.KMSKeyId.NotFound": "systemDisk",
  "InvalidParameter.KMSKeyId.CMKNotEnabled": "systemDisk",
  "InvalidParameter.KMSKeyId.KMSUnauthorized": "systemDisk",
  "InvalidParameter.Encrypted.KmsNotEnabled": "systemDisk",
  "InvalidSystemDiskCategory.ValueNotSupported": "systemDisk",
  "InvalidSystemDiskSize.LessThanImageSize": "systemDisk",
  "InvalidSystemDiskSize.MoreThanMaxSize": "systemDisk",
  "InvalidSystemDiskSize.ImageNotSupportResize": "systemDisk",
  InvalidSystemDiskSize: "systemDisk",
  "InvalidDataDiskCategory.ValueNotSupported": "dataDisks",
  "InvalidDataDiskSize.ValueNotSupported": "dataDisks",
};

/**
 * The RunInstances parameter a validation error is about (so a preview's DryRun failure can name the input), or
 * undefined when `err` is not such an error (throttling, credentials, an unexpected code).
 */
export function runInstancesParameterOf(err: unknown): RunInstancesParameter | undefined {
  return err instanceof EcsError ? RUN_INSTANCES_PARAMETER_BY_CODE[err.code] : undefined;
}
