// Where a new instance goes: the zone, vSwitch, instance type and security groups of a RunInstances or CreateInstance
// request, each checked against the world and against each other (one VPC, one zone).
import type { Cloud } from "../cloud";
import {
  InvalidInstanceTypeValueNotSupported,
  InvalidParameterMismatch,
  InvalidSecurityGroupIdNotFound,
  InvalidVSwitchIdNotFound,
  InvalidZoneIdNotFound,
} from "../errors";
import type { InstanceTypeRec, Principal, VSwitchRec } from "../types";

export interface PlacementRequest {
  regionId: string;
  zoneId?: string;
  instanceType: string;
  vSwitchId: string;
  securityGroupIds: string[];
}

export interface Placement {
  vsw: VSwitchRec;
  type: InstanceTypeRec;
}

export function checkPlacement(cloud: Cloud, caller: Principal, input: PlacementRequest): Placement {
  const s = cloud.state;
  const region = cloud.region(input.regionId);
  if (input.zoneId && !region.zones.some((z) => z.zoneId === input.zoneId)) {
    throw new InvalidZoneIdNotFound(`The specified ZoneId "${input.zoneId}" does not exist in ${input.regionId}.`);
  }
  const vsw = s.vSwitches[input.vSwitchId];
  if (!vsw || vsw.ownerId !== caller.accountId || vsw.regionId !== input.regionId) {
    throw new InvalidVSwitchIdNotFound(
      `The specified VSwitchId "${input.vSwitchId}" does not exist in ${input.regionId}.`,
    );
  }
  if (input.zoneId && input.zoneId !== vsw.zoneId) {
    throw new InvalidParameterMismatch(
      `ZoneId "${input.zoneId}" does not match the zone ${vsw.zoneId} of VSwitchId "${vsw.vSwitchId}".`,
    );
  }
  const type = s.instanceTypes.find((t) => t.instanceTypeId === input.instanceType);
  if (!type || (type.zones.length > 0 && !type.zones.includes(vsw.zoneId))) {
    throw new InvalidInstanceTypeValueNotSupported(
      `The instance type "${input.instanceType}" is not available in ${vsw.zoneId}.`,
    );
  }
  for (const sgId of input.securityGroupIds) {
    const sg = s.securityGroups[sgId];
    if (!sg || sg.ownerId !== caller.accountId || sg.regionId !== input.regionId) {
      throw new InvalidSecurityGroupIdNotFound(
        `The specified SecurityGroupId "${sgId}" does not exist in ${input.regionId}.`,
      );
    }
    if (sg.vpcId !== vsw.vpcId) {
      throw new InvalidParameterMismatch(
        `SecurityGroupId "${sgId}" belongs to ${sg.vpcId}, but VSwitchId "${vsw.vSwitchId}" to ${vsw.vpcId}.`,
      );
    }
  }
  return { vsw, type };
}

/** The next private address of the vSwitch's /24 block. */
export function nextPrivateIp(vsw: VSwitchRec): string {
  const octets = vsw.cidrBlock.split(".");
  return `${octets[0]}.${octets[1]}.${octets[2]}.${vsw.nextHost++ % 254}`;
}
