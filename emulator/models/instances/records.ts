// Instance records: RunInstances and CreateInstance (placement, image, credentials and disks checked first, then the
// records made), DescribeInstances and ModifyInstanceAttribute.
import type { Cloud } from "../cloud";
import {
  DryRunOperation,
  InstanceLockedForSecurity,
  InvalidParameter,
  InvalidParameterMismatch,
  InvalidSecurityGroupIdNotFound,
} from "../errors";
import { type TagFilter, tagsMatch, wildcardMatch } from "../match";
import type { InstanceRec, Principal, Tags } from "../types";
import { applyLogin, checkLogin, type Login, setPassword } from "./credentials";
import { addDisk, checkNewDisks, type DiskSpec, dataDisksFromImage, systemDiskFromImage } from "./disks";
import { instanceLocks, wrongStatus } from "./lifecycle";
import { checkPlacement, nextPrivateIp } from "./placement";

/** RunInstances' HostName for a Windows image: 2-15 characters, no period, a hyphen never first, last or doubled. */
const WINDOWS_HOST_NAME = /^(?=.{2,15}$)(?!\d+$)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$/;

export interface CreateInstancesInput {
  /** RunInstances starts the instances; CreateInstance leaves one instance Stopped. */
  start: boolean;
  regionId: string;
  zoneId?: string;
  imageId: string;
  instanceType: string;
  vSwitchId: string;
  securityGroupIds: string[];
  name?: string;
  description?: string;
  hostName?: string;
  login: Login;
  amount: number;
  uniqueSuffix: boolean;
  systemDisk: DiskSpec;
  dataDisks: DiskSpec[];
  tags: Tags;
  deletionProtection: boolean;
  internetChargeType: string;
  instanceChargeType: string;
  dryRun: boolean;
}

export function createInstances(
  cloud: Cloud,
  caller: Principal,
  action: string,
  input: CreateInstancesInput,
): InstanceRec[] {
  const { vsw, type } = checkPlacement(cloud, caller, input);
  const img = cloud.visibleImage(caller, input.regionId, input.imageId);
  // RAM evaluates ecs:ImageOwnerId against the image's owner (absent for public images).
  cloud.authorize(caller, action, img.kind === "custom" ? { "ecs:ImageOwnerId": img.ownerId } : {});
  cloud.assertUsable(caller, img, "disks");
  checkLogin(cloud, caller, input.regionId, img, input.login);
  if (img.osType === "windows" && input.hostName !== undefined && !WINDOWS_HOST_NAME.test(input.hostName)) {
    throw new InvalidParameter("HostName", "a Windows host name is 2-15 letters, digits and hyphens, not only digits");
  }
  const sysSize = checkNewDisks(cloud, caller, input.regionId, img, input.systemDisk, input.dataDisks);
  if (input.dryRun) throw new DryRunOperation();

  const now = cloud.now();
  const { pendingMs, startingMs } = cloud.state.settings;
  const created: InstanceRec[] = [];
  for (let n = 0; n < input.amount; n++) {
    const instanceId = cloud.newId("i", input.regionId);
    const suffix = input.amount > 1 && input.uniqueSuffix ? String(n + 1).padStart(3, "0") : "";
    const inst: InstanceRec = {
      instanceId,
      ownerId: caller.accountId,
      regionId: input.regionId,
      zoneId: vsw.zoneId,
      instanceType: type.instanceTypeId,
      imageId: img.imageId,
      name: input.name ? `${input.name}${suffix}` : instanceId,
      description: input.description ?? "",
      hostName: input.hostName ? `${input.hostName}${suffix}` : `iZ${instanceId.slice(2)}Z`,
      status: "Pending",
      transitions: input.start
        ? [
            { status: "Starting", at: now + pendingMs },
            { status: "Running", at: now + pendingMs + startingMs },
          ]
        : [{ status: "Stopped", at: now + pendingMs }],
      vSwitchId: vsw.vSwitchId,
      vpcId: vsw.vpcId,
      privateIp: nextPrivateIp(vsw),
      securityGroupIds: [...input.securityGroupIds],
      keyPairName: "",
      password: "none",
      passwordPresetImageId: "",
      creationTime: cloud.iso(now),
      startTime: "",
      stoppedMode: "",
      deletionProtection: input.deletionProtection,
      locks: [],
      osName: img.osName,
      osType: img.osType,
      internetChargeType: input.internetChargeType,
      instanceChargeType: input.instanceChargeType,
      tags: { ...input.tags },
    };
    cloud.state.instances[instanceId] = inst;
    applyLogin(cloud, inst, input.login);
    // RunInstances puts its tags on the instance and on every disk it makes with it.
    const sys = { ...input.systemDisk, category: input.systemDisk.category ?? "cloud_essd", sizeGiB: sysSize };
    addDisk(cloud, inst, systemDiskFromImage(caller, img, sys, now), input.tags);
    for (const disk of dataDisksFromImage(caller, img, input.dataDisks, now)) addDisk(cloud, inst, disk, input.tags);
    created.push(inst);
  }
  return created;
}

/** DescribeInstances filters; an absent or empty filter matches every instance. */
export interface DescribeInstancesQuery {
  regionId: string;
  instanceIds?: string[];
  statuses?: string[];
  name?: string;
  imageId?: string;
  vSwitchId?: string;
  vpcId?: string;
  zoneId?: string;
  securityGroupId?: string;
  keyPairName?: string;
  instanceType?: string;
  tags?: TagFilter;
}

export function describeInstances(cloud: Cloud, caller: Principal, q: DescribeInstancesQuery): InstanceRec[] {
  cloud.region(q.regionId);
  const ids = q.instanceIds ? new Set(q.instanceIds) : undefined;
  return Object.values(cloud.state.instances)
    .filter(
      (i) =>
        i.ownerId === caller.accountId &&
        i.regionId === q.regionId &&
        (!ids || ids.has(i.instanceId)) &&
        (!q.statuses?.length || q.statuses.includes(i.status)) &&
        (!q.name || wildcardMatch(q.name, i.name)) &&
        (!q.imageId || i.imageId === q.imageId) &&
        (!q.vSwitchId || i.vSwitchId === q.vSwitchId) &&
        (!q.vpcId || i.vpcId === q.vpcId) &&
        (!q.zoneId || i.zoneId === q.zoneId) &&
        (!q.instanceType || i.instanceType === q.instanceType) &&
        (!q.securityGroupId || i.securityGroupIds.includes(q.securityGroupId)) &&
        (!q.keyPairName || i.keyPairName === q.keyPairName) &&
        tagsMatch(i.tags, q.tags ?? []),
    )
    .sort((a, b) => a.creationTime.localeCompare(b.creationTime) || a.instanceId.localeCompare(b.instanceId));
}

export interface ModifyInstanceInput {
  instanceId: string;
  name?: string;
  description?: string;
  hostName?: string;
  passwordFingerprint?: string;
  deletionProtection?: boolean;
  securityGroupIds?: string[];
}

export function modifyInstanceAttribute(cloud: Cloud, caller: Principal, input: ModifyInstanceInput): void {
  const inst = cloud.instance(caller, input.instanceId);
  // ECS: an instance locked for security reasons refuses every operation.
  if (instanceLocks(cloud, inst).includes("security")) {
    throw new InstanceLockedForSecurity(`The instance "${inst.instanceId}" is locked for security reasons.`);
  }
  // ECS: "to reset the password, the instance must not be Starting".
  if (input.passwordFingerprint !== undefined && inst.status === "Starting") {
    wrongStatus(inst, "ModifyInstanceAttribute with Password", "anything but Starting");
  }
  if (input.securityGroupIds) {
    for (const sgId of input.securityGroupIds) {
      const sg = cloud.state.securityGroups[sgId];
      if (!sg || sg.ownerId !== caller.accountId || sg.regionId !== inst.regionId) {
        throw new InvalidSecurityGroupIdNotFound(`The specified SecurityGroupId "${sgId}" does not exist.`);
      }
      if (sg.vpcId !== inst.vpcId)
        throw new InvalidParameterMismatch(`SecurityGroupId "${sgId}" is not in ${inst.vpcId}.`);
    }
  }
  if (input.name !== undefined) inst.name = input.name;
  if (input.description !== undefined) inst.description = input.description;
  if (input.hostName !== undefined) inst.hostName = input.hostName;
  if (input.passwordFingerprint !== undefined) setPassword(cloud, inst, input.passwordFingerprint);
  if (input.deletionProtection !== undefined) inst.deletionProtection = input.deletionProtection;
  if (input.securityGroupIds) inst.securityGroupIds = [...input.securityGroupIds];
}
