// What every handler gets (cloud, caller, params, password fingerprinter) and the helpers handlers share: idempotency
// fingerprints, request tags, wire tags, common parameter patterns.
import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Cloud } from "../models/cloud";
import { checkRequestTags } from "../models/resources";
import type { Principal, Tags } from "../models/types";
import type { Params } from "./params";

export interface HandlerContext {
  cloud: Cloud;
  caller: Principal;
  p: Params;
  /** The decoded query, for idempotency fingerprints. */
  raw: Record<string, string>;
  passwords: PasswordFingerprinter;
}

/**
 * Salted password fingerprints: HMAC-SHA256 under a key drawn at random when the emulator starts. Two fingerprints
 * from one emulator compare equal exactly when the passwords do; none can be reversed or matched after a restart.
 * Handlers fingerprint a Password as soon as it is validated, so the password itself never reaches the model.
 */
export class PasswordFingerprinter {
  private readonly key = randomBytes(32);

  fingerprint(password: string): string {
    return createHmac("sha256", this.key).update(password, "utf8").digest("hex");
  }

  matches(password: string, fingerprint: string): boolean {
    const candidate = Buffer.from(this.fingerprint(password), "hex");
    const known = Buffer.from(fingerprint, "hex");
    return candidate.length === known.length && timingSafeEqual(candidate, known);
  }
}

/** A handler parses `ctx.p`, calls the model and returns the response body (RequestId is added by the server). */
export type Handler = (ctx: HandlerContext) => Record<string, unknown>;

const NOT_FINGERPRINTED = new Set([
  "ClientToken",
  "Timestamp",
  "SignatureNonce",
  "Signature",
  "SignatureMethod",
  "SignatureVersion",
  "AccessKeyId",
  "SecurityToken",
  "Format",
  "Version",
  "Action",
]);

/** Hash of the business parameters; secret values only count as "present". */
export function fingerprint(raw: Record<string, string>): string {
  const parts = Object.keys(raw)
    .filter((k) => !NOT_FINGERPRINTED.has(k))
    .sort()
    .map((k) => `${k}=${k === "Password" ? "<set>" : raw[k]}`);
  return createHash("sha256").update(parts.join("\n")).digest("hex");
}

/**
 * The tags a request sets, checked as ECS checks them. Indexes are read well past the limit of 20, so that too many
 * tags is NumberExceed.Tags, as on ECS, rather than a bad parameter index.
 */
export function requestTags(p: Params, unique: boolean): Tags {
  return checkRequestTags(p.tags(1000), unique);
}

export function wireTags(tags: Tags): { Tag: { TagKey: string; TagValue: string }[] } {
  return { Tag: Object.entries(tags).map(([TagKey, TagValue]) => ({ TagKey, TagValue })) };
}

export const INSTANCE_ID = /^[A-Za-z0-9-]{1,64}$/;
export const REGION_ID = /^[a-z]{2}-[a-z0-9-]{1,40}$/;
export const CLIENT_TOKEN = /^[\x20-\x7e]{1,64}$/;
