// An instance's disks: the checks a request's SystemDisk and DataDisk.N pass (category, size, encryption), and the
// disk records made from an image's disk mappings for a new instance or a replaced system disk.
import type { Cloud } from "../cloud";
import {
  EncryptedOptionConflict,
  InvalidDataDiskCategoryValueNotSupported,
  InvalidDataDiskSizeValueNotSupported,
  InvalidParameterEncryptedIllegal,
  InvalidSystemDiskCategoryValueNotSupported,
  InvalidSystemDiskSize,
  InvalidSystemDiskSizeImageNotSupportResize,
  InvalidSystemDiskSizeLessThanImageSize,
  InvalidSystemDiskSizeMoreThanMaxSize,
} from "../errors";
import type { DiskRec, ImageRec, InstanceRec, Principal, Tags } from "../types";

export const DISK_CATEGORIES = [
  "cloud",
  "cloud_efficiency",
  "cloud_ssd",
  "cloud_essd",
  "cloud_auto",
  "cloud_essd_entry",
];
const DEFAULT_CATEGORY = "cloud_essd";
const MIN_SYSTEM_DISK_GIB = 20;
const MAX_SYSTEM_DISK_GIB = 2048;

/** A SystemDisk or DataDisk.N of a request. */
export interface DiskSpec {
  category?: string;
  sizeGiB?: number;
  encrypted?: boolean;
  kmsKeyId?: string;
  snapshotId?: string;
  deleteWithInstance?: boolean;
  name?: string;
}

/** What a new disk record takes from its request and image; the rest comes from its instance and the clock. */
type NewDisk = Pick<
  DiskRec,
  | "type"
  | "category"
  | "sizeGiB"
  | "encrypted"
  | "kmsKeyId"
  | "imageId"
  | "snapshotId"
  | "device"
  | "deleteWithInstance"
  | "readyAt"
>;

const device = (index: number) => (index === 0 ? "/dev/xvda" : `/dev/xvd${String.fromCharCode(97 + index)}`);

/**
 * Encryption rules for disks created from `img`. Disks created from an encrypted image are always encrypted; for a
 * shared encrypted image the caller must say so explicitly (Encrypted=true) and may name its own CMK, because the
 * owner's key cannot encrypt the caller's disks.
 */
export function checkDiskEncryption(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  img: ImageRec,
  spec: DiskSpec,
  param: string,
): void {
  if (spec.kmsKeyId && spec.encrypted !== true) {
    throw new InvalidParameterEncryptedIllegal(
      `${param}.KMSKeyId can only be specified together with ${param}.Encrypted=true.`,
    );
  }
  if (img.diskMappings.some((m) => m.encrypted)) {
    const shared = img.ownerId !== caller.accountId;
    if (spec.encrypted === false || (shared && param.startsWith("DataDisk") && spec.encrypted !== true)) {
      throw new EncryptedOptionConflict(
        `The image "${img.imageId}" is encrypted; ${param}.Encrypted must be true for disks created from it.`,
      );
    }
  }
  if (spec.kmsKeyId) cloud.usableKmsKey(caller, regionId, spec.kmsKeyId);
}

/** The size of a system disk made from `img`: the requested one, else the current (when replacing), image or 20 GiB. */
export function systemDiskSize(img: ImageRec, requested: number | undefined, current: number | undefined): number {
  const size = requested ?? Math.max(current ?? 0, img.sizeGiB, MIN_SYSTEM_DISK_GIB);
  if (size < img.sizeGiB) {
    throw new InvalidSystemDiskSizeLessThanImageSize(
      `SystemDisk.Size ${size} GiB is less than the image size ${img.sizeGiB} GiB.`,
    );
  }
  if (current !== undefined && size < current) {
    throw new InvalidSystemDiskSize(
      `SystemDisk.Size ${size} GiB is less than the current system disk size ${current} GiB.`,
    );
  }
  if (size > MAX_SYSTEM_DISK_GIB) {
    throw new InvalidSystemDiskSizeMoreThanMaxSize(
      `SystemDisk.Size ${size} GiB is more than ${MAX_SYSTEM_DISK_GIB} GiB.`,
    );
  }
  if (size < MIN_SYSTEM_DISK_GIB) {
    throw new InvalidSystemDiskSize(`SystemDisk.Size ${size} GiB is less than ${MIN_SYSTEM_DISK_GIB} GiB.`);
  }
  if (!img.supportsResize && size !== img.sizeGiB) {
    throw new InvalidSystemDiskSizeImageNotSupportResize(
      `The image "${img.imageId}" only supports a ${img.sizeGiB} GiB system disk.`,
    );
  }
  return size;
}

/** Checks a new instance's SystemDisk and DataDisk.N; returns the system disk's size. */
export function checkNewDisks(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  img: ImageRec,
  systemDisk: DiskSpec,
  dataDisks: DiskSpec[],
): number {
  const sysCategory = systemDisk.category ?? DEFAULT_CATEGORY;
  if (!DISK_CATEGORIES.includes(sysCategory)) {
    throw new InvalidSystemDiskCategoryValueNotSupported(`SystemDisk.Category "${sysCategory}" is not supported.`);
  }
  const size = systemDiskSize(img, systemDisk.sizeGiB, undefined);
  checkDiskEncryption(cloud, caller, regionId, img, systemDisk, "SystemDisk");
  dataDisks.forEach((d, i) => {
    const param = `DataDisk.${i + 1}`;
    const category = d.category ?? DEFAULT_CATEGORY;
    if (!DISK_CATEGORIES.includes(category)) {
      throw new InvalidDataDiskCategoryValueNotSupported(`${param}.Category "${category}" is not supported.`);
    }
    if (d.sizeGiB !== undefined && (d.sizeGiB < 20 || d.sizeGiB > 32768)) {
      throw new InvalidDataDiskSizeValueNotSupported(`${param}.Size must be between 20 and 32768 GiB.`);
    }
    checkDiskEncryption(cloud, caller, regionId, img, d, param);
  });
  return size;
}

/**
 * The system disk made from `img`: encrypted when the image is or the request asks; with the request's CMK, else the
 * image's own key when the caller owns the image (another account's key cannot encrypt the caller's disks).
 */
export function systemDiskFromImage(
  caller: Principal,
  img: ImageRec,
  spec: { category: string; sizeGiB: number; encrypted?: boolean; kmsKeyId?: string },
  readyAt: number,
): NewDisk {
  const sysMap = img.diskMappings.find((m) => m.type === "system");
  return {
    type: "system",
    category: spec.category,
    sizeGiB: spec.sizeGiB,
    encrypted: img.diskMappings.some((m) => m.encrypted) || spec.encrypted === true,
    kmsKeyId: spec.kmsKeyId ?? ownKey(caller, img, sysMap?.kmsKeyId ?? ""),
    imageId: img.imageId,
    snapshotId: "",
    device: device(0),
    deleteWithInstance: true,
    readyAt,
  };
}

function ownKey(caller: Principal, img: ImageRec, kmsKeyId: string): string {
  return img.ownerId === caller.accountId ? kmsKeyId : "";
}

/**
 * A new instance's data disks: one per data-disk mapping of the image (a DataDisk.N naming the mapping's snapshot
 * sets its category, size, encryption and key), then the remaining DataDisk.N as empty disks.
 */
export function dataDisksFromImage(caller: Principal, img: ImageRec, specs: DiskSpec[], readyAt: number): NewDisk[] {
  const explicit = [...specs];
  const fromImage = img.diskMappings
    .filter((m) => m.type === "data")
    .map((m, i): NewDisk => {
      const j = explicit.findIndex((d) => d.snapshotId === m.snapshotId);
      const spec: DiskSpec = j >= 0 ? explicit.splice(j, 1)[0] : {};
      return {
        type: "data",
        category: spec.category ?? DEFAULT_CATEGORY,
        sizeGiB: Math.max(spec.sizeGiB ?? m.sizeGiB, m.sizeGiB),
        encrypted: m.encrypted || spec.encrypted === true,
        kmsKeyId: spec.kmsKeyId ?? ownKey(caller, img, m.kmsKeyId),
        imageId: "",
        snapshotId: m.snapshotId,
        device: device(i + 1),
        deleteWithInstance: spec.deleteWithInstance ?? true,
        readyAt,
      };
    });
  const empty = explicit.map(
    (d, i): NewDisk => ({
      type: "data",
      category: d.category ?? DEFAULT_CATEGORY,
      sizeGiB: d.sizeGiB ?? 40,
      encrypted: d.encrypted === true,
      kmsKeyId: d.kmsKeyId ?? "",
      imageId: "",
      snapshotId: d.snapshotId ?? "",
      device: device(fromImage.length + i + 1),
      deleteWithInstance: d.deleteWithInstance ?? true,
      readyAt,
    }),
  );
  return [...fromImage, ...empty];
}

/** Records a disk attached to `inst`: Creating until `readyAt`, then In_use. */
export function addDisk(cloud: Cloud, inst: InstanceRec, d: NewDisk, tags: Tags = {}): DiskRec {
  const disk: DiskRec = {
    ...d,
    diskId: cloud.newId("d", inst.regionId),
    ownerId: inst.ownerId,
    regionId: inst.regionId,
    zoneId: inst.zoneId,
    instanceId: inst.instanceId,
    status: d.readyAt > cloud.now() ? "Creating" : "In_use",
    creationTime: cloud.iso(),
    tags: { ...tags },
  };
  cloud.state.disks[disk.diskId] = disk;
  return disk;
}

export function systemDisk(cloud: Cloud, inst: InstanceRec): DiskRec | undefined {
  return Object.values(cloud.state.disks).find((d) => d.instanceId === inst.instanceId && d.type === "system");
}
