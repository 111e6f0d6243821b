// Instance actions: RunInstances, CreateInstance, Start/Stop/Reboot/DeleteInstance(s), ModifyInstanceAttribute,
// ReplaceSystemDisk, Attach/DetachKeyPair. Parses and checks parameters, turns a Password into its fingerprint.
import {
  InvalidParameter,
  InvalidParameterConflict,
  InvalidPasswordMalformed,
  MissingParameter,
} from "../models/errors";
import { attachKeyPair, detachKeyPair, type Login } from "../models/instances/credentials";
import { DISK_CATEGORIES, type DiskSpec } from "../models/instances/disks";
import {
  deleteInstance,
  deleteInstances,
  rebootInstance,
  startInstance,
  stopInstance,
} from "../models/instances/lifecycle";
import { type CreateInstancesInput, createInstances, modifyInstanceAttribute } from "../models/instances/records";
import { replaceSystemDisk } from "../models/instances/system-disk";
import {
  CLIENT_TOKEN,
  fingerprint,
  type Handler,
  INSTANCE_ID,
  type PasswordFingerprinter,
  REGION_ID,
  requestTags,
} from "./context";
import type { Params } from "./params";

const NAME = /^[A-Za-z\u4e00-\u9fa5][\w\u4e00-\u9fa5.:,()[\]-]{1,127}$/;
/** RunInstances' Description: 2-256 characters, not starting with a URL. */
const DESCRIPTION = /^(?!https?:\/\/)[\s\S]{2,256}$/;
/** RunInstances' HostName outside Windows: 2-64 characters; a period or hyphen never first, last or doubled. */
const HOST_NAME = /^(?=.{2,64}$)[A-Za-z0-9](?:[A-Za-z0-9]|[.-](?=[A-Za-z0-9]))*$/;

/**
 * ECS password rules: 8-30 characters, three of four character classes. Returns the salted fingerprint of a valid
 * Password: the password itself goes no further than this function.
 */
function password(p: Params, passwords: PasswordFingerprinter): string | undefined {
  const v = p.str("Password", { max: 64 });
  if (v === undefined) return undefined;
  const classes = [/[a-z]/, /[A-Z]/, /\d/, /[()`~!@#$%^&*\-_+=|{}[\]:;'<>,.?/]/].filter((r) => r.test(v)).length;
  if (v.length < 8 || v.length > 30 || classes < 3 || /[^\x21-\x7e]/.test(v)) throw new InvalidPasswordMalformed();
  return passwords.fingerprint(v);
}

function login(p: Params, passwords: PasswordFingerprinter): Login {
  return {
    passwordFingerprint: password(p, passwords),
    passwordInherit: p.bool("PasswordInherit") ?? false,
    keyPairName: p.str("KeyPairName", { max: 128 }),
  };
}

function diskSpec(d: Params, sizeRange: [number, number]): DiskSpec {
  return {
    category: d.str("Category", { oneOf: DISK_CATEGORIES }),
    sizeGiB: d.int("Size", { min: sizeRange[0], max: sizeRange[1] }),
    encrypted: d.bool("Encrypted"),
    kmsKeyId: d.str("KMSKeyId", { max: 128 }),
    snapshotId: d.str("SnapshotId", { max: 64 }),
    deleteWithInstance: d.bool("DeleteWithInstance"),
    name: d.str("DiskName", { max: 128 }),
  };
}

function createInput(p: Params, multi: boolean, passwords: PasswordFingerprinter): CreateInstancesInput {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const sgIds = multi ? p.list("SecurityGroupIds", 10, { pattern: /^sg-[\w-]+$/ }) : [];
  const sgId = p.str("SecurityGroupId", { pattern: /^sg-[\w-]+$/ });
  if (sgId && sgIds.length > 0)
    throw new InvalidParameterConflict("SecurityGroupId and SecurityGroupIds.N cannot be specified together.");
  const securityGroupIds = sgId ? [sgId] : sgIds;
  if (securityGroupIds.length === 0) throw new MissingParameter("SecurityGroupId");
  const sys = p.struct("SystemDisk");
  const systemDisk = diskSpec(sys, [20, 2048]);
  sys.ignore(
    "PerformanceLevel",
    "Description",
    "AutoSnapshotPolicyId",
    "EncryptAlgorithm",
    "BurstingEnabled",
    "ProvisionedIops",
  );
  const dataDisks = p.structs("DataDisk", 16).map((d) => {
    const spec = diskSpec(d, [1, 32768]);
    d.ignore(
      "PerformanceLevel",
      "Description",
      "Device",
      "AutoSnapshotPolicyId",
      "EncryptAlgorithm",
      "BurstingEnabled",
      "ProvisionedIops",
    );
    return spec;
  });
  const amount = multi ? (p.int("Amount", { min: 1, max: 100 }) ?? 1) : 1;
  const minAmount = multi ? p.int("MinAmount", { min: 1, max: 100 }) : undefined;
  if (minAmount !== undefined && minAmount > amount)
    throw new InvalidParameter("MinAmount", "must not be greater than Amount");
  const name = p.str("InstanceName", { max: 128 });
  if (name !== undefined && !NAME.test(name))
    throw new InvalidParameter("InstanceName", "2-128 characters, starting with a letter");
  const input: CreateInstancesInput = {
    start: multi,
    regionId,
    zoneId: p.str("ZoneId", { max: 64 }),
    imageId: p.str("ImageId", { required: true, pattern: /^[A-Za-z0-9_.-]{1,128}$/ }),
    instanceType: p.str("InstanceType", { required: true, max: 64 }),
    vSwitchId: p.str("VSwitchId", { required: true, pattern: /^vsw-[\w-]+$/ }),
    securityGroupIds,
    name,
    description: p.str("Description", { max: 256, pattern: DESCRIPTION }),
    hostName: p.str("HostName", { pattern: HOST_NAME }),
    login: login(p, passwords),
    amount,
    uniqueSuffix: multi ? (p.bool("UniqueSuffix") ?? false) : false,
    systemDisk,
    dataDisks,
    tags: requestTags(p, true),
    deletionProtection: p.bool("DeletionProtection") ?? false,
    internetChargeType: p.str("InternetChargeType", { oneOf: ["PayByTraffic", "PayByBandwidth"] }) ?? "PayByTraffic",
    instanceChargeType: p.str("InstanceChargeType", { oneOf: ["PostPaid", "PrePaid"] }) ?? "PostPaid",
    dryRun: p.bool("DryRun") ?? false,
  };
  p.int("InternetMaxBandwidthOut", { min: 0, max: 1024 });
  p.int("InternetMaxBandwidthIn", { min: 0, max: 10240 });
  const userData = p.str("UserData", { max: 32768 });
  if (userData !== undefined && !/^[A-Za-z0-9+/]*={0,2}$/.test(userData))
    throw new InvalidParameter("UserData", "must be Base64-encoded");
  p.ignore(
    "IoOptimized",
    "SecurityEnhancementStrategy",
    "ResourceGroupId",
    "AutoReleaseTime",
    "Period",
    "PeriodUnit",
    "AutoRenew",
  );
  p.ignore("AutoRenewPeriod", "RamRoleName", "PrivateIpAddress", "CreditSpecification", "SpotStrategy");
  if (multi) p.list("HostNames", 100, { pattern: HOST_NAME });
  return input;
}

function create(multi: boolean): Handler {
  const action = multi ? "RunInstances" : "CreateInstance";
  return ({ cloud, caller, p, raw, passwords }) => {
    const input = createInput(p, multi, passwords);
    const token = p.str("ClientToken", { pattern: CLIENT_TOKEN });
    p.finish();
    return cloud.idempotent(
      caller,
      action,
      token,
      fingerprint(raw),
      () => {
        const created = createInstances(cloud, caller, action, input);
        return multi
          ? { InstanceIdSets: { InstanceIdSet: created.map((i) => i.instanceId) } }
          : { InstanceId: created[0].instanceId };
      },
      input.login.passwordFingerprint,
    );
  };
}

export const RunInstances = create(true);
export const CreateInstance = create(false);

function instanceId(p: Params): string {
  return p.str("InstanceId", { required: true, pattern: INSTANCE_ID });
}

export const StartInstance: Handler = ({ cloud, caller, p }) => {
  const id = instanceId(p);
  const dryRun = p.bool("DryRun") ?? false;
  p.ignore("InitLocalDisk");
  p.finish();
  startInstance(cloud, caller, id, dryRun);
  return {};
};

export const StopInstance: Handler = ({ cloud, caller, p }) => {
  const id = instanceId(p);
  const dryRun = p.bool("DryRun") ?? false;
  const mode = (p.str("StoppedMode", { oneOf: ["KeepCharging", "StopCharging"] }) ?? "KeepCharging") as "KeepCharging";
  p.bool("ForceStop");
  p.bool("ConfirmStop");
  p.bool("Hibernate");
  p.finish();
  stopInstance(cloud, caller, id, mode, dryRun);
  return {};
};

export const RebootInstance: Handler = ({ cloud, caller, p }) => {
  const id = instanceId(p);
  const dryRun = p.bool("DryRun") ?? false;
  p.bool("ForceStop");
  p.finish();
  rebootInstance(cloud, caller, id, dryRun);
  return {};
};

export const DeleteInstance: Handler = ({ cloud, caller, p }) => {
  const id = instanceId(p);
  const force = p.bool("Force") ?? false;
  const dryRun = p.bool("DryRun") ?? false;
  p.bool("ForceStop");
  p.bool("TerminateSubscription");
  p.finish();
  deleteInstance(cloud, caller, id, force, dryRun);
  return {};
};

export const DeleteInstances: Handler = ({ cloud, caller, p, raw }) => {
  const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
  const ids = p.list("InstanceId", 100, { required: true, pattern: INSTANCE_ID });
  const force = p.bool("Force") ?? false;
  const dryRun = p.bool("DryRun") ?? false;
  p.bool("ForceStop");
  p.bool("TerminateSubscription");
  const token = p.str("ClientToken", { pattern: CLIENT_TOKEN });
  p.finish();
  return cloud.idempotent(caller, "DeleteInstances", token, fingerprint(raw), () => {
    deleteInstances(cloud, caller, regionId, ids, force, dryRun);
    return {};
  });
};

export const ModifyInstanceAttribute: Handler = ({ cloud, caller, p, passwords }) => {
  const id = instanceId(p);
  const name = p.str("InstanceName", { max: 128 });
  if (name !== undefined && !NAME.test(name))
    throw new InvalidParameter("InstanceName", "2-128 characters, starting with a letter");
  const sgs = p.list("SecurityGroupIds", 5, { pattern: /^sg-[\w-]+$/ });
  const input = {
    instanceId: id,
    name,
    description: p.str("Description", { max: 256, pattern: DESCRIPTION }),
    hostName: p.str("HostName", { pattern: HOST_NAME }),
    passwordFingerprint: password(p, passwords),
    deletionProtection: p.bool("DeletionProtection"),
    securityGroupIds: sgs.length > 0 ? sgs : undefined,
  };
  p.ignore("UserData", "Recyclable", "CreditSpecification", "EnableJumboFrame");
  p.finish();
  modifyInstanceAttribute(cloud, caller, input);
  return {};
};

export const ReplaceSystemDisk: Handler = ({ cloud, caller, p, raw, passwords }) => {
  const id = instanceId(p);
  const imageId = p.str("ImageId", { pattern: /^[A-Za-z0-9_.-]{1,128}$/ });
  const diskId = p.str("DiskId", { max: 64 });
  if (imageId && diskId) throw new InvalidParameterConflict("ImageId and DiskId cannot be specified together.");
  if (diskId)
    throw new InvalidParameter("DiskId", "replacing from a disk is not modelled by the emulator; pass ImageId");
  if (!imageId) throw new MissingParameter("ImageId");
  const input = {
    instanceId: id,
    imageId,
    sizeGiB: p.struct("SystemDisk").int("Size", { min: 1, max: 32768 }),
    login: login(p, passwords),
    encrypted: p.bool("Encrypted"),
    kmsKeyId: p.str("KMSKeyId", { max: 128 }),
  };
  p.str("EncryptAlgorithm", { oneOf: ["aes-256", "sm4-128"] });
  p.ignore("SecurityEnhancementStrategy", "UseAdditionalService", "Architecture", "Platform");
  const token = p.str("ClientToken", { pattern: CLIENT_TOKEN });
  p.finish();
  return cloud.idempotent(
    caller,
    "ReplaceSystemDisk",
    token,
    fingerprint(raw),
    () => ({ DiskId: replaceSystemDisk(cloud, caller, input).diskId }),
    input.login.passwordFingerprint,
  );
};

function keyPairResults(
  results: { instanceId: string; ok: boolean; code: string; message: string }[],
  keyPairName: string,
) {
  return {
    KeyPairName: keyPairName,
    TotalCount: String(results.length),
    FailCount: String(results.filter((r) => !r.ok).length),
    Results: {
      Result: results.map((r) => ({
        InstanceId: r.instanceId,
        Success: String(r.ok),
        Code: r.code,
        Message: r.message,
      })),
    },
  };
}

function keyPairAction(run: typeof attachKeyPair): Handler {
  return ({ cloud, caller, p }) => {
    const regionId = p.str("RegionId", { required: true, pattern: REGION_ID });
    const keyPairName = p.str("KeyPairName", { required: true, max: 128 });
    const ids = p.jsonList("InstanceIds", 50);
    if (!ids || ids.length === 0) throw new MissingParameter("InstanceIds");
    p.finish();
    return keyPairResults(run(cloud, caller, regionId, keyPairName, ids), keyPairName);
  };
}

export const AttachKeyPair = keyPairAction(attachKeyPair);
export const DetachKeyPair = keyPairAction(detachKeyPair);
