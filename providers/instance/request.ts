// What InstanceFromSharedImage sends to RunInstances: the disks an encrypted image forces, the request, the create's
// fingerprint and per-run token and tags. Pure (but for the run id), so request building is table-tested.
import { randomBytes } from "node:crypto";
import type { DiskSpec, RunInstanceRequest, RunInstanceSpec } from "../ecs/api";
import { clientToken, resourceKey, runToken } from "../ecs/client-token";
import { createTagValue, RESERVED_TAGS } from "../tags";
import type { DiskInput, InstanceFromSharedImageInputs } from "./args";

/**
 * The disks the instance is made with: as declared, except that an encrypted image encrypts every disk (ECS refuses
 * data disks of a shared encrypted image that do not say so, EncryptedOption.Conflict), keeping the key given, else
 * the system disk's key, else the service key (no KMSKeyId). Pure, and never stored: inputs keep the disks as
 * declared, so an in-place switch between a plain and an encrypted image changes no disk input. Call it with known
 * values only (not during preview with unknowns).
 */
export function effectiveDisks(
  inputs: Pick<InstanceFromSharedImageInputs, "systemDisk" | "dataDisks" | "imageEncrypted">,
): { systemDisk?: DiskInput; dataDisks?: DiskInput[] } {
  if (inputs.imageEncrypted !== true) return { systemDisk: inputs.systemDisk, dataDisks: inputs.dataDisks };
  const system = inputs.systemDisk ?? {};
  const encrypt = (disk: DiskInput, fallbackKey: string | undefined): DiskInput => {
    if (disk.encrypted === false) return disk; // refused by encryptionFailures, never silently flipped
    const kmsKeyId = disk.kmsKeyId ?? fallbackKey;
    return { ...disk, encrypted: true, ...(kmsKeyId === undefined ? {} : { kmsKeyId }) };
  };
  return {
    systemDisk: encrypt(system, undefined),
    dataDisks: inputs.dataDisks?.map((d) => encrypt(d, system.kmsKeyId)),
  };
}

const diskSpec = (disk: DiskInput | undefined): DiskSpec | undefined =>
  disk === undefined || Object.keys(disk).length === 0
    ? undefined
    : { category: disk.category, size: disk.size, encrypted: disk.encrypted, kmsKeyId: disk.kmsKeyId };

/** The non-secret RunInstances parameters for checked inputs (the password is added by the caller). */
export function runInstancesRequest(inputs: InstanceFromSharedImageInputs): RunInstanceSpec {
  const disks = effectiveDisks(inputs);
  return {
    imageId: inputs.imageId,
    instanceType: inputs.instanceType,
    zoneId: inputs.zoneId,
    vSwitchId: inputs.vSwitchId,
    securityGroupIds: [...inputs.securityGroupIds],
    name: inputs.name,
    hostName: inputs.hostName,
    description: inputs.description,
    systemDisk: diskSpec(disks.systemDisk),
    dataDisks: disks.dataDisks?.map((d) => diskSpec(d) ?? {}),
    keyPairName: inputs.keyPairName,
    internetMaxBandwidthOut: inputs.internetMaxBandwidthOut,
    instanceChargeType: inputs.instanceChargeType ?? "PostPaid",
    tags: inputs.tags,
  };
}

/** Request parameters that update sets in place: an earlier create's instance is converged to them, not replaced. */
const IN_PLACE_PARAMETERS = ["name", "hostName", "description", "tags"] as const;

/**
 * The create's fingerprint: the resource's identity and every non-secret request parameter whose change would
 * replace the instance, with the region. The instance carries it as a tag until its create finished, so a later run
 * of the same create (after a crash the engine never heard of) adopts it instead of making a second one. In-place
 * parameters (name, host name, description, tags) are left out: such a run applies their new values.
 */
export function createFingerprint(inputs: InstanceFromSharedImageInputs): string {
  const request: Partial<RunInstanceSpec> = { ...runInstancesRequest(inputs) };
  for (const key of IN_PLACE_PARAMETERS) delete request[key];
  return clientToken(inputs.identity, "RunInstances", {
    ...request,
    securityGroupIds: [...(request.securityGroupIds ?? [])].sort(),
    region: inputs.region,
  });
}

/**
 * The RunInstances request of one run of a create: its own token, the create tag, and the launch tag
 * (`launchTagValue`) that says it is unfinished until the create hands it over (providers/tags.ts).
 */
export function createRequest(
  inputs: InstanceFromSharedImageInputs,
  fingerprint: string,
  launchTagValue: string,
): RunInstanceRequest {
  const request = runInstancesRequest(inputs);
  const tag = createTagValue({ state: "done", resourceKey: resourceKey(inputs.identity), fingerprint });
  return {
    ...request,
    tags: { ...request.tags, [RESERVED_TAGS.create]: tag, [RESERVED_TAGS.launch]: launchTagValue },
    clientToken: runToken(fingerprint),
  };
}

/** This process's part of launch tag values: the instances of one run share it. */
const RUN_ID = randomBytes(4).toString("hex");
/** Launches in the same slot of this many milliseconds share a launch tag value, so one listing finds their disks. */
const LAUNCH_SLOT_MS = 10_000;

/** The launch tag value for an instance launched now by this process. */
export function launchTagValue(now = Date.now()): string {
  return `${RUN_ID}.${Math.floor(now / LAUNCH_SLOT_MS)}`;
}
