// SystemDiskReplacement's pure diff: what replaces the resource, what re-images the disk (a new image, or new
// credentials, size or encryption on the same one) and what is only stored.

import { same } from "../common/equality";
import type { DiskView } from "../ecs/api";
import type { InstanceView } from "../ecs/types";
import { passwordDigest } from "../password";
import { containsUnknown, UNKNOWN } from "../wire-values";
import type { SystemDiskReplacementInputs, SystemDiskReplacementOutputs } from "./args";
import { madeByInterruptedRun, type Observation } from "./sequence-steps";

/** Settings of the new disk, besides the image and the password, as stored (what the instance has). */
const DISK_KEYS = ["systemDiskSize", "keyPairName", "passwordInherit", "encrypted", "kmsKeyId"] as const;
/** Inputs that are only stored. */
const STORED_KEYS = ["approval", "restart", "revertOnDelete", "timeouts", "identity", ...DISK_KEYS] as const;

/** Whether the new disk is encrypted: as declared, else as the image is. */
export function diskEncrypted(
  inputs: Partial<Pick<SystemDiskReplacementInputs, "encrypted" | "imageEncrypted">>,
): boolean {
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
export function diskAccepted(
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
