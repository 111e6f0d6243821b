// Image behaviour: DescribeImages filters, CopyImage (queued, timed, failing with its preconditions), cancel,
// delete, attributes and shares.
import { type Cloud, isRunningCopy } from "./cloud";
import {
  DryRunOperation,
  ImageCreatedNotFromCopy,
  ImageUseShared,
  ImageUsingByInstance,
  IncorrectDestinationRegion,
  IncorrectImageStatus,
  InvalidAccountForbbiden,
  InvalidAccountNotFound,
  InvalidDescriptionMalformed,
  InvalidImageNameDuplicated,
  InvalidImageNameMalformed,
  InvalidParameterEncryptedIllegal,
  OperationDeniedEncryptedSnapshot,
  OperationDeniedImageCopying,
  OperationDeniedNotCopyable,
  OperationDeniedSameRegionOnly,
  QuotaExceedImage,
  QuotaExceedShareImageUser,
} from "./errors";
import { type TagFilter, tagsMatch } from "./match";
import {
  COPYING_IMAGE_STATUSES,
  type ImageRec,
  type ImageStatus,
  type Principal,
  SETTLED_IMAGE_STATUSES,
  type Tags,
} from "./types";

const IMAGE_NAME = /^[A-Za-z\u4e00-\u9fa5][A-Za-z0-9\u4e00-\u9fa5.:_-]{1,127}$/;

function checkImageName(name: string): void {
  if (!IMAGE_NAME.test(name) || /^(https?:\/\/|acs:|aliyun)/i.test(name)) {
    throw new InvalidImageNameMalformed(
      `The specified image name "${name}" is not valid: 2-128 characters, starting with a letter; letters, digits, ".", ":", "_", "-".`,
    );
  }
}

function checkDescription(description: string): void {
  if (description.length > 256 || /^https?:\/\//i.test(description)) {
    throw new InvalidDescriptionMalformed(
      "The description must be at most 256 characters and must not start with http:// or https://.",
    );
  }
}

export interface DescribeImagesQuery {
  regionId: string;
  imageIds: string[];
  imageName: string;
  ownerAliases: string[];
  ownerId: string;
  statuses: ImageStatus[];
  usage: string;
  osType: string;
  architecture: string;
  imageFamily: string;
  tags: TagFilter;
}

export function ownerAlias(caller: Principal, img: ImageRec): "system" | "self" | "others" | "marketplace" {
  if (img.kind === "system") return "system";
  if (img.kind === "marketplace") return "marketplace";
  return img.ownerId === caller.accountId ? "self" : "others";
}

export function isImageInUse(cloud: Cloud, imageId: string): boolean {
  return Object.values(cloud.state.instances).some((i) => i.imageId === imageId);
}

export function describeImages(cloud: Cloud, caller: Principal, q: DescribeImagesQuery): ImageRec[] {
  cloud.region(q.regionId);
  // Without ImageOwnerAlias ECS returns system, self and others, but not marketplace images.
  const aliases = q.ownerAliases.length > 0 ? q.ownerAliases : ["system", "self", "others"];
  const ids = new Set(q.imageIds);
  return Object.values(cloud.state.images)
    .filter((img) => {
      if (img.regionId !== q.regionId || !cloud.isVisible(caller, img)) return false;
      if (ids.size > 0 && !ids.has(img.imageId)) return false;
      if (!aliases.includes(ownerAlias(caller, img))) return false;
      if (q.ownerId && img.ownerId !== q.ownerId) return false;
      if (!q.statuses.includes(img.status)) return false;
      if (q.imageName && img.name !== q.imageName) return false;
      if (q.osType && img.osType !== q.osType) return false;
      if (q.architecture && img.architecture !== q.architecture) return false;
      if (q.imageFamily && img.imageFamily !== q.imageFamily) return false;
      if (q.usage === "instance" && !isImageInUse(cloud, img.imageId)) return false;
      if (q.usage === "none" && isImageInUse(cloud, img.imageId)) return false;
      return tagsMatch(img.tags, q.tags);
    })
    .sort((a, b) => b.creationTime.localeCompare(a.creationTime) || a.imageId.localeCompare(b.imageId));
}

export interface CopyImageInput {
  regionId: string;
  imageId: string;
  destinationRegionId: string;
  name: string;
  description: string;
  encrypted: boolean | undefined;
  kmsKeyId: string;
  tags: Tags;
  dryRun: boolean;
}

export function copyImage(cloud: Cloud, caller: Principal, input: CopyImageInput): ImageRec {
  cloud.region(input.regionId);
  const s = cloud.state;
  if (!s.regions.some((r) => r.regionId === input.destinationRegionId)) {
    throw new IncorrectDestinationRegion(
      `The specified DestinationRegionId "${input.destinationRegionId}" is not valid.`,
    );
  }
  const source = cloud.visibleImage(caller, input.regionId, input.imageId);
  if (source.kind !== "custom") throw new OperationDeniedNotCopyable();
  if (COPYING_IMAGE_STATUSES.includes(source.status)) {
    throw new OperationDeniedImageCopying(`The image "${source.imageId}" is still being created or copied.`);
  }
  cloud.assertUsable(caller, source, "copy");
  const shared = source.ownerId !== caller.accountId;
  // ECS: "a shared image can only be copied within the region where it resides" (copy it, then copy your copy).
  if (shared && input.destinationRegionId !== input.regionId) {
    throw new OperationDeniedSameRegionOnly(
      `The image "${source.imageId}" is shared by account ${source.ownerId}; it can only be copied within ${input.regionId}.`,
    );
  }
  if (input.kmsKeyId && input.encrypted !== true) throw new InvalidParameterEncryptedIllegal();
  const sourceEncrypted = source.diskMappings.some((m) => m.encrypted);
  if (shared && sourceEncrypted && input.encrypted === false) throw new OperationDeniedEncryptedSnapshot();
  if (input.kmsKeyId) cloud.usableKmsKey(caller, input.destinationRegionId, input.kmsKeyId);
  const name = input.name || `copy-${source.name}`.slice(0, 128);
  if (input.name) checkImageName(input.name);
  checkDescription(input.description);
  const mine = Object.values(s.images).filter((i) => i.kind === "custom" && i.ownerId === caller.accountId);
  const mineInDest = mine.filter((i) => i.regionId === input.destinationRegionId);
  if (input.name && mineInDest.some((i) => i.name === input.name)) {
    throw new InvalidImageNameDuplicated(
      `An image named "${input.name}" already exists in ${input.destinationRegionId}.`,
    );
  }
  if (mineInDest.length >= s.settings.maxCustomImagesPerRegion) throw new QuotaExceedImage();
  if (input.dryRun) throw new DryRunOperation();

  const now = cloud.now();
  // Encrypted copy: the given CMK, else the service key when Encrypted=true or the source is encrypted.
  const encrypt = input.encrypted === true || sourceEncrypted;
  const kmsKeyId = encrypt ? input.kmsKeyId || "" : "";
  const imageId = cloud.newId("m", input.destinationRegionId);
  const crossRegion = input.destinationRegionId !== input.regionId;
  const minutes = source.sizeGiB / Math.max(s.settings.copyGiBPerMinute, 1e-9);
  const durationMs = Math.max(30_000, Math.round(minutes * 60_000 * (crossRegion ? 2 : 1)));
  const copy: ImageRec = {
    ...structuredClone(source),
    imageId,
    ownerId: caller.accountId,
    regionId: input.destinationRegionId,
    name,
    description: input.description || source.description,
    status: "Waiting",
    creationTime: cloud.iso(now),
    isCopied: true,
    sharedWith: {},
    tags: { ...input.tags },
    diskMappings: source.diskMappings.map((m, i) => ({
      ...m,
      snapshotId: cloud.newId("s", input.destinationRegionId).slice(0, 22) + i,
      encrypted: encrypt,
      kmsKeyId,
    })),
    copy: {
      sourceImageId: source.imageId,
      sourceRegionId: source.regionId,
      sourceOwnerId: source.ownerId,
      queuedAt: now,
      startedAt: null,
      durationMs,
    },
  };
  s.images[imageId] = copy;
  cloud.startWaitingCopies(caller.accountId, input.destinationRegionId, now);
  return copy;
}

export function cancelCopyImage(cloud: Cloud, caller: Principal, regionId: string, imageId: string): void {
  cloud.region(regionId);
  const img = cloud.ownImage(caller, regionId, imageId);
  if (!img.isCopied) throw new ImageCreatedNotFromCopy(`The image "${imageId}" was not created by CopyImage.`);
  if (!isRunningCopy(img)) {
    throw new IncorrectImageStatus(
      img.status === "CreateFailed"
        ? `The Image copy has been failed: "${imageId}" is CreateFailed; delete it with DeleteImage instead.`
        : `The copy "${imageId}" is ${img.status}; only a running copy can be cancelled.`,
    );
  }
  // Cancelling deletes the unfinished copy and its snapshots.
  delete cloud.state.images[imageId];
  cloud.startWaitingCopies(caller.accountId, regionId, cloud.now());
}

export function deleteImage(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  imageId: string,
  force: boolean,
  dryRun: boolean,
): void {
  cloud.region(regionId);
  const img = cloud.ownImage(caller, regionId, imageId);
  // A copy under way cannot be deleted (cancel it instead); a failed copy (CreateFailed) can.
  if (isRunningCopy(img)) {
    throw new OperationDeniedImageCopying(
      `The image "${imageId}" is being copied; cancel the copy with CancelCopyImage first.`,
    );
  }
  const beingCopied = Object.values(cloud.state.images).some(
    (i) => isRunningCopy(i) && i.copy?.sourceImageId === imageId,
  );
  if (beingCopied) throw new OperationDeniedImageCopying(`The image "${imageId}" is the source of a running copy.`);
  const sharedWith = Object.keys(img.sharedWith);
  if (sharedWith.length > 0 && !force) {
    throw new ImageUseShared(
      `The image "${imageId}" is shared with ${sharedWith.length} account(s); unshare it or set Force=true.`,
    );
  }
  if (isImageInUse(cloud, imageId) && !force) {
    throw new ImageUsingByInstance(`The image "${imageId}" is used by instances; set Force=true to delete it anyway.`);
  }
  if (dryRun) throw new DryRunOperation();
  // With Force, instances keep running; only re-initialising their disks from the image becomes impossible.
  delete cloud.state.images[imageId];
}

export interface ModifyImageAttributeInput {
  regionId: string;
  imageId: string;
  name?: string;
  description?: string;
  status?: "Available" | "Deprecated";
  imageFamily?: string;
  dryRun: boolean;
}

export function modifyImageAttribute(cloud: Cloud, caller: Principal, input: ModifyImageAttributeInput): void {
  cloud.region(input.regionId);
  const img = cloud.ownImage(caller, input.regionId, input.imageId);
  if (input.name !== undefined) {
    checkImageName(input.name);
    const dup = Object.values(cloud.state.images).some(
      (i) => i !== img && i.ownerId === caller.accountId && i.regionId === img.regionId && i.name === input.name,
    );
    if (dup) throw new InvalidImageNameDuplicated(`An image named "${input.name}" already exists in ${img.regionId}.`);
  }
  if (input.description !== undefined) checkDescription(input.description);
  if (input.status !== undefined && !SETTLED_IMAGE_STATUSES.includes(img.status)) {
    throw new IncorrectImageStatus(
      `The image "${img.imageId}" is ${img.status}; only Available and Deprecated images can change status.`,
    );
  }
  // ECS: "a custom image that has been shared must be unshared before the image can be put into the Deprecated state".
  const sharedWith = Object.keys(img.sharedWith).length;
  if (input.status === "Deprecated" && img.status !== "Deprecated" && sharedWith > 0) {
    throw new ImageUseShared(
      `The image "${img.imageId}" is shared with ${sharedWith} account(s); unshare it before deprecating it.`,
    );
  }
  if (input.dryRun) throw new DryRunOperation();
  if (input.name !== undefined) img.name = input.name;
  if (input.description !== undefined) img.description = input.description;
  if (input.status !== undefined) img.status = input.status;
  if (input.imageFamily !== undefined) img.imageFamily = input.imageFamily;
}

export function modifyImageSharePermission(
  cloud: Cloud,
  caller: Principal,
  input: { regionId: string; imageId: string; add: string[]; remove: string[]; dryRun: boolean },
): void {
  cloud.region(input.regionId);
  const img = cloud.ownImage(caller, input.regionId, input.imageId);
  // ECS: deprecated images "cannot be shared or copied"; unsharing stays possible.
  if (img.status !== "Available" && (input.add.length > 0 || img.status !== "Deprecated")) {
    throw new IncorrectImageStatus(
      `The image "${img.imageId}" is ${img.status}; only an Available image can be shared.`,
    );
  }
  for (const id of [...input.add, ...input.remove]) {
    if (!cloud.state.accounts[id]) throw new InvalidAccountNotFound(`The specified account "${id}" does not exist.`);
  }
  for (const id of input.add) {
    if (id === caller.accountId) throw new InvalidAccountForbbiden("An image cannot be shared with its owner account.");
  }
  const after = new Set(Object.keys(img.sharedWith));
  for (const id of input.add) after.add(id);
  for (const id of input.remove) after.delete(id);
  if (after.size > 50)
    throw new QuotaExceedShareImageUser(`The image would be shared with ${after.size} accounts; the limit is 50.`);
  if (input.dryRun) throw new DryRunOperation();
  const now = cloud.iso();
  for (const id of input.add) img.sharedWith[id] ??= now;
  for (const id of input.remove) delete img.sharedWith[id];
}

export function describeImageSharePermission(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  imageId: string,
): { accountId: string; sharedTime: string }[] {
  cloud.region(regionId);
  const img = cloud.ownImage(caller, regionId, imageId);
  return Object.entries(img.sharedWith)
    .map(([accountId, sharedTime]) => ({ accountId, sharedTime }))
    .sort((a, b) => a.sharedTime.localeCompare(b.sharedTime) || a.accountId.localeCompare(b.accountId));
}
