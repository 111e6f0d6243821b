// InstanceFromSharedImage's pure diff: which input changes replace the instance, re-image it in place or update it
// in place, from stored outputs and checked inputs alone.
import { same } from "../common/equality";
import { passwordDigest } from "../password";
import { UNKNOWN } from "../wire-values";
import type { InstanceFromSharedImageInputs, InstanceFromSharedImageOutputs } from "./args";

/** Equality of stored and checked values as JSON (key order aside; undefined and null alike). */
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
