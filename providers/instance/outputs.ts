// What InstanceFromSharedImage stores: outputs shaped from the inputs and ECS's current view of the instance, the
// system disk id, and the partial state a failed create or update leaves for the next run.
import type { EcsApi } from "../ecs/api";
import type { InstanceView } from "../ecs/types";
import { partialState } from "../partial";
import { readMarker } from "../system-disk/sequence-steps";
import { RESERVED_TAGS, userTags } from "../tags";
import { dropUndefined } from "../wire-values";
import type { InstanceFromSharedImageInputs, InstanceFromSharedImageOutputs } from "./args";

/**
 * The outputs for `inputs` (the password left out) and ECS's current view of the instance (`undefined`: not seen, the
 * inputs stand in), with the facts only the operation knows.
 */
export function outputsOf(
  inputs: InstanceFromSharedImageInputs,
  instance: InstanceView | undefined,
  facts: { instanceId: string; systemDiskId: string; passwordDigest?: string },
): InstanceFromSharedImageOutputs {
  const { password: _password, ...stored } = inputs;
  return {
    ...stored,
    instanceId: facts.instanceId,
    status: instance?.status ?? "",
    imageId: instance?.imageId || inputs.imageId,
    instanceType: instance?.instanceType || inputs.instanceType,
    zoneId: instance?.zoneId || inputs.zoneId || "",
    vSwitchId: instance?.vSwitchId ?? inputs.vSwitchId,
    securityGroupIds: instance?.securityGroupIds ? [...instance.securityGroupIds] : [...inputs.securityGroupIds],
    name: instance?.name ?? inputs.name ?? "",
    hostName: instance?.hostName ?? inputs.hostName ?? "",
    description: instance?.description ?? inputs.description ?? "",
    tags: instance ? userTags(instance.tags) : { ...(inputs.tags ?? {}) },
    ...(inputs.keyPairName !== undefined || instance?.keyPairName
      ? { keyPairName: instance ? instance.keyPairName : inputs.keyPairName }
      : {}),
    systemDiskId: facts.systemDiskId,
    ...(facts.passwordDigest === undefined ? {} : { passwordDigest: facts.passwordDigest }),
    interrupted: instance !== undefined && readMarker(instance.tags) !== undefined,
  };
}

/**
 * The id of the instance's system disk; for an instance carrying a launch tag (`tags`), from the listing of the disks
 * launched with it, which many creates share.
 */
export async function systemDiskIdOf(api: EcsApi, instanceId: string, tags: Readonly<Record<string, string>> = {}) {
  const launch = tags[RESERVED_TAGS.launch];
  const launched = launch && (await api.launchedSystemDisk(instanceId, { key: RESERVED_TAGS.launch, value: launch }));
  if (launched) return launched.id;
  const disks = await api.describeDisks({ instanceId, diskType: "system" });
  return disks.find((d) => d.instanceId === instanceId)?.id ?? disks[0]?.id ?? "";
}

/** Partial state for instance `id`: the engine keeps it with these outputs, so the next `pulumi up` resumes. */
export function partial(err: unknown, id: string, inputs: object, outputs: InstanceFromSharedImageOutputs) {
  return partialState(err, id, inputs, dropUndefined(outputs) as unknown as Record<string, unknown>);
}
