// The instance groups' validation: each group's settings, and where it runs. A group runs in its region (default: the
// stack's) from its catalogue image's copy there, so the image must reach that region; its zone, vSwitch and security
// groups must be of that region too, which is known offline only in part (zone ids begin with their region's id, and a
// vSwitch named by groups of two regions is wrong in one of them); the rest is the instances' RunInstances dry run at
// preview, which ECS refuses for a vSwitch or security group it does not find in the region.
import { quote } from "pulumi-ecs-shared-images/providers/common/rules";
import { maxUserTags } from "pulumi-ecs-shared-images/providers/tags";
import { reach } from "./catalogue";
import { type Checker, type ConfigSource, isObject, type Json, quoteAll } from "./checker";
import type { CatalogueImage } from "./types";

/** Tags an instance group may set: what an instance allows its user, less the fleet-group tag the program adds. */
const MAX_GROUP_TAGS = maxUserTags("instance") - 1;

const GROUP_KEYS = [
  "count",
  "image",
  "region",
  "instanceType",
  "zoneId",
  "vSwitchId",
  "securityGroupIds",
  "systemDisk",
  "dataDisks",
  "keyPairName",
  "passwordKey",
  "internetMaxBandwidthOut",
  "chargeType",
  "tags",
  "onImageChange",
];

/** Records a problem unless `value` names a catalogue entry. */
export function imageRef(
  c: Checker,
  catalogue: Readonly<Record<string, CatalogueImage>>,
  value: unknown,
  path: string,
) {
  if (typeof value !== "string" || !Object.keys(catalogue).includes(value)) {
    c.fail(
      path,
      `must name a catalogue image (${quoteAll(Object.keys(catalogue), "none defined")}); got ${quote(value)}`,
    );
    return undefined;
  }
  return value;
}

/**
 * Validates `groups` against the catalogue and the stack's region `home` (not where the entries in `unreadRegions`
 * reach: their regions had problems of their own); returns them as written.
 */
export function parseGroups(
  c: Checker,
  config: ConfigSource,
  catalogue: Readonly<Record<string, CatalogueImage>>,
  home: string | undefined,
  unreadRegions: ReadonlySet<string>,
): Json {
  const groups = c.map(config.get("groups"), "groups");
  /** The first group that named a vSwitch or security group, and its region: a network id belongs to one region. */
  const networkSeen = new Map<string, { path: string; region: string }>();
  for (const [name, entry] of Object.entries(groups)) {
    const path = `groups.${name}`;
    const group = c.object(entry, path, GROUP_KEYS, [
      "count",
      "image",
      "instanceType",
      "vSwitchId",
      "securityGroupIds",
    ]);
    if (!group) continue;
    c.integer(group.count, `${path}.count`, 0, 100);
    const image = group.image === undefined ? undefined : imageRef(c, catalogue, group.image, `${path}.image`);
    const region = group.region === undefined ? home : c.region(group.region, `${path}.region`);
    if (image !== undefined && region !== undefined && home !== undefined && !unreadRegions.has(image)) {
      const regions = reach(catalogue[image], home);
      if (!regions.includes(region)) {
        c.fail(
          `${path}.region`,
          `is ${quote(region)}, which images.${image} does not reach: it exists in ${quoteAll(regions)}; ` +
            `add ${quote(region)} to images.${image}.regions, or run the group in one of those`,
        );
      }
    }
    c.string(group.instanceType, `${path}.instanceType`, /^ecs\.[\w.-]+$/, 'an instance type like "ecs.g7.large"');
    const zoneId = c.string(group.zoneId, `${path}.zoneId`);
    if (zoneId !== undefined && region !== undefined && !zoneId.startsWith(region)) {
      c.fail(
        `${path}.zoneId`,
        `is ${quote(zoneId)}, not a zone of the group's region ${quote(region)}${group.region === undefined ? " (the stack's)" : ""}: ` +
          `zone ids begin with their region's id, like "${region}-b"`,
      );
    }
    const vSwitchId = c.string(group.vSwitchId, `${path}.vSwitchId`, /^vsw-[a-z0-9-]+$/, 'a vSwitch id like "vsw-..."');
    const sgs = group.securityGroupIds;
    const sgsValid =
      Array.isArray(sgs) &&
      sgs.length >= 1 &&
      sgs.length <= 5 &&
      sgs.every((s) => typeof s === "string" && /^sg-[a-z0-9-]+$/.test(s));
    if (sgs !== undefined && !sgsValid) {
      c.fail(
        `${path}.securityGroupIds`,
        `must be a list of 1 to 5 security group ids like "sg-..."; got ${quote(sgs)}`,
      );
    }
    if (region !== undefined) {
      const named: [string, string][] = [
        ...(vSwitchId === undefined ? [] : [[vSwitchId, `${path}.vSwitchId`] as [string, string]]),
        ...(sgsValid ? (sgs as string[]).map((sg): [string, string] => [sg, `${path}.securityGroupIds`]) : []),
      ];
      for (const [id, idPath] of named) {
        const seen = networkSeen.get(id);
        if (seen === undefined) networkSeen.set(id, { path: idPath, region });
        else if (seen.region !== region) {
          c.fail(
            idPath,
            `names ${quote(id)} in ${quote(region)}, but ${seen.path} names it in ${quote(seen.region)}: a vSwitch or ` +
              "security group belongs to one region, so one of the two is of another region",
          );
        }
      }
    }
    if (group.systemDisk !== undefined) c.disk(group.systemDisk, `${path}.systemDisk`, 2048);
    if (group.dataDisks !== undefined) {
      if (!Array.isArray(group.dataDisks) || group.dataDisks.length > 16) {
        c.fail(`${path}.dataDisks`, `must be a list of at most 16 disks; got ${quote(group.dataDisks)}`);
      } else {
        for (const [i, d] of group.dataDisks.entries()) {
          c.disk(d, `${path}.dataDisks[${i}]`, 32768);
          if (isObject(d) && d.size === undefined)
            c.fail(`${path}.dataDisks[${i}].size`, "is required for a data disk");
        }
      }
    }
    c.string(group.keyPairName, `${path}.keyPairName`);
    if (group.passwordKey !== undefined) c.secretKey(config, group.passwordKey, `${path}.passwordKey`);
    if (group.keyPairName !== undefined && group.passwordKey !== undefined) {
      c.fail(`${path}.passwordKey`, "give either keyPairName or passwordKey, not both");
    }
    c.integer(group.internetMaxBandwidthOut, `${path}.internetMaxBandwidthOut`, 0, 100);
    c.oneOf(group.chargeType, `${path}.chargeType`, ["PostPaid"]);
    c.tags(group.tags, `${path}.tags`, MAX_GROUP_TAGS);
    c.oneOf(group.onImageChange, `${path}.onImageChange`, ["replace", "replaceSystemDisk"]);
  }
  return groups;
}
