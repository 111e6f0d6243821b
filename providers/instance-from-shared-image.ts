// InstanceFromSharedImage: one ECS instance created (RunInstances) from an approved shared image or this account's
// copy of one. Encrypted shared images get encrypted disks automatically; the image can be changed in place through
// the resumable system disk sequence (onImageChange: "replaceSystemDisk") instead of recreating the instance.
import { randomBytes } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import {
  keptNotice,
  noteCheck,
  noteDiff,
  notHandedOver,
  planAdoption,
  recentScan,
  takeReplaced,
  unclaimedBesides,
  unclaimedNotice,
} from "./adoption";
import { type DiskSpec, EcsApi, type RunInstanceRequest, type RunInstanceSpec } from "./ecs/api";
import { resolveSettings, type StackConfig, useStackConfig } from "./ecs/client";
import { canonicalJson, clientToken, resourceKey, runToken } from "./ecs/client-token";
import { EcsError, InvalidInputError, isDryRunPassed, isInstanceNotFound, runInstancesParameterOf } from "./ecs/errors";
import type { ImageView, InstanceView } from "./ecs/types";
import {
  DEFAULT_TIMEOUTS,
  FirstLook,
  instanceGone,
  instanceInStatus,
  listedAfterCreate,
  poll,
  pollDelays,
  resolveTimeouts,
  sleepTogether,
  type Timeouts,
  type TimeoutsInput,
  timeoutsFailures,
} from "./ecs/wait";
import { servingOneRun } from "./engine-watch";
import { announce, reimageNotice, replaceNotice } from "./notices";
import { asOperations } from "./operation";
import { forPartialState, partialState } from "./partial";
import { passwordDigest, passwordProblem } from "./password";
import {
  type ApprovalPolicy,
  evaluateImage,
  type PropertyFailure,
  RefusedError,
  validateApprovalPolicy,
} from "./policy/approval";
import { progressDelivered, reportProgress } from "./progress";
import { quietErrors } from "./quiet-errors";
import { Recent } from "./recent";
import { dynamicTypeToken, type IdentityInput, identityInput, identityProblem } from "./resource-identity";
import { thinProvider } from "./shim";
import {
  type DiskCredentials,
  observeInstance,
  readMarker,
  replaceSystemDisk,
  SystemDiskSequenceError,
} from "./system-disk-sequence";
import {
  createTagValue,
  handedOver,
  RESERVED_TAGS,
  readCreateTag,
  reservedTags,
  userTagFailures,
  userTags,
} from "./tags";
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
  /**
   * Encrypt the disk. An encrypted image encrypts every disk of the instance whatever this says (the preview shows
   * `imageEncrypted: true`); false is refused for such an image.
   */
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
   * instance (all its disks are deleted with it), or, when `onImageChange` is "replaceSystemDisk", re-images its
   * system disk in place: everything on the system disk is lost, data disks stay. The preview says which.
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
  /**
   * System disk; default cloud_essd of the image's size. Changing it replaces the instance, except with an in-place
   * image change (onImageChange), which carries a larger size, the encryption and the key to the new system disk.
   */
  readonly systemDisk?: pulumi.Input<SystemDiskArgs>;
  /** Extra data disks, at most 16. Changing them replaces the instance; an in-place image change never touches them. */
  readonly dataDisks?: pulumi.Input<pulumi.Input<DataDiskArgs>[]>;
  /**
   * Login password (8-30 characters, three of: lower, upper, digits, specials). Stored only as a secret input, never
   * in outputs or logs. At most one of password and keyPairName. Updates in place (ECS applies it on restart). An
   * in-place image change gives the new system disk this password, so it cannot be removed in the same change.
   */
  readonly password?: pulumi.Input<string>;
  /**
   * Key pair to log in with. At most one of password and keyPairName. Changing it replaces. An in-place image change
   * binds it to the new system disk again (ECS would drop it otherwise).
   */
  readonly keyPairName?: pulumi.Input<string>;
  /** Public bandwidth in Mbit/s, 0-100; default 0 (no public IP). Changing it replaces. */
  readonly internetMaxBandwidthOut?: pulumi.Input<number>;
  /**
   * Instance tags, at most 16 (ECS allows 20 per instance; this package keeps up to 4 keys starting with
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
   * its system disk with the new image (with the declared password or key pair; data disks stay) and brings it back
   * to the state it was in. Updates in place.
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
  /**
   * Set by check(): the image is encrypted, so every disk is made encrypted (carried over while the image does not
   * change). The disk inputs stay as declared: switching between a plain and an encrypted image in place changes no
   * disk input.
   */
  readonly imageEncrypted?: boolean;
  /**
   * Set by check(): the instance was given a password, declared now or at some time since it was made. ECS cannot
   * show a password and gives a new system disk only the credentials sent with it, so this is how an in-place image
   * change knows that, without declared credentials, it would leave the instance without a login.
   */
  readonly passwordGiven?: boolean;
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
  /**
   * The instance carries the marker of an unfinished system disk sequence (an interrupted in-place image change):
   * it may be Stopped; the next update finishes the change or, when the image was set back, winds it back.
   */
  readonly interrupted: boolean;
}

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
/** A Windows instance's host name: 2-15 characters, no period, not only digits. */
const WINDOWS_HOST_NAME = /^(?=.{2,15}$)(?!\d+$)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$/;

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

// ---- encryption ----

/**
 * The disks the instance is made with: as declared, except that an encrypted image encrypts every disk (ECS refuses
 * data disks of a shared encrypted image that do not say so, EncryptedOption.Conflict), keeping the key given, else
 * the system disk's key, else the service key (no KMSKeyId). Pure, and never stored: inputs keep the disks as
 * declared, so an in-place switch between a plain and an encrypted image changes no disk input. Call it with known
 * values only (not during preview with unknowns).
 */
export function effectiveDisks(
  inputs: Pick<InstanceFromSharedImageInputs, "systemDisk" | "dataDisks" | "imageEncrypted">,
): { systemDisk?: DiskInput; dataDisks?: DiskInput[] } {
  if (inputs.imageEncrypted !== true) return { systemDisk: inputs.systemDisk, dataDisks: inputs.dataDisks };
  const system = inputs.systemDisk ?? {};
  const encrypt = (disk: DiskInput, fallbackKey: string | undefined): DiskInput => {
    if (disk.encrypted === false) return disk; // refused by encryptionFailures, never silently flipped
    const kmsKeyId = disk.kmsKeyId ?? fallbackKey;
    return { ...disk, encrypted: true, ...(kmsKeyId === undefined ? {} : { kmsKeyId }) };
  };
  return {
    systemDisk: encrypt(system, undefined),
    dataDisks: inputs.dataDisks?.map((d) => encrypt(d, system.kmsKeyId)),
  };
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
        reason: `is set (${quote(disk.kmsKeyId)}) but the disk is not encrypted; set encrypted: true`,
      });
    }
  }
  return failures;
}

// ---- request building ----

const diskSpec = (disk: DiskInput | undefined): DiskSpec | undefined =>
  disk === undefined || Object.keys(disk).length === 0
    ? undefined
    : { category: disk.category, size: disk.size, encrypted: disk.encrypted, kmsKeyId: disk.kmsKeyId };

/** The non-secret RunInstances parameters for checked inputs (the password is added by the caller). */
export function runInstancesRequest(inputs: InstanceFromSharedImageInputs): RunInstanceSpec {
  const disks = effectiveDisks(inputs);
  return {
    imageId: inputs.imageId,
    instanceType: inputs.instanceType,
    zoneId: inputs.zoneId,
    vSwitchId: inputs.vSwitchId,
    securityGroupIds: [...inputs.securityGroupIds],
    name: inputs.name,
    hostName: inputs.hostName,
    description: inputs.description,
    systemDisk: diskSpec(disks.systemDisk),
    dataDisks: disks.dataDisks?.map((d) => diskSpec(d) ?? {}),
    keyPairName: inputs.keyPairName,
    internetMaxBandwidthOut: inputs.internetMaxBandwidthOut,
    instanceChargeType: inputs.instanceChargeType ?? "PostPaid",
    tags: inputs.tags,
  };
}

/** Request parameters that update sets in place: an earlier create's instance is converged to them, not replaced. */
const IN_PLACE_PARAMETERS = ["name", "hostName", "description", "tags"] as const;

/**
 * The create's fingerprint: the resource's identity and every non-secret request parameter whose change would
 * replace the instance, with the region. The instance carries it as a tag until its create finished, so a later run
 * of the same create (after a crash the engine never heard of) adopts it instead of making a second one. In-place
 * parameters (name, host name, description, tags) are left out: such a run applies their new values.
 */
export function createFingerprint(inputs: InstanceFromSharedImageInputs): string {
  const request: Partial<RunInstanceSpec> = { ...runInstancesRequest(inputs) };
  for (const key of IN_PLACE_PARAMETERS) delete request[key];
  return clientToken(inputs.identity, "RunInstances", {
    ...request,
    securityGroupIds: [...(request.securityGroupIds ?? [])].sort(),
    region: inputs.region,
  });
}

/**
 * The RunInstances request of one run of a create: its own token, the create tag, and the launch tag
 * (`launchTagValue`) that says it is unfinished until the create hands it over (tags.ts).
 */
export function createRequest(
  inputs: InstanceFromSharedImageInputs,
  fingerprint: string,
  launchTagValue: string,
): RunInstanceRequest {
  const request = runInstancesRequest(inputs);
  const tag = createTagValue({ state: "done", resourceKey: resourceKey(inputs.identity), fingerprint });
  return {
    ...request,
    tags: { ...request.tags, [RESERVED_TAGS.create]: tag, [RESERVED_TAGS.launch]: launchTagValue },
    clientToken: runToken(fingerprint),
  };
}

/** This process's part of launch tag values: the instances of one run share it. */
const RUN_ID = randomBytes(4).toString("hex");
/** Launches in the same slot of this many milliseconds share a launch tag value, so one listing finds their disks. */
const LAUNCH_SLOT_MS = 10_000;

/** The launch tag value for an instance launched now by this process. */
function launchTagValue(now = Date.now()): string {
  return `${RUN_ID}.${Math.floor(now / LAUNCH_SLOT_MS)}`;
}

// ---- diff ----

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);
const sameSet = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  same([...(a ?? [])].sort(), [...(b ?? [])].sort());

export interface InstanceDiff {
  readonly changes: boolean;
  readonly replaces: string[];
  /** The image changes in place: update re-images the system disk (onImageChange "replaceSystemDisk"). */
  readonly reimage: boolean;
  /** An interrupted in-place image change is on the instance: update finishes it or winds it back. */
  readonly resume: boolean;
  /** Instance attributes update must set (ModifyInstanceAttribute). */
  readonly attributes: ("name" | "description" | "hostName" | "password")[];
  readonly tags: boolean;
}

/** Optional inputs ECS fills in itself: unset means "whatever ECS chose", so they are compared only when set. */
const OPTIONAL_REPLACING = ["zoneId", "keyPairName"] as const;
const REPLACING = ["instanceType", "vSwitchId", "internetMaxBandwidthOut", "dataDisks"] as const;
const STORED = ["approval", "onImageChange", "timeouts", "identity", "imageEncrypted"] as const;

/**
 * Pure diff of stored outputs (ECS's current values after a refresh) against checked inputs. Placement, type, data
 * disks, key pair, bandwidth and charge type replace; the image replaces unless onImageChange is
 * "replaceSystemDisk", in which case the system disk is re-imaged in place and its size (growing only), encryption
 * and key ride along; name, description, host name, tags and password update in place.
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
  const systemDiskChanged = !same(olds.systemDisk, news.systemDisk);
  if (systemDiskChanged) {
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
  const resume = olds.interrupted === true;
  return {
    changes:
      regionRecorded ||
      replaces.length > 0 ||
      inPlaceImage ||
      resume ||
      attributes.length > 0 ||
      tags ||
      stored ||
      systemDiskChanged,
    replaces,
    reimage: inPlaceImage && replaces.length === 0,
    resume,
    attributes,
    tags,
  };
}

/** Keys that, when unknown during preview, make the ECS checks impossible until they are known. */
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

// ---- ECS checks ----

/** The user-visible message of an EcsError, plus ECS's own words when our sentence is generic. */
function ecsReason(err: EcsError): string {
  const own =
    err.serverMessage !== undefined && !err.message.includes(err.serverMessage)
      ? ` ECS says: ${err.serverMessage}`
      : "";
  return `${err.message}${own}`;
}

/**
 * Read-only ECS checks of what a new instance or a re-image will use (they run during preview, and again before
 * anything is made): the image's visibility, status and approval, the encryption rules, then for a new instance a
 * RunInstances dry run.
 */
async function cloudCheck(
  news: InstanceFromSharedImageInputs,
  dryRun: boolean,
  imageMaxAgeMs?: number,
): Promise<{ failures: PropertyFailure[]; image?: ImageView }> {
  const api = EcsApi.forRegion(news.region, "check");
  const image = await api.recentImage(news.imageId, imageMaxAgeMs);
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
  failures.push(...encryptionFailures(news, image.encrypted));
  if (
    image.osType?.toLowerCase() === "windows" &&
    news.hostName !== undefined &&
    !WINDOWS_HOST_NAME.test(news.hostName)
  ) {
    failures.push({
      property: "hostName",
      reason: `image ${image.id} runs Windows, whose host names are 2-15 letters, digits and hyphens (not only digits), got ${quote(news.hostName)}`,
    });
  }
  if (failures.length > 0 || !dryRun) return { failures, image };
  const refused = await dryRunRefusal(api, runInstancesRequest({ ...news, imageEncrypted: image.encrypted }));
  if (refused !== undefined) failures.push(refused);
  return { failures, image };
}

/** Dry runs by connection and launch shape (see dryRunRefusal), shared by the checks of a provider process. */
const DRY_RUNS = new WeakMap<EcsApi, Recent<PropertyFailure | undefined>>();

/**
 * What a RunInstances dry run says of `request`: nothing when it would pass, else the input it refuses. A dry run
 * validates everything RunInstances would (network, type, key pair, KMS keys, RAM's ecs:ImageOwnerId, image
 * usability) without making anything. It is sent for the request's launch shape only, without the parameters that
 * differ from one instance of a group to the next (name, host name, description, tags), which validateInputs checks
 * in full: a fleet then costs one dry run per shape instead of one per instance. No password either (secret, and
 * checked locally), and no ClientToken: a dry run makes nothing, so there is nothing to deduplicate.
 */
function dryRunRefusal(api: EcsApi, request: RunInstanceSpec): Promise<PropertyFailure | undefined> {
  const shape: RunInstanceSpec = {
    ...request,
    securityGroupIds: [...request.securityGroupIds].sort(),
    name: undefined,
    hostName: undefined,
    description: undefined,
    tags: undefined,
  };
  let dryRuns = DRY_RUNS.get(api);
  if (dryRuns === undefined) {
    dryRuns = new Recent(60_000);
    DRY_RUNS.set(api, dryRuns);
  }
  return dryRuns.get(canonicalJson(shape), async () => {
    try {
      await api.runInstance({ ...shape, dryRun: true });
      return undefined;
    } catch (err) {
      if (isDryRunPassed(err)) return undefined;
      // The RunInstances parameters are named like the inputs they come from.
      const property = runInstancesParameterOf(err);
      if (property === undefined || !(err instanceof EcsError)) throw err;
      return { property, reason: ecsReason(err) };
    }
  });
}

/**
 * The image check again right before making an instance or re-imaging (approval may have changed since check, or
 * check saw no reason to look: a forced replacement). Returns the inputs with the image's encryption as ECS reports
 * it now, which is what the disks are made with.
 */
async function requireApproved(
  inputs: InstanceFromSharedImageInputs,
  what: string,
): Promise<InstanceFromSharedImageInputs> {
  // Seen at most a few seconds ago: the creates of one wave share a lookup. (An image deprecated or unshared in those
  // seconds is refused by RunInstances itself.)
  const { failures, image } = await cloudCheck(inputs, false, 5_000);
  if (failures.length > 0 || image === undefined) throw new RefusedError(failures, what);
  return { ...inputs, imageEncrypted: image.encrypted };
}

/**
 * Whether a re-image would leave the instance without the password it has: the new system disk gets only the
 * declared credentials, so a password given before cannot be removed in the same change.
 */
function reimageCredentialFailures(news: InstanceFromSharedImageInputs): PropertyFailure[] {
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

function timeoutsOf(inputs: { timeouts?: TimeoutsInput }): Timeouts {
  return resolveTimeouts(inputs.timeouts, TIMEOUT_DEFAULTS);
}

// ---- outputs ----

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
    interrupted: instance !== undefined && readMarker(instance.tags) !== undefined,
  };
}

/**
 * The id of the instance's system disk; for an instance carrying a launch tag (`tags`), from the listing of the disks
 * launched with it, which many creates share.
 */
async function systemDiskIdOf(api: EcsApi, instanceId: string, tags: Readonly<Record<string, string>> = {}) {
  const launch = tags[RESERVED_TAGS.launch];
  const launched = launch && (await api.launchedSystemDisk(instanceId, { key: RESERVED_TAGS.launch, value: launch }));
  if (launched) return launched.id;
  const disks = await api.describeDisks({ instanceId, diskType: "system" });
  return disks.find((d) => d.instanceId === instanceId)?.id ?? disks[0]?.id ?? "";
}

/** Partial state for instance `id`: the engine keeps it with these outputs, so the next `pulumi up` resumes. */
function partial(err: unknown, id: string, inputs: object, outputs: InstanceFromSharedImageOutputs) {
  return partialState(err, id, inputs, dropUndefined(outputs) as unknown as Record<string, unknown>);
}

// ---- create ----

interface MadeInstance {
  readonly instance: InstanceView;
  /** Made by an earlier run of this create: its in-place settings and password may be out of date. */
  readonly earlier: boolean;
  /** Instances earlier runs of this resource's create left that no state holds: deleted once this one is Running. */
  readonly leftovers: readonly InstanceView[];
}

/**
 * The instance an earlier run of this create made, or a new one. Earlier runs are found by the create tag of this
 * resource (one listing serves a whole fleet) and sorted by adoption.ts planAdoption: an unfinished one with the
 * same replacing inputs is adopted (the run died, or its answer was lost), the other unfinished ones are deleted once
 * the new instance is Running (so a create that fails deletes nothing), and finished ones are adopted or deleted only
 * when diff named the instance being replaced, otherwise reported and left alone. A new instance is made only after
 * the image passed the current approval, with a ClientToken of its own for this run (see ecs/client-token.ts), so a
 * destroyed and re-created stack never gets a deleted instance back.
 */
async function runOrAdopt(api: EcsApi, given: InstanceFromSharedImageInputs): Promise<MadeInstance> {
  let inputs = given;
  const urn = inputs.identity.urn;
  const fingerprint = createFingerprint(inputs);
  const key = resourceKey(inputs.identity);
  const replaced = takeReplaced(urn);
  const made = (await madeByEarlierRuns(api)).flatMap((instance) => {
    const tag = readCreateTag(instance.tags);
    if (tag?.resourceKey !== key) return [];
    const sameInputs = tag.fingerprint === fingerprint;
    return [{ id: instance.id, handedOver: tag.state === "done", sameInputs, usable: true, item: instance }];
  });
  const plan = planAdoption(made, replaced);
  for (const instance of plan.kept) reportProgress(urn, keptNotice(instance.id), { warning: true });
  if (plan.adopt !== undefined) return { instance: plan.adopt, earlier: true, leftovers: plan.leftovers };
  inputs = await requireApproved(inputs, `Creating an instance from image ${inputs.imageId}`);
  const id = await api.runInstance({
    ...createRequest(inputs, fingerprint, launchTagValue()),
    password: inputs.password,
  });
  // A new instance is neither listed nor running at once: the first look waits about as long as instances of this
  // run took (on the tick the other creates of its wave look on).
  const look = firstLook();
  // (Never much of the create's own timeout, which the wait for Running starts counting after it.)
  const delayMs = Math.min(look.delayMs, timeoutsOf(inputs).create / 4);
  await sleepTogether(delayMs);
  const instance = await listedAfterCreate(() => api.getInstance(id));
  if (instance !== undefined) look.record(delayMs, instance.status === "Running");
  if (instance === undefined) {
    throw new Error(
      `RunInstances answered ${id}, but ECS never listed that instance; run pulumi up again (the instance, if it ` +
        "appears, is adopted by its tag).",
    );
  }
  return { instance, earlier: false, leftovers: plan.leftovers };
}

/** Listings of the instances earlier runs of creates made, per region (see madeByEarlierRuns). */
const EARLIER_RUNS = new Recent<InstanceView[]>(Number.POSITIVE_INFINITY);

/**
 * The instances carrying a create tag in the region: where a create finds what earlier runs of it made. A provider
 * process serving one engine run lists them once for all its creates: what earlier runs made exists before this
 * run starts, the stack's lock keeps other runs out, and each create makes its own instance only after looking. A
 * process that is not (a program calling the provider directly) lists them for every batch of creates.
 */
function madeByEarlierRuns(api: EcsApi): Promise<InstanceView[]> {
  const list = () => api.findInstancesByTag(RESERVED_TAGS.create, "");
  return servingOneRun() ? EARLIER_RUNS.get(api.regionId, list) : list();
}

let firstLooks: FirstLook | undefined;

/** The first look at new instances, learned by this process from one poll interval on (see ecs/wait.ts FirstLook). */
function firstLook(): FirstLook {
  const { minDelayMs } = pollDelays();
  firstLooks ??= new FirstLook(minDelayMs, minDelayMs / 8, 15 * minDelayMs);
  return firstLooks;
}

/** DeleteInstance (Force); an instance already gone is deleted. */
async function deleteInstance(api: EcsApi, id: string): Promise<void> {
  try {
    await api.deleteInstance(id);
  } catch (err) {
    if (!isInstanceNotFound(err)) throw err;
  }
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
 * Poll timing for waits many instances go through together (a fleet's creates or deletes): the same growing delays
 * for all, woken on shared ticks, so that every round observes a whole wave in one DescribeInstances.
 */
function lockstep() {
  return { ...pollDelays(), random: () => 0.5, sleep: sleepTogether };
}

/** Waits for Running (with progress), then applies the in-place settings of `settings` (a create). */
async function waitRunning(
  api: EcsApi,
  instanceId: string,
  options: {
    urn: string;
    timeoutMs: number;
    settings?: { inputs: InstanceFromSharedImageInputs; setPassword: boolean };
    /** What was just seen of the instance: judged before asking ECS. */
    seen?: InstanceView;
  },
): Promise<InstanceView> {
  const running = (await poll({
    initial: options.seen === undefined ? undefined : { observed: options.seen },
    describe: () => api.getInstance(instanceId),
    acceptor: instanceInStatus("Running"),
    what: `instance ${instanceId} to be Running`,
    timeoutMs: options.timeoutMs,
    ...lockstep(),
    onProgress: (p) => reportProgress(options.urn, `${instanceId}: ${p.reason}`, { ephemeral: true }),
  })) as InstanceView;
  const { settings } = options;
  return settings === undefined ? running : applyInPlaceSettings(api, running, settings.inputs, settings.setPassword);
}

/**
 * Marks the instance as handed to the engine (tags.ts handedOver), with `userTags` in the same call when given.
 * The last ECS call of a create: after it, only the engine's record of the result is missing.
 */
async function handOver(api: EcsApi, instance: InstanceView, wantedUserTags?: Record<string, string>) {
  const tags = handedOver(
    wantedUserTags === undefined ? instance.tags : { ...reservedTags(instance.tags), ...wantedUserTags },
  );
  if (same(instance.tags, tags)) return instance;
  const { [RESERVED_TAGS.launch]: _launch, ...launched } = instance.tags;
  // What a create launched needs only its launch tag removed, which many creates share a call for.
  if (same(launched, tags)) await api.removeInstanceTag(instance.id, RESERVED_TAGS.launch);
  else await api.setTags("instance", instance.id, instance.tags, tags);
  return { ...instance, tags };
}

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
    const running = await waitRunning(api, instanceId, {
      urn,
      timeoutMs: timeoutsOf(inputs).create,
      settings: { inputs, setPassword },
      // What the first look at a new instance saw; an earlier run's instance comes from a listing of the run's start.
      seen: made.earlier ? undefined : made.instance,
    });
    const systemDiskId = await systemDiskIdOf(api, instanceId, running.tags);
    for (const leftover of made.leftovers) {
      reportProgress(urn, `deleting ${leftover.id}: an interrupted run of this create made it, and no state holds it`, {
        warning: true,
      });
      await deleteInstance(api, leftover.id);
    }
    const done = await handOver(api, running, inputs.tags ?? {});
    await progressDelivered();
    const outs = outputsOf(inputs, done, { instanceId, systemDiskId, passwordDigest: digest });
    return { id: instanceId, outs: dropUndefined(outs) };
  } catch (err) {
    // The instance exists: keep it in state so the next `pulumi up` finishes (update) or replaces it, marked as
    // handed over; when ECS cannot even be asked that, it is not handed over, and the next create adopts it
    // (adoption.ts notHandedOver). A password still to be set is recorded as unknown, so that update sets it.
    const seen = await forPartialState(() => api.getInstance(instanceId));
    const handed = seen && (await forPartialState(() => handOver(api, seen)));
    if (handed === undefined) throw notHandedOver(err, instanceId);
    const facts = { instanceId, systemDiskId: "", passwordDigest: setPassword ? undefined : digest };
    throw partial(err, instanceId, inputs, outputsOf(inputs, handed, facts));
  }
}

// ---- update ----

/**
 * The credentials an in-place image change gives the new system disk: the declared ones, else the key pair the
 * instance has (ECS drops it otherwise), else none (check() refused removing a password in the same change).
 */
function reimageCredentials(inputs: InstanceFromSharedImageInputs, instance: InstanceView): DiskCredentials {
  if (inputs.keyPairName !== undefined) return { kind: "keyPair", keyPairName: inputs.keyPairName };
  if (inputs.password !== undefined) return { kind: "password", password: inputs.password };
  if (instance.keyPairName) return { kind: "keyPair", keyPairName: instance.keyPairName };
  return { kind: "none" };
}

/**
 * What the state says after a failed system disk sequence, from what ECS shows now: the image the instance is on,
 * with the disk settings of the change once the instance is on its image, and the new password only if the run set
 * it. When ECS could not be asked, the change is assumed made: the next diff then announces a re-image that may turn
 * out unnecessary, never the other way round.
 */
function afterFailedSequence(
  olds: InstanceFromSharedImageOutputs,
  news: InstanceFromSharedImageInputs,
  seen: InstanceView | undefined,
  passwordSet: boolean,
): InstanceFromSharedImageInputs & { passwordDigest?: string } {
  const passwordDigestNow = passwordSet ? passwordDigest(news.identity.urn, news.password) : olds.passwordDigest;
  if (seen === undefined || seen.imageId === news.imageId) return { ...news, passwordDigest: passwordDigestNow };
  return {
    ...news,
    imageId: seen.imageId,
    systemDisk: olds.systemDisk,
    imageEncrypted: olds.imageEncrypted,
    passwordDigest: passwordDigestNow,
  };
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

  let instance = await api.getInstance(id);
  if (instance === undefined) {
    throw new Error(
      `Instance ${id} no longer exists in ${api.regionId} (deleted outside Pulumi); run pulumi refresh, then pulumi up.`,
    );
  }
  let systemDiskId = olds.systemDiskId;
  try {
    // A create that failed after RunInstances left partial state: finish it first.
    if (readCreateTag(instance.tags)?.state === "pending") {
      // Update is called only for what the engine holds: it is handed over, whatever happens next.
      await handOver(api, instance);
      instance = await waitRunning(api, id, { urn, timeoutMs });
    }
  } catch (err) {
    throw partial(err, id, news, outputsOf({ ...news, imageId: olds.imageId }, instance, { ...olds, instanceId: id }));
  }

  let passwordSet = false;
  if (diff.reimage || readMarker(instance.tags) !== undefined) {
    const target = diff.reimage ? await requireApproved(news, `Re-imaging ${id} with image ${news.imageId}`) : news;
    const credentials = reimageCredentials(news, instance);
    const disks = effectiveDisks(target);
    try {
      const result = await replaceSystemDisk({
        api,
        instanceId: id,
        imageId: news.imageId,
        systemDiskSize: news.systemDisk?.size,
        credentials,
        encrypted: disks.systemDisk?.encrypted,
        kmsKeyId: disks.systemDisk?.kmsKeyId,
        restart: "previous",
        // A disk an interrupted run made from this image is kept (its password is set again); a new one only when
        // the preview announced the re-image.
        mayReplace: diff.reimage,
        recordedDiskId: olds.passwordDigest === digest ? olds.systemDiskId || undefined : undefined,
        clientToken: clientToken(news.identity, "ReplaceSystemDisk", {
          instanceId: id,
          imageId: news.imageId,
          systemDisk: disks.systemDisk,
          credentials: credentials.kind,
          keyPairName: credentials.kind === "keyPair" ? credentials.keyPairName : undefined,
        }),
        timeoutMs,
        urn,
      });
      systemDiskId = result.newSystemDiskId;
      passwordSet = result.passwordSet;
    } catch (err) {
      if (err instanceof SystemDiskSequenceError && err.unfinished) {
        const seen = await forPartialState(() => observeInstance(api, id));
        const state = afterFailedSequence(olds, news, seen?.instance, err.passwordSet);
        throw partial(
          err,
          id,
          news,
          outputsOf(state, seen?.instance, {
            instanceId: id,
            systemDiskId: seen?.systemDisk?.id ?? olds.systemDiskId,
            passwordDigest: state.passwordDigest,
          }),
        );
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
  // Tags go from what ECS has now (drift included) to the inputs; the sequence may just have rewritten them. The
  // create tag follows the replacing inputs an in-place change altered (the image), so that a later replacement
  // knows this instance as the one it replaces.
  const fresh = (await api.getInstance(id)) ?? instance;
  const current: Record<string, string> = userTags(fresh.tags);
  const wanted: Record<string, string> = { ...(news.tags ?? {}) };
  const tag = readCreateTag(fresh.tags);
  if (tag !== undefined) {
    current[RESERVED_TAGS.create] = fresh.tags[RESERVED_TAGS.create];
    wanted[RESERVED_TAGS.create] = createTagValue({ ...tag, state: "done", fingerprint: createFingerprint(news) });
  }
  if (!same(current, wanted)) await api.setTags("instance", id, current, wanted);
  const final = (await api.getInstance(id)) ?? fresh;
  if (!systemDiskId) systemDiskId = await systemDiskIdOf(api, id);
  return { outs: dropUndefined(outputsOf(news, final, { instanceId: id, systemDiskId, passwordDigest: digest })) };
}

// ---- the provider ----

async function check(olds: Partial<InstanceFromSharedImageInputs>, given: InstanceFromSharedImageInputs) {
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
  const news: InstanceFromSharedImageInputs = { ...given, region };
  failures.push(...validateInputs(news));
  const isNew = olds.identity === undefined;
  if (typeof news.identity?.urn === "string") noteCheck(news.identity.urn, !isNew);
  // Sticky until the instance is replaced (the engine checks a replacement again without old inputs).
  const passwordGiven = news.password !== undefined || (!isNew && (olds.passwordGiven ?? olds.password !== undefined));
  let imageEncrypted = !isNew && same(olds.imageId, news.imageId) ? olds.imageEncrypted : undefined;
  // ECS is asked only about what will be made: a new instance (create or replacement), or a re-imaged system disk.
  // An unchanged instance, or one whose tags or name change, is never refused for what happened to its image since.
  const diff = isNew ? undefined : diffInstance(olds as Partial<InstanceFromSharedImageOutputs>, news);
  const makesInstance = diff === undefined || diff.replaces.length > 0;
  const reimage = diff?.reimage === true;
  const anyUnknown = CLOUD_CHECKED.some((key) => containsUnknown(news[key]));
  if (reimage && !containsUnknown(news.password))
    failures.push(...reimageCredentialFailures({ ...news, passwordGiven }));
  if (failures.length === 0 && !anyUnknown && (makesInstance || reimage)) {
    const result = await cloudCheck(news, makesInstance);
    failures.push(...result.failures);
    imageEncrypted = result.image?.encrypted ?? imageEncrypted;
  } else if (imageEncrypted !== undefined && failures.length === 0) {
    failures.push(...encryptionFailures(news, imageEncrypted));
  }
  // Not asked yet because an input is unknown until an earlier resource is made: the image's encryption is unknown
  // too, not absent, so a plan saved by this preview accepts what the check finds when it runs for real.
  const encryption =
    imageEncrypted === undefined && anyUnknown && (makesInstance || reimage) ? UNKNOWN : imageEncrypted;
  const inputs = { ...news, imageEncrypted: encryption, passwordGiven: passwordGiven || undefined };
  return { inputs: dropUndefined(inputs), failures };
}

export const provider: pulumi.dynamic.ResourceProvider = quietErrors(
  asOperations(timeoutsOf, {
    async configure(req: { config: StackConfig }) {
      useStackConfig(req.config);
    },

    check,

    async diff(id: string, olds: InstanceFromSharedImageOutputs, news: InstanceFromSharedImageInputs) {
      const diff = diffInstance(olds, news);
      const urn = news.identity?.urn ?? olds.identity?.urn;
      if (urn !== undefined) noteDiff(urn, id, diff.replaces.length > 0);
      const imageUnknown = news.imageId === UNKNOWN;
      if (diff.replaces.length > 0) {
        announce(urn, replaceNotice(id, diff.replaces, imageUnknown && diff.replaces.join() === "imageId"));
      } else if (diff.reimage) {
        const toImageId = imageUnknown ? undefined : news.imageId;
        announce(urn, reimageNotice(id, { fromImageId: olds.imageId ?? "", toImageId }));
      }
      return { changes: diff.changes, replaces: diff.replaces, deleteBeforeReplace: false };
    },

    create,

    async read(id: string, props: InstanceFromSharedImageOutputs) {
      const api = EcsApi.forRegion(props.region, "read");
      const listed = await recentScan(`instances:${api.regionId}`, () =>
        api.findInstancesByTag(RESERVED_TAGS.create, ""),
      );
      // Under the engine the reads of one refresh are served by that one listing (instances this package made carry
      // the create tag); otherwise, and for an instance without the tag, ECS is asked about this one.
      const instance = (servingOneRun() ? listed.find((i) => i.id === id) : undefined) ?? (await api.getInstance(id));
      if (instance === undefined) return { id: "", props: {} };
      const marked = readMarker(instance.tags) !== undefined;
      if (instance.status === "Stopped" && props.status !== "Stopped" && props.identity?.urn) {
        const why = marked
          ? "an interrupted system disk replacement left it so; the next pulumi up finishes it or winds it back"
          : "stopped outside Pulumi; Pulumi leaves it stopped";
        reportProgress(props.identity.urn, `${id} is Stopped (${why})`, { warning: true });
      }
      if (props.identity?.urn) {
        const key = resourceKey(props.identity);
        for (const other of unclaimedBesides(id, key, listed)) {
          reportProgress(props.identity.urn, unclaimedNotice(other), { warning: true });
        }
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
      await deleteInstance(api, id);
      const urn = props.identity?.urn ?? id;
      await poll({
        describe: () => api.getInstance(id),
        acceptor: instanceGone,
        what: `instance ${id} to be deleted`,
        timeoutMs: timeoutsOf(props).delete,
        ...lockstep(),
        onProgress: (p) => reportProgress(urn, `${id}: ${p.reason}`, { ephemeral: true }),
      });
    },
  }),
);

/**
 * An ECS instance from an approved shared image (or this account's copy of one). Outputs: instanceId, status,
 * zoneId, systemDiskId, interrupted and ECS's current name, host name, description and tags.
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
  /** An interrupted in-place image change is on the instance (see InstanceFromSharedImageOutputs.interrupted). */
  declare readonly interrupted: pulumi.Output<boolean>;

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
        interrupted: undefined,
      },
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "passwordDigest"] },
      MODULE,
      TYPE,
    );
  }
}
