// Image actions: DescribeImages, CopyImage, CancelCopyImage, DeleteImage, ModifyImageAttribute and image sharing.
import type { Cloud } from "../models/cloud";
import { DryRunOperation, InvalidParameter } from "../models/errors";
import {
  cancelCopyImage,
  copyImage,
  deleteImage,
  describeImageSharePermission,
  describeImages,
  modifyImageAttribute,
  modifyImageSharePermission,
  ownerAlias,
} from "../models/images";
import { IMAGE_STATUSES, type ImageRec, type ImageStatus, type Principal } from "../models/types";
import { CLIENT_TOKEN, fingerprint, type Handler, REGION_ID, requestTags, wireTags } from "./context";
import { page, paginate } from "./params";

const IMAGE_ID = /^[A-Za-z0-9_.-]{1,128}$/;
const ACCOUNT = /^\d{1,20}$/;

function formatImage(cloud: Cloud, caller: Principal, img: ImageRec): Record<string, unknown> {
  const progress = cloud.copyProgress(img);
  const alias = ownerAlias(caller, img);
  return {
    ImageId: img.imageId,
    ImageName: img.name,
    Description: img.description,
    ImageOwnerAlias: alias,
    ...(img.kind === "custom" ? { ImageOwnerId: Number(img.ownerId) } : {}),
    Status: img.status,
    Progress: `${progress}%`,
    IsCopied: img.isCopied,
    IsSelfShared: alias === "self" && Object.keys(img.sharedWith).length > 0 ? "True" : "False",
    IsSubscribed: false,
    IsPublic: img.kind !== "custom",
    IsSupportCloudinit: true,
    IsSupportIoOptimized: true,
    Usage: Object.values(cloud.state.instances).some((i) => i.imageId === img.imageId) ? "instance" : "none",
    ProductCode: img.productCode,
    Size: img.sizeGiB,
    CreationTime: img.creationTime,
    OSType: img.osType,
    OSName: img.osName,
    OSNameEn: img.osName,
    Platform: img.platform,
    Architecture: img.architecture,
    ImageFamily: img.imageFamily,
    BootMode: "BIOS",
    Tags: wireTags(img.tags),
    DiskDeviceMappings: {
      DiskDeviceMapping: img.diskMappings.map((m) => ({
        Device: m.device,
        Size: String(m.sizeGiB),
        SnapshotId: m.snapshotId,
        Type: m.type,
        Encrypted: m.encrypted,
        Progress: `${progress}%`,
        RemainTime:
          img.copy && img.copy.startedAt !== null
            ? Math.max(0, Math.ceil((img.copy.startedAt + img.copy.durationMs - cloud.now()) / 1000))
            : 0,
      })),
    },
  };
}

export const DescribeImages: Handler = ({ cloud, caller, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const imageIds = p.commaList("ImageId", 100);
  const ownerAliases = p.commaList("ImageOwnerAlias", 4, ["system", "self", "others", "marketplace"]);
  const statuses = p.commaList("Status", 6, IMAGE_STATUSES) as ImageStatus[];
  const q = {
    regionId,
    imageIds,
    ownerAliases,
    ownerId: String(p.int("ImageOwnerId", { min: 0, max: Number.MAX_SAFE_INTEGER }) ?? ""),
    // ECS returns only Available images unless Status says otherwise.
    statuses: statuses.length > 0 ? statuses : (["Available"] as ImageStatus[]),
    imageName: p.str("ImageName", { max: 128 }) ?? "",
    usage: p.str("Usage", { oneOf: ["instance", "none"] }) ?? "",
    osType: p.str("OSType", { oneOf: ["linux", "windows"] }) ?? "",
    architecture: p.str("Architecture", { oneOf: ["i386", "x86_64", "arm64"] }) ?? "",
    imageFamily: p.str("ImageFamily", { max: 128 }) ?? "",
    tags: p.tags(20),
  };
  p.str("ActionType", { oneOf: ["CreateEcs", "ChangeOS"] });
  const dryRun = p.bool("DryRun");
  p.ignore(
    "InstanceType",
    "IsSupportIoOptimized",
    "IsSupportCloudinit",
    "ShowExpired",
    "ResourceGroupId",
    "IsPublic",
    "Usable",
    "SnapshotId",
  );
  for (const f of p.structs("Filter", 2)) f.ignore("Key", "Value");
  const { pageNumber, pageSize } = page(p, 100);
  p.finish();
  const all = describeImages(cloud, caller, q);
  if (dryRun) throw new DryRunOperation();
  return {
    RegionId: regionId,
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    Images: { Image: paginate(all, pageNumber, pageSize).map((img) => formatImage(cloud, caller, img)) },
  };
};

export const CopyImage: Handler = ({ cloud, caller, p, raw }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const imageId = p.str("ImageId", { required: true, pattern: IMAGE_ID });
  const input = {
    regionId,
    imageId,
    destinationRegionId: p.str("DestinationRegionId", { pattern: REGION_ID }) ?? regionId,
    name: p.str("DestinationImageName", { max: 256 }) ?? "",
    description: p.str("DestinationDescription", { max: 1024 }) ?? "",
    encrypted: p.bool("Encrypted"),
    kmsKeyId: p.str("KMSKeyId", { max: 128 }) ?? "",
    tags: requestTags(p, false),
    dryRun: p.bool("DryRun") ?? false,
  };
  p.str("EncryptAlgorithm", { oneOf: ["aes-256", "sm4-128"] });
  p.ignore("ResourceGroupId");
  const token = p.str("ClientToken", { pattern: CLIENT_TOKEN });
  p.finish();
  return cloud.idempotent(caller, "CopyImage", token, fingerprint(raw), () => ({
    ImageId: copyImage(cloud, caller, input).imageId,
  }));
};

export const CancelCopyImage: Handler = ({ cloud, caller, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const imageId = p.str("ImageId", { required: true, pattern: IMAGE_ID });
  p.finish();
  cancelCopyImage(cloud, caller, regionId, imageId);
  return {};
};

export const DeleteImage: Handler = ({ cloud, caller, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const imageId = p.str("ImageId", { required: true, pattern: IMAGE_ID });
  const force = p.bool("Force") ?? false;
  const dryRun = p.bool("DryRun") ?? false;
  p.finish();
  deleteImage(cloud, caller, regionId, imageId, force, dryRun);
  return {};
};

export const ModifyImageAttribute: Handler = ({ cloud, caller, p }) => {
  const input = {
    regionId: p.str("RegionId", { required: true, pattern: REGION_ID }),
    imageId: p.str("ImageId", { required: true, pattern: IMAGE_ID }),
    name: p.str("ImageName", { max: 256 }),
    description: p.str("Description", { max: 1024 }),
    status: p.str("Status", { oneOf: ["Available", "Deprecated"] }) as "Available" | "Deprecated" | undefined,
    imageFamily: p.str("ImageFamily", { max: 128 }),
    dryRun: p.bool("DryRun") ?? false,
  };
  p.ignore("BootMode", "LicenseType");
  p.struct("Features").ignore("NvmeSupport", "ImdsSupport");
  p.finish();
  modifyImageAttribute(cloud, caller, input);
  return {};
};

export const ModifyImageSharePermission: Handler = ({ cloud, caller, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const imageId = p.str("ImageId", { required: true, pattern: IMAGE_ID });
  const add = p.list("AddAccount", 10, { pattern: ACCOUNT });
  const remove = p.list("RemoveAccount", 10, { pattern: ACCOUNT });
  const dryRun = p.bool("DryRun") ?? false;
  const isPublic = p.bool("IsPublic");
  p.ignore("LaunchPermission");
  p.finish();
  if (isPublic)
    throw new InvalidParameter("IsPublic", "the emulator does not model public images; share with accounts instead");
  modifyImageSharePermission(cloud, caller, { regionId, imageId, add, remove, dryRun });
  return {};
};

export const DescribeImageSharePermission: Handler = ({ cloud, caller, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const imageId = p.str("ImageId", { required: true, pattern: IMAGE_ID });
  const { pageNumber, pageSize } = page(p, 100);
  p.finish();
  const all = describeImageSharePermission(cloud, caller, regionId, imageId);
  return {
    ImageId: imageId,
    RegionId: regionId,
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    Accounts: {
      Account: paginate(all, pageNumber, pageSize).map((a) => ({ AliyunId: a.accountId, SharedTime: a.sharedTime })),
    },
    ShareGroups: { ShareGroup: [] },
  };
};
