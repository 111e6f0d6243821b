// The tags this package keeps on the ECS resources it manages, in one registry: each resource's allowance of user tags
// is derived from it (ECS allows 20 tags per resource), and so are the rules on user tag keys.
import { quote } from "./common/rules";
import type { PropertyFailure } from "./policy/approval";

/** Every key the package writes starts with this; users may not set such keys. */
export const RESERVED_TAG_PREFIX = "ecs-shared-images:";

/** ECS's limit of tags per instance or image. */
export const ECS_MAX_TAGS = 20;

/**
 * Tags SharedImageCopy puts on every copy it makes, recording what was copied. A copy gets a new id and the name the
 * stack chose, so these tags are how the approval rule (policy/approval.ts) traces a copy back to an approved shared
 * image. A guard against mistakes, not a security boundary: anyone allowed to tag images in the account can write them.
 */
export const PROVENANCE_TAGS = {
  sourceOwner: `${RESERVED_TAG_PREFIX}source-owner`,
  sourceImage: `${RESERVED_TAG_PREFIX}source-image`,
  sourceImageName: `${RESERVED_TAG_PREFIX}source-image-name`,
} as const;

/**
 * The system disk sequence's marker on an instance: the state it was in before the sequence first touched it (tag
 * values are at most 128 characters, so each fact gets its own key).
 */
export const MARKER_TAGS = {
  priorStatus: `${RESERVED_TAG_PREFIX}replacing:prior-status`,
  priorImageId: `${RESERVED_TAG_PREFIX}replacing:prior-image`,
  priorSystemDiskId: `${RESERVED_TAG_PREFIX}replacing:prior-disk`,
} as const;

/** Every reserved key, by what it records. */
export const RESERVED_TAGS = {
  /**
   * On every instance and copy a create made: `<pending|done>:<resource key>.<create fingerprint>` (see
   * createTagValue); `done` once the create handed it to the engine. A later run of the same create finds what
   * earlier runs made by it (adoption.ts says what it does with each).
   */
  create: `${RESERVED_TAG_PREFIX}create`,
  /**
   * On an instance whose create has not handed it to the engine yet, whatever its create tag says:
   * `<run id>.<time slot>`. Handing over removes it, from many instances in one call (a value rewritten per instance
   * could not be). RunInstances puts it on the instance's disks too, where it stays: the disks one run launched at
   * about the same time share it, so their system disks are one listing away. Never on an instance at the same time
   * as the system disk sequence's marker, so it takes no user tag from the allowance below.
   */
  launch: `${RESERVED_TAG_PREFIX}launch`,
  ...PROVENANCE_TAGS,
  ...MARKER_TAGS,
  /**
   * On an instance a SystemDiskReplacement manages: `<image id>@<resource key>`, the image it had before the
   * resource first replaced its disk, and which resource manages it; kept until that resource is deleted. A revert
   * needs it, and an interruption can lose it from Pulumi state (a run killed between the replacement and the
   * engine's checkpoint), never from the instance. Not in the allowance below: such instances are not ones this
   * package creates, so it takes none of their users' tags.
   */
  originImageId: `${RESERVED_TAG_PREFIX}replaced:origin-image`,
} as const;

/** Which reserved keys each kind of resource can carry at the same time. */
const RESERVED_BY_RESOURCE = {
  image: [RESERVED_TAGS.create, ...Object.values(PROVENANCE_TAGS)],
  instance: [RESERVED_TAGS.create, ...Object.values(MARKER_TAGS)],
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

/** The provenance tags among `tags`: what a copy of a copy carries forward so that it is traced to the same original. */
export function provenanceOf(tags: Readonly<Record<string, string>>): Record<string, string> {
  const keys: readonly string[] = Object.values(PROVENANCE_TAGS);
  return Object.fromEntries(Object.entries(tags).filter(([key]) => keys.includes(key)));
}

/** The package's own tags on a resource. */
export function reservedTags(tags: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => key.startsWith(RESERVED_TAG_PREFIX)));
}

/** What ECS refuses in a tag key (Tag.N.Key): a reserved prefix, or a URL anywhere. */
const ECS_REFUSED_KEY = /^(aliyun|acs:)|https?:\/\//i;
/** What ECS refuses in a tag value: the acs: prefix, or a URL anywhere. */
const ECS_REFUSED_VALUE = /^acs:|https?:\/\//i;

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
    return [{ property, reason: `must be an object of tag keys to string values, got ${quote(tags)}` }];
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
    if (key.length < 1 || key.length > 128 || ECS_REFUSED_KEY.test(key)) {
      failures.push({
        property: `${property}.${key}`,
        reason: "a tag key must be 1-128 characters, not starting with aliyun or acs:, without http:// or https://",
      });
    } else if (key.startsWith(RESERVED_TAG_PREFIX)) {
      failures.push({
        property: `${property}.${key}`,
        reason: `keys starting with "${RESERVED_TAG_PREFIX}" are reserved for the tags this package keeps; use another key`,
      });
    }
    if (!isUnknown(value) && (typeof value !== "string" || value.length > 128 || ECS_REFUSED_VALUE.test(value))) {
      failures.push({
        property: `${property}.${key}`,
        reason: `a tag value must be a string of at most 128 characters, not starting with acs:, without http:// or https://, got ${quote(value)}`,
      });
    }
  }
  return failures;
}

/** A create's tag: whether the create handed it to the engine, which resource made it, with what replacing inputs. */
export interface CreateTag {
  /**
   * `done` once the create returned it to the engine, as its result or as partial state (or an update, which the
   * engine calls only for what it holds, saw it); `pending` before.
   */
  readonly state: "pending" | "done";
  /** The resource's key (ecs/client-token.ts resourceKey). */
  readonly resourceKey: string;
  /** The create's fingerprint: its replacing inputs. */
  readonly fingerprint: string;
}

/** The value of the create tag. */
export function createTagValue(tag: CreateTag): string {
  return `${tag.state}:${tag.resourceKey}.${tag.fingerprint}`;
}

/** `tags` with their create tag, if any, marked done (and no launch tag). */
export function handedOver(tags: Readonly<Record<string, string>>): Record<string, string> {
  const tag = readCreateTag(tags);
  const { [RESERVED_TAGS.launch]: _launch, ...rest } = tags;
  return tag === undefined ? rest : { ...rest, [RESERVED_TAGS.create]: createTagValue({ ...tag, state: "done" }) };
}

/**
 * The create tag of a resource's tags, when it has a well-formed one. A launch tag makes it pending whatever its
 * value says (creates tag what they launch `done` plus the launch tag, so that handing over only removes a key).
 */
export function readCreateTag(tags: Readonly<Record<string, string>>): CreateTag | undefined {
  const match = /^(pending|done):([0-9a-f]+)\.(\S+)$/.exec(tags[RESERVED_TAGS.create] ?? "");
  if (!match) return undefined;
  const state = tags[RESERVED_TAGS.launch] === undefined ? (match[1] as CreateTag["state"]) : "pending";
  return { state, resourceKey: match[2], fingerprint: match[3] };
}
