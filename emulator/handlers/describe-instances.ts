// DescribeInstances and DescribeInstanceStatus: filters parsed from the request, instances shaped as the SDK's
// response models.
import type { Cloud } from "../models/cloud";
import { DryRunOperation } from "../models/errors";
import { instanceLocks } from "../models/instances/lifecycle";
import { describeInstances } from "../models/instances/records";
import { INSTANCE_STATUSES, type InstanceRec } from "../models/types";
import { type Handler, INSTANCE_ID, REGION_ID, wireTags } from "./context";
import { page, pageOf, paginate } from "./params";

function formatInstance(cloud: Cloud, inst: InstanceRec): Record<string, unknown> {
  const type = cloud.state.instanceTypes.find((t) => t.instanceTypeId === inst.instanceType);
  return {
    InstanceId: inst.instanceId,
    InstanceName: inst.name,
    Description: inst.description,
    HostName: inst.hostName,
    Status: inst.status,
    ImageId: inst.imageId,
    RegionId: inst.regionId,
    ZoneId: inst.zoneId,
    InstanceType: inst.instanceType,
    InstanceTypeFamily: inst.instanceType.split(".").slice(0, 2).join("."),
    Cpu: type?.cpu ?? 0,
    Memory: Math.round((type?.memoryGiB ?? 0) * 1024),
    OSName: inst.osName,
    OSNameEn: inst.osName,
    OSType: inst.osType,
    CreationTime: inst.creationTime,
    StartTime: inst.startTime,
    ExpiredTime: "2099-12-31T15:59Z",
    StoppedMode: inst.status === "Stopped" ? inst.stoppedMode || "KeepCharging" : "Not-applicable",
    InstanceChargeType: inst.instanceChargeType,
    InternetChargeType: inst.internetChargeType,
    InstanceNetworkType: "vpc",
    IoOptimized: true,
    DeletionProtection: inst.deletionProtection,
    KeyPairName: inst.keyPairName,
    SerialNumber: inst.instanceId.slice(2),
    OperationLocks: { LockReason: instanceLocks(cloud, inst).map((r) => ({ LockReason: r, LockMsg: "" })) },
    SecurityGroupIds: { SecurityGroupId: [...inst.securityGroupIds] },
    VpcAttributes: {
      VpcId: inst.vpcId,
      VSwitchId: inst.vSwitchId,
      NatIpAddress: "",
      PrivateIpAddress: { IpAddress: [inst.privateIp] },
    },
    PublicIpAddress: { IpAddress: [] },
    InnerIpAddress: { IpAddress: [] },
    RdmaIpAddress: { IpAddress: [] },
    NetworkInterfaces: { NetworkInterface: [] },
    Tags: wireTags(inst.tags),
  };
}

/** DescribeInstances filters the emulator accepts but does not apply (every instance matches them). */
const UNAPPLIED_FILTERS = [
  "InstanceNetworkType",
  "InstanceChargeType",
  "InternetChargeType",
  "ResourceGroupId",
  "LockReason",
];

export const DescribeInstances: Handler = ({ cloud, caller, p }) => {
  const status = p.str("Status", { oneOf: INSTANCE_STATUSES });
  const q = {
    regionId: p.str("RegionId", { required: true, pattern: REGION_ID }),
    instanceIds: p.jsonList("InstanceIds", 100),
    statuses: status ? [status] : [],
    name: p.str("InstanceName", { max: 128 }) ?? "",
    imageId: p.str("ImageId", { max: 128 }) ?? "",
    vSwitchId: p.str("VSwitchId", { max: 64 }) ?? "",
    vpcId: p.str("VpcId", { max: 64 }) ?? "",
    zoneId: p.str("ZoneId", { max: 64 }) ?? "",
    securityGroupId: p.str("SecurityGroupId", { max: 64 }) ?? "",
    keyPairName: p.str("KeyPairName", { max: 128 }) ?? "",
    instanceType: p.str("InstanceType", { max: 64 }) ?? "",
    tags: p.tags(20),
  };
  const dryRun = p.bool("DryRun") ?? false;
  p.ignore(...UNAPPLIED_FILTERS);
  // With token pagination, ECS ignores PageNumber/PageSize rather than rejecting them.
  if (p.has("NextToken") || p.has("MaxResults")) p.ignore("PageNumber", "PageSize");
  const all = describeInstances(cloud, caller, q);
  const { items, nextToken, pageNumber, pageSize } = pageOf(p, all, { maxResults: 100, maxPageSize: 100 });
  p.finish();
  if (dryRun) throw new DryRunOperation();
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    NextToken: nextToken,
    Instances: { Instance: items.map((i) => formatInstance(cloud, i)) },
  };
};

export const DescribeInstanceStatus: Handler = ({ cloud, caller, p }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const ids = p.list("InstanceId", 100, { pattern: INSTANCE_ID });
  const zoneId = p.str("ZoneId", { max: 64 }) ?? "";
  const { pageNumber, pageSize } = page(p, 50);
  p.ignore("ClusterId");
  p.finish();
  const all = describeInstances(cloud, caller, { regionId, instanceIds: ids.length > 0 ? ids : undefined, zoneId });
  return {
    TotalCount: all.length,
    PageNumber: pageNumber,
    PageSize: pageSize,
    InstanceStatuses: {
      InstanceStatus: paginate(all, pageNumber, pageSize).map((i) => ({ InstanceId: i.instanceId, Status: i.status })),
    },
  };
};
