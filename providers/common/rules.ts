// Rules every resource applies to the same kind of input (region and image ids, login credentials, KMS keys, the
// wording of a missing image), so that the resources cannot drift apart; pure, table-tested in
// test/unit/common.test.ts.
import { passwordProblem } from "../password";
import type { PropertyFailure } from "../policy/approval";

/** A value as a check() failure quotes it. */
export const quote = (value: unknown): string => JSON.stringify(value);

/** An ECS region id, e.g. "cn-hangzhou" (zone ids, "cn-hangzhou-h", match it too). */
export const REGION_ID = /^[a-z]{2}-[a-z0-9-]+$/;

/** Any image id ECS accepts where an image is launched: custom ("m-…") and public images alike. */
export const IMAGE_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** The id of a custom image ("m-…"): what is shared between accounts, copied and approved. */
export const CUSTOM_IMAGE_ID = /^m-[A-Za-z0-9]{1,60}$/;

/** A test for values that are strings `pattern` matches. */
export const matches =
  (pattern: RegExp) =>
  (value: unknown): boolean =>
    typeof value === "string" && pattern.test(value);

/** Why an image that DescribeImages does not return in the region cannot be used. */
export function imageNotVisible(imageId: string, regionId: string): string {
  return (
    `image ${imageId} is not visible to this account in ${regionId}: it does not exist there, ` +
    "or its owner has not shared it with this account (or revoked the share)"
  );
}

/**
 * The failures of the login inputs every resource that sets credentials takes: the password (never quoted: it is
 * secret) and the key pair name, each checked only when `known` (given, and not unknown in a preview).
 */
export function loginFailures(
  news: { readonly password?: unknown; readonly keyPairName?: unknown },
  known: (key: "password" | "keyPairName") => boolean,
): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  if (known("password")) {
    const problem =
      typeof news.password === "string" ? passwordProblem(news.password) : "must be a string (the value is not shown)";
    if (problem !== undefined) failures.push({ property: "password", reason: problem });
  }
  const name = news.keyPairName;
  if (known("keyPairName") && !(typeof name === "string" && name.length >= 2 && name.length <= 128)) {
    failures.push({
      property: "keyPairName",
      reason: `must be a key pair name of 2-128 characters, got ${quote(name)}`,
    });
  }
  return failures;
}

/** Why a kmsKeyId input is refused; undefined when it can be a KMS key id. */
export function kmsKeyIdFailure(value: unknown): string | undefined {
  return typeof value === "string" && value !== "" && value.length <= 128
    ? undefined
    : `must be a KMS key id of 1-128 characters, got ${quote(value)}`;
}

/** The kmsKeyId failure when what it would encrypt (`what`: "the disk", "the copy") is not encrypted. */
export function kmsKeyWithoutEncryption(kmsKeyId: unknown, what: string): string {
  return `is set (${quote(kmsKeyId)}) but ${what} is not encrypted; set encrypted: true`;
}
