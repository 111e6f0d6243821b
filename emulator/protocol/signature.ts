// Signature computation for v3 (ACS3-HMAC-SHA256) and v1 (HMAC-SHA1) requests, as the SDK signs them.
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";
import { IncompleteSignature } from "../models/errors";
import { percentEncode } from "./query";

/** ACS3-HMAC-SHA256 `Authorization` header, parsed. */
export interface V3Authorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

const V3_ALGORITHM = "ACS3-HMAC-SHA256";

export function parseV3Authorization(header: string): V3Authorization {
  if (!header.startsWith(`${V3_ALGORITHM} `)) {
    throw new IncompleteSignature(
      `Only ${V3_ALGORITHM} authorization (or the legacy HMAC-SHA1 query signature) is supported.`,
    );
  }
  const fields: Record<string, string> = {};
  for (const part of header.slice(V3_ALGORITHM.length + 1).split(",")) {
    const eq = part.indexOf("=");
    if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  const { Credential, SignedHeaders, Signature } = fields;
  if (!Credential || !SignedHeaders || !Signature) {
    throw new IncompleteSignature("The Authorization header must carry Credential, SignedHeaders and Signature.");
  }
  return { accessKeyId: Credential, signedHeaders: SignedHeaders.split(";"), signature: Signature };
}

export function sha256Hex(data: string | Buffer): string {
  return createHash("sha256").update(data).digest("hex");
}

/** Recomputes the ACS3-HMAC-SHA256 signature of a request (the canonical request as the official SDK builds it; see emulator/README.md "Protocol"). */
export function v3Signature(
  method: string,
  path: string,
  query: Record<string, string>,
  headers: IncomingHttpHeaders,
  signedHeaders: string[],
  payloadHash: string,
  secret: string,
): string {
  const canonicalQuery = Object.keys(query)
    .sort()
    .map((k) => `${k}=${percentEncode(query[k])}`)
    .join("&");
  let canonicalHeaders = "";
  for (const name of signedHeaders) {
    const v = headers[name];
    const value = Array.isArray(v)
      ? v
          .map((x) => x.trim())
          .sort()
          .join(",")
      : (v ?? "").trim();
    canonicalHeaders += `${name}:${value}\n`;
  }
  const canonicalRequest = [method, path, canonicalQuery, canonicalHeaders, signedHeaders.join(";"), payloadHash].join(
    "\n",
  );
  const stringToSign = `${V3_ALGORITHM}\n${sha256Hex(canonicalRequest)}`;
  return createHmac("sha256", secret).update(stringToSign).digest("hex");
}

/** Recomputes the legacy RPC (v1, HMAC-SHA1) signature over every query parameter except Signature. */
export function v1Signature(method: string, query: Record<string, string>, secret: string): string {
  const canonical = Object.keys(query)
    .filter((k) => k !== "Signature")
    .sort()
    .map((k) => `${percentEncode(k)}=${percentEncode(query[k])}`)
    .join("&");
  const stringToSign = `${method}&${percentEncode("/")}&${percentEncode(canonical)}`;
  return createHmac("sha1", `${secret}&`).update(stringToSign).digest("base64");
}

export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
