// The tags this package keeps on the ECS resources it manages, in one registry: each resource's allowance of user tags
// is derived from it (ECS allows 20 tags per resource), and so are the rules on user tag keys.
import type { PropertyFailure } from "./policy/approval";

/** Every key the package writes starts with this; users may not set such keys. */
export const RESERVED_TAG_PREFIX = "ecs-shared-images:";

/** ECS's limit of tags per instance or image. */
export const ECS_MAX_TAGS = 20;

/** The reserved keys, by what they record. */
export const RESERVED_TAGS = {
  /**
   * On an instance or a copy whose create has not finished: the create's fingerprint (see ecs/client-token.ts). A
   * later run of the same create finds the resource by it and adopts it; the tag is removed when the create finishes.
   */
  creating: `${RESERVED_TAG_PREFIX}creating`,
  /** A copy's source (SharedImageCopy): how the approval rule traces a copy back to an approved shared image. */
  sourceOwner: `${RESERVED_TAG_PREFIX}source-owner`,
  sourceImage: `${RESERVED_TAG_PREFIX}source-image`,
  sourceImageName: `${RESERVED_TAG_PREFIX}source-image-name`,
  /** The system disk sequence's marker on an instance: the state it was in before the sequence first touched it. */
  priorStatus: `${RESERVED_TAG_PREFIX}replacing:prior-status`,
  priorImageId: `${RESERVED_TAG_PREFIX}replacing:prior-image`,
  priorSystemDiskId: `${RESERVED_TAG_PREFIX}replacing:prior-disk`,
} as const;

/** Which reserved keys each kind of resource can carry at the same time. */
const RESERVED_BY_RESOURCE = {
  image: [RESERVED_TAGS.creating, RESERVED_TAGS.sourceOwner, RESERVED_TAGS.sourceImage, RESERVED_TAGS.sourceImageName],
  instance: [
    RESERVED_TAGS.creating,
    RESERVED_TAGS.priorStatus,
    RESERVED_TAGS.priorImageId,
    RESERVED_TAGS.priorSystemDiskId,
  ],
} as const;

export type TaggedResource = keyof typeof RESERVED_BY_RESOURCE;

/** How many tags a user may set on a resource of this kind: what ECS allows minus what the package may need. */
export function maxUserTags(resource: TaggedResource): number {
  return ECS_MAX_TAGS - RESERVED_BY_RESOURCE[resource].length;
}

/** The tags a user manages: all but the reserved ones. */
export function userTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !key.startsWith(RESERVED_TAG_PREFIX)));
}

/** The package's own tags on a resource. */
export function reservedTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => key.startsWith(RESERVED_TAG_PREFIX)));
}

const ECS_RESERVED_KEY = /^(aliyun|acs:|https?:\/\/)/i;

/**
 * The rules on a `tags` input (an object of key: value strings) for a resource of this kind, each failure naming
 * `property` or `property.key`. `isUnknown` tells which values are still unknown during preview (they are skipped).
 */
export function userTagFailures(
  tags: unknown,
  resource: TaggedResource,
  property = "tags",
  isUnknown: (value: unknown) => boolean = () => false,
): PropertyFailure[] {
  if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
    return [{ property, reason: `must be an object of tag keys to string values, got ${JSON.stringify(tags)}` }];
  }
  const failures: PropertyFailure[] = [];
  const entries = Object.entries(tags);
  const max = maxUserTags(resource);
  if (entries.length > max) {
    failures.push({
      property,
      reason:
        `has ${entries.length} tags; at most ${max} (ECS allows ${ECS_MAX_TAGS} per ${resource}, and this package ` +
        `keeps up to ${ECS_MAX_TAGS - max} of its own)`,
    });
  }
  for (const [key, value] of entries) {
    if (key.length < 1 || key.length > 128 || ECS_RESERVED_KEY.test(key)) {
      failures.push({
        property: `${property}.${key}`,
        reason: "a tag key must be 1-128 characters, not starting with aliyun, acs:, http:// or https://",
      });
    } else if (key.startsWith(RESERVED_TAG_PREFIX)) {
      failures.push({
        property: `${property}.${key}`,
        reason: `keys starting with "${RESERVED_TAG_PREFIX}" are reserved for the tags this package keeps; use another key`,
      });
    }
    if (!isUnknown(value) && (typeof value !== "string" || value.length > 128 || /^https?:\/\//i.test(value))) {
      failures.push({
        property: `${property}.${key}`,
        reason: `a tag value must be a string of at most 128 characters, not starting with http:// or https://, got ${JSON.stringify(value)}`,
      });
    }
  }
  return failures;
}
