// The requests EcsApi takes and the plain views it returns, with the mapping from the SDK's wire shapes: what the
// rest of the providers see of ECS, without PascalCase wire names or the SDK's model classes.
import type * as EcsSdk from "@alicloud/ecs20140526";
import type { ImageOwnerAlias, ImageStatus, ImageView, InstanceStatus, InstanceView, Tags } from "./types";

export interface DiskView {
  readonly id: string;
  readonly type: "system" | "data";
  readonly category: string;
  readonly size: number;
  readonly encrypted: boolean;
  readonly kmsKeyId?: string;
  readonly imageId?: string;
  readonly instanceId?: string;
  readonly status: string;
}

export interface CopyImageRequest {
  readonly sourceImageId: string;
  /** Region of the copy. Default: the source's (the caller's). Only an image of this account may leave its region. */
  readonly destinationRegionId?: string;
  readonly name: string;
  readonly description?: string;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly tags?: Tags;
  readonly resourceGroupId?: string;
  readonly clientToken: string;
}

export interface DiskSpec {
  readonly category?: string;
  readonly size?: number;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
}

/** What RunInstances makes; a RunInstanceRequest adds the ClientToken (a real create) or DryRun (a check). */
export interface RunInstanceSpec {
  readonly imageId: string;
  readonly instanceType: string;
  readonly zoneId?: string;
  readonly vSwitchId: string;
  readonly securityGroupIds: readonly string[];
  readonly name?: string;
  readonly hostName?: string;
  readonly description?: string;
  readonly systemDisk?: DiskSpec;
  readonly dataDisks?: readonly DiskSpec[];
  readonly password?: string;
  readonly keyPairName?: string;
  readonly internetMaxBandwidthOut?: number;
  readonly instanceChargeType?: string;
  readonly tags?: Tags;
}

/** A create carries its ClientToken; a DryRun carries none (it makes nothing, so there is nothing to deduplicate). */
export type RunInstanceRequest = RunInstanceSpec &
  (
    | { readonly clientToken: string; readonly dryRun?: false }
    | { readonly clientToken?: undefined; readonly dryRun: true }
  );

export interface ReplaceSystemDiskRequest {
  readonly instanceId: string;
  readonly imageId: string;
  readonly size?: number;
  readonly password?: string;
  readonly passwordInherit?: boolean;
  readonly keyPairName?: string;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly clientToken: string;
}

export interface InstanceAttributes {
  readonly name?: string;
  readonly description?: string;
  readonly hostName?: string;
  readonly password?: string;
}

type SdkImage = EcsSdk.DescribeImagesResponseBodyImagesImage;
type SdkInstance = EcsSdk.DescribeInstancesResponseBodyInstancesInstance;
type SdkDisk = EcsSdk.DescribeDisksResponseBodyDisksDisk;

function tagsOf(list: { tagKey?: string; tagValue?: string }[] | undefined): Tags {
  const tags: Record<string, string> = {};
  for (const tag of list ?? []) {
    if (tag.tagKey) tags[tag.tagKey] = tag.tagValue ?? "";
  }
  return tags;
}

/**
 * Maps DescribeImages' wire image into the view; an image is encrypted when any of its snapshots is.
 * @internal The SDK's types stay out of the published declarations, as for every mapper here.
 */
export function toImageView(image: SdkImage): ImageView {
  const mappings = image.diskDeviceMappings?.diskDeviceMapping ?? [];
  const progress = /^(\d{1,3})%$/.exec(image.progress ?? "");
  return {
    id: image.imageId ?? "",
    name: image.imageName ?? "",
    description: image.description ?? "",
    ownerId: image.imageOwnerId === undefined ? "" : String(image.imageOwnerId),
    ownerAlias: (image.imageOwnerAlias ?? "others") as ImageOwnerAlias,
    status: (image.status ?? "UnAvailable") as ImageStatus,
    progressPercent: progress ? Number(progress[1]) : undefined,
    productCode: image.productCode || undefined,
    isCopied: image.isCopied === true,
    size: image.size ?? 0,
    tags: tagsOf(image.tags?.tag),
    encrypted: mappings.some((m) => m.encrypted === true),
    regionId: undefined,
    creationTime: image.creationTime,
    osType: image.OSType,
    platform: image.platform,
    architecture: image.architecture,
  };
}

/** @internal */
export function toInstanceView(instance: SdkInstance): InstanceView {
  return {
    id: instance.instanceId ?? "",
    status: (instance.status ?? "Pending") as InstanceStatus,
    imageId: instance.imageId ?? "",
    regionId: instance.regionId,
    zoneId: instance.zoneId ?? "",
    instanceType: instance.instanceType ?? "",
    name: instance.instanceName ?? "",
    hostName: instance.hostName ?? "",
    description: instance.description ?? "",
    operationLocks: (instance.operationLocks?.lockReason ?? []).map((lock) => ({
      lockReason: lock.lockReason ?? "",
      lockMsg: lock.lockMsg,
    })),
    keyPairName: instance.keyPairName || undefined,
    vSwitchId: instance.vpcAttributes?.vSwitchId,
    securityGroupIds: instance.securityGroupIds?.securityGroupId ?? [],
    tags: tagsOf(instance.tags?.tag),
  };
}

/** @internal */
export function toDiskView(disk: SdkDisk): DiskView {
  return {
    id: disk.diskId ?? "",
    type: disk.type === "system" ? "system" : "data",
    category: disk.category ?? "",
    size: disk.size ?? 0,
    encrypted: disk.encrypted === true,
    kmsKeyId: disk.KMSKeyId || undefined,
    imageId: disk.imageId || undefined,
    instanceId: disk.instanceId || undefined,
    status: disk.status ?? "",
  };
}

/** @internal */
export const tagList = <T>(tags: Tags | undefined, make: (key: string, value: string) => T): T[] | undefined =>
  tags && Object.keys(tags).length > 0 ? Object.entries(tags).map(([k, v]) => make(k, v)) : undefined;
