// SystemDiskReplacement's read-only ECS checks: at preview (check) and again right before a replacement, since the
// approval or the image's share may have changed in between.

import { same } from "../common/equality";
import { imageNotVisible } from "../common/rules";
import { EcsApi } from "../ecs/api";
import { announce, reimageNotice } from "../notices";
import { evaluateImage, type PropertyFailure, RefusedError } from "../policy/approval";
import { ECS_MAX_TAGS, MARKER_TAGS, RESERVED_TAGS } from "../tags";
import type { SystemDiskReplacementInputs, SystemDiskReplacementOutputs } from "./args";
import { credentialsOf, passwordInstanceReason } from "./credentials";
import { createReimageReasons, reimageReasons } from "./diff";
import { observeInstance } from "./sequence";

/**
 * Read-only ECS checks (they run during preview): the instance, the image's visibility and approval, encryption,
 * size, and the credentials any replacement (now, or the revert on delete) gives the new disk. For a new resource,
 * the re-image it makes is announced.
 */
export async function cloudFailures(
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
      reason: imageNotVisible(news.imageId, api.regionId),
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
export async function requireApproved(news: SystemDiskReplacementInputs): Promise<void> {
  const api = EcsApi.forRegion(news.region, "check");
  const image = await api.getImage(news.imageId);
  const failures: PropertyFailure[] =
    image === undefined
      ? [{ property: "imageId", reason: imageNotVisible(news.imageId, api.regionId) }]
      : imageFailures(news, image);
  if (failures.length > 0) throw new RefusedError(failures, `Replacing the system disk of ${news.instanceId}`);
}

/** The keys whose change calls for the read-only ECS checks again (unchanged ones passed them before). */
export const CLOUD_CHECKED = [
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
