// Actions on everything but images and instances: regions, zones, disks, key pairs, security groups and tags.
import { DryRunOperation, MissingParameter } from "../models/errors";
import {
  describeDisks,
  describeKeyPairs,
  describeSecurityGroups,
  listTagResources,
  tagResources,
  untagResources,
} from "../models/resources";
import { type Handler, REGION_ID, requestTags, wireTags } from "./context";
import { type Params, page, pageOf, paginate, tokenPage } from "./params";

export const DescribeRegions: Handler = ({ cloud, p }) => {
  p.str("AcceptLanguage", { oneOf: ["zh-CN", "en-US", "ja"] });
  p.str("InstanceChargeType", { oneOf: ["PrePaid", "PostPaid", "SpotWithPriceLimit", "SpotAsPriceGo"] });
  p.str("ResourceType", { oneOf: ["instance", "disk", "reservedinstance", "scu"] });
  p.finish();
  return {
    Regions: {
      Region: cloud.state.regions.map((r) => ({
        RegionId: r.regionId,
        LocalName: r.localName,
        RegionEndpoint: `ecs.${r.regionId}.aliyuncs.com`,
        Status: "available",
      })),
    },
  };
};

export const DescribeZones: Handler = ({ cloud, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  p.str("AcceptLanguage", { oneOf: ["zh-CN", "en-US", "ja"] });
  p.str("InstanceChargeType", { oneOf: ["PrePaid", "PostPaid"] });
  p.str("SpotStrategy", { oneOf: ["NoSpot", "SpotWithPriceLimit", "SpotAsPriceGo"] });
  p.bool("Verbose");
  p.finish();
  const region = cloud.region(regionId);
  const categories = ["cloud_efficiency", "cloud_ssd", "cloud_essd", "cloud_auto"];
  return {
    Zones: {
      Zone: region.zones.map((z) => {
        const types = cloud.state.instanceTypes
          .filter((t) => t.zones.length === 0 || t.zones.includes(z.zoneId))
          .map((t) => t.instanceTypeId);
        return {
          ZoneId: z.zoneId,
          LocalName: z.localName,
          ZoneType: "AvailabilityZone",
          AvailableInstanceTypes: { InstanceTypes: types },
          AvailableDiskCategories: { DiskCategories: categories },
          AvailableVolumeCategories: { VolumeCategories: categories },
          AvailableResourceCreation: { ResourceTypes: ["Instance", "Disk", "VSwitch"] },
          AvailableDedicatedHostTypes: { DedicatedHostType: [] },
          DedicatedHostGenerations: { DedicatedHostGeneration: [] },
          AvailableResources: {
            ResourcesInfo: [
              {
                IoOptimized: true,
                InstanceTypes: { supportedInstanceType: types },
                SystemDiskCategories: { supportedSystemDiskCategory: categories },
                DataDiskCategories: { supportedDataDiskCategory: categories },
                NetworkTypes: { supportedNetworkCategory: ["vpc"] },
                InstanceTypeFamilies: {
                  supportedInstanceTypeFamily: [...new Set(types.map((t) => t.split(".").slice(0, 2).join(".")))],
                },
                InstanceGenerations: { supportedInstanceGeneration: ["ecs-5"] },
              },
            ],
          },
        };
      }),
    },
  };
};

export const DescribeDisks: Handler = ({ cloud, caller, p }) => {
  const q = {
    regionId: p.str("RegionId", { required: true, pattern: REGION_ID }),
    diskIds: p.jsonList("DiskIds", 100),
    instanceId: p.str("InstanceId", { max: 64 }) ?? "",
    diskType: p.str("DiskType", { oneOf: ["all", "system", "data"] }) ?? "",
    category: p.str("Category", { max: 64 }) ?? "",
    statuses: [] as string[],
    encrypted: p.bool("Encrypted"),
    kmsKeyId: p.str("KMSKeyId", { max: 128 }) ?? "",
    zoneId: p.str("ZoneId", { max: 64 }) ?? "",
    tags: p.tags(20),
  };
  const status = p.str("Status", {
    oneOf: ["In_use", "Available", "Attaching", "Detaching", "Creating", "ReIniting", "All"],
  });
  if (status && status !== "All") q.statuses = [status];
  const dryRun = p.bool("DryRun") ?? false;
  p.ignore("Portable", "DeleteWithInstance", "DeleteAutoSnapshot", "EnableAutoSnapshot", "DiskChargeType", "DiskName");
  p.ignore(
    "SnapshotId",
    "ResourceGroupId",
    "LockReason",
    "MultiAttach",
    "EnableShared",
    "AutoSnapshotPolicyId",
    "EnableAutomatedSnapshotPolicy",
  );
  const all = describeDisks(cloud, caller, q);
  const { items, nextToken, pageNumber, pageSize } = pageOf(p, all, { maxResults: 500, maxPageSize: 100 });
  p.finish();
  if (dryRun) throw new DryRunOperation();
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    NextToken: nextToken,
    Disks: {
      Disk: items.map((d) => ({
        DiskId: d.diskId,
        DiskName: "",
        Description: "",
        Type: d.type,
        Category: d.category,
        Size: d.sizeGiB,
        Encrypted: d.encrypted,
        KMSKeyId: d.kmsKeyId,
        ImageId: d.imageId,
        SourceSnapshotId: d.snapshotId,
        InstanceId: d.instanceId,
        Device: d.instanceId ? d.device : "",
        Status: d.status,
        RegionId: d.regionId,
        ZoneId: d.zoneId,
        DeleteWithInstance: d.deleteWithInstance,
        Portable: d.type === "data",
        DiskChargeType: "PostPaid",
        CreationTime: d.creationTime,
        AttachedTime: d.instanceId ? d.creationTime : "",
        OperationLocks: { OperationLock: [] },
        Attachments: {
          Attachment: d.instanceId
            ? [{ InstanceId: d.instanceId, Device: d.device, AttachedTime: d.creationTime }]
            : [],
        },
        MountInstances: { MountInstance: [] },
        Tags: wireTags(d.tags),
      })),
    },
  };
};

export const DescribeKeyPairs: Handler = ({ cloud, caller, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const name = p.str("KeyPairName", { max: 128 }) ?? "";
  const fingerprint = p.str("KeyPairFingerPrint", { max: 128 }) ?? "";
  const tags = p.tags(20);
  const { pageNumber, pageSize } = page(p, 50);
  p.bool("IncludePublicKey");
  p.ignore("ResourceGroupId");
  p.finish();
  const all = describeKeyPairs(cloud, caller, { regionId, name, fingerprint, tags });
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    KeyPairs: {
      KeyPair: paginate(all, pageNumber, pageSize).map((k) => ({
        KeyPairName: k.keyPairName,
        KeyPairFingerPrint: k.fingerprint,
        CreationTime: k.creationTime,
        ResourceGroupId: "",
        Tags: wireTags(k.tags),
      })),
    },
  };
};

export const DescribeSecurityGroups: Handler = ({ cloud, caller, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const single = p.str("SecurityGroupId", { max: 64 });
  const many = p.jsonList("SecurityGroupIds", 100);
  const q = {
    regionId,
    vpcId: p.str("VpcId", { max: 64 }) ?? "",
    ids: single ? [single] : many,
    name: p.str("SecurityGroupName", { max: 128 }) ?? "",
    tags: p.tags(20),
  };
  const dryRun = p.bool("DryRun") ?? false;
  p.ignore("NetworkType", "SecurityGroupType", "ResourceGroupId", "FuzzyQuery", "IsQueryEcsCount", "ServiceManaged");
  const all = describeSecurityGroups(cloud, caller, q);
  const { items, nextToken, pageNumber, pageSize } = pageOf(p, all, { maxResults: 100, maxPageSize: 50 });
  p.finish();
  if (dryRun) throw new DryRunOperation();
  return {
    RegionId: regionId,
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    NextToken: nextToken,
    SecurityGroups: {
      SecurityGroup: items.map((g) => ({
        SecurityGroupId: g.securityGroupId,
        SecurityGroupName: g.name,
        Description: g.description,
        VpcId: g.vpcId,
        SecurityGroupType: "normal",
        CreationTime: g.creationTime,
        EcsCount: Object.values(cloud.state.instances).filter((i) => i.securityGroupIds.includes(g.securityGroupId))
          .length,
        ServiceManaged: false,
        Tags: wireTags(g.tags),
      })),
    },
  };
};

function resourceIds(p: Params, max: number, required: boolean): string[] {
  return p.list("ResourceId", max, { required, pattern: /^[\w.:-]{1,128}$/ });
}

export const TagResources: Handler = ({ cloud, caller, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const type = p.str("ResourceType", { required: true, max: 64 });
  const ids = resourceIds(p, 50, true);
  const tags = requestTags(p, true);
  if (Object.keys(tags).length === 0) throw new MissingParameter("Tag.1.Key");
  p.finish();
  tagResources(cloud, caller, regionId, type, ids, tags);
  return {};
};

export const UntagResources: Handler = ({ cloud, caller, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const type = p.str("ResourceType", { required: true, max: 64 });
  const ids = resourceIds(p, 50, true);
  const keys = p.list("TagKey", 20);
  const all = p.bool("All") ?? false;
  p.finish();
  if (keys.length === 0 && !all) throw new MissingParameter("TagKey.1");
  untagResources(cloud, caller, regionId, type, ids, keys, all);
  return {};
};

export const ListTagResources: Handler = ({ cloud, caller, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const type = p.str("ResourceType", { required: true, max: 64 });
  const ids = resourceIds(p, 50, false);
  const filter = p.tags(20);
  for (const f of p.structs("TagFilter", 5)) {
    f.str("TagKey");
    f.list("TagValues", 5);
  }
  const all = listTagResources(cloud, caller, regionId, type, ids, filter);
  const { items, nextToken } = tokenPage(p, all, 50, 50);
  p.finish();
  return {
    NextToken: nextToken,
    TagResources: {
      TagResource: items.map((t) => ({
        ResourceId: t.resourceId,
        ResourceType: t.resourceType,
        TagKey: t.key,
        TagValue: t.value,
      })),
    },
  };
};
