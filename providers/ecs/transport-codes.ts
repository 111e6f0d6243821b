// The wire codes that are about the connection rather than about a resource: throttling, service faults,
// ClientToken reuse, credentials, and the codes we assign to failures that never reached an ECS response. codes.ts
// merges them into the one table.
import { type CodeEntry, fixed } from "./code-entry";
import type { ErrorContext } from "./errors";

/** The stack config key that points the providers at another ECS endpoint (an emulator, a VPC endpoint). */
export const ENDPOINT_CONFIG_KEY = "ecsSharedImages:endpoint";

/** Where credentials are looked up, in order; shared by the client factory, its error and the hints below. */
export const CREDENTIAL_SOURCES =
  "the stack config (alicloud:accessKey and alicloud:secretKey, optionally alicloud:securityToken, or alicloud:profile), " +
  "the environment (ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY or ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET), " +
  "or the Alibaba Cloud credentials chain (~/.aliyun/config.json, ~/.alibabacloud/credentials, OIDC, ECS RAM role)";

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

const endpoint = (c: ErrorContext) =>
  c.endpoint === undefined ? "the ECS endpoint" : `the ECS endpoint ${c.endpoint}`;
const CHECK_ENDPOINT =
  `check that ${ENDPOINT_CONFIG_KEY} (or, without it, the region) names the right host and port, that the emulator ` +
  "or the network to that host is up, and that the scheme matches what it serves (http:// for the local emulator, " +
  "https:// for Alibaba Cloud)";
const CHECK_CREDENTIALS = fixed(`check the credentials in ${CREDENTIAL_SOURCES}.`);

const THROTTLED: CodeEntry = {
  sentence: fixed("ECS throttled the request (too many calls to this API)"),
  hint: fixed("retry later, or run fewer resources in parallel (pulumi up --parallel)."),
  retry: "throttling",
};
const IDEMPOTENT_MISMATCH: CodeEntry = {
  sentence: fixed("the ClientToken of this operation was already used with different parameters"),
  hint: fixed(
    "ECS remembers this token from an earlier request with other parameters; run pulumi refresh, then pulumi up " +
      "(creates draw a new token on every run). If it persists, report it as a bug with the RequestId.",
  ),
  retry: "never",
};
const STILL_PROCESSING: CodeEntry = {
  sentence: fixed("an earlier request with the same ClientToken is still being processed"),
  hint: fixed("retry later."),
  retry: "transient",
};

/** The connection-level entries of the code table. */
export const TRANSPORT_CODES: Readonly<Record<string, CodeEntry>> = {
  Throttling: THROTTLED,
  "Throttling.User": THROTTLED,
  "Throttling.ConcurrentLimitExceeded": THROTTLED,
  "Rejected.Throttling": THROTTLED,
  // No sentence of ours: the server's own message is shown.
  "Throttling.Api": { retry: "throttling" },
  ServiceUnavailable: {
    sentence: fixed("ECS is temporarily unavailable"),
    hint: fixed("retry later."),
    retry: "transient",
  },
  InternalError: {
    sentence: fixed("ECS reported an internal error"),
    hint: fixed("retry later; report the RequestId to Alibaba Cloud support if it persists."),
    retry: "transient",
  },
  IdempotentParameterMismatch: IDEMPOTENT_MISMATCH,
  "InvalidIdempotenceParameter.Mismatch": IDEMPOTENT_MISMATCH,
  IdempotentProcessing: STILL_PROCESSING,
  LastTokenProcessing: STILL_PROCESSING,
  InvalidAccessKeyId: {
    sentence: fixed("the AccessKey id is not valid"),
    hint: CHECK_CREDENTIALS,
  },
  "InvalidAccessKeyId.NotFound": {
    sentence: fixed("the AccessKey id does not exist"),
    hint: CHECK_CREDENTIALS,
  },
  SignatureDoesNotMatch: {
    sentence: fixed("the request signature does not match (the AccessKey secret is probably wrong)"),
    hint: CHECK_CREDENTIALS,
  },
  [NETWORK_CODES.network]: {
    sentence: (c) => `the connection to ${endpoint(c)} failed before any answer`,
    hint: fixed(`${CHECK_ENDPOINT}.`),
    retry: "network",
  },
  [NETWORK_CODES.timeout]: {
    sentence: (c) => `${endpoint(c)} did not answer in time`,
    hint: fixed(`${CHECK_ENDPOINT}.`),
    retry: "network",
  },
  [NETWORK_CODES.malformedResponse]: {
    sentence: fixed("the endpoint answered with something that is not an ECS JSON response (a proxy or gateway?)"),
    hint: fixed("check the endpoint setting and any proxy in between."),
    retry: "transient",
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
  // Codes with no sentence of ours (the server's own message is shown) that still matter.
  UnknownError: { retry: "transient" },
  OperationConflict: { retry: "transient" },
  "InvalidOperation.Conflict": { retry: "transient" },
  "IncorrectInstanceStatus.Initializing": { retry: "transient" },
};
