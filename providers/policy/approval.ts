// Which shared images a stack may use. Pure: the caller looks the image up (read-only, so it runs during preview)
// and reports the reasons as check() failures, naming the image and its owner.
import { CUSTOM_IMAGE_ID, quote } from "../common/rules";
import type { ImageView } from "../ecs/types";
import { PROVENANCE_TAGS } from "../tags";

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

/**
 * A create or update refused because the image is not (or no longer) usable under the current approval policy and
 * rules; nothing was made or changed. The preview's check() usually reports the same failures first; this is the
 * last word for the paths it cannot see (a forced replacement, an approval tightened after the preview).
 */
export class RefusedError extends Error {
  constructor(
    readonly failures: readonly PropertyFailure[],
    what: string,
  ) {
    super(
      `${what} refused; nothing was made or changed: ${failures.map((f) => `${f.property}: ${f.reason}`).join("; ")}`,
    );
    this.name = "RefusedError";
  }
}

export interface ApprovalResult {
  readonly approved: boolean;
  readonly reasons: string[];
}

const ACCOUNT_ID = /^\d{16}$/;
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
          : `must be a 16-digit Alibaba Cloud account id, got ${quote(item)}`,
    ),
    ...listFailures(p.allowedImageIds, `${path}.allowedImageIds`, false, (item) =>
      typeof item === "string" && CUSTOM_IMAGE_ID.test(item)
        ? undefined
        : `must be an image id like "m-bp1abc...", got ${quote(item)}`,
    ),
    ...listFailures(p.allowedImageNamePatterns, `${path}.allowedImageNamePatterns`, false, (item) =>
      typeof item === "string" && item.length > 0 && item.length <= 128
        ? undefined
        : `must be a name pattern of 1-128 characters (* is the only wildcard), got ${quote(item)}`,
    ),
  );
  if (p.acceptPaidImages !== undefined && typeof p.acceptPaidImages !== "boolean") {
    failures.push({
      property: `${path}.acceptPaidImages`,
      reason: `must be true or false, got ${quote(p.acceptPaidImages)}`,
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
    return [{ property, reason: `must be a ${required ? "non-empty " : ""}list, got ${quote(value)}` }];
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

/** The provenance tags for a copy of `source`; a value that is not known (empty) is left out. */
export function provenanceTags(source: {
  readonly ownerId?: string;
  readonly imageId?: string;
  readonly name?: string;
}): Record<string, string> {
  const tags: Record<string, string> = {};
  if (source.ownerId) tags[PROVENANCE_TAGS.sourceOwner] = source.ownerId;
  if (source.imageId) tags[PROVENANCE_TAGS.sourceImage] = source.imageId;
  if (source.name) tags[PROVENANCE_TAGS.sourceImageName] = source.name;
  return tags;
}

const describeImage = (id: string, name: string | undefined, ownerId: string) =>
  `image ${id}${name ? ` ("${name}")` : ""} of owner ${ownerId || "(none)"}`;

/** The allow-lists an image (id, name) is not on, e.g. "allowedImageIds (m-1)"; undefined when it passes or none is set. */
function allowListProblem(policy: ApprovalPolicy, id: string, name: string | undefined): string | undefined {
  const ids = policy.allowedImageIds;
  const patterns = policy.allowedImageNamePatterns;
  if (ids === undefined && patterns === undefined) return undefined;
  const listed = ids?.includes(id) ?? false;
  const named = name !== undefined && (patterns?.some((p) => matchesGlob(p, name)) ?? false);
  if (listed || named) return undefined;
  const allowed = [
    ...(ids === undefined ? [] : [`allowedImageIds (${ids.join(", ")})`]),
    ...(patterns === undefined ? [] : [`allowedImageNamePatterns (${patterns.join(", ")})`]),
  ];
  return allowed.join(" or ");
}

/** The owner rule applied to the image itself: its owner approved, and the image on the id/name allow-lists. */
function ownerReasons(image: ImageView, policy: ApprovalPolicy, subject: string): string[] {
  const reasons: string[] = [];
  if (!policy.approvedOwners.includes(image.ownerId)) {
    reasons.push(
      `${subject} is not approved: the owner is not in approvedOwners (${policy.approvedOwners.join(", ")})`,
    );
  }
  const listProblem = allowListProblem(policy, image.id, image.name);
  if (listProblem !== undefined) reasons.push(`${subject} is not approved: it is not in ${listProblem}`);
  return reasons;
}

/**
 * The rule for an image of this account that is a copy: its provenance tags name an approved owner, and the source
 * image (its id, or its name at copy time) passes the id/name allow-lists when they are set.
 */
function copyReasons(image: ImageView, policy: ApprovalPolicy, subject: string): string[] {
  const sourceOwner = image.tags[PROVENANCE_TAGS.sourceOwner];
  if (!image.isCopied || !sourceOwner) {
    const what = image.isCopied
      ? `is a copy in this account without the ${PROVENANCE_TAGS.sourceOwner} tag SharedImageCopy puts on its copies, so its source is unknown`
      : "is an image this account made itself, not a copy of an approved shared image";
    return [
      `${subject} is not approved: it ${what}, and this account is not in approvedOwners (${policy.approvedOwners.join(", ")})`,
    ];
  }
  const sourceId = image.tags[PROVENANCE_TAGS.sourceImage] ?? "";
  const source = describeImage(sourceId || "(unknown)", image.tags[PROVENANCE_TAGS.sourceImageName], sourceOwner);
  const reasons: string[] = [];
  if (!policy.approvedOwners.includes(sourceOwner)) {
    reasons.push(
      `${subject} is not approved: it is a copy of ${source}, whose owner is not in approvedOwners (${policy.approvedOwners.join(", ")})`,
    );
  }
  const listProblem = allowListProblem(policy, sourceId, image.tags[PROVENANCE_TAGS.sourceImageName]);
  if (listProblem !== undefined) {
    reasons.push(`${subject} is not approved: it is a copy of ${source}, which is not in ${listProblem}`);
  }
  return reasons;
}

/** An image of this account that the owner rule (`asOwner`) refused: approved as a copy, or refused with the clearer reasons. */
function ownImageReasons(image: ImageView, policy: ApprovalPolicy, subject: string, asOwner: string[]): string[] {
  const asCopy = copyReasons(image, policy, subject);
  if (asCopy.length === 0) return [];
  const traceableCopy = image.isCopied && Boolean(image.tags[PROVENANCE_TAGS.sourceOwner]);
  // The account itself approved as an owner, and the image no copy: the allow-list failures are the real reason.
  return !traceableCopy && policy.approvedOwners.includes(image.ownerId) ? asOwner : asCopy;
}

/**
 * Decides whether `image` may be used under `policy`. Every reason is a full sentence naming the image and owner.
 * - An image of another account: its owner must be in approvedOwners and, when id/name allow-lists are set, the
 *   image must be on them.
 * - An image of the calling account (`accountId`, or ownerAlias "self"): approved when it is a copy (IsCopied) whose
 *   provenance tags (PROVENANCE_TAGS, written by SharedImageCopy) name an approved owner and, when allow-lists are
 *   set, a source image on them (by source id, or by the source's name at copy time). Also approved when the account
 *   itself is in approvedOwners and the image passes the allow-lists like any other owner's image. Anything else
 *   (an image the account built itself, a copy made by hand) is refused.
 * Status and paid-image rules apply to every image.
 */
export function evaluateImage(image: ImageView, policy: ApprovalPolicy, accountId?: string): ApprovalResult {
  const subject = describeImage(image.id, image.name, image.ownerId);
  const selfOwned = image.ownerAlias === "self" || (accountId !== undefined && image.ownerId === accountId);
  const asOwner = ownerReasons(image, policy, subject);
  const reasons = selfOwned && asOwner.length > 0 ? ownImageReasons(image, policy, subject, asOwner) : asOwner;
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
