// Authentication: verifies v3 (ACS3-HMAC-SHA256) and legacy v1 signatures, timestamps, nonces and STS tokens, and
// returns the calling principal.
import type { IncomingHttpHeaders } from "node:http";
import type { Clock } from "../clock";
import {
  IncompleteSignature,
  InvalidAccessKeyIdNotFound,
  InvalidSecurityTokenExpired,
  InvalidSecurityTokenMalformed,
  InvalidSecurityTokenMismatchWithAccessKey,
  InvalidTimeStampExpired,
  InvalidTimeStampFormat,
  MissingParameter,
  MissingSecurityToken,
  SignatureDoesNotMatch,
  SignatureNonceUsed,
} from "../models/errors";
import type { Callers, Principal } from "../models/types";
import { parseV3Authorization, safeEqual, sha256Hex, v1Signature, v3Signature } from "./signature";

const MAX_SKEW_MS = 15 * 60 * 1000;

export interface RawRequest {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface Authenticated {
  principal: Principal;
  signatureVersion: "v3" | "v1";
  action: string;
  version: string;
}

function header(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Remembers signature nonces for the timestamp window, so a replayed request is rejected. */
export class NonceCache {
  private readonly seen = new Map<string, number>();
  constructor(private readonly clock: Clock) {}

  use(accessKeyId: string, nonce: string): void {
    const now = this.clock.now();
    if (this.seen.size > 50_000) {
      for (const [k, exp] of this.seen) if (exp < now) this.seen.delete(k);
    }
    const key = `${accessKeyId}\n${nonce}`;
    const exp = this.seen.get(key);
    if (exp !== undefined && exp >= now)
      throw new SignatureNonceUsed(`The signature nonce "${nonce}" was used already.`);
    this.seen.set(key, now + 2 * MAX_SKEW_MS);
  }
}

function checkTimestamp(value: string | undefined, param: string, now: number): void {
  if (!value) throw new MissingParameter(param);
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/.test(value)) {
    throw new InvalidTimeStampFormat(
      `Specified ${param} "${value.slice(0, 40)}" is not well formatted (yyyy-MM-ddTHH:mm:ssZ).`,
    );
  }
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new InvalidTimeStampFormat(`Specified ${param} is not a valid date.`);
  if (Math.abs(now - t) > MAX_SKEW_MS) {
    throw new InvalidTimeStampExpired(
      `Specified ${param} "${value}" is more than 15 minutes away from the server time.`,
    );
  }
}

interface Credential {
  secret: string;
  accountId: string;
  ramUser?: string;
  sts?: { securityToken: string; expiresAt: number };
}

function lookup(callers: Callers, accessKeyId: string): Credential {
  const ak = callers.accessKeys.get(accessKeyId);
  if (ak) return ak;
  const sts = callers.stsTokens.get(accessKeyId);
  if (sts) return { ...sts, sts: { securityToken: sts.securityToken, expiresAt: sts.expiresAt } };
  throw new InvalidAccessKeyIdNotFound(`Specified access key "${accessKeyId.slice(0, 64)}" is not found.`);
}

function checkToken(callers: Callers, cred: Credential, token: string | undefined, now: number): void {
  if (!cred.sts) return;
  if (!token) throw new MissingSecurityToken("The access key is an STS key; SecurityToken is mandatory.");
  if (token !== cred.sts.securityToken) {
    const other = [...callers.stsTokens.values()].some((t) => t.securityToken === token);
    if (other) throw new InvalidSecurityTokenMismatchWithAccessKey();
    throw new InvalidSecurityTokenMalformed();
  }
  if (now > cred.sts.expiresAt) throw new InvalidSecurityTokenExpired();
}

/**
 * Verifies an ACS3-HMAC-SHA256 request (Authorization header) or a legacy v1 request (Signature in the query) and
 * returns the calling principal. `clock` is the wall clock the SDK stamps requests with.
 */
export function authenticate(req: RawRequest, callers: Callers, nonces: NonceCache, clock: Clock): Authenticated {
  const now = clock.now();
  const authorization = header(req.headers, "authorization");
  let accessKeyId: string;
  let cred: Credential;
  let token: string | undefined;
  let nonce: string;
  let signatureVersion: "v3" | "v1";
  let action: string | undefined;
  let version: string | undefined;
  if (authorization !== undefined) {
    signatureVersion = "v3";
    const auth = parseV3Authorization(authorization);
    accessKeyId = auth.accessKeyId;
    for (const required of ["host", "x-acs-date", "x-acs-signature-nonce", "x-acs-content-sha256"]) {
      if (!auth.signedHeaders.includes(required))
        throw new IncompleteSignature(`SignedHeaders must include "${required}".`);
    }
    for (const h of auth.signedHeaders) {
      if (h !== h.toLowerCase() || !/^[a-z0-9-]+$/.test(h))
        throw new IncompleteSignature(`Invalid signed header name "${h.slice(0, 40)}".`);
    }
    checkTimestamp(header(req.headers, "x-acs-date"), "x-acs-date", now);
    nonce = header(req.headers, "x-acs-signature-nonce") ?? "";
    const payloadHash = header(req.headers, "x-acs-content-sha256") ?? "";
    cred = lookup(callers, accessKeyId);
    const expected = v3Signature(
      req.method,
      req.path,
      req.query,
      req.headers,
      auth.signedHeaders,
      payloadHash,
      cred.secret,
    );
    if (!safeEqual(expected, auth.signature) || payloadHash !== sha256Hex(req.body)) {
      throw new SignatureDoesNotMatch(
        "Specified signature is not matched with our calculation (ACS3-HMAC-SHA256 over method, path, sorted query, signed headers and payload hash).",
      );
    }
    token = header(req.headers, "x-acs-security-token");
    action = header(req.headers, "x-acs-action");
    version = header(req.headers, "x-acs-version");
  } else if (req.query.Signature !== undefined) {
    signatureVersion = "v1";
    const q = req.query;
    if (q.SignatureMethod !== "HMAC-SHA1") throw new IncompleteSignature('SignatureMethod must be "HMAC-SHA1".');
    if (q.SignatureVersion !== "1.0") throw new IncompleteSignature('SignatureVersion must be "1.0".');
    if (!q.AccessKeyId) throw new MissingParameter("AccessKeyId");
    accessKeyId = q.AccessKeyId;
    checkTimestamp(q.Timestamp, "Timestamp", now);
    nonce = q.SignatureNonce ?? "";
    cred = lookup(callers, accessKeyId);
    if (!safeEqual(v1Signature(req.method, q, cred.secret), q.Signature)) {
      throw new SignatureDoesNotMatch(
        "Specified signature is not matched with our calculation (HMAC-SHA1 over the sorted, percent-encoded query).",
      );
    }
    token = q.SecurityToken;
    action = q.Action ?? header(req.headers, "x-acs-action");
    version = q.Version ?? header(req.headers, "x-acs-version");
  } else {
    throw new IncompleteSignature(
      "The request is not signed: send an ACS3-HMAC-SHA256 Authorization header or a v1 Signature.",
    );
  }
  if (!nonce) throw new MissingParameter(signatureVersion === "v3" ? "x-acs-signature-nonce" : "SignatureNonce");
  checkToken(callers, cred, token, now);
  nonces.use(accessKeyId, nonce);
  if (!action) throw new MissingParameter("Action");
  if (!version) throw new MissingParameter("Version");
  const policies = cred.ramUser ? (callers.ramPolicies.get(`${cred.accountId}/${cred.ramUser}`) ?? []) : [];
  return {
    principal: { accountId: cred.accountId, accessKeyId, ramUser: cred.ramUser, policies },
    signatureVersion,
    action,
    version,
  };
}
