// InstanceFromSharedImage's input rules that need no ECS call, or only facts ECS gave (the image's encryption and
// OS): pure, each failure naming its property, so they run as table tests and in check() alike.

import {
  IMAGE_ID,
  kmsKeyIdFailure,
  kmsKeyWithoutEncryption,
  loginFailures,
  matches,
  quote,
  REGION_ID,
} from "../common/rules";
import type { ImageView } from "../ecs/types";
import { timeoutsFailures } from "../ecs/wait";
import { type PropertyFailure, validateApprovalPolicy } from "../policy/approval";
import { identityProblem } from "../resource-identity";
import { userTagFailures } from "../tags";
import { containsUnknown, UNKNOWN } from "../wire-values";
import {
  DISK_CATEGORIES,
  type DiskInput,
  type InstanceFromSharedImageInputs,
  ON_IMAGE_CHANGE,
  type OnImageChange,
  TIMEOUT_DEFAULTS,
} from "./args";

const INSTANCE_TYPE = /^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/;
const VSWITCH_ID = /^vsw-[A-Za-z0-9-]+$/;
const SECURITY_GROUP_ID = /^sg-[A-Za-z0-9-]+$/;
const NAME = /^[A-Za-z\u4e00-\u9fa5][\w\u4e00-\u9fa5.:-]{1,127}$/;
const HOST_NAME = /^(?=.{2,64}$)[A-Za-z0-9](?:[A-Za-z0-9]|[.-](?=[A-Za-z0-9]))*$/;
/** A Windows instance's host name: 2-15 characters, no period, not only digits. */
const WINDOWS_HOST_NAME = /^(?=.{2,15}$)(?!\d+$)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$/;

function diskFailures(
  disk: unknown,
  property: string,
  sizes: [number, number],
  sizeRequired: boolean,
): PropertyFailure[] {
  if (disk === UNKNOWN) return [];
  if (typeof disk !== "object" || disk === null || Array.isArray(disk)) {
    return [{ property, reason: `must be an object with category, size, encrypted, kmsKeyId; got ${quote(disk)}` }];
  }
  const d = disk as Record<string, unknown>;
  const failures: PropertyFailure[] = [];
  for (const key of Object.keys(d)) {
    if (!["category", "size", "encrypted", "kmsKeyId"].includes(key)) {
      failures.push({
        property: `${property}.${key}`,
        reason: "is not a disk setting; use category, size, encrypted, kmsKeyId",
      });
    }
  }
  const known = (key: string) => d[key] !== undefined && !containsUnknown(d[key]);
  if (known("category") && !DISK_CATEGORIES.includes(d.category as string)) {
    failures.push({
      property: `${property}.category`,
      reason: `must be one of ${DISK_CATEGORIES.join(", ")}, got ${quote(d.category)}`,
    });
  }
  if (known("size")) {
    const size = d.size;
    if (typeof size !== "number" || !Number.isInteger(size) || size < sizes[0] || size > sizes[1]) {
      failures.push({
        property: `${property}.size`,
        reason: `must be a whole number of GiB from ${sizes[0]} to ${sizes[1]}, got ${quote(size)}`,
      });
    }
  } else if (sizeRequired && d.size === undefined) {
    failures.push({ property: `${property}.size`, reason: `is required (GiB, ${sizes[0]}-${sizes[1]})` });
  }
  if (known("encrypted") && typeof d.encrypted !== "boolean") {
    failures.push({ property: `${property}.encrypted`, reason: `must be true or false, got ${quote(d.encrypted)}` });
  }
  const kmsKey = known("kmsKeyId") ? kmsKeyIdFailure(d.kmsKeyId) : undefined;
  if (kmsKey !== undefined) failures.push({ property: `${property}.kmsKeyId`, reason: kmsKey });
  return failures;
}

/**
 * Input rules that need no ECS call. Values that are or hold an unknown (preview) are skipped, except where a rule
 * checks each item itself (security groups, tags, disks). Every failure names its property.
 */
export function validateInputs(news: Partial<Record<keyof InstanceFromSharedImageInputs, unknown>>): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const known = (key: keyof InstanceFromSharedImageInputs) => news[key] !== undefined && !containsUnknown(news[key]);
  const required = (key: keyof InstanceFromSharedImageInputs, test: (v: unknown) => boolean, reason: string) => {
    if (containsUnknown(news[key])) return;
    if (!test(news[key])) fail(key, `${reason}, got ${quote(news[key])}`);
  };
  const optional = (key: keyof InstanceFromSharedImageInputs, test: (v: unknown) => boolean, reason: string) => {
    if (known(key) && !test(news[key])) fail(key, `${reason}, got ${quote(news[key])}`);
  };

  if (!containsUnknown(news.identity)) {
    const problem = identityProblem(news.identity);
    if (problem !== undefined) fail("identity", problem);
  }
  required("imageId", matches(IMAGE_ID), 'must be an image id like "m-bp1abc..."');
  optional("region", matches(REGION_ID), 'must be a region id like "cn-hangzhou"');
  if (!containsUnknown(news.approval)) failures.push(...validateApprovalPolicy(news.approval, "approval"));
  required("instanceType", matches(INSTANCE_TYPE), 'must be an instance type like "ecs.g7.large"');
  required("vSwitchId", matches(VSWITCH_ID), 'must be a vSwitch id like "vsw-bp1abc..."');
  optional("zoneId", matches(REGION_ID), 'must be a zone id like "cn-hangzhou-h"');
  if (news.securityGroupIds !== UNKNOWN) {
    const groups = news.securityGroupIds;
    if (!Array.isArray(groups) || groups.length < 1 || groups.length > 5) {
      fail("securityGroupIds", `must be a list of 1 to 5 security group ids, got ${quote(groups)}`);
    } else {
      groups.forEach((group, i) => {
        if (group !== UNKNOWN && !matches(SECURITY_GROUP_ID)(group)) {
          fail(`securityGroupIds[${i}]`, `must be a security group id like "sg-bp1abc...", got ${quote(group)}`);
        } else if (group !== UNKNOWN && groups.indexOf(group) !== i) {
          fail(`securityGroupIds[${i}]`, `lists ${quote(group)} twice`);
        }
      });
    }
  }
  optional("name", matches(NAME), "must be 2-128 characters starting with a letter (letters, digits, . _ : -)");
  optional(
    "hostName",
    matches(HOST_NAME),
    "must be 2-64 letters, digits, periods and hyphens, not starting or ending with (or doubling) a period or hyphen",
  );
  optional(
    "description",
    (v) => typeof v === "string" && v.length >= 2 && v.length <= 256 && !/^https?:\/\//.test(v),
    "must be 2-256 characters, not starting with http:// or https://",
  );
  if (news.systemDisk !== undefined) failures.push(...diskFailures(news.systemDisk, "systemDisk", [20, 2048], false));
  if (news.dataDisks !== undefined && news.dataDisks !== UNKNOWN) {
    const disks = news.dataDisks;
    if (!Array.isArray(disks) || disks.length > 16) {
      fail("dataDisks", `must be a list of at most 16 disks, got ${quote(disks)}`);
    } else {
      disks.forEach((disk, i) => {
        failures.push(...diskFailures(disk, `dataDisks[${i}]`, [20, 32768], true));
      });
    }
  }
  failures.push(...loginFailures(news, known));
  if (news.password !== undefined && news.keyPairName !== undefined) {
    fail("keyPairName", "give either password or keyPairName, not both");
  }
  optional(
    "internetMaxBandwidthOut",
    (v) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 100,
    "must be a whole number of Mbit/s from 0 to 100",
  );
  if (news.tags !== undefined && news.tags !== UNKNOWN) {
    failures.push(...userTagFailures(news.tags, "instance", "tags", containsUnknown));
  }
  optional(
    "instanceChargeType",
    (v) => v === "PostPaid",
    'must be "PostPaid" (subscription instances are not supported: they need a period and cannot be force-deleted)',
  );
  optional(
    "onImageChange",
    (v) => ON_IMAGE_CHANGE.includes(v as OnImageChange),
    'must be "replace" or "replaceSystemDisk"',
  );
  if (known("timeouts")) failures.push(...timeoutsFailures(news.timeouts, TIMEOUT_DEFAULTS));
  return failures;
}

/** Encryption rules on the declared disks once the image's encryption is known. */
export function encryptionFailures(
  inputs: Partial<InstanceFromSharedImageInputs>,
  imageEncrypted: boolean,
): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  const dataDisks: readonly DiskInput[] = Array.isArray(inputs.dataDisks) ? inputs.dataDisks : [];
  const disks: [string, DiskInput | undefined][] = [
    ["systemDisk", inputs.systemDisk],
    ...dataDisks.map((d, i): [string, DiskInput] => [`dataDisks[${i}]`, d]),
  ];
  for (const [property, disk] of disks) {
    if (disk === undefined || containsUnknown(disk)) continue;
    if (imageEncrypted && disk.encrypted === false) {
      failures.push({
        property: `${property}.encrypted`,
        reason: `image ${inputs.imageId} is encrypted, so its disks are too: remove encrypted: false`,
      });
    } else if (disk.kmsKeyId !== undefined && disk.encrypted !== true && !imageEncrypted) {
      failures.push({
        property: `${property}.kmsKeyId`,
        reason: kmsKeyWithoutEncryption(disk.kmsKeyId, "the disk"),
      });
    }
  }
  return failures;
}

/**
 * Whether a re-image would leave the instance without the password it has: the new system disk gets only the
 * declared credentials, so a password given before cannot be removed in the same change.
 */
export function reimageCredentialFailures(news: InstanceFromSharedImageInputs): PropertyFailure[] {
  if (news.passwordGiven !== true || news.password !== undefined || news.keyPairName !== undefined) return [];
  return [
    {
      property: "password",
      reason:
        "the instance logs in with a password it was given, which ECS cannot carry over, and an in-place image " +
        "change (onImageChange: replaceSystemDisk) gives the new system disk only the declared credentials: set " +
        "password (it can be the current one) or keyPairName, or let the image change replace the instance",
    },
  ];
}

/** Host name rules of the image's OS, once the image is known: Windows allows fewer host names than ECS does. */
export function imageHostNameFailures(image: Pick<ImageView, "id" | "osType">, hostName?: string): PropertyFailure[] {
  if (image.osType?.toLowerCase() !== "windows" || hostName === undefined || WINDOWS_HOST_NAME.test(hostName))
    return [];
  return [
    {
      property: "hostName",
      reason: `image ${image.id} runs Windows, whose host names are 2-15 letters, digits and hyphens (not only digits), got ${quote(hostName)}`,
    },
  ];
}
