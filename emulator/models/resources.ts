// Disks, key pairs and security groups as DescribeDisks/KeyPairs/SecurityGroups list them, and tags on every
// taggable resource (TagResources, UntagResources, ListTagResources).
import type { Cloud } from "./cloud";
import {
  DuplicateTagKey,
  InvalidResourceIdNotFound,
  InvalidResourceTypeNotSupported,
  InvalidTagKeyMalformed,
  InvalidTagValueMalformed,
  NumberExceedTags,
  OperationDeniedQuotaExceed,
} from "./errors";
import { type TagFilter, tagsMatch, wildcardMatch } from "./match";
import type { DiskRec, KeyPairRec, Principal, SecurityGroupRec, Tags } from "./types";

export interface DescribeDisksQuery {
  regionId: string;
  diskIds?: string[];
  instanceId: string;
  diskType: string;
  category: string;
  statuses: string[];
  encrypted?: boolean;
  kmsKeyId: string;
  zoneId: string;
  tags: TagFilter;
}

export function describeDisks(cloud: Cloud, caller: Principal, q: DescribeDisksQuery): DiskRec[] {
  cloud.region(q.regionId);
  const ids = q.diskIds ? new Set(q.diskIds) : undefined;
  return Object.values(cloud.state.disks)
    .filter(
      (d) =>
        d.ownerId === caller.accountId &&
        d.regionId === q.regionId &&
        (!ids || ids.has(d.diskId)) &&
        (!q.instanceId || d.instanceId === q.instanceId) &&
        (!q.diskType || q.diskType === "all" || d.type === q.diskType) &&
        (!q.category || q.category === "all" || d.category === q.category) &&
        (q.statuses.length === 0 || q.statuses.includes(d.status)) &&
        (q.encrypted === undefined || d.encrypted === q.encrypted) &&
        (!q.kmsKeyId || d.kmsKeyId === q.kmsKeyId) &&
        (!q.zoneId || d.zoneId === q.zoneId) &&
        tagsMatch(d.tags, q.tags),
    )
    .sort((a, b) => a.creationTime.localeCompare(b.creationTime) || a.diskId.localeCompare(b.diskId));
}

export function describeKeyPairs(
  cloud: Cloud,
  caller: Principal,
  q: { regionId: string; name: string; fingerprint: string; tags: TagFilter },
): KeyPairRec[] {
  cloud.region(q.regionId);
  return cloud.state.keyPairs.filter(
    (k) =>
      k.ownerId === caller.accountId &&
      k.regionId === q.regionId &&
      (!q.name || wildcardMatch(q.name, k.keyPairName)) &&
      (!q.fingerprint || k.fingerprint === q.fingerprint) &&
      tagsMatch(k.tags, q.tags),
  );
}

export function describeSecurityGroups(
  cloud: Cloud,
  caller: Principal,
  q: { regionId: string; vpcId: string; ids?: string[]; name: string; tags: TagFilter },
): SecurityGroupRec[] {
  cloud.region(q.regionId);
  const ids = q.ids ? new Set(q.ids) : undefined;
  return Object.values(cloud.state.securityGroups)
    .filter(
      (g) =>
        g.ownerId === caller.accountId &&
        g.regionId === q.regionId &&
        (!ids || ids.has(g.securityGroupId)) &&
        (!q.vpcId || g.vpcId === q.vpcId) &&
        (!q.name || g.name === q.name) &&
        tagsMatch(g.tags, q.tags),
    )
    .sort((a, b) => a.securityGroupId.localeCompare(b.securityGroupId));
}

const TAGGABLE = ["instance", "disk", "image", "securitygroup", "keypair"] as const;
type TaggableType = (typeof TAGGABLE)[number];

interface Taggable {
  id: string;
  tags: Tags;
}

function taggables(cloud: Cloud, caller: Principal, regionId: string, type: TaggableType): Taggable[] {
  const s = cloud.state;
  const mine = <T extends { ownerId: string; regionId: string; tags: Tags }>(list: T[], id: (x: T) => string) =>
    list
      .filter((x) => x.ownerId === caller.accountId && x.regionId === regionId)
      .map((x) => ({ id: id(x), tags: x.tags }));
  switch (type) {
    case "instance":
      return mine(Object.values(s.instances), (x) => x.instanceId);
    case "disk":
      return mine(Object.values(s.disks), (x) => x.diskId);
    case "image":
      // Only the owner can tag an image; shared images are not taggable by the accounts they are shared with.
      return mine(
        Object.values(s.images).filter((i) => i.kind === "custom"),
        (x) => x.imageId,
      );
    case "securitygroup":
      return mine(Object.values(s.securityGroups), (x) => x.securityGroupId);
    case "keypair":
      return mine(s.keyPairs, (x) => x.keyPairName);
  }
}

function resolve(cloud: Cloud, caller: Principal, regionId: string, type: string, ids: string[]): Taggable[] {
  cloud.region(regionId);
  if (!(TAGGABLE as readonly string[]).includes(type)) {
    throw new InvalidResourceTypeNotSupported(
      `The ResourceType "${type}" is not supported (use one of ${TAGGABLE.join(", ")}).`,
    );
  }
  const all = taggables(cloud, caller, regionId, type as TaggableType);
  return ids.map((id) => {
    const found = all.find((x) => x.id === id);
    if (!found) throw new InvalidResourceIdNotFound(`The specified ResourceId "${id}" does not exist in ${regionId}.`);
    return found;
  });
}

/** Tags per resource, and per request that sets tags. */
const MAX_TAGS = 20;

/**
 * The tags a request sets (TagResources, RunInstances, CreateInstance, CopyImage), checked as ECS documents them: at
 * most 20 per request, keys 1-128 characters not starting with "aliyun" or "acs:" (the emulator also refuses other
 * capitalisations), values up to 128 characters not starting with "acs:", neither containing "http://" or "https://".
 * `unique`: ECS refuses a key given twice (Duplicate.TagKey) for TagResources and RunInstances; CopyImage documents no
 * such rule, so there the last value wins.
 */
export function checkRequestTags(tags: { key: string; value?: string }[], unique: boolean): Tags {
  if (tags.length > MAX_TAGS) {
    throw new NumberExceedTags(`${tags.length} tags were given; at most ${MAX_TAGS} can be set in one request.`);
  }
  const out: Tags = {};
  tags.forEach((t, i) => {
    const param = `Tag.${i + 1}`;
    if (t.key.length === 0 || t.key.length > 128 || /^(aliyun|acs:)/i.test(t.key) || /https?:\/\//i.test(t.key)) {
      throw new InvalidTagKeyMalformed(
        `${param}.Key "${t.key}" is not valid: 1-128 characters, not starting with aliyun or acs:, without http:// or https://.`,
      );
    }
    const value = t.value ?? "";
    if (value.length > 128 || /^acs:/i.test(value) || /https?:\/\//i.test(value)) {
      throw new InvalidTagValueMalformed(
        `${param}.Value "${value}" is not valid: up to 128 characters, not starting with acs:, without http:// or https://.`,
      );
    }
    if (unique && out[t.key] !== undefined) {
      throw new DuplicateTagKey(`The tag key "${t.key}" is given more than once.`);
    }
    out[t.key] = value;
  });
  return out;
}

/** ECS counts the tags a resource would have after the call: more than 20 is refused, and no resource is tagged. */
export function tagResources(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  type: string,
  ids: string[],
  tags: Tags,
): void {
  const targets = resolve(cloud, caller, regionId, type, ids);
  for (const t of targets) {
    const after = Object.keys({ ...t.tags, ...tags }).length;
    if (after > MAX_TAGS) {
      throw new OperationDeniedQuotaExceed(
        `The resource "${t.id}" would have ${after} tags; a resource can have at most ${MAX_TAGS}.`,
      );
    }
  }
  for (const t of targets) Object.assign(t.tags, tags);
}

export function untagResources(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  type: string,
  ids: string[],
  keys: string[],
  all: boolean,
): void {
  for (const t of resolve(cloud, caller, regionId, type, ids)) {
    for (const k of all ? Object.keys(t.tags) : keys) delete t.tags[k];
  }
}

export function listTagResources(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  type: string,
  ids: string[],
  filter: TagFilter,
): { resourceId: string; resourceType: string; key: string; value: string }[] {
  cloud.region(regionId);
  if (!(TAGGABLE as readonly string[]).includes(type)) {
    throw new InvalidResourceTypeNotSupported(`The ResourceType "${type}" is not supported.`);
  }
  const idSet = ids.length > 0 ? new Set(ids) : undefined;
  const out: { resourceId: string; resourceType: string; key: string; value: string }[] = [];
  for (const r of taggables(cloud, caller, regionId, type as TaggableType)) {
    if (idSet && !idSet.has(r.id)) continue;
    if (!tagsMatch(r.tags, filter)) continue;
    for (const [key, value] of Object.entries(r.tags).sort(([a], [b]) => a.localeCompare(b))) {
      out.push({ resourceId: r.id, resourceType: type, key, value });
    }
  }
  return out;
}
