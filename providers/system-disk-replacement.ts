// SystemDiskReplacement: replaces the system disk of an existing instance (one the stack does not manage) with an
// approved image, keeping its login credentials, and brings the instance back to the state it was in. The sequence
// itself (stop -> ReplaceSystemDisk -> start, resumable after any interruption) is in system-disk-sequence.ts.
import * as pulumi from "@pulumi/pulumi";
import { type DiskView, EcsApi } from "./ecs/api";
import { resolveSettings, type StackConfig, useStackConfig } from "./ecs/client";
import { canonicalJson, clientToken, resourceKey } from "./ecs/client-token";
import { EcsError, InvalidInputError } from "./ecs/errors";
import type { InstanceView } from "./ecs/types";
import { DEFAULT_TIMEOUTS, resolveTimeouts, type Timeouts, type TimeoutsInput, timeoutsFailures } from "./ecs/wait";
import { announce, reimageNotice } from "./notices";
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
import { reportProgress } from "./progress";
import { quietErrors } from "./quiet-errors";
import { dynamicTypeToken, type IdentityInput, identityInput, identityProblem } from "./resource-identity";
import { thinProvider } from "./shim";
import {
  type DiskCredentials,
  MARKER_TAGS,
  madeByInterruptedRun,
  type Observation,
  observeInstance,
  readMarker,
  replaceSystemDisk,
  type SystemDiskReplacementResult,
  SystemDiskSequenceError,
} from "./system-disk-sequence";
import { ECS_MAX_TAGS, RESERVED_TAGS } from "./tags";
import { containsUnknown, dropUndefined, UNKNOWN } from "./wire-values";

export const MODULE = "ecs-shared-images";
export const TYPE = "SystemDiskReplacement";
/** Package specifier of this file, resolved at call time by the serialized shim. */
export const MODULE_ID = "pulumi-ecs-shared-images/providers/system-disk-replacement";

export type RestartMode = "previous" | "running" | "stopped";

export interface SystemDiskReplacementArgs {
  /** The existing instance whose system disk is replaced (not managed by this stack). Changing it replaces the resource. */
  readonly instanceId: pulumi.Input<string>;
  /**
   * The image for the new system disk: a shared image (or this account's copy of one). Changing it replaces the disk
   * again (everything on the system disk is lost; data disks stay). The preview says so.
   */
  readonly imageId: pulumi.Input<string>;
  /**
   * Region of the instance; default `alicloud:region`, then ALICLOUD_REGION / ALIBABA_CLOUD_REGION, resolved when the
   * resource is checked and recorded in state. Changing it (or the default it was resolved from) replaces the resource.
   */
  readonly region?: pulumi.Input<string>;
  /** Which shared images may be used: the image must pass it at preview time. Changing it re-checks the image only. */
  readonly approval: pulumi.Input<ApprovalPolicy>;
  /**
   * New system disk size in GiB (20-2048, at least the image size and the current disk size). Default: ECS picks
   * max(current, image size). A new value re-images the system disk from `imageId` (everything on it is lost), even
   * when the image is unchanged; removing it changes nothing on the instance.
   */
  readonly systemDiskSize?: pulumi.Input<number>;
  /**
   * Login password of the new system disk (8-30 characters, three of upper, lower, digits, specials). Stored only as a
   * secret, never in plain outputs. Give at most one of password, keyPairName and passwordInherit. With none of them,
   * a key pair instance keeps its key pair; an instance without a key pair (it logs in with a password) is refused at
   * preview: ECS cannot carry a password over to a new system disk, so declare the one it should have. A new value
   * re-images the system disk from `imageId` (everything on it is lost), even when the image is unchanged; removing
   * it changes nothing on the instance.
   */
  readonly password?: pulumi.Input<string>;
  /**
   * Key pair bound to the new disk. See `password`. A new value re-images the system disk from `imageId` (everything
   * on it is lost), even when the image is unchanged; removing it keeps the current credentials and changes nothing.
   */
  readonly keyPairName?: pulumi.Input<string>;
  /**
   * Give the new system disk the password preset in the image (ECS PasswordInherit). The image must have one, or ECS
   * refuses the replacement. See `password`. Setting it re-images the system disk, even when the image is unchanged.
   */
  readonly passwordInherit?: pulumi.Input<boolean>;
  /**
   * Encrypt the new system disk. Default: as the image is (an encrypted image gives an encrypted disk; the preview
   * shows `imageEncrypted: true`); false is refused for an encrypted image. Changing it re-images the system disk
   * from `imageId`.
   */
  readonly encrypted?: pulumi.Input<boolean>;
  /**
   * KMS key for the encrypted disk (requires encrypted: true, or an encrypted image); default the service key.
   * Changing it re-images the system disk from `imageId`.
   */
  readonly kmsKeyId?: pulumi.Input<string>;
  /** State after the replacement: "previous" (default: as it was before), "running" or "stopped". Updates in place. */
  readonly restart?: pulumi.Input<RestartMode>;
  /**
   * On delete, replace the disk back to `previousImageId` with the declared password or key pair (with none, the
   * key pair the instance has; not with passwordInherit, which is refused with it). Default false: delete leaves
   * the instance as it is. Updates in place.
   */
  readonly revertOnDelete?: pulumi.Input<boolean>;
  /** Deadlines of the whole sequence, e.g. { create: "45m" }; default 30m each. Updates in place. */
  readonly timeouts?: pulumi.Input<TimeoutsInput>;
}

/** What the provider receives (resolved Args plus the identity set by the class). */
export interface SystemDiskReplacementInputs {
  readonly identity: IdentityInput;
  readonly instanceId: string;
  readonly imageId: string;
  /** Resolved by check() (input, else stack config / environment); absent only in states of older versions. */
  readonly region?: string;
  readonly approval: ApprovalPolicy;
  readonly systemDiskSize?: number;
  readonly password?: string;
  readonly keyPairName?: string;
  readonly passwordInherit?: boolean;
  readonly encrypted?: boolean;
  /** Set by check() from the image: whether it is encrypted (unknown while the image id is). */
  readonly imageEncrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly restart?: RestartMode;
  readonly revertOnDelete?: boolean;
  readonly timeouts?: TimeoutsInput;
}

/**
 * What the provider stores. The disk settings (size, key pair, passwordInherit, encryption, key) and the password
 * digest are those the instance has, as far as this resource made them: after an interrupted run they are the ones
 * of before, so the next diff still asks for the change. `password` is kept (a secret, like the input) only with
 * revertOnDelete, which needs it to give the reverted disk the instance's password.
 */
export interface SystemDiskReplacementOutputs extends SystemDiskReplacementInputs {
  /** HMAC of the password keyed by the instance id, so a password change is visible to diff. Secret output. */
  readonly passwordDigest?: string;
  /**
   * The image (and disk) the instance had before this resource first replaced its disk; kept through later image
   * changes, and on the instance itself (a reserved tag) until the resource is deleted, so an interruption that loses
   * it from state cannot make a revert go anywhere else.
   */
  readonly previousImageId: string;
  readonly previousSystemDiskId: string;
  readonly newSystemDiskId: string;
  readonly instanceStatus: string;
  /** The instance carries an unfinished sequence (interrupted run): the next update finishes it or winds it back. */
  readonly interrupted: boolean;
}

const INSTANCE_ID = /^i-[A-Za-z0-9]+$/;
const IMAGE_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const REGION = /^[a-z]{2}-[a-z0-9-]+$/;
const RESTART_MODES: readonly RestartMode[] = ["previous", "running", "stopped"];

const TIMEOUT_DEFAULTS: Timeouts = {
  create: DEFAULT_TIMEOUTS.systemDiskReplacement,
  update: DEFAULT_TIMEOUTS.systemDiskReplacement,
  delete: DEFAULT_TIMEOUTS.systemDiskReplacement,
};

/**
 * Input rules that need no ECS call. Values unknown during preview, or holding an unknown anywhere inside, are
 * skipped. Failures name the property.
 */
export function validateInputs(news: Partial<Record<keyof SystemDiskReplacementInputs, unknown>>): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  const fail = (property: string, reason: string) => failures.push({ property, reason });
  const unknown = (key: keyof SystemDiskReplacementInputs) => containsUnknown(news[key]);
  const known = (key: keyof SystemDiskReplacementInputs) => news[key] !== undefined && !unknown(key);

  const identity = identityProblem(news.identity);
  if (identity !== undefined && !unknown("identity")) fail("identity", identity);
  if (!unknown("instanceId") && (typeof news.instanceId !== "string" || !INSTANCE_ID.test(news.instanceId))) {
    fail("instanceId", `must be an instance id like "i-bp1abc...", got ${JSON.stringify(news.instanceId)}`);
  }
  if (!unknown("imageId") && (typeof news.imageId !== "string" || !IMAGE_ID.test(news.imageId))) {
    fail("imageId", `must be an image id like "m-bp1abc...", got ${JSON.stringify(news.imageId)}`);
  }
  if (known("region") && (typeof news.region !== "string" || !REGION.test(news.region))) {
    fail("region", `must be a region id like "cn-hangzhou", got ${JSON.stringify(news.region)}`);
  }
  if (!unknown("approval")) failures.push(...validateApprovalPolicy(news.approval, "approval"));
  if (known("systemDiskSize")) {
    const size = news.systemDiskSize;
    if (typeof size !== "number" || !Number.isInteger(size) || size < 20 || size > 2048) {
      fail("systemDiskSize", `must be a whole number of GiB from 20 to 2048, got ${JSON.stringify(size)}`);
    }
  }
  if (known("password")) {
    if (typeof news.password !== "string") fail("password", "must be a string");
    else {
      const problem = passwordProblem(news.password);
      if (problem !== undefined) fail("password", problem);
    }
  }
  if (known("keyPairName")) {
    const name = news.keyPairName;
    if (typeof name !== "string" || name.length < 2 || name.length > 128) {
      fail("keyPairName", `must be a key pair name of 2-128 characters, got ${JSON.stringify(name)}`);
    }
  }
  if (known("passwordInherit") && typeof news.passwordInherit !== "boolean") {
    fail("passwordInherit", `must be true or false, got ${JSON.stringify(news.passwordInherit)}`);
  }
  const credentials = (["password", "keyPairName", "passwordInherit"] as const).filter(
    (key) => news[key] !== undefined && news[key] !== false,
  );
  if (credentials.length > 1) {
    fail(
      credentials[1],
      `give at most one of password, keyPairName and passwordInherit (got ${credentials.join(" and ")}); ` +
        "with none, a key pair instance keeps its key pair",
    );
  }
  if (known("encrypted") && typeof news.encrypted !== "boolean") {
    fail("encrypted", `must be true or false, got ${JSON.stringify(news.encrypted)}`);
  }
  if (known("kmsKeyId")) {
    if (typeof news.kmsKeyId !== "string" || news.kmsKeyId === "") {
      fail("kmsKeyId", `must be a KMS key id, got ${JSON.stringify(news.kmsKeyId)}`);
    } else if (news.encrypted === false) {
      fail("kmsKeyId", `is set (${JSON.stringify(news.kmsKeyId)}) but encrypted is false; set encrypted: true`);
    }
  }
  if (known("restart") && !RESTART_MODES.includes(news.restart as RestartMode)) {
    fail("restart", `must be one of ${RESTART_MODES.join(", ")}, got ${JSON.stringify(news.restart)}`);
  }
  if (known("revertOnDelete") && typeof news.revertOnDelete !== "boolean") {
    fail("revertOnDelete", `must be true or false, got ${JSON.stringify(news.revertOnDelete)}`);
  } else if (news.revertOnDelete === true && news.passwordInherit === true) {
    // The revert makes a disk from previousImageId with the same credentials; a preset password is a property of
    // one image, and ECS refuses PasswordInherit for an image without one (the usual case for the original image).
    fail(
      "revertOnDelete",
      "cannot be combined with passwordInherit: the revert on delete makes a disk from the previous image, whose " +
        "preset password (if any) is not this image's; declare password or keyPairName instead (both apply to " +
        "either image), or set revertOnDelete: false",
    );
  }
  if (known("timeouts")) failures.push(...timeoutsFailures(news.timeouts, TIMEOUT_DEFAULTS));
  return failures;
}

// ---- diff ----

/** Settings of the new disk, besides the image and the password, as stored (what the instance has). */
const DISK_KEYS = ["systemDiskSize", "keyPairName", "passwordInherit", "encrypted", "kmsKeyId"] as const;
/** Inputs that are only stored. */
const STORED_KEYS = ["approval", "restart", "revertOnDelete", "timeouts", "identity", ...DISK_KEYS] as const;

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

/** Whether the new disk is encrypted: as declared, else as the image is. */
function diskEncrypted(inputs: Partial<Pick<SystemDiskReplacementInputs, "encrypted" | "imageEncrypted">>): boolean {
  return inputs.encrypted ?? inputs.imageEncrypted === true;
}

export interface SystemDiskReplacementDiff {
  readonly changes: boolean;
  readonly replaces: string[];
  /** The image changes: update replaces the system disk with the new image. */
  readonly imageChanged: boolean;
  /**
   * The image stays but the disk must be made again from it (credentials, size or encryption changed), with
   * `reasons` naming the inputs. Never true with imageChanged.
   */
  readonly reimage: boolean;
  readonly reasons: string[];
  /** An interrupted run left its marker: update finishes it, or winds it back when nothing is to be replaced. */
  readonly resume: boolean;
}

/**
 * The declared disk settings (besides the image) that the instance does not have yet, by what `olds` says it has. A
 * removed value is not one: without a password or key pair the instance keeps its credentials, without a size the
 * disk keeps its size. Encryption counts as its effective value (declared, else the image's).
 */
export function reimageReasons(
  olds: Partial<SystemDiskReplacementOutputs>,
  news: Partial<SystemDiskReplacementInputs>,
): string[] {
  const reasons: string[] = [];
  if (news.password !== undefined && !same(olds.passwordDigest, digestOf(news))) reasons.push("password");
  if (news.passwordInherit === true && olds.passwordInherit !== true) reasons.push("passwordInherit");
  for (const key of ["keyPairName", "systemDiskSize"] as const) {
    if (news[key] !== undefined && !same(olds[key], news[key])) reasons.push(key);
  }
  if (containsUnknown(news.encrypted) || diskEncrypted(olds) !== diskEncrypted(news)) {
    reasons.push("encrypted");
  }
  if (!same(olds.kmsKeyId, news.kmsKeyId)) reasons.push("kmsKeyId");
  return reasons;
}

/** The password digest the new inputs would store (unknown while the password is unknown). */
function digestOf(news: Partial<SystemDiskReplacementInputs>): string | undefined {
  if (containsUnknown(news.password)) return UNKNOWN;
  return passwordDigest(String(news.instanceId ?? ""), news.password);
}

/**
 * Pure diff of stored outputs against new inputs. instanceId and region replace the resource; a new image replaces
 * the disk with it, and new credentials, size or encryption re-image the disk from the same image (both in-place
 * updates of this resource); the rest only update what is stored. An interrupted run is always an update, so the
 * next `pulumi up` finishes it or winds it back.
 */
export function diffSystemDiskReplacement(
  olds: Partial<SystemDiskReplacementOutputs>,
  news: Partial<SystemDiskReplacementInputs>,
): SystemDiskReplacementDiff {
  const replaces: string[] = [];
  if (!same(olds.instanceId, news.instanceId)) replaces.push("instanceId");
  // A state of an older version has no region (it ran in the default of its time): not a change by itself.
  if (olds.region !== undefined && !same(olds.region, news.region)) replaces.push("region");
  const imageChanged = !same(olds.imageId, news.imageId);
  const reasons = reimageReasons(olds, news);
  const resume = olds.interrupted === true;
  const stored =
    !same(olds.passwordDigest, digestOf(news)) ||
    STORED_KEYS.some((key) => !same(olds[key], news[key])) ||
    (olds.region === undefined && news.region !== undefined);
  return {
    changes: replaces.length > 0 || imageChanged || reasons.length > 0 || resume || stored,
    replaces,
    imageChanged,
    reimage: !imageChanged && reasons.length > 0,
    reasons,
    resume,
  };
}

/**
 * What a new resource re-images although the instance may already run `imageId`: the declared settings the instance
 * does not verifiably have. A password or the image's preset password cannot be seen on an instance, so declaring one
 * re-images, unless the disk was made by an interrupted run of this resource (its password is then set again).
 */
export function createReimageReasons(observed: Observation, inputs: SystemDiskReplacementInputs): string[] {
  const { instance, systemDisk } = observed;
  if (instance === undefined || systemDisk === undefined || instance.imageId !== inputs.imageId) return [];
  const reasons: string[] = [];
  if (inputs.password !== undefined && !madeByInterruptedRun(observed)) reasons.push("password");
  if (inputs.passwordInherit === true) reasons.push("passwordInherit");
  if (!diskAccepted(systemDisk, instance, inputs, ["keyPairName"])) reasons.push("keyPairName");
  if (!diskAccepted(systemDisk, instance, inputs, ["systemDiskSize"])) reasons.push("systemDiskSize");
  if (!diskAccepted(systemDisk, instance, inputs, ["encrypted", "kmsKeyId"])) reasons.push("encrypted");
  return reasons;
}

/** Whether `disk` verifiably has the declared settings named (all of them when `only` is not given). */
function diskAccepted(
  disk: DiskView,
  instance: InstanceView,
  inputs: SystemDiskReplacementInputs,
  only: readonly string[] = ["keyPairName", "systemDiskSize", "encrypted", "kmsKeyId", "passwordInherit"],
): boolean {
  const checks: Record<string, () => boolean> = {
    keyPairName: () => inputs.keyPairName === undefined || instance.keyPairName === inputs.keyPairName,
    systemDiskSize: () => inputs.systemDiskSize === undefined || disk.size === inputs.systemDiskSize,
    encrypted: () => disk.encrypted === diskEncrypted(inputs),
    kmsKeyId: () => inputs.kmsKeyId === undefined || disk.kmsKeyId === inputs.kmsKeyId,
    passwordInherit: () => inputs.passwordInherit !== true,
  };
  return only.every((key) => checks[key]());
}

// ---- credentials ----

/** The refusal when a replacement would leave an instance that logs in with a password without one. */
function passwordInstanceReason(instanceId: string, what: string): string {
  return (
    `instance ${instanceId} has no key pair, so it logs in with a password (or not at all), and ${what} would give ` +
    "it a new system disk without one: ECS cannot carry a password over to a new system disk. Set password (the " +
    "new disk gets it; it can be the current one), passwordInherit: true (the image's preset password) or keyPairName"
  );
}

/** What the new disk gets: the declared credentials, else the key pair the instance has; undefined when neither. */
function credentialsOf(inputs: SystemDiskReplacementInputs, instance: InstanceView): DiskCredentials | undefined {
  if (inputs.password !== undefined) return { kind: "password", password: inputs.password };
  if (inputs.keyPairName !== undefined) return { kind: "keyPair", keyPairName: inputs.keyPairName };
  if (inputs.passwordInherit === true) return { kind: "imagePreset" };
  if (instance.keyPairName) return { kind: "keyPair", keyPairName: instance.keyPairName };
  return undefined;
}

// ---- outputs ----

/** The disk settings of `from` (what the instance has when `from` was applied). */
function diskSettings(from: Partial<SystemDiskReplacementInputs> | undefined) {
  return {
    systemDiskSize: from?.systemDiskSize,
    keyPairName: from?.keyPairName,
    passwordInherit: from?.passwordInherit,
    encrypted: from?.encrypted,
    imageEncrypted: from?.imageEncrypted,
    kmsKeyId: from?.kmsKeyId,
  };
}

function outputsOf(
  inputs: SystemDiskReplacementInputs,
  applied: {
    readonly settings: ReturnType<typeof diskSettings>;
    readonly passwordDigest: string | undefined;
  },
  result: Omit<SystemDiskReplacementResult, "finalStatus" | "replaced" | "passwordSet"> & {
    instanceStatus: string;
    interrupted: boolean;
  },
): SystemDiskReplacementOutputs {
  // The password is kept (the engine stores it as a secret, like the input) only for a revert on delete to use.
  const { password, ...rest } = inputs;
  return dropUndefined({
    ...rest,
    ...(inputs.revertOnDelete === true ? { password } : {}),
    ...applied.settings,
    passwordDigest: applied.passwordDigest,
    previousImageId: result.previousImageId,
    previousSystemDiskId: result.previousSystemDiskId,
    newSystemDiskId: result.newSystemDiskId,
    imageId: result.imageId,
    instanceStatus: result.instanceStatus,
    interrupted: result.interrupted,
  });
}

/**
 * Runs the sequence for `inputs` and returns the outputs. An unfinished failure becomes partial state from what ECS
 * shows then: the settings of this run only once its ReplaceSystemDisk was accepted (else those of before, so the
 * next diff still asks for them), the image the instance is on, and `interrupted`, so the next update finishes or
 * winds back the run. When ECS cannot be asked, the replacement is assumed made: the next diff then announces a
 * re-image that may prove unnecessary, never the other way round.
 */
async function runSequence(
  inputs: SystemDiskReplacementInputs,
  before: SystemDiskReplacementOutputs | undefined,
  options: { timeoutMs: number; action: string; reimage: boolean; mayReplace: boolean },
): Promise<SystemDiskReplacementOutputs> {
  const api = EcsApi.forRegion(inputs.region, options.action);
  const instance = await api.getInstance(inputs.instanceId);
  if (instance === undefined) {
    throw new Error(
      `Instance ${inputs.instanceId} does not exist in ${api.regionId} (deleted outside Pulumi?); ` +
        "run pulumi refresh, then pulumi up.",
    );
  }
  // Only a run that may replace the disk needs credentials for it: finishing or winding back an interrupted run
  // (the disk already replaced, or never to be) must work for an instance whose login cannot be carried over.
  const credentials = credentialsOf(inputs, instance) ?? (options.mayReplace ? undefined : { kind: "none" as const });
  if (credentials === undefined) {
    throw new RefusedError(
      [{ property: "password", reason: passwordInstanceReason(inputs.instanceId, "a system disk replacement") }],
      `Replacing the system disk of ${inputs.instanceId}`,
    );
  }
  const token = clientToken(inputs.identity, "ReplaceSystemDisk", {
    instanceId: inputs.instanceId,
    imageId: inputs.imageId,
    systemDiskSize: inputs.systemDiskSize,
    credentials: credentials.kind,
    keyPairName: credentials.kind === "keyPair" ? credentials.keyPairName : undefined,
    encrypted: diskEncrypted(inputs) || undefined,
    kmsKeyId: inputs.kmsKeyId,
  });
  const digest = passwordDigest(inputs.instanceId, inputs.password);
  // What the instance had before this resource first touched it: the origin tag (kept on the instance through any
  // interruption), else what the state recorded. A run on top of an earlier one must not take the image that run
  // put there as "previous", or a revert would go to an intermediate image (perhaps deleted since).
  const key = resourceKey(inputs.identity);
  const found = originOf(instance.tags);
  if (found !== undefined && found.owner !== undefined && found.owner !== key) {
    // Another SystemDiskReplacement of this instance recorded it (a rename makes the new resource before it deletes
    // the old one): this one manages the instance from now on, and the old one's delete leaves it alone.
    const { tags } = instance;
    await api.setTags("instance", inputs.instanceId, tags, {
      ...tags,
      [RESERVED_TAGS.originImageId]: originValue(found.imageId, key),
    });
  }
  const origin = found?.imageId;
  const previous = (run: { imageId: string; systemDiskId: string }) => ({
    previousImageId: origin ?? before?.previousImageId ?? run.imageId,
    previousSystemDiskId: before?.previousSystemDiskId ?? run.systemDiskId,
  });
  try {
    const result = await replaceSystemDisk({
      api,
      instanceId: inputs.instanceId,
      imageId: inputs.imageId,
      systemDiskSize: inputs.systemDiskSize,
      credentials,
      encrypted: diskEncrypted(inputs) || undefined,
      kmsKeyId: inputs.kmsKeyId,
      restart: inputs.restart ?? "previous",
      reimage: options.reimage,
      mayReplace: options.mayReplace,
      acceptsDisk: (disk, inst) => diskAccepted(disk, inst, inputs),
      recordedDiskId: before?.passwordDigest === digest ? before?.newSystemDiskId || undefined : undefined,
      clientToken: token,
      timeoutMs: options.timeoutMs,
      urn: inputs.identity.urn,
      origin: originValue(origin ?? before?.previousImageId ?? instance.imageId, key),
    });
    // Done: the instance has every declared setting (a removed one is left as the instance has it, unrecorded).
    return outputsOf(
      inputs,
      { settings: diskSettings(inputs), passwordDigest: digest },
      {
        ...result,
        ...previous({ imageId: result.previousImageId, systemDiskId: result.previousSystemDiskId }),
        instanceStatus: result.finalStatus,
        interrupted: false,
      },
    );
  } catch (err) {
    if (!(err instanceof SystemDiskSequenceError && err.unfinished && err.marker !== undefined)) throw err;
    // An unobserved instance is recorded as replaced (see above).
    const seen = await forPartialState(() => observeInstance(api, inputs.instanceId));
    const madeNow = seen === undefined || err.replaceIssued;
    const outputs = outputsOf(
      inputs,
      {
        settings: diskSettings(madeNow ? inputs : before),
        passwordDigest: err.passwordSet || (madeNow && inputs.password !== undefined) ? digest : before?.passwordDigest,
      },
      {
        ...previous({ imageId: err.marker.priorImageId, systemDiskId: err.marker.priorSystemDiskId }),
        newSystemDiskId: seen?.systemDisk?.id ?? "",
        imageId: seen?.instance?.imageId ?? inputs.imageId,
        instanceStatus: seen?.instance?.status ?? "",
        interrupted: true,
      },
    );
    throw partialState(err, inputs.instanceId, inputs, outputs as unknown as Record<string, unknown>);
  }
}

function timeoutsOf(inputs: { timeouts?: TimeoutsInput }): Timeouts {
  return resolveTimeouts(inputs.timeouts, TIMEOUT_DEFAULTS);
}

// ---- ECS checks ----

/**
 * Read-only ECS checks (they run during preview): the instance, the image's visibility and approval, encryption,
 * size, and the credentials any replacement (now, or the revert on delete) gives the new disk. For a new resource,
 * the re-image it makes is announced.
 */
async function cloudFailures(
  given: SystemDiskReplacementInputs,
  olds: Partial<SystemDiskReplacementInputs>,
): Promise<{ failures: PropertyFailure[]; imageEncrypted: boolean | undefined }> {
  const api = EcsApi.forRegion(given.region, "check");
  const [observed, image] = await Promise.all([observeInstance(api, given.instanceId), api.getImage(given.imageId)]);
  const imageEncrypted = image?.encrypted ?? given.imageEncrypted;
  const news = { ...given, imageEncrypted };
  const { instance, systemDisk } = observed;
  const failures: PropertyFailure[] = [];
  if (instance === undefined) {
    failures.push({
      property: "instanceId",
      reason: `instance ${news.instanceId} does not exist in ${api.regionId} (or these credentials cannot see it)`,
    });
    return { failures, imageEncrypted };
  }
  const size = news.systemDiskSize;
  if (size !== undefined && systemDisk !== undefined && size < systemDisk.size) {
    failures.push({
      property: "systemDiskSize",
      reason: `${size} GiB is smaller than the current system disk ${systemDisk.id} (${systemDisk.size} GiB); disks cannot shrink`,
    });
    return { failures, imageEncrypted };
  }
  const isNew = olds.instanceId === undefined;
  const createReasons = isNew ? createReimageReasons(observed, news) : [];
  // The image rules (approval first) apply to what a run puts on the disk, as create and update apply them: a
  // tightened approval, an image unshared since, or a revertOnDelete toggled re-images nothing and is refused for
  // nothing.
  const reimages = isNew
    ? instance.imageId !== news.imageId || createReasons.length > 0
    : !same(olds.imageId, news.imageId) ||
      reimageReasons(olds as Partial<SystemDiskReplacementOutputs>, news).length > 0;
  if (reimages && image === undefined) {
    failures.push({
      property: "imageId",
      reason: `image ${news.imageId} does not exist in ${api.regionId} or is not shared with this account`,
    });
    return { failures, imageEncrypted };
  }
  if (reimages && image !== undefined) failures.push(...imageFailures(news, image));
  if (reimages) {
    // The marker and the origin are tags on the instance; ECS refuses a 21st, and would refuse it mid-job.
    const ours = [...Object.values(MARKER_TAGS), RESERVED_TAGS.originImageId];
    const needed = ours.filter((key) => !(key in instance.tags)).length;
    const over = Object.keys(instance.tags).length + needed - ECS_MAX_TAGS;
    if (over > 0) {
      failures.push({
        property: "instanceId",
        reason:
          `instance ${news.instanceId} has ${Object.keys(instance.tags).length} tags, and replacing its system disk ` +
          `records ${needed} more (ECS allows ${ECS_MAX_TAGS}): remove ${over} of its tags first`,
      });
    }
  }
  if ((reimages || news.revertOnDelete === true) && credentialsOf(news, instance) === undefined) {
    const what = news.revertOnDelete === true ? "a replacement (or the revert on delete)" : "the replacement";
    failures.push({ property: "password", reason: passwordInstanceReason(news.instanceId, what) });
  }
  if (isNew && failures.length === 0 && (instance.imageId !== news.imageId || createReasons.length > 0)) {
    announce(
      news.identity?.urn,
      reimageNotice(news.instanceId, {
        fromImageId: instance.imageId,
        toImageId: news.imageId,
        because: instance.imageId === news.imageId ? createReasons : undefined,
      }),
    );
  }
  return { failures, imageEncrypted };
}

/** The rules on the image (pure): approval, encryption, size. */
function imageFailures(
  news: SystemDiskReplacementInputs,
  image: { id: string; encrypted: boolean; size: number } & Parameters<typeof evaluateImage>[0],
): PropertyFailure[] {
  const failures: PropertyFailure[] = [];
  for (const reason of evaluateImage(image, news.approval).reasons) failures.push({ property: "imageId", reason });
  if (image.encrypted && news.encrypted === false) {
    failures.push({
      property: "encrypted",
      reason: `image ${image.id} is encrypted, so the new system disk must be too: remove encrypted: false (the disk of an encrypted image is encrypted without it)`,
    });
  }
  if (!image.encrypted && news.encrypted === undefined && news.kmsKeyId !== undefined) {
    failures.push({
      property: "kmsKeyId",
      reason: `is set (${JSON.stringify(news.kmsKeyId)}) but image ${image.id} is not encrypted and encrypted is not set; set encrypted: true`,
    });
  }
  if (news.systemDiskSize !== undefined && news.systemDiskSize < image.size) {
    failures.push({
      property: "systemDiskSize",
      reason: `${news.systemDiskSize} GiB is smaller than image ${image.id} (${image.size} GiB)`,
    });
  }
  return failures;
}

/** The image rules again right before a replacement (the approval may have changed since the preview). */
async function requireApproved(news: SystemDiskReplacementInputs): Promise<void> {
  const image = await EcsApi.forRegion(news.region, "check").getImage(news.imageId);
  const failures: PropertyFailure[] =
    image === undefined
      ? [{ property: "imageId", reason: `image ${news.imageId} does not exist or is not shared with this account` }]
      : imageFailures(news, image);
  if (failures.length > 0) throw new RefusedError(failures, `Replacing the system disk of ${news.instanceId}`);
}

/** The keys whose change calls for the read-only ECS checks again (unchanged ones passed them before). */
const CLOUD_CHECKED = [
  "instanceId",
  "imageId",
  "region",
  "systemDiskSize",
  "encrypted",
  "approval",
  "password",
  "keyPairName",
  "passwordInherit",
  "revertOnDelete",
] as const;

// ---- the provider ----

export const provider: pulumi.dynamic.ResourceProvider = quietErrors(
  asOperations(timeoutsOf, {
    async configure(req: { config: StackConfig }) {
      useStackConfig(req.config);
    },

    async check(olds: Partial<SystemDiskReplacementInputs>, news: SystemDiskReplacementInputs) {
      const inputs = { ...news };
      const failures: PropertyFailure[] = [];
      if (inputs.region === undefined) {
        // Recorded, so that a later change of the stack's default region is seen as a change (and read looks here).
        try {
          inputs.region = resolveSettings(undefined, "check").regionId;
        } catch (err) {
          if (err instanceof InvalidInputError && err.property === "region") {
            failures.push({ property: "region", reason: err.reason });
          } else if (!(err instanceof EcsError)) throw err; // missing credentials: the ECS checks below report them
        }
      }
      failures.push(...validateInputs(inputs));
      // The image's encryption is the disk's default: known from the last check while the image stays, looked up
      // with the other ECS checks otherwise (unknown while the image id is).
      inputs.imageEncrypted =
        olds.instanceId !== undefined && same(olds.imageId, inputs.imageId) ? olds.imageEncrypted : undefined;
      const anyUnknown = CLOUD_CHECKED.some((key) => containsUnknown(inputs[key]));
      const changed = olds.instanceId === undefined || CLOUD_CHECKED.some((key) => !same(olds[key], inputs[key]));
      if (failures.length === 0 && !anyUnknown && changed) {
        const cloud = await cloudFailures(inputs, olds);
        failures.push(...cloud.failures);
        inputs.imageEncrypted = cloud.imageEncrypted;
      }
      // Not looked up because an input is unknown until an earlier resource is made: unknown, not absent, so a plan
      // saved by this preview accepts what the lookup finds when it runs for real.
      const encryption = inputs.imageEncrypted === undefined && anyUnknown && changed ? UNKNOWN : inputs.imageEncrypted;
      return { inputs: dropUndefined({ ...inputs, imageEncrypted: encryption }), failures };
    },

    async diff(_id: string, olds: SystemDiskReplacementOutputs, news: SystemDiskReplacementInputs) {
      const diff = diffSystemDiskReplacement(olds, news);
      if (diff.replaces.length === 0 && (diff.imageChanged || diff.reimage)) {
        const toImageId = news.imageId === UNKNOWN ? undefined : news.imageId;
        announce(
          news.identity?.urn,
          reimageNotice(news.instanceId, { fromImageId: olds.imageId, toImageId, because: diff.reasons }),
        );
      }
      // Always delete first: two replacements of one instance cannot coexist (the old one's delete may revert the
      // disk the new one just made). `pulumi up --replace` asks no diff: the resource option (see the class) covers it.
      return { changes: diff.changes, replaces: diff.replaces, deleteBeforeReplace: true };
    },

    async create(inputs: SystemDiskReplacementInputs) {
      const api = EcsApi.forRegion(inputs.region, "create");
      const observed = await observeInstance(api, inputs.instanceId);
      const reimage = createReimageReasons(observed, inputs).length > 0;
      if (reimage || observed.instance?.imageId !== inputs.imageId) await requireApproved(inputs);
      const outs = await runSequence(inputs, undefined, {
        timeoutMs: timeoutsOf(inputs).create,
        action: "create",
        reimage,
        mayReplace: true,
      });
      return { id: inputs.instanceId, outs };
    },

    async read(id: string, props: SystemDiskReplacementOutputs) {
      const api = EcsApi.forRegion(props.region, "read");
      const { instance, systemDisk } = await observeInstance(api, id);
      if (instance === undefined) return { id: "", props: {} };
      const outs: SystemDiskReplacementOutputs = {
        ...props,
        region: api.regionId,
        imageId: instance.imageId,
        newSystemDiskId: systemDisk?.id ?? "",
        previousImageId: ownOrigin(instance.tags, props.identity) ?? props.previousImageId,
        instanceStatus: instance.status,
        interrupted: readMarker(instance.tags) !== undefined,
      };
      return { id, props: dropUndefined(outs) };
    },

    async update(_id: string, olds: SystemDiskReplacementOutputs, news: SystemDiskReplacementInputs) {
      const diff = diffSystemDiskReplacement(olds, news);
      const announced = diff.imageChanged || diff.reimage;
      if (announced || diff.resume) {
        if (announced) await requireApproved(news);
        const outs = await runSequence(news, olds, {
          timeoutMs: timeoutsOf(news).update,
          action: "update",
          reimage: diff.reimage,
          mayReplace: announced,
        });
        return { outs };
      }
      // Nothing to do on the instance: every declared setting is what it has (a removed one is left as it is).
      const digest = passwordDigest(news.instanceId, news.password);
      return { outs: outputsOf(news, { settings: diskSettings(news), passwordDigest: digest }, olds) };
    },

    async delete(id: string, props: SystemDiskReplacementOutputs) {
      const api = EcsApi.forRegion(props.region, "delete");
      const instance = await api.getInstance(id);
      if (instance === undefined) return;
      const found = originOf(instance.tags);
      if (found?.owner !== undefined && found.owner !== resourceKey(props.identity)) {
        reportProgress(
          props.identity.urn,
          `${id}: another SystemDiskReplacement manages this instance now (a rename or a second resource); ` +
            "this one is deleted without touching it",
          { warning: true },
        );
        return;
      }
      const marker = readMarker(instance.tags);
      const origin = found?.imageId;
      const revertTo = props.revertOnDelete ? (origin ?? props.previousImageId) : undefined;
      // Without a revert, only an interrupted sequence is finished or wound back (never leave a running instance
      // stopped); the goal is then the image the instance is on, and nothing is replaced.
      const goal = revertTo ?? (marker !== undefined ? instance.imageId : undefined);
      if (goal !== undefined && (goal !== instance.imageId || marker !== undefined)) {
        await revert(api, id, props, instance, goal, revertTo !== undefined);
      }
      // Last: the origin goes with the resource (a revert that fails keeps it for the next try).
      if (origin !== undefined) {
        const now = (await api.getInstance(id))?.tags ?? {};
        if (now[RESERVED_TAGS.originImageId] !== undefined) {
          const { [RESERVED_TAGS.originImageId]: _dropped, ...rest } = now;
          await api.setTags("instance", id, now, rest);
        }
      }
    },
  }),
);

/** The origin on an instance: the image, and the key of the resource that recorded it. */
function originOf(tags: Readonly<Record<string, string>>): { imageId: string; owner: string | undefined } | undefined {
  const value = tags[RESERVED_TAGS.originImageId];
  if (!value) return undefined;
  const at = value.lastIndexOf("@");
  return at < 0 ? { imageId: value, owner: undefined } : { imageId: value.slice(0, at), owner: value.slice(at + 1) };
}

function originValue(imageId: string, owner: string): string {
  return `${imageId}@${owner}`;
}

/** The origin image when this resource recorded it. */
function ownOrigin(tags: Readonly<Record<string, string>>, identity: IdentityInput): string | undefined {
  const found = originOf(tags);
  return found !== undefined && (found.owner === undefined || found.owner === resourceKey(identity))
    ? found.imageId
    : undefined;
}

/** Puts the instance on `goal` (the revert on delete, or finishing an interrupted run without replacing). */
async function revert(
  api: EcsApi,
  id: string,
  props: SystemDiskReplacementOutputs,
  instance: InstanceView,
  goal: string,
  mayReplace: boolean,
): Promise<void> {
  const credentials = credentialsOf(props, instance) ?? { kind: "none" };
  await replaceSystemDisk({
    api,
    instanceId: id,
    imageId: goal,
    credentials,
    restart: "previous",
    mayReplace,
    clientToken: clientToken(props.identity, "RevertSystemDisk", {
      instanceId: id,
      imageId: goal,
      credentials: credentials.kind,
    }),
    timeoutMs: timeoutsOf(props).delete,
    urn: props.identity.urn,
  });
}

/**
 * Replaces the system disk of an existing instance with an approved (shared) image, with the declared credentials
 * (a key pair instance keeps its key pair), and returns it to the state it was in. Outputs: previousImageId,
 * previousSystemDiskId, newSystemDiskId, imageId, instanceStatus, interrupted.
 */
export class SystemDiskReplacement extends pulumi.dynamic.Resource {
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly imageId: pulumi.Output<string>;
  declare readonly previousImageId: pulumi.Output<string>;
  declare readonly previousSystemDiskId: pulumi.Output<string>;
  declare readonly newSystemDiskId: pulumi.Output<string>;
  declare readonly instanceStatus: pulumi.Output<string>;
  declare readonly interrupted: pulumi.Output<boolean>;

  constructor(name: string, args: SystemDiskReplacementArgs, opts?: pulumi.CustomResourceOptions) {
    const identity = identityInput(dynamicTypeToken(MODULE, TYPE), name, opts);
    super(
      thinProvider(MODULE_ID),
      name,
      {
        ...args,
        identity,
        password: args.password === undefined ? undefined : pulumi.secret(args.password),
        passwordDigest: undefined,
        previousImageId: undefined,
        previousSystemDiskId: undefined,
        newSystemDiskId: undefined,
        instanceStatus: undefined,
        interrupted: undefined,
      },
      {
        // A forced replacement (`pulumi up --replace`) asks no diff, so the provider's delete-first is an option here.
        deleteBeforeReplace: true,
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "password", "passwordDigest"],
      },
      MODULE,
      TYPE,
    );
  }
}
