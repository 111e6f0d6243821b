// ImageShare's input rules and the rules on the image as its owner sees it: pure (no ECS calls), so check() and the
// owner stack's config share them and a table test pins every message.
import { CUSTOM_IMAGE_ID, matches, quote, REGION_ID } from "../common/rules";
import { MAX_SHARE_ACCOUNTS } from "../ecs/shares";
import type { ImageView } from "../ecs/types";
import { timeoutsFailures } from "../ecs/wait";
import type { PropertyFailure } from "../policy/approval";
import { identityProblem } from "../resource-identity";
import { containsUnknown } from "../wire-values";
import { shareTimeoutDefaults } from "./args";

const INPUT_KEYS = ["identity", "imageId", "region", "accountIds", "exclusive", "timeouts"] as const;
/** Engine-owned keys. */
const IGNORED_KEYS = new Set(["__provider"]);

/** An Alibaba Cloud account id: 16 digits. */
export const ACCOUNT_ID = /^\d{16}$/;

/**
 * The failures of an account list (`property`, e.g. "accountIds"): a list of 16-digit ids as strings, no duplicates,
 * not `ownerAccountId` when known, at most 50. Items still unknown at preview are skipped.
 */
export function accountIdsFailures(value: unknown, property: string, ownerAccountId?: string): PropertyFailure[] {
  if (!Array.isArray(value)) {
    return [{ property, reason: `must be a list of 16-digit account ids (as strings), got ${quote(value)}` }];
  }
  const failures: PropertyFailure[] = [];
  const seen = new Map<string, number>();
  value.forEach((item, i) => {
    if (containsUnknown(item)) return;
    const at = `${property}[${i}]`;
    if (!matches(ACCOUNT_ID)(item)) {
      failures.push({ property: at, reason: `must be a 16-digit account id (as a string), got ${quote(item)}` });
      return;
    }
    const first = seen.get(item);
    if (first !== undefined) {
      failures.push({
        property: at,
        reason: `repeats ${item} (already ${property}[${first}]); list each account once`,
      });
    } else seen.set(item, i);
    if (item === ownerAccountId) {
      failures.push({
        property: at,
        reason: `${item} is the image owner's own account, which ECS does not share with (InvalidAccount.Forbbiden); remove it`,
      });
    }
  });
  if (value.length > MAX_SHARE_ACCOUNTS) {
    failures.push({
      property,
      reason: `lists ${value.length} accounts; ECS shares an image with at most ${MAX_SHARE_ACCOUNTS} (QuotaExceed.ShareImageUser)`,
    });
  }
  return failures;
}

/**
 * Format and rule checks of ImageShare inputs (no ECS calls). Values still unknown during preview are skipped.
 * `region` may be missing here: check() resolves its default first.
 */
export function validateImageShareInputs(news: Record<string, unknown>): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const known = (key: string) => news[key] !== undefined && !containsUnknown(news[key]);

  for (const key of Object.keys(news)) {
    if (!IGNORED_KEYS.has(key) && !(INPUT_KEYS as readonly string[]).includes(key) && news[key] !== undefined) {
      fail(key, `is not an input of ImageShare; use ${INPUT_KEYS.filter((k) => k !== "identity").join(", ")}`);
    }
  }
  if (!containsUnknown(news.identity)) {
    const problem = identityProblem(news.identity);
    if (problem) fail("identity", problem);
  }
  if (news.imageId === undefined) {
    fail("imageId", "is required: the id of a custom image of this account to share");
  } else if (known("imageId") && !matches(CUSTOM_IMAGE_ID)(news.imageId)) {
    fail("imageId", `must be a custom image id like "m-bp1abc...", got ${quote(news.imageId)}`);
  }
  if (known("region") && !matches(REGION_ID)(news.region)) {
    fail("region", `must be a region id like "cn-hangzhou", got ${quote(news.region)}`);
  }
  if (news.accountIds === undefined) {
    fail("accountIds", "is required: the 16-digit ids of the accounts to share the image with (may be empty)");
  } else if (Array.isArray(news.accountIds) || !containsUnknown(news.accountIds)) {
    // A list with unknown items is checked item by item; the whole list unknown waits.
    failures.push(...accountIdsFailures(news.accountIds, "accountIds"));
  }
  if (known("exclusive") && typeof news.exclusive !== "boolean") {
    fail("exclusive", `must be true or false, got ${quote(news.exclusive)}`);
  }
  if (known("timeouts")) failures.push(...timeoutsFailures(news.timeouts, shareTimeoutDefaults));
  return failures;
}

/**
 * Rules on the image as DescribeImages shows it to this account (pure; check() looks the image up): it must be an
 * image of this account, and Available (ECS shares nothing else; a Deprecated image may only lose accounts).
 */
export function shareImageFailures(image: ImageView, addsAccounts: boolean): PropertyFailure[] {
  const subject = `image ${image.id}${image.name === "" ? "" : ` ("${image.name}")`}`;
  if (image.ownerAlias !== "self") {
    return [
      {
        property: "imageId",
        reason: `${subject} belongs to ${image.ownerId ? `account ${image.ownerId}` : `the ${image.ownerAlias} images`}, not to this account; only an image's owner can share it`,
      },
    ];
  }
  if (image.status !== "Available" && (addsAccounts || image.status !== "Deprecated")) {
    return [
      {
        property: "imageId",
        reason: `${subject} is ${image.status}; ECS shares only Available images`,
      },
    ];
  }
  return [];
}
