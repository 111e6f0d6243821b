// InstanceFromSharedImage: one ECS instance created (RunInstances) from an approved shared image or this account's
// copy of one. Encrypted shared images get encrypted disks automatically; the image can be changed in place through
// the resumable system disk sequence (onImageChange: "replaceSystemDisk") instead of recreating the instance.
import * as pulumi from "@pulumi/pulumi";
import { type DiskSpec, EcsApi, type RunInstanceRequest, type RunInstanceSpec } from "./ecs/api";
import { resolveSettings, type StackConfig, useStackConfig } from "./ecs/client";
import { canonicalJson, clientToken, nextClientToken } from "./ecs/client-token";
import {
  EcsError,
  InvalidInputError,
  isClientTokenReusedWithOtherParameters,
  isDryRunPassed,
  isInstanceNotFound,
  runInstancesParameterOf,
} from "./ecs/errors";
import type { ImageView, InstanceView, Tags } from "./ecs/types";
import {
  DEFAULT_TIMEOUTS,
  instanceGone,
  instanceInStatus,
  listedAfterCreate,
  poll,
  pollDelays,
  resolveTimeouts,
  type Timeouts,
  type TimeoutsInput,
  timeoutsFailures,
} from "./ecs/wait";
import { partialState } from "./partial";
import { passwordDigest, passwordProblem } from "./password";
import { type ApprovalPolicy, evaluateImage, type PropertyFailure, validateApprovalPolicy } from "./policy/approval";
import { progressDelivered, reportProgress } from "./progress";
import { dynamicTypeToken, type IdentityInput, identityInput, identityProblem } from "./resource-identity";
import { thinProvider } from "./shim";
import { type DiskCredentials, replaceSystemDisk, SystemDiskSequenceError } from "./system-disk-sequence";
import { containsUnknown, dropUndefined, UNKNOWN } from "./wire-values";

const MODULE = "ecs-shared-images";
const TYPE = "InstanceFromSharedImage";
/** Package specifier of this file, resolved at call time by the serialized shim. */
const MODULE_ID = "pulumi-ecs-shared-images/providers/instance-from-shared-image";

export type OnImageChange = "replace" | "replaceSystemDisk";

export interface SystemDiskArgs {
  /** Disk category: cloud, cloud_efficiency, cloud_ssd, cloud_essd (default), cloud_auto or cloud_essd_entry. */
  readonly category?: pulumi.Input<string>;
  /** GiB, 20-2048; default the image size (at least 20). */
  readonly size?: pulumi.Input<number>;
  /** Encrypt the disk. Forced to true for encrypted images (the preview shows it). */
  readonly encrypted?: pulumi.Input<boolean>;
  /** KMS key of this account for the encryption; default the service key. Needs encryption (explicit or forced). */
  readonly kmsKeyId?: pulumi.Input<string>;
}

export interface DataDiskArgs extends SystemDiskArgs {
  /** GiB, 20-32768. Required. */
  readonly size: pulumi.Input<number>;
}

export interface InstanceFromSharedImageArgs {
  /**
   * The image: a shared image (approved by `approval`) or this account's copy of one. Changing it replaces the
   * instance, or replaces its system disk in place when `onImageChange` is "replaceSystemDisk".
   */
  readonly imageId: pulumi.Input<string>;
  /** Region; default `alicloud:region`, then ALICLOUD_REGION / ALIBABA_CLOUD_REGION. Changing it replaces. */
  readonly region?: pulumi.Input<string>;
  /** Which shared images may be used, checked at preview time. Changing it only re-checks the image. */
  readonly approval: pulumi.Input<ApprovalPolicy>;
  /** Instance type, e.g. "ecs.g7.large". Changing it replaces. */
  readonly instanceType: pulumi.Input<string>;
  /** vSwitch the instance is attached to (its zone decides the instance's zone). Changing it replaces. */
  readonly vSwitchId: pulumi.Input<string>;
  /** Zone; default the vSwitch's zone (must match it when set). Changing it replaces. */
  readonly zoneId?: pulumi.Input<string>;
  /** 1-5 security groups of the vSwitch's VPC. Changing them replaces. */
  readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Instance name (2-128 characters, starting with a letter); default ECS's (the instance id). Updates in place. */
  readonly name?: pulumi.Input<string>;
  /** Host name (2-64 characters); default ECS's. Updates in place (the OS sees it after the next restart). */
  readonly hostName?: pulumi.Input<string>;
  /** Description, up to 256 characters. Updates in place. */
  readonly description?: pulumi.Input<string>;
  /** System disk; default cloud_essd of the image's size. Changing it replaces (see onImageChange for the size). */
  readonly systemDisk?: pulumi.Input<SystemDiskArgs>;
  /** Extra data disks, at most 16. Changing them replaces. */
  readonly dataDisks?: pulumi.Input<pulumi.Input<DataDiskArgs>[]>;
  /**
   * Login password (8-30 characters, three of: lower, upper, digits, specials). Stored only as a secret input, never
   * in outputs or logs. At most one of password and keyPairName. Updates in place (ECS applies it on restart).
   */
  readonly password?: pulumi.Input<string>;
  /** Key pair to log in with. At most one of password and keyPairName. Changing it replaces. */
  readonly keyPairName?: pulumi.Input<string>;
  /** Public bandwidth in Mbit/s, 0-100; default 0 (no public IP). Changing it replaces. */
  readonly internetMaxBandwidthOut?: pulumi.Input<number>;
  /**
   * Instance tags, at most 16 (ECS allows 20 per resource; this package keeps up to 4 keys starting with
   * "ecs-shared-images:" for itself). Updates in place; tags added outside Pulumi are removed on the next update.
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * "PostPaid" (pay-as-you-go, the default and the only supported value: subscription instances need a period and
   * cannot be released by DeleteInstance). Changing it replaces.
   */
  readonly instanceChargeType?: pulumi.Input<"PostPaid">;
  /**
   * What an image change does: "replace" (default) recreates the instance; "replaceSystemDisk" stops it, replaces
   * its system disk with the new image (keeping its credentials unless password/keyPairName say otherwise) and
   * brings it back to the state it was in. Updates in place.
   */
  readonly onImageChange?: pulumi.Input<OnImageChange>;
  /** Deadlines, e.g. { create: "30m" }; defaults: create 20m, update 30m, delete 20m. Updates in place. */
  readonly timeouts?: pulumi.Input<TimeoutsInput>;
}

export interface DiskInput {
  readonly category?: string;
  readonly size?: number;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
}

/** What the provider receives: resolved Args, the identity set by the class, and what check() derived. */
export interface InstanceFromSharedImageInputs {
  readonly identity: IdentityInput;
  readonly imageId: string;
  /**
   * The region. check() resolves the default (stack config, then environment) and records it here, so reads and
   * deletes look where the instance is even after the stack's region setting changed, and that change replaces.
   * Only state written before the region was recorded lacks it.
   */
  readonly region?: string;
  readonly approval: ApprovalPolicy;
  readonly instanceType: string;
  readonly vSwitchId: string;
  readonly zoneId?: string;
  readonly securityGroupIds: string[];
  readonly name?: string;
  readonly hostName?: string;
  readonly description?: string;
  readonly systemDisk?: DiskInput;
  readonly dataDisks?: DiskInput[];
  readonly password?: string;
  readonly keyPairName?: string;
  readonly internetMaxBandwidthOut?: number;
  readonly tags?: Record<string, string>;
  readonly instanceChargeType?: "PostPaid";
  readonly onImageChange?: OnImageChange;
  readonly timeouts?: TimeoutsInput;
  /** Set by check(): the image is encrypted, so every disk is (carried over when the image did not change). */
  readonly imageEncrypted?: boolean;
  /**
   * Set by check(): one more than the generation of the resource's previous inputs (1 for a new resource). It goes
   * into the create's ClientToken, so a replacement, even a forced one with identical inputs, never gets the
   * instance it replaces back from RunInstances, while a create retried after an interruption (the engine passes the
   * same previous inputs) gets the instance it already made. Never a change in diff.
   */
  readonly generation?: number;
}

/**
 * What the provider stores: the inputs without the password, with ECS's current values for what ECS decides or
 * can change behind Pulumi's back (name, host name, description, zone, tags, type, image, network), plus facts.
 */
export interface InstanceFromSharedImageOutputs extends Omit<InstanceFromSharedImageInputs, "password"> {
  readonly instanceId: string;
  /** Pending, Starting, Running, Stopping or Stopped, as of the last create/update/refresh. */
  readonly status: string;
  readonly zoneId: string;
  readonly name: string;
  readonly hostName: string;
  readonly description: string;
  readonly tags: Record<string, string>;
  readonly systemDiskId: string;
  /** HMAC of the password keyed by the resource's URN, so a password change is visible to diff. Secret output. */
  readonly passwordDigest?: string;
}

/** Instance tag keys starting with this belong to the package (commit marker, system disk sequence marker). */
export const INTERNAL_TAG_PREFIX = "ecs-shared-images:";
/**
 * The create's ClientToken, so the instance can be traced to the create that made it: RunInstances tags the instance
 * `pending:<token>` (found by that tag when the token must be looked up), and the value becomes the bare token once
 * the create finished (Running, in-place settings applied). Instances made before tokens were recorded say "true".
 */
export const COMMITTED_TAG = `${INTERNAL_TAG_PREFIX}committed`;
const PENDING_PREFIX = "pending:";
const MAX_USER_TAGS = 16;

export const DISK_CATEGORIES = [
  "cloud",
  "cloud_efficiency",
  "cloud_ssd",
  "cloud_essd",
  "cloud_auto",
  "cloud_essd_entry",
];
const ON_IMAGE_CHANGE: readonly OnImageChange[] = ["replace", "replaceSystemDisk"];
const IMAGE_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const REGION = /^[a-z]{2}-[a-z0-9-]+$/;
const INSTANCE_TYPE = /^ecs\.[a-z0-9-]+\.[a-z0-9-]+$/;
const VSWITCH_ID = /^vsw-[A-Za-z0-9-]+$/;
const SECURITY_GROUP_ID = /^sg-[A-Za-z0-9-]+$/;
const NAME = /^[A-Za-z\u4e00-\u9fa5][\w\u4e00-\u9fa5.:-]{1,127}$/;
const HOST_NAME = /^(?=.{2,64}$)[A-Za-z0-9](?:[A-Za-z0-9]|[.-](?=[A-Za-z0-9]))*$/;

const TIMEOUT_DEFAULTS: Timeouts = {
  create: DEFAULT_TIMEOUTS.instanceCreate,
  update: DEFAULT_TIMEOUTS.systemDiskReplacement,
  delete: DEFAULT_TIMEOUTS.instanceDelete,
};

const quote = (value: unknown) => JSON.stringify(value);

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
  if (known("kmsKeyId") && (typeof d.kmsKeyId !== "string" || d.kmsKeyId === "" || d.kmsKeyId.length > 128)) {
    failures.push({ property: `${property}.kmsKeyId`, reason: `must be a KMS key id, got ${quote(d.kmsKeyId)}` });
  }
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
  const matches = (re: RegExp) => (v: unknown) => typeof v === "string" && re.test(v);

  if (!containsUnknown(news.identity)) {
    const problem = identityProblem(news.identity);
    if (problem !== undefined) fail("identity", problem);
  }
  required("imageId", matches(IMAGE_ID), 'must be an image id like "m-bp1abc..."');
  optional("region", matches(REGION), 'must be a region id like "cn-hangzhou"');
  if (!containsUnknown(news.approval)) failures.push(...validateApprovalPolicy(news.approval, "approval"));
  required("instanceType", matches(INSTANCE_TYPE), 'must be an instance type like "ecs.g7.large"');
  required("vSwitchId", matches(VSWITCH_ID), 'must be a vSwitch id like "vsw-bp1abc..."');
  optional("zoneId", matches(REGION), 'must be a zone id like "cn-hangzhou-h"');
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
    (v) => typeof v === "string" && v.length <= 256 && !/^https?:\/\//.test(v),
    "must be at most 256 characters, not starting with http:// or https://",
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
  if (known("password")) {
    if (typeof news.password !== "string") fail("password", "must be a string (the value is not shown)");
    else {
      const problem = passwordProblem(news.password);
      if (problem !== undefined) fail("password", problem);
    }
  }
  optional(
    "keyPairName",
    (v) => typeof v === "string" && v.length >= 2 && v.length <= 128,
    "must be a key pair name of 2-128 characters",
  );
  if (news.password !== undefined && news.keyPairName !== undefined) {
    fail("keyPairName", "give either password or keyPairName, not both");
  }
  optional(
    "internetMaxBandwidthOut",
    (v) => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= 100,
    "must be a whole number of Mbit/s from 0 to 100",
  );
  if (news.tags !== undefined && news.tags !== UNKNOWN) {
    const tags = news.tags;
    if (typeof tags !== "object" || tags === null || Array.isArray(tags)) {
      fail("tags", `must be an object of tag keys to values, got ${quote(tags)}`);
    } else {
      const entries = Object.entries(tags);
      if (entries.length > MAX_USER_TAGS) {
        fail("tags", `has ${entries.length} tags; at most ${MAX_USER_TAGS} (ECS allows 20, this package keeps 4)`);
      }
      for (const [key, value] of entries) {
        if (key.length < 1 || key.length > 128 || /^(aliyun|acs:|https?:\/\/)/i.test(key)) {
          fail(`tags.${key}`, "keys must be 1-128 characters, not starting with aliyun, acs:, http:// or https://");
        } else if (key.startsWith(INTERNAL_TAG_PREFIX)) {
          fail(`tags.${key}`, `keys starting with ${quote(INTERNAL_TAG_PREFIX)} are reserved for this package`);
        }
        if (
          !containsUnknown(value) &&
          (typeof value !== "string" || value.length > 128 || /^https?:\/\//i.test(value))
        ) {
          fail(`tags.${key}`, `values must be strings of at most 128 characters, got ${quote(value)}`);
        }
      }
    }
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

/**
 * Encrypted images make encrypted disks: every disk of the instance is marked encrypted (ECS would refuse data disks
 * of a shared encrypted image that do not say so, EncryptedOption.Conflict), keeping the key given, else the system
 * disk's key, else the service key (no KMSKeyId). Pure; check() applies it so the preview shows the result. A disk
 * value that is or holds an unknown (preview) stays as it is, and so does a data disk that would take the key of a
 * system disk that is not known yet.
 */
export function applyImageEncryption<T extends Partial<InstanceFromSharedImageInputs>>(
  inputs: T,
  imageEncrypted: boolean | undefined,
): T {
  if (imageEncrypted !== true) {
    // Not known yet (the image id is unknown during preview): leave the key out, since the engine's wire format
    // cannot carry an undefined property.
    const { imageEncrypted: _previous, ...rest } = inputs;
    return (imageEncrypted === undefined ? rest : { ...rest, imageEncrypted }) as T;
  }
  const systemDisk = inputs.systemDisk === undefined ? {} : inputs.systemDisk;
  const systemDiskKnown = !containsUnknown(systemDisk);
  const encrypt = (disk: DiskInput, fallback: { known: boolean; key?: string }): DiskInput => {
    if (containsUnknown(disk)) return disk;
    if (disk.encrypted === false) return disk; // reported by encryptionFailures, never silently flipped
    if (disk.kmsKeyId === undefined && !fallback.known) return disk;
    const kmsKeyId = disk.kmsKeyId ?? fallback.key;
    return { ...disk, encrypted: true, ...(kmsKeyId === undefined ? {} : { kmsKeyId }) };
  };
  const dataDisks = inputs.dataDisks;
  const systemKey = { known: systemDiskKnown, key: systemDiskKnown ? systemDisk.kmsKeyId : undefined };
  return {
    ...inputs,
    imageEncrypted: true,
    systemDisk: encrypt(systemDisk, { known: true }),
    // During preview the whole list may be the unknown placeholder (a string).
    ...(dataDisks === undefined
      ? {}
      : { dataDisks: Array.isArray(dataDisks) ? dataDisks.map((d) => encrypt(d, systemKey)) : dataDisks }),
  };
}

/** Encryption rules once the image's encryption is known (after applyImageEncryption). */
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
    } else if (disk.kmsKeyId !== undefined && disk.encrypted !== true) {
      failures.push({
        property: `${property}.kmsKeyId`,
        reason: `is set (${quote(disk.kmsKeyId)}) but the disk is not encrypted; set encrypted: true`,
      });
    }
  }
  return failures;
}

const diskSpec = (disk: DiskInput | undefined): DiskSpec | undefined =>
  disk === undefined || Object.keys(disk).length === 0
    ? undefined
    : { category: disk.category, size: disk.size, encrypted: disk.encrypted, kmsKeyId: disk.kmsKeyId };

/** The non-secret RunInstances parameters for checked inputs (the password is added by the caller). */
export function runInstancesRequest(inputs: InstanceFromSharedImageInputs): RunInstanceSpec {
  return {
    imageId: inputs.imageId,
    instanceType: inputs.instanceType,
    zoneId: inputs.zoneId,
    vSwitchId: inputs.vSwitchId,
    securityGroupIds: [...inputs.securityGroupIds],
    name: inputs.name,
    hostName: inputs.hostName,
    description: inputs.description,
    systemDisk: diskSpec(inputs.systemDisk),
    dataDisks: inputs.dataDisks?.map((d) => diskSpec(d) ?? {}),
    keyPairName: inputs.keyPairName,
    internetMaxBandwidthOut: inputs.internetMaxBandwidthOut,
    instanceChargeType: inputs.instanceChargeType ?? "PostPaid",
    tags: inputs.tags,
  };
}

/** Request parameters that update sets in place: an earlier create's instance is converged to them, not replaced. */
const IN_PLACE_PARAMETERS = ["name", "hostName", "description", "tags"] as const;

/**
 * The ClientToken of the create: every non-secret request parameter whose change would replace the instance (and
 * whether a password is set, which ECS fingerprints as well), the region and the generation. Name, host name,
 * description and tags are left out, so a create interrupted after RunInstances and retried with those edited finds
 * its instance and applies them; the password value is left out too: it must not travel in the token.
 */
export function createToken(inputs: InstanceFromSharedImageInputs): string {
  const request: Partial<RunInstanceSpec> = { ...runInstancesRequest(inputs) };
  for (const key of IN_PLACE_PARAMETERS) delete request[key];
  return clientToken(inputs.identity, "RunInstances", {
    ...request,
    securityGroupIds: [...(request.securityGroupIds ?? [])].sort(),
    region: inputs.region,
    hasPassword: inputs.password !== undefined,
    generation: inputs.generation,
  });
}

/** The RunInstances request of a create: the parameters, the token, and the token as a pending commit marker. */
export function createRequest(inputs: InstanceFromSharedImageInputs, token: string): RunInstanceRequest {
  const request = runInstancesRequest(inputs);
  return { ...request, tags: { ...request.tags, [COMMITTED_TAG]: `${PENDING_PREFIX}${token}` }, clientToken: token };
}

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);
const sameSet = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  same([...(a ?? [])].sort(), [...(b ?? [])].sort());

export interface InstanceDiff {
  readonly changes: boolean;
  readonly replaces: string[];
  /** update must run the system disk sequence (image change with onImageChange "replaceSystemDisk"). */
  readonly replaceSystemDisk: boolean;
  /** Instance attributes update must set (ModifyInstanceAttribute). */
  readonly attributes: ("name" | "description" | "hostName" | "password")[];
  readonly tags: boolean;
}

/** Optional inputs ECS fills in itself: unset means "whatever ECS chose", so they are compared only when set. */
const OPTIONAL_REPLACING = ["zoneId", "keyPairName"] as const;
const REPLACING = ["instanceType", "vSwitchId", "internetMaxBandwidthOut", "dataDisks"] as const;
const STORED = ["approval", "onImageChange", "timeouts", "identity", "imageEncrypted"] as const;

/**
 * Pure diff of stored outputs (ECS's current values after a refresh) against checked inputs. Placement, type,
 * disks, key pair, bandwidth and charge type replace; the image replaces unless onImageChange is
 * "replaceSystemDisk", in which case the system disk's size (growing only), encryption and key ride along with the
 * replacement; name, description, host name, tags and password update in place.
 */
export function diffInstance(
  olds: Partial<InstanceFromSharedImageOutputs>,
  news: Partial<InstanceFromSharedImageInputs>,
): InstanceDiff {
  const replaces: string[] = [];
  // State written before check() recorded the region does not say where the instance is: recording it is a change,
  // not a replacement (the instance is where the stack's region pointed when it was made, most likely still there).
  const regionRecorded = olds.region === undefined && news.region !== undefined;
  if (!regionRecorded && !same(olds.region, news.region)) replaces.push("region");
  for (const key of REPLACING) if (!same(olds[key], news[key])) replaces.push(key);
  for (const key of OPTIONAL_REPLACING) {
    if (news[key] !== undefined && !same(olds[key], news[key])) replaces.push(key);
  }
  if (!sameSet(olds.securityGroupIds, news.securityGroupIds)) replaces.push("securityGroupIds");
  if ((olds.instanceChargeType ?? "PostPaid") !== (news.instanceChargeType ?? "PostPaid")) {
    replaces.push("instanceChargeType");
  }
  const imageChanged = !same(olds.imageId, news.imageId);
  const inPlaceImage = imageChanged && news.onImageChange === "replaceSystemDisk";
  if (imageChanged && !inPlaceImage) replaces.push("imageId");
  if (!same(olds.systemDisk, news.systemDisk)) {
    const before = olds.systemDisk ?? {};
    const after = news.systemDisk ?? {};
    const grows = after.size === undefined || (before.size !== undefined && after.size >= before.size);
    const carried = inPlaceImage && same(before.category, after.category) && grows;
    if (!carried) replaces.push("systemDisk");
  }

  const attributes: InstanceDiff["attributes"] = [];
  for (const key of ["name", "description", "hostName"] as const) {
    if (news[key] !== undefined && !same(olds[key], news[key])) attributes.push(key);
  }
  const urn = news.identity?.urn ?? olds.identity?.urn ?? "";
  const newDigest = news.password === UNKNOWN ? UNKNOWN : passwordDigest(urn, news.password);
  if (!same(olds.passwordDigest, newDigest)) attributes.push("password");
  const tags = !same(olds.tags ?? {}, news.tags ?? {});
  const stored = STORED.some((key) => !same(olds[key], news[key]));
  return {
    changes:
      regionRecorded ||
      replaces.length > 0 ||
      inPlaceImage ||
      attributes.length > 0 ||
      tags ||
      stored ||
      !same(olds.systemDisk, news.systemDisk),
    replaces,
    replaceSystemDisk: inPlaceImage,
    attributes,
    tags,
  };
}

/** The keys whose change calls for the read-only ECS checks again (unchanged ones passed them before). */
const CLOUD_CHECKED = [
  "imageId",
  "region",
  "approval",
  "instanceType",
  "vSwitchId",
  "zoneId",
  "securityGroupIds",
  "systemDisk",
  "dataDisks",
  "keyPairName",
  "internetMaxBandwidthOut",
  "instanceChargeType",
] as const;
/** The user-visible message of an EcsError, plus ECS's own words when our sentence is generic. */
function ecsReason(err: EcsError): string {
  const own =
    err.serverMessage !== undefined && !err.message.includes(err.serverMessage)
      ? ` ECS says: ${err.serverMessage}`
      : "";
  return `${err.message}${own}`;
}

/** Read-only ECS checks (they run during preview): the image's visibility, status and approval, then a dry run. */
async function cloudCheck(
  news: InstanceFromSharedImageInputs,
  dryRun: boolean,
): Promise<{ failures: PropertyFailure[]; image?: ImageView }> {
  const api = EcsApi.forRegion(news.region, "check");
  const image = await api.getImage(news.imageId);
  if (image === undefined) {
    return {
      failures: [
        {
          property: "imageId",
          reason:
            `image ${news.imageId} does not exist in ${api.regionId} or is not shared with this account ` +
            "(the owner may have deleted or unshared it)",
        },
      ],
    };
  }
  const failures = evaluateImage(image, news.approval).reasons.map((reason) => ({ property: "imageId", reason }));
  const normalized = applyImageEncryption(news, image.encrypted);
  failures.push(...encryptionFailures(normalized, image.encrypted));
  if (failures.length > 0 || !dryRun) return { failures, image };
  try {
    // DryRun validates everything RunInstances would (network, type, key pair, KMS keys, RAM's ecs:ImageOwnerId,
    // image usability) without creating anything. No password: it is secret, and its rules are checked locally.
    // No ClientToken either: a dry run makes nothing, so there is nothing to deduplicate.
    await api.runInstance({ ...runInstancesRequest(normalized), dryRun: true });
  } catch (err) {
    if (!isDryRunPassed(err)) {
      // The RunInstances parameters are named like the inputs they come from.
      const property = runInstancesParameterOf(err);
      if (property === undefined || !(err instanceof EcsError)) throw err;
      failures.push({ property, reason: ecsReason(err) });
    }
  }
  return { failures, image };
}

function timeoutsOf(inputs: { timeouts?: TimeoutsInput }): Timeouts {
  return resolveTimeouts(inputs.timeouts, TIMEOUT_DEFAULTS);
}

/** The instance's tags without the package's own keys. */
export function userTags(tags: Tags): Record<string, string> {
  return Object.fromEntries(Object.entries(tags).filter(([key]) => !key.startsWith(INTERNAL_TAG_PREFIX)));
}

function outputsOf(
  inputs: InstanceFromSharedImageInputs,
  instance: InstanceView | undefined,
  facts: { instanceId: string; systemDiskId: string; passwordDigest?: string },
): InstanceFromSharedImageOutputs {
  const { password: _password, ...stored } = inputs;
  return {
    ...stored,
    instanceId: facts.instanceId,
    status: instance?.status ?? "",
    imageId: instance?.imageId || inputs.imageId,
    instanceType: instance?.instanceType || inputs.instanceType,
    zoneId: instance?.zoneId || inputs.zoneId || "",
    vSwitchId: instance?.vSwitchId ?? inputs.vSwitchId,
    securityGroupIds: instance?.securityGroupIds ? [...instance.securityGroupIds] : [...inputs.securityGroupIds],
    name: instance?.name ?? inputs.name ?? "",
    hostName: instance?.hostName ?? inputs.hostName ?? "",
    description: instance?.description ?? inputs.description ?? "",
    tags: instance ? userTags(instance.tags) : { ...(inputs.tags ?? {}) },
    ...(inputs.keyPairName !== undefined || instance?.keyPairName
      ? { keyPairName: instance ? instance.keyPairName : inputs.keyPairName }
      : {}),
    systemDiskId: facts.systemDiskId,
    ...(facts.passwordDigest === undefined ? {} : { passwordDigest: facts.passwordDigest }),
  };
}

async function systemDiskIdOf(api: EcsApi, instanceId: string): Promise<string> {
  const disks = await api.describeDisks({ instanceId, diskType: "system" });
  return disks.find((d) => d.instanceId === instanceId)?.id ?? disks[0]?.id ?? "";
}

/** Partial state for instance `id`: the engine keeps it with these outputs, so the next `pulumi up` resumes. */
function partial(err: unknown, id: string, outputs: InstanceFromSharedImageOutputs) {
  return partialState(err, id, dropUndefined(outputs) as unknown as Record<string, unknown>);
}

/**
 * The instance as ECS reports it, for the partial state of a failed create or update. A failed observation is
 * tolerated: the partial state then carries the inputs instead of ECS's values (the next refresh or up reads them),
 * whereas failing here would lose the partial state and leak the instance. Anything but an ECS error is a bug.
 */
async function observeForPartialState(api: EcsApi, id: string): Promise<InstanceView | undefined> {
  try {
    return await api.getInstance(id);
  } catch (err) {
    if (err instanceof EcsError) return undefined;
    throw err;
  }
}

/** What an instance's commit marker says: the create token it names, and whether that create finished. */
function commitMarker(instance: InstanceView): { committed: boolean; token?: string } {
  const value = instance.tags[COMMITTED_TAG];
  if (value === undefined) return { committed: false };
  if (value.startsWith(PENDING_PREFIX)) return { committed: false, token: value.slice(PENDING_PREFIX.length) };
  return { committed: true, token: value === "true" ? undefined : value };
}

/** The instance an earlier run made with `token`, found by its commit marker (pending or finished). */
async function instanceMadeWith(api: EcsApi, token: string): Promise<InstanceView | undefined> {
  for (const value of [`${PENDING_PREFIX}${token}`, token]) {
    const [found] = await api.findInstancesByTag(COMMITTED_TAG, value);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Most times a create moves past instances that are not its own before giving up. */
const MAX_TOKEN_HOPS = 20;

interface MadeInstance {
  readonly instance: InstanceView;
  readonly token: string;
  /** Made by an earlier run of this create: its in-place settings and password may be out of date. */
  readonly earlier: boolean;
}

/**
 * RunInstances with the create's token, or the instance an earlier run of the same create made with it:
 * - the answer names an instance marked with this token: ours, made now or by a run whose result the engine never
 *   recorded (the process died after RunInstances, or even after the commit marker was written);
 * - ECS refuses the token because an earlier run sent other in-place settings (name, tags, ...): ours, found by
 *   its marker (when no instance carries it, the refusal is reported: moving on could duplicate an instance whose
 *   marker was removed, and renaming the resource is the way out the refusal names);
 * - the answer names an instance that is gone (deleted since: the token outlives it) or marked otherwise (made
 *   before tokens were recorded): not ours; the next token is derived from it, so a retry takes the same path.
 * A replacement never meets the instance it replaces here: its generation, hence its token, differs.
 */
async function runOrAdopt(api: EcsApi, inputs: InstanceFromSharedImageInputs): Promise<MadeInstance> {
  let token = createToken(inputs);
  let answered = "";
  for (let hop = 0; hop < MAX_TOKEN_HOPS; hop++) {
    let instance: InstanceView | undefined;
    let refused = false;
    try {
      answered = await api.runInstance({ ...createRequest(inputs, token), password: inputs.password });
      instance = await listedAfterCreate(() => api.getInstance(answered));
    } catch (err) {
      if (!isClientTokenReusedWithOtherParameters(err)) throw err;
      refused = true;
      instance = await listedAfterCreate(() => instanceMadeWith(api, token));
      if (instance === undefined) throw err;
    }
    const marker = instance === undefined ? undefined : commitMarker(instance);
    if (instance !== undefined && marker?.token === token) {
      return { instance, token, earlier: refused || marker.committed };
    }
    token = nextClientToken(token, instance?.id ?? answered);
  }
  throw new Error(
    `RunInstances kept answering ${inputs.identity.urn} with instances that are not its own (last ${answered}); ` +
      "rename the resource to start with fresh ClientTokens.",
  );
}

/**
 * Brings an instance made by an earlier run of the create to the current in-place settings (name, description, host
 * name; the password too when `setPassword`), as update would. The OS sees a changed host name or password after
 * its next restart. Returns the instance with the attributes set.
 */
async function applyInPlaceSettings(
  api: EcsApi,
  instance: InstanceView,
  inputs: InstanceFromSharedImageInputs,
  setPassword: boolean,
): Promise<InstanceView> {
  const changed = (key: "name" | "description" | "hostName") =>
    inputs[key] !== undefined && inputs[key] !== instance[key] ? inputs[key] : undefined;
  const attributes = { name: changed("name"), description: changed("description"), hostName: changed("hostName") };
  const password = setPassword ? inputs.password : undefined;
  if (Object.values(attributes).every((v) => v === undefined) && password === undefined) return instance;
  await api.modifyInstanceAttribute(instance.id, { ...attributes, password });
  return {
    ...instance,
    name: attributes.name ?? instance.name,
    description: attributes.description ?? instance.description,
    hostName: attributes.hostName ?? instance.hostName,
  };
}

/**
 * Waits for Running (with progress); with `settings`, applies the in-place settings and the user tags (a create);
 * then marks the instance as finished under `token`, in the same tag call.
 */
async function finishCreate(
  api: EcsApi,
  instanceId: string,
  options: {
    urn: string;
    timeoutMs: number;
    token: string;
    settings?: { inputs: InstanceFromSharedImageInputs; setPassword: boolean };
  },
): Promise<InstanceView> {
  let running = (await poll({
    describe: () => api.getInstance(instanceId),
    acceptor: instanceInStatus("Running"),
    what: `instance ${instanceId} to be Running`,
    timeoutMs: options.timeoutMs,
    ...pollDelays(),
    onProgress: (p) => reportProgress(options.urn, `${instanceId}: ${p.reason}`, { ephemeral: true }),
  })) as InstanceView;
  const { settings } = options;
  if (settings !== undefined) running = await applyInPlaceSettings(api, running, settings.inputs, settings.setPassword);
  const tags: Record<string, string> =
    settings === undefined ? { ...running.tags } : { ...internalTags(running.tags), ...(settings.inputs.tags ?? {}) };
  tags[COMMITTED_TAG] = options.token;
  if (!same(running.tags, tags)) {
    await api.setTags("instance", instanceId, running.tags, tags);
    running = { ...running, tags };
  }
  return running;
}

const internalTags = (tags: Tags) =>
  Object.fromEntries(Object.entries(tags).filter(([key]) => key.startsWith(INTERNAL_TAG_PREFIX)));

async function create(
  inputs: InstanceFromSharedImageInputs,
): Promise<{ id: string; outs: InstanceFromSharedImageOutputs }> {
  const api = EcsApi.forRegion(inputs.region, "create");
  const urn = inputs.identity.urn;
  const made = await runOrAdopt(api, inputs);
  const instanceId = made.instance.id;
  reportProgress(
    urn,
    made.earlier
      ? `${instanceId}: made from image ${inputs.imageId} by an interrupted run, finishing it`
      : `${instanceId}: created from image ${inputs.imageId}, waiting for Running`,
  );
  const setPassword = made.earlier && inputs.password !== undefined;
  const digest = passwordDigest(urn, inputs.password);
  try {
    const running = await finishCreate(api, instanceId, {
      urn,
      timeoutMs: timeoutsOf(inputs).create,
      token: made.token,
      settings: { inputs, setPassword },
    });
    const systemDiskId = await systemDiskIdOf(api, instanceId);
    await progressDelivered();
    const outs = outputsOf(inputs, running, { instanceId, systemDiskId, passwordDigest: digest });
    return { id: instanceId, outs: dropUndefined(outs) };
  } catch (err) {
    // The instance exists: keep it in state so the next `pulumi up` finishes (update) or replaces it. A password
    // still to be set is recorded as unknown, so that update sets it.
    const last = await observeForPartialState(api, instanceId);
    const facts = { instanceId, systemDiskId: "", passwordDigest: setPassword ? undefined : digest };
    throw partial(err, instanceId, outputsOf(inputs, last, facts));
  }
}

function credentialsOf(inputs: InstanceFromSharedImageInputs, diff: InstanceDiff): DiskCredentials {
  if (inputs.keyPairName !== undefined) return { kind: "keyPair", keyPairName: inputs.keyPairName };
  if (inputs.password !== undefined && diff.attributes.includes("password")) {
    return { kind: "password", password: inputs.password };
  }
  return { kind: "keep" };
}

async function update(
  id: string,
  olds: InstanceFromSharedImageOutputs,
  news: InstanceFromSharedImageInputs,
): Promise<{ outs: InstanceFromSharedImageOutputs }> {
  const api = EcsApi.forRegion(news.region, "update");
  const urn = news.identity.urn;
  const timeoutMs = timeoutsOf(news).update;
  const diff = diffInstance(olds, news);
  const digest = passwordDigest(urn, news.password);
  const partialOf = (err: unknown, instance: InstanceView | undefined, from: InstanceFromSharedImageOutputs) =>
    partial(
      err,
      id,
      outputsOf({ ...news, imageId: from.imageId }, instance, {
        instanceId: id,
        systemDiskId: from.systemDiskId,
        passwordDigest: from.passwordDigest,
      }),
    );

  let instance = await api.getInstance(id);
  if (instance === undefined) {
    throw new Error(
      `Instance ${id} no longer exists in ${api.regionId} (deleted outside Pulumi); run pulumi refresh, then pulumi up.`,
    );
  }
  try {
    // A create that failed after RunInstances left partial state: finish it first.
    const marker = commitMarker(instance);
    if (!marker.committed) {
      instance = await finishCreate(api, id, { urn, timeoutMs, token: marker.token ?? createToken(news) });
    }
  } catch (err) {
    throw partialOf(err, instance, olds);
  }

  let passwordSet = false;
  // Empty after a create that failed before reading it (partial state).
  let systemDiskId = olds.systemDiskId || (await systemDiskIdOf(api, id));
  if (diff.replaceSystemDisk) {
    const credentials = credentialsOf(news, diff);
    passwordSet = credentials.kind === "password";
    try {
      const result = await replaceSystemDisk({
        api,
        instanceId: id,
        imageId: news.imageId,
        systemDiskSize: news.systemDisk?.size,
        credentials,
        encrypted: news.systemDisk?.encrypted,
        kmsKeyId: news.systemDisk?.kmsKeyId,
        restart: "previous",
        clientToken: clientToken(news.identity, "ReplaceSystemDisk", {
          instanceId: id,
          imageId: news.imageId,
          systemDisk: news.systemDisk,
          credentials: credentials.kind,
          keyPairName: news.keyPairName,
        }),
        timeoutMs,
        urn,
      });
      systemDiskId = result.newSystemDiskId;
    } catch (err) {
      if (err instanceof SystemDiskSequenceError && err.unfinished) {
        throw partialOf(err, await observeForPartialState(api, id), { ...olds, systemDiskId });
      }
      throw err;
    }
  }

  const attributes = diff.attributes.filter(
    (key) => !(key === "password" && (passwordSet || news.password === undefined)),
  );
  if (attributes.length > 0) {
    await api.modifyInstanceAttribute(id, {
      name: attributes.includes("name") ? news.name : undefined,
      description: attributes.includes("description") ? news.description : undefined,
      hostName: attributes.includes("hostName") ? news.hostName : undefined,
      password: attributes.includes("password") ? news.password : undefined,
    });
  }
  // Tags go from what ECS has now (drift included) to the inputs; the sequence has just rewritten them if it ran.
  const fresh = diff.replaceSystemDisk ? ((await api.getInstance(id)) ?? instance) : instance;
  if (!same(userTags(fresh.tags), news.tags ?? {})) {
    await api.setTags("instance", id, userTags(fresh.tags), news.tags ?? {});
  }
  const final = (await api.getInstance(id)) ?? fresh;
  return { outs: dropUndefined(outputsOf(news, final, { instanceId: id, systemDiskId, passwordDigest: digest })) };
}

export const provider: pulumi.dynamic.ResourceProvider = {
  async configure(req: { config: StackConfig }) {
    useStackConfig(req.config);
  },

  async check(olds: Partial<InstanceFromSharedImageInputs>, given: InstanceFromSharedImageInputs) {
    const failures: PropertyFailure[] = [];
    let region = given.region;
    if (region === undefined) {
      try {
        region = resolveSettings(undefined, "check").regionId;
      } catch (err) {
        if (err instanceof InvalidInputError && err.property === "region") {
          failures.push({ property: "region", reason: err.reason });
        } else if (!(err instanceof EcsError)) {
          throw err;
        }
        // Missing credentials are reported by the ECS checks below (or by create), which need them.
      }
    }
    const generation = (typeof olds.generation === "number" ? olds.generation : 0) + 1;
    const news: InstanceFromSharedImageInputs = { ...given, region, generation };
    failures.push(...validateInputs(news));
    const isNew = olds.identity === undefined || olds.imageEncrypted === undefined;
    const changed = (keys: readonly (keyof InstanceFromSharedImageInputs)[]) =>
      isNew || keys.some((key) => !same(olds[key], news[key]));
    const anyUnknown = CLOUD_CHECKED.some((key) => containsUnknown(news[key]));
    let imageEncrypted = isNew || !same(olds.imageId, news.imageId) ? undefined : olds.imageEncrypted;
    if (failures.length === 0 && !anyUnknown && changed(CLOUD_CHECKED)) {
      // RunInstances is dry-run only when a new instance will be made (create or replace).
      const makesInstance = isNew || diffInstance(olds, news).replaces.length > 0;
      const result = await cloudCheck(news, makesInstance);
      failures.push(...result.failures);
      imageEncrypted = result.image?.encrypted ?? imageEncrypted;
    } else if (imageEncrypted !== undefined && failures.length === 0) {
      failures.push(...encryptionFailures(applyImageEncryption(news, imageEncrypted), imageEncrypted));
    }
    return { inputs: dropUndefined(applyImageEncryption(news, imageEncrypted)), failures };
  },

  async diff(_id: string, olds: InstanceFromSharedImageOutputs, news: InstanceFromSharedImageInputs) {
    const { changes, replaces } = diffInstance(olds, news);
    return { changes, replaces, deleteBeforeReplace: false };
  },

  create,

  async read(id: string, props: InstanceFromSharedImageOutputs) {
    const api = EcsApi.forRegion(props.region, "read");
    const instance = await api.getInstance(id);
    if (instance === undefined) return { id: "", props: {} };
    if (instance.status === "Stopped" && props.status !== "Stopped" && props.identity?.urn) {
      reportProgress(props.identity.urn, `${id} is Stopped (stopped outside Pulumi); Pulumi leaves it stopped`, {
        warning: true,
      });
    }
    const { passwordDigest: digest, systemDiskId, ...rest } = props;
    // Missing after a create that failed before reading it; stale when the image changed outside Pulumi (a system
    // disk replacement gives a new disk id).
    const diskId = systemDiskId && instance.imageId === props.imageId ? systemDiskId : await systemDiskIdOf(api, id);
    // The region found is recorded: state written before check() recorded it lacks it.
    const stored = { ...rest, region: api.regionId } as InstanceFromSharedImageInputs;
    const outs = outputsOf(stored, instance, { instanceId: id, systemDiskId: diskId, passwordDigest: digest });
    // Optional inputs the user did not set stay unset, so ECS's defaults never look like drift.
    return { id, props: dropUndefined(outs) };
  },

  update,

  async delete(id: string, props: InstanceFromSharedImageOutputs) {
    const api = EcsApi.forRegion(props.region, "delete");
    try {
      await api.deleteInstance(id);
    } catch (err) {
      if (isInstanceNotFound(err)) return;
      throw err;
    }
    const urn = props.identity?.urn ?? id;
    await poll({
      describe: () => api.getInstance(id),
      acceptor: instanceGone,
      what: `instance ${id} to be deleted`,
      timeoutMs: timeoutsOf(props).delete,
      ...pollDelays(),
      onProgress: (p) => reportProgress(urn, `${id}: ${p.reason}`, { ephemeral: true }),
    });
  },
};

/**
 * An ECS instance from an approved shared image (or this account's copy of one). Outputs: instanceId, status,
 * zoneId, systemDiskId and ECS's current name, host name, description and tags.
 */
export class InstanceFromSharedImage extends pulumi.dynamic.Resource {
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly imageId: pulumi.Output<string>;
  declare readonly instanceType: pulumi.Output<string>;
  declare readonly zoneId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly hostName: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  declare readonly tags: pulumi.Output<Record<string, string>>;
  declare readonly systemDiskId: pulumi.Output<string>;
  declare readonly systemDisk: pulumi.Output<DiskInput | undefined>;
  declare readonly dataDisks: pulumi.Output<DiskInput[] | undefined>;
  declare readonly imageEncrypted: pulumi.Output<boolean | undefined>;

  constructor(name: string, args: InstanceFromSharedImageArgs, opts?: pulumi.CustomResourceOptions) {
    const identity = identityInput(dynamicTypeToken(MODULE, TYPE), name, opts);
    super(
      thinProvider(MODULE_ID),
      name,
      {
        ...args,
        identity,
        password: args.password === undefined ? undefined : pulumi.secret(args.password),
        imageEncrypted: undefined,
        instanceId: undefined,
        status: undefined,
        zoneId: args.zoneId,
        name: args.name,
        hostName: args.hostName,
        description: args.description,
        tags: args.tags,
        systemDiskId: undefined,
        passwordDigest: undefined,
      },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "passwordDigest"] },
      MODULE,
      TYPE,
    );
  }
}
