// Which shared images a stack may use. Pure: the caller looks the image up (read-only, so it runs during preview)
// and reports the reasons as check() failures, naming the image and its owner.
import type { ImageView } from "../ecs/types";

export interface ApprovalPolicy {
  /** Accounts (16-digit ids, as strings) whose shared images may be used. At least one. */
  readonly approvedOwners: readonly string[];
  /** When set (with or without name patterns), the image must be one of these ids or match a name pattern. */
  readonly allowedImageIds?: readonly string[];
  /** Glob patterns on the image name; `*` matches any run of characters, nothing else is special. */
  readonly allowedImageNamePatterns?: readonly string[];
  /** Images with a ProductCode are billed to whoever runs them; refused unless this is true. Default false. */
  readonly acceptPaidImages?: boolean;
}

export interface PropertyFailure {
  readonly property: string;
  readonly reason: string;
}

export interface ApprovalResult {
  readonly approved: boolean;
  readonly reasons: string[];
}

const ACCOUNT_ID = /^\d{16}$/;
const IMAGE_ID = /^m-[a-z0-9]+$/;
const POLICY_KEYS = ["approvedOwners", "allowedImageIds", "allowedImageNamePatterns", "acceptPaidImages"];

/** Failures name the property under `path` (e.g. "approval.approvedOwners[1]") and say what is allowed. */
export function validateApprovalPolicy(policy: unknown, path = "approval"): PropertyFailure[] {
  if (typeof policy !== "object" || policy === null || Array.isArray(policy)) {
    return [{ property: path, reason: `must be an object with ${POLICY_KEYS.join(", ")}` }];
  }
  const p = policy as Record<string, unknown>;
  const failures: PropertyFailure[] = [];
  for (const key of Object.keys(p)) {
    if (!POLICY_KEYS.includes(key)) {
      failures.push({ property: `${path}.${key}`, reason: `is not a policy setting; use ${POLICY_KEYS.join(", ")}` });
    }
  }
  failures.push(
    ...listFailures(p.approvedOwners, `${path}.approvedOwners`, true, (item) =>
      typeof item === "number"
        ? "must be a string of 16 digits: quote it, numbers this large lose digits"
        : typeof item === "string" && ACCOUNT_ID.test(item)
          ? undefined
          : `must be a 16-digit Alibaba Cloud account id, got ${JSON.stringify(item)}`,
    ),
    ...listFailures(p.allowedImageIds, `${path}.allowedImageIds`, false, (item) =>
      typeof item === "string" && IMAGE_ID.test(item)
        ? undefined
        : `must be an image id like "m-bp1abc...", got ${JSON.stringify(item)}`,
    ),
    ...listFailures(p.allowedImageNamePatterns, `${path}.allowedImageNamePatterns`, false, (item) =>
      typeof item === "string" && item.length > 0 && item.length <= 128
        ? undefined
        : `must be a name pattern of 1-128 characters (* is the only wildcard), got ${JSON.stringify(item)}`,
    ),
  );
  if (p.acceptPaidImages !== undefined && typeof p.acceptPaidImages !== "boolean") {
    failures.push({
      property: `${path}.acceptPaidImages`,
      reason: `must be true or false, got ${JSON.stringify(p.acceptPaidImages)}`,
    });
  }
  return failures;
}

function listFailures(
  value: unknown,
  property: string,
  required: boolean,
  itemReason: (item: unknown) => string | undefined,
): PropertyFailure[] {
  if (value === undefined && !required) return [];
  if (!Array.isArray(value) || (required && value.length === 0)) {
    return [{ property, reason: `must be a ${required ? "non-empty " : ""}list, got ${JSON.stringify(value)}` }];
  }
  return value.flatMap((item, i) => {
    const reason = itemReason(item);
    return reason === undefined ? [] : [{ property: `${property}[${i}]`, reason }];
  });
}

/** `*` matches any run of characters (including none); every other character matches itself. */
export function matchesGlob(pattern: string, text: string): boolean {
  const source = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "s").test(text);
}

/**
 * Decides whether `image` may be used under `policy`. Every reason is a full sentence naming the image and owner.
 * Images owned by the calling account (`accountId`, or ownerAlias "self") skip the owner and id/name lists: they
 * are our own copies, whose source was approved when SharedImageCopy made them (a copy gets a new id and the name
 * we chose, so the lists could never match it). Status and paid-image rules apply to every image.
 */
export function evaluateImage(image: ImageView, policy: ApprovalPolicy, accountId?: string): ApprovalResult {
  const subject = `image ${image.id}${image.name === "" ? "" : ` ("${image.name}")`} of owner ${image.ownerId}`;
  const reasons: string[] = [];
  const selfOwned = image.ownerAlias === "self" || (accountId !== undefined && image.ownerId === accountId);

  if (!selfOwned) {
    if (!policy.approvedOwners.includes(image.ownerId)) {
      reasons.push(
        `${subject} is not approved: the owner is not in approvedOwners (${policy.approvedOwners.join(", ")})`,
      );
    }
    const ids = policy.allowedImageIds;
    const patterns = policy.allowedImageNamePatterns;
    if (ids !== undefined || patterns !== undefined) {
      const listed = ids?.includes(image.id) ?? false;
      const named = patterns?.some((p) => matchesGlob(p, image.name)) ?? false;
      if (!listed && !named) {
        const allowed = [
          ...(ids === undefined ? [] : [`allowedImageIds (${ids.join(", ")})`]),
          ...(patterns === undefined ? [] : [`allowedImageNamePatterns (${patterns.join(", ")})`]),
        ];
        reasons.push(`${subject} is not approved: it is not in ${allowed.join(" or ")}`);
      }
    }
  }
  if (image.productCode !== undefined && image.productCode !== "" && policy.acceptPaidImages !== true) {
    reasons.push(
      `${subject} is a paid image (product code ${image.productCode}), billed to whoever runs it; ` +
        "set acceptPaidImages to true to allow it",
    );
  }
  if (image.status === "Deprecated") {
    reasons.push(`${subject} is deprecated by its owner`);
  } else if (image.status !== "Available") {
    reasons.push(`${subject} is ${image.status}, not Available`);
  }
  return { approved: reasons.length === 0, reasons };
}
