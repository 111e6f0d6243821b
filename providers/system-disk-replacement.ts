// SystemDiskReplacement: replaces the system disk of an existing instance (one the stack does not manage) with an
// approved image, keeping its login credentials, and brings the instance back to the state it was in. The sequence
// itself (stop -> ReplaceSystemDisk -> start, resumable after any interruption) is in system-disk-sequence.ts.
import * as pulumi from "@pulumi/pulumi";
import { EcsApi } from "./ecs/api";
import { resolveSettings, type StackConfig, useStackConfig } from "./ecs/client";
import { canonicalJson, clientToken } from "./ecs/client-token";
import { EcsError, InvalidInputError } from "./ecs/errors";
import { DEFAULT_TIMEOUTS, resolveTimeouts, type Timeouts, type TimeoutsInput, timeoutsFailures } from "./ecs/wait";
import { partialState } from "./partial";
import { passwordDigest, passwordProblem } from "./password";
import { type ApprovalPolicy, evaluateImage, type PropertyFailure, validateApprovalPolicy } from "./policy/approval";
import { dynamicTypeToken, type IdentityInput, identityInput, identityProblem } from "./resource-identity";
import { thinProvider } from "./shim";
import {
  type DiskCredentials,
  readMarker,
  replaceSystemDisk,
  type SystemDiskReplacementResult,
  SystemDiskSequenceError,
} from "./system-disk-sequence";
import { containsUnknown, dropUndefined, UNKNOWN } from "./wire-values";

export const MODULE = "ecs-shared-images";
export const TYPE = "SystemDiskReplacement";
/** Package specifier of this file, resolved at call time by the serialized shim. */
export const MODULE_ID = "pulumi-ecs-shared-images/providers/system-disk-replacement";

export type RestartMode = "previous" | "running" | "stopped";

export interface SystemDiskReplacementArgs {
  /** The existing instance whose system disk is replaced (not managed by this stack). Changing it replaces the resource. */
  readonly instanceId: pulumi.Input<string>;
  /** The image for the new system disk: a shared image (or this account's copy of one). Changing it replaces the disk again. */
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
   * max(current, image size). Changing it re-images the system disk from `imageId` (everything on it is lost), even
   * when the image is unchanged; removing it changes nothing on the instance.
   */
  readonly systemDiskSize?: pulumi.Input<number>;
  /**
   * Login password set on the new disk (8-30 characters, three of upper, lower, digits, specials). Stored only as a
   * secret input, never in outputs. Give at most one of password and keyPairName; with neither, the instance keeps
   * its credentials (its key pair is re-attached, or PasswordInherit is used). Changing it re-images the system disk
   * from `imageId` (everything on it is lost), even when the image is unchanged: there is no separate password reset
   * here. Removing it keeps the instance's current password and changes nothing on the instance.
   */
  readonly password?: pulumi.Input<string>;
  /**
   * Key pair bound to the new disk. See `password`. Changing it re-images the system disk from `imageId` (everything
   * on it is lost), even when the image is unchanged; removing it keeps the current credentials and changes nothing.
   */
  readonly keyPairName?: pulumi.Input<string>;
  /** Encrypt the new system disk. Required (true) for encrypted shared images. Default false. Changing it re-images the system disk from `imageId`. */
  readonly encrypted?: pulumi.Input<boolean>;
  /** KMS key for the encrypted disk (requires encrypted=true); default the service key. Changing it re-images the system disk from `imageId`. */
  readonly kmsKeyId?: pulumi.Input<string>;
  /** State after the replacement: "previous" (default: as it was before), "running" or "stopped". Updates in place. */
  readonly restart?: pulumi.Input<RestartMode>;
  /** On delete, replace the disk back to `previousImageId`. Default false: delete leaves the instance as it is. Updates in place. */
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
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly restart?: RestartMode;
  readonly revertOnDelete?: boolean;
  readonly timeouts?: TimeoutsInput;
}

/** What the provider stores: the inputs without the password, plus the replacement's facts. */
export interface SystemDiskReplacementOutputs extends Omit<SystemDiskReplacementInputs, "password"> {
  /** HMAC of the password keyed by the instance id, so a password change is visible to diff. Secret output. */
  readonly passwordDigest?: string;
  readonly previousImageId: string;
  readonly previousSystemDiskId: string;
  readonly newSystemDiskId: string;
  readonly instanceStatus: string;
  /** The instance carries an unfinished sequence (interrupted run): the next update finishes it. */
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
  if (news.password !== undefined && news.keyPairName !== undefined) {
    fail("keyPairName", "give either password or keyPairName, not both (neither keeps the instance's credentials)");
  }
  if (known("encrypted") && typeof news.encrypted !== "boolean") {
    fail("encrypted", `must be true or false, got ${JSON.stringify(news.encrypted)}`);
  }
  if (known("kmsKeyId")) {
    if (typeof news.kmsKeyId !== "string" || news.kmsKeyId === "") {
      fail("kmsKeyId", `must be a KMS key id, got ${JSON.stringify(news.kmsKeyId)}`);
    } else if (news.encrypted !== true && !unknown("encrypted")) {
      fail("kmsKeyId", `is set (${JSON.stringify(news.kmsKeyId)}) but encrypted is not true; set encrypted: true`);
    }
  }
  if (known("restart") && !RESTART_MODES.includes(news.restart as RestartMode)) {
    fail("restart", `must be one of ${RESTART_MODES.join(", ")}, got ${JSON.stringify(news.restart)}`);
  }
  if (known("revertOnDelete") && typeof news.revertOnDelete !== "boolean") {
    fail("revertOnDelete", `must be true or false, got ${JSON.stringify(news.revertOnDelete)}`);
  }
  if (known("timeouts")) failures.push(...timeoutsFailures(news.timeouts, TIMEOUT_DEFAULTS));
  return failures;
}

/** Inputs of the new disk besides the image: a new value re-images the disk; a removed one changes nothing. */
const DISK_KEYS = ["systemDiskSize", "keyPairName", "encrypted", "kmsKeyId"] as const;
/** Inputs that are only stored (disk inputs too: a removed one is stored, see reimageReasons). */
const STORED_KEYS = ["approval", "restart", "revertOnDelete", "timeouts", "identity", ...DISK_KEYS] as const;

const same = (a: unknown, b: unknown) => canonicalJson(a ?? null) === canonicalJson(b ?? null);

export interface SystemDiskReplacementDiff {
  readonly changes: boolean;
  readonly replaces: string[];
  /** Whether update must run the replacement sequence (an input of the disk changed, or a run was interrupted). */
  readonly replaceDisk: boolean;
  /**
   * Whether that run must re-image the disk although the image is unchanged (credentials, size or encryption
   * changed, or an interrupted run on the same image is finished). Never true without replaceDisk.
   */
  readonly reimage: boolean;
}

/**
 * The disk inputs (besides the image) whose new value needs a new system disk. A removed value does not: without a
 * password or key pair the instance keeps its credentials, without a size the disk keeps its size, so nothing
 * would change. `encrypted` counts as its effective value (unset = false).
 */
export function reimageReasons(
  olds: Partial<SystemDiskReplacementOutputs>,
  news: Partial<SystemDiskReplacementInputs>,
): string[] {
  const reasons: string[] = [];
  if (news.password !== undefined && !same(olds.passwordDigest, digestOf(news))) reasons.push("password");
  for (const key of ["keyPairName", "systemDiskSize"] as const) {
    if (news[key] !== undefined && !same(olds[key], news[key])) reasons.push(key);
  }
  if (containsUnknown(news.encrypted) || (olds.encrypted === true) !== (news.encrypted === true)) {
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
 * updates of this resource); the rest only update what is stored. An interrupted sequence is always an update, so
 * the next `pulumi up` finishes it.
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
  const interrupted = olds.interrupted === true;
  const replaceDisk = imageChanged || reasons.length > 0 || interrupted;
  const reimage = !imageChanged && (reasons.length > 0 || interrupted);
  const stored =
    !same(olds.passwordDigest, digestOf(news)) ||
    STORED_KEYS.some((key) => !same(olds[key], news[key])) ||
    (olds.region === undefined && news.region !== undefined);
  return { changes: replaces.length > 0 || replaceDisk || stored, replaces, replaceDisk, reimage };
}

function credentialsOf(inputs: SystemDiskReplacementInputs): DiskCredentials {
  if (inputs.password !== undefined) return { kind: "password", password: inputs.password };
  if (inputs.keyPairName !== undefined) return { kind: "keyPair", keyPairName: inputs.keyPairName };
  return { kind: "keep" };
}

function storedInputs(inputs: SystemDiskReplacementInputs): Omit<SystemDiskReplacementInputs, "password"> {
  const { password: _password, ...rest } = inputs;
  return rest;
}

function outputsOf(
  inputs: SystemDiskReplacementInputs,
  result: Omit<SystemDiskReplacementResult, "finalStatus"> & { instanceStatus: string; interrupted: boolean },
): SystemDiskReplacementOutputs {
  const digest = passwordDigest(inputs.instanceId, inputs.password);
  return {
    ...storedInputs(inputs),
    ...(digest === undefined ? {} : { passwordDigest: digest }),
    previousImageId: result.previousImageId,
    previousSystemDiskId: result.previousSystemDiskId,
    newSystemDiskId: result.newSystemDiskId,
    imageId: result.imageId,
    instanceStatus: result.instanceStatus,
    interrupted: result.interrupted,
  };
}

/**
 * Runs the sequence for `inputs` (`reimage`: even if the instance is on the image already); an unfinished failure
 * becomes partial state so the next `up` resumes. The partial state holds the new inputs with `interrupted`, so the
 * next diff asks for the same run again, and the marker on the instance makes it the same ReplaceSystemDisk.
 */
async function runSequence(
  inputs: SystemDiskReplacementInputs,
  timeoutMs: number,
  action: string,
  reimage = false,
): Promise<SystemDiskReplacementOutputs> {
  const api = EcsApi.forRegion(inputs.region, action);
  const token = clientToken(inputs.identity, "ReplaceSystemDisk", {
    instanceId: inputs.instanceId,
    imageId: inputs.imageId,
    systemDiskSize: inputs.systemDiskSize,
    credentials: inputs.password !== undefined ? "password" : inputs.keyPairName !== undefined ? "keyPair" : "keep",
    keyPairName: inputs.keyPairName,
    encrypted: inputs.encrypted,
    kmsKeyId: inputs.kmsKeyId,
  });
  try {
    const result = await replaceSystemDisk({
      api,
      instanceId: inputs.instanceId,
      imageId: inputs.imageId,
      systemDiskSize: inputs.systemDiskSize,
      credentials: credentialsOf(inputs),
      encrypted: inputs.encrypted,
      kmsKeyId: inputs.kmsKeyId,
      restart: inputs.restart ?? "previous",
      reimage,
      clientToken: token,
      timeoutMs,
      urn: inputs.identity.urn,
    });
    return dropUndefined(outputsOf(inputs, { ...result, instanceStatus: result.finalStatus, interrupted: false }));
  } catch (err) {
    if (err instanceof SystemDiskSequenceError && err.unfinished && err.marker !== undefined) {
      throw partialState(
        err,
        inputs.instanceId,
        dropUndefined(
          outputsOf(inputs, {
            previousImageId: err.marker.priorImageId,
            previousSystemDiskId: err.marker.priorSystemDiskId,
            newSystemDiskId: "",
            // Not confirmed yet: the instance is known to have been on the prior image.
            imageId: err.marker.priorImageId,
            instanceStatus: "",
            interrupted: true,
          }) as unknown as Record<string, unknown>,
        ),
      );
    }
    throw err;
  }
}

function timeoutsOf(inputs: { timeouts?: TimeoutsInput }): Timeouts {
  return resolveTimeouts(inputs.timeouts, TIMEOUT_DEFAULTS);
}

/** Read-only ECS checks (they run during preview): instance, image visibility and approval, encryption, size. */
async function cloudFailures(news: SystemDiskReplacementInputs): Promise<PropertyFailure[]> {
  const api = EcsApi.forRegion(news.region, "check");
  const [instance, image, disks] = await Promise.all([
    api.getInstance(news.instanceId),
    api.getImage(news.imageId),
    api.describeDisks({ instanceId: news.instanceId, diskType: "system" }),
  ]);
  const failures: PropertyFailure[] = [];
  if (instance === undefined) {
    failures.push({
      property: "instanceId",
      reason: `instance ${news.instanceId} does not exist in ${api.regionId} (or these credentials cannot see it)`,
    });
  }
  if (image === undefined) {
    failures.push({
      property: "imageId",
      reason: `image ${news.imageId} does not exist in ${api.regionId} or is not shared with this account`,
    });
    return failures;
  }
  for (const reason of evaluateImage(image, news.approval).reasons) failures.push({ property: "imageId", reason });
  if (image.encrypted && news.encrypted !== true) {
    failures.push({
      property: "encrypted",
      reason: `image ${image.id} is encrypted, so the new system disk must be too: set encrypted: true (optionally kmsKeyId)`,
    });
  }
  const size = news.systemDiskSize;
  if (size !== undefined) {
    if (size < image.size) {
      failures.push({
        property: "systemDiskSize",
        reason: `${size} GiB is smaller than image ${image.id} (${image.size} GiB)`,
      });
    }
    const current = disks[0];
    if (instance !== undefined && current !== undefined && size < current.size) {
      failures.push({
        property: "systemDiskSize",
        reason: `${size} GiB is smaller than the current system disk ${current.id} (${current.size} GiB); disks cannot shrink`,
      });
    }
  }
  return failures;
}

/** The keys whose change calls for the read-only ECS checks again (unchanged ones passed them before). */
const CLOUD_CHECKED = ["instanceId", "imageId", "region", "systemDiskSize", "encrypted", "approval"] as const;

export const provider: pulumi.dynamic.ResourceProvider = {
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
    const anyUnknown = CLOUD_CHECKED.some((key) => containsUnknown(inputs[key]));
    const changed = olds.instanceId === undefined || CLOUD_CHECKED.some((key) => !same(olds[key], inputs[key]));
    if (failures.length === 0 && !anyUnknown && changed) failures.push(...(await cloudFailures(inputs)));
    return { inputs: dropUndefined(inputs), failures };
  },

  async diff(_id: string, olds: SystemDiskReplacementOutputs, news: SystemDiskReplacementInputs) {
    const { changes, replaces } = diffSystemDiskReplacement(olds, news);
    return { changes, replaces, deleteBeforeReplace: replaces.length > 0 };
  },

  async create(inputs: SystemDiskReplacementInputs) {
    const outs = await runSequence(inputs, timeoutsOf(inputs).create, "create");
    return { id: inputs.instanceId, outs };
  },

  async read(id: string, props: SystemDiskReplacementOutputs) {
    const api = EcsApi.forRegion(props.region, "read");
    const [instance, disks] = await Promise.all([
      api.getInstance(id),
      api.describeDisks({ instanceId: id, diskType: "system" }),
    ]);
    if (instance === undefined) return { id: "", props: {} };
    const outs: SystemDiskReplacementOutputs = {
      ...props,
      region: api.regionId,
      imageId: instance.imageId,
      newSystemDiskId: disks[0]?.id ?? "",
      instanceStatus: instance.status,
      interrupted: readMarker(instance.tags) !== undefined,
    };
    return { id, props: dropUndefined(outs) };
  },

  async update(_id: string, olds: SystemDiskReplacementOutputs, news: SystemDiskReplacementInputs) {
    const { replaceDisk, reimage } = diffSystemDiskReplacement(olds, news);
    if (replaceDisk) return { outs: await runSequence(news, timeoutsOf(news).update, "update", reimage) };
    return {
      outs: dropUndefined(
        outputsOf(news, {
          previousImageId: olds.previousImageId,
          previousSystemDiskId: olds.previousSystemDiskId,
          newSystemDiskId: olds.newSystemDiskId,
          imageId: olds.imageId,
          instanceStatus: olds.instanceStatus,
          interrupted: false,
        }),
      ),
    };
  },

  async delete(id: string, props: SystemDiskReplacementOutputs) {
    const api = EcsApi.forRegion(props.region, "delete");
    const instance = await api.getInstance(id);
    if (instance === undefined) return;
    const marker = readMarker(instance.tags);
    const revertTo = props.revertOnDelete ? props.previousImageId : undefined;
    // Without a revert, only an interrupted sequence is finished (never leave a running instance stopped); the
    // goal is then the image the instance is on, so nothing is replaced.
    const goal = revertTo ?? (marker !== undefined ? instance.imageId : undefined);
    if (goal === undefined || (goal === instance.imageId && marker === undefined)) return;
    await replaceSystemDisk({
      api,
      instanceId: id,
      imageId: goal,
      credentials: { kind: "keep" },
      restart: "previous",
      clientToken: clientToken(props.identity, "RevertSystemDisk", { instanceId: id, imageId: goal }),
      timeoutMs: timeoutsOf(props).delete,
      urn: props.identity.urn,
    });
  },
};

/**
 * Replaces the system disk of an existing instance with an approved (shared) image, keeping its credentials, and
 * returns it to the state it was in. Outputs: previousImageId, previousSystemDiskId, newSystemDiskId, imageId,
 * instanceStatus.
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
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "passwordDigest"] },
      MODULE,
      TYPE,
    );
  }
}
