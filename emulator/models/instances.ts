import type { Cloud } from "./cloud";
import {
  DependencyViolationWindowsInstance,
  DryRunOperation,
  EncryptedOptionConflict,
  IncorrectDiskStatus,
  IncorrectInstanceStatus,
  IncorrectInstanceStatusInitializing,
  InstanceExpiredOrInArrears,
  InstanceLockedForSecurity,
  InstanceNotReady,
  InvalidDataDiskCategoryValueNotSupported,
  InvalidDataDiskSizeValueNotSupported,
  InvalidInstanceTypeValueNotSupported,
  InvalidKeyPairNameNotFound,
  InvalidOperationDeletionProtection,
  InvalidParameter,
  InvalidParameterConflict,
  InvalidParameterEncryptedIllegal,
  InvalidParameterMismatch,
  InvalidPasswordParamMismatch,
  InvalidSecurityGroupIdNotFound,
  InvalidSystemDiskCategoryValueNotSupported,
  InvalidSystemDiskSize,
  InvalidSystemDiskSizeImageNotSupportResize,
  InvalidSystemDiskSizeLessThanImageSize,
  InvalidSystemDiskSizeMoreThanMaxSize,
  InvalidVSwitchIdNotFound,
  InvalidZoneIdNotFound,
  OperationDeniedInstanceCreating,
} from "./errors";
import { type TagFilter, tagsMatch, wildcardMatch } from "./match";
import type { DiskRec, ImageRec, InstanceRec, InstanceStatus, Principal, Tags } from "./types";

/** RunInstances' HostName for a Windows image: 2-15 characters, no period, a hyphen never first, last or doubled. */
const WINDOWS_HOST_NAME = /^(?=.{2,15}$)(?!\d+$)[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9]))*$/;

export const DISK_CATEGORIES = [
  "cloud",
  "cloud_efficiency",
  "cloud_ssd",
  "cloud_essd",
  "cloud_auto",
  "cloud_essd_entry",
];
const MAX_SYSTEM_DISK_GIB = 2048;

export interface DiskSpec {
  category?: string;
  sizeGiB?: number;
  encrypted?: boolean;
  kmsKeyId?: string;
  snapshotId?: string;
  deleteWithInstance?: boolean;
  name?: string;
}

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

/** The instance's OperationLocks: its own, plus "financial" while its account is in arrears. */
export function instanceLocks(cloud: Cloud, inst: InstanceRec): string[] {
  const locks = [...inst.locks];
  if (cloud.state.accounts[inst.ownerId]?.inArrears && !locks.includes("financial")) locks.push("financial");
  return locks;
}

function assertNotLocked(cloud: Cloud, inst: InstanceRec): void {
  const locks = instanceLocks(cloud, inst);
  if (locks.includes("security"))
    throw new InstanceLockedForSecurity(`The instance "${inst.instanceId}" is locked for security reasons.`);
  if (locks.includes("financial")) {
    throw new InstanceExpiredOrInArrears(
      `The instance "${inst.instanceId}" is locked because its account has overdue payments.`,
    );
  }
}

/**
 * The login credentials a request gives a new system disk. The handler turns a Password into a salted fingerprint, so
 * the password itself never reaches the model.
 */
export interface Login {
  passwordFingerprint?: string;
  passwordInherit: boolean;
  keyPairName?: string;
}

/**
 * Checks the credentials a request gives a disk created from `img`. PasswordInherit=true means "use the password
 * preset in the image" (ECS docs: "make sure that the selected image has a password preset"), not "keep the current
 * password". ECS documents no code for an image without one: InvalidParameter.Conflict is the closest documented code
 * (a parameter conflicts with another one, here with ImageId), see emulator/README.md.
 */
function checkLogin(cloud: Cloud, caller: Principal, regionId: string, img: ImageRec, login: Login): void {
  if (login.keyPairName) {
    checkKeyPair(cloud, caller, regionId, login.keyPairName);
    if (img.osType === "windows") {
      throw new DependencyViolationWindowsInstance(
        `The image "${img.imageId}" is a Windows image; Windows instances cannot log in with the key pair "${login.keyPairName}".`,
      );
    }
  }
  if (login.passwordInherit && (login.passwordFingerprint !== undefined || login.keyPairName)) {
    throw new InvalidPasswordParamMismatch();
  }
  if (login.passwordInherit && !img.passwordPreset) {
    throw new InvalidParameterConflict(
      `PasswordInherit=true uses the password preset in the image, but the image "${img.imageId}" has no preset password; pass Password or KeyPairName instead.`,
    );
  }
}

/** Gives the instance exactly the credentials of `login` (a new system disk keeps nothing of the old one). */
function applyLogin(cloud: Cloud, inst: InstanceRec, login: Login): void {
  inst.keyPairName = login.keyPairName ?? "";
  if (login.passwordFingerprint !== undefined) setPassword(cloud, inst, login.passwordFingerprint);
  else {
    inst.password = login.passwordInherit ? "imagePreset" : "none";
    inst.passwordPresetImageId = login.passwordInherit ? inst.imageId : "";
    cloud.passwordFingerprints.delete(inst.instanceId);
  }
}

function setPassword(cloud: Cloud, inst: InstanceRec, fingerprint: string): void {
  inst.password = "set";
  inst.passwordPresetImageId = "";
  cloud.passwordFingerprints.set(inst.instanceId, fingerprint);
}

function checkKeyPair(cloud: Cloud, caller: Principal, regionId: string, name: string): void {
  if (
    !cloud.state.keyPairs.some(
      (k) => k.ownerId === caller.accountId && k.regionId === regionId && k.keyPairName === name,
    )
  ) {
    throw new InvalidKeyPairNameNotFound(`The specified KeyPairName "${name}" does not exist in ${regionId}.`);
  }
}

/**
 * Encryption rules for disks created from `img`. Disks created from an encrypted image are always encrypted; for a
 * shared encrypted image the caller must say so explicitly (Encrypted=true) and may name its own CMK, because the
 * owner's key cannot encrypt the caller's disks.
 */
function checkDiskEncryption(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  img: ImageRec,
  spec: DiskSpec,
  param: string,
  fromImage: boolean,
): void {
  if (spec.kmsKeyId && spec.encrypted !== true) {
    throw new InvalidParameterEncryptedIllegal(
      `${param}.KMSKeyId can only be specified together with ${param}.Encrypted=true.`,
    );
  }
  const imageEncrypted = img.diskMappings.some((m) => m.encrypted);
  if (fromImage && imageEncrypted) {
    const shared = img.ownerId !== caller.accountId;
    if (spec.encrypted === false || (shared && param.startsWith("DataDisk") && spec.encrypted !== true)) {
      throw new EncryptedOptionConflict(
        `The image "${img.imageId}" is encrypted; ${param}.Encrypted must be true for disks created from it.`,
      );
    }
  }
  if (spec.kmsKeyId) cloud.usableKmsKey(caller, regionId, spec.kmsKeyId);
}

function systemDiskSize(img: ImageRec, requested: number | undefined, current: number | undefined): number {
  const size = requested ?? Math.max(current ?? 0, img.sizeGiB, 20);
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
  if (size < 20) throw new InvalidSystemDiskSize(`SystemDisk.Size ${size} GiB is less than 20 GiB.`);
  if (!img.supportsResize && size !== img.sizeGiB) {
    throw new InvalidSystemDiskSizeImageNotSupportResize(
      `The image "${img.imageId}" only supports a ${img.sizeGiB} GiB system disk.`,
    );
  }
  return size;
}

export function createInstances(
  cloud: Cloud,
  caller: Principal,
  action: string,
  input: CreateInstancesInput,
): InstanceRec[] {
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
  const img = cloud.visibleImage(caller, input.regionId, input.imageId);
  // RAM evaluates ecs:ImageOwnerId against the image's owner (absent for public images).
  cloud.authorize(caller, action, img.kind === "custom" ? { "ecs:ImageOwnerId": img.ownerId } : {});
  cloud.assertUsable(caller, img, "disks");
  checkLogin(cloud, caller, input.regionId, img, input.login);
  if (img.osType === "windows" && input.hostName !== undefined && !WINDOWS_HOST_NAME.test(input.hostName)) {
    throw new InvalidParameter("HostName", "a Windows host name is 2-15 letters, digits and hyphens, not only digits");
  }
  const sysCategory = input.systemDisk.category ?? "cloud_essd";
  if (!DISK_CATEGORIES.includes(sysCategory)) {
    throw new InvalidSystemDiskCategoryValueNotSupported(`SystemDisk.Category "${sysCategory}" is not supported.`);
  }
  const sysSize = systemDiskSize(img, input.systemDisk.sizeGiB, undefined);
  checkDiskEncryption(cloud, caller, input.regionId, img, input.systemDisk, "SystemDisk", true);
  input.dataDisks.forEach((d, i) => {
    const param = `DataDisk.${i + 1}`;
    const category = d.category ?? "cloud_essd";
    if (!DISK_CATEGORIES.includes(category)) {
      throw new InvalidDataDiskCategoryValueNotSupported(`${param}.Category "${category}" is not supported.`);
    }
    if (d.sizeGiB !== undefined && (d.sizeGiB < 20 || d.sizeGiB > 32768)) {
      throw new InvalidDataDiskSizeValueNotSupported(`${param}.Size must be between 20 and 32768 GiB.`);
    }
    checkDiskEncryption(cloud, caller, input.regionId, img, d, param, true);
  });
  if (input.dryRun) throw new DryRunOperation();

  const now = cloud.now();
  const created: InstanceRec[] = [];
  const imageEncrypted = img.diskMappings.some((m) => m.encrypted);
  const ownKey = (kmsKeyId: string) => (img.ownerId === caller.accountId ? kmsKeyId : "");
  for (let n = 0; n < input.amount; n++) {
    const instanceId = cloud.newId("i", input.regionId);
    const suffix = input.amount > 1 && input.uniqueSuffix ? String(n + 1).padStart(3, "0") : "";
    const octets = vsw.cidrBlock.split(".");
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
            { status: "Starting", at: now + s.settings.pendingMs },
            { status: "Running", at: now + s.settings.pendingMs + s.settings.startingMs },
          ]
        : [{ status: "Stopped", at: now + s.settings.pendingMs }],
      vSwitchId: vsw.vSwitchId,
      vpcId: vsw.vpcId,
      privateIp: `${octets[0]}.${octets[1]}.${octets[2]}.${vsw.nextHost++ % 254}`,
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
    s.instances[instanceId] = inst;
    applyLogin(cloud, inst, input.login);
    // RunInstances puts its tags on the instance and on every disk it makes with it.
    const sysMap = img.diskMappings.find((m) => m.type === "system");
    addDisk(
      cloud,
      inst,
      {
        type: "system",
        category: sysCategory,
        sizeGiB: sysSize,
        encrypted: imageEncrypted || input.systemDisk.encrypted === true,
        kmsKeyId: input.systemDisk.kmsKeyId ?? ownKey(sysMap?.kmsKeyId ?? ""),
        imageId: img.imageId,
        snapshotId: "",
        device: "/dev/xvda",
        deleteWithInstance: true,
        readyAt: now,
      },
      input.tags,
    );
    const explicit = [...input.dataDisks];
    img.diskMappings
      .filter((m) => m.type === "data")
      .forEach((m, i) => {
        const j = explicit.findIndex((d) => d.snapshotId === m.snapshotId);
        const spec = j >= 0 ? explicit.splice(j, 1)[0] : {};
        addDisk(
          cloud,
          inst,
          {
            type: "data",
            category: spec.category ?? "cloud_essd",
            sizeGiB: Math.max(spec.sizeGiB ?? m.sizeGiB, m.sizeGiB),
            encrypted: m.encrypted || spec.encrypted === true,
            kmsKeyId: spec.kmsKeyId ?? ownKey(m.kmsKeyId),
            imageId: "",
            snapshotId: m.snapshotId,
            device: `/dev/xvd${String.fromCharCode(98 + i)}`,
            deleteWithInstance: spec.deleteWithInstance ?? true,
            readyAt: now,
          },
          input.tags,
        );
      });
    const base = img.diskMappings.filter((m) => m.type === "data").length;
    explicit.forEach((d, i) => {
      addDisk(
        cloud,
        inst,
        {
          type: "data",
          category: d.category ?? "cloud_essd",
          sizeGiB: d.sizeGiB ?? 40,
          encrypted: d.encrypted === true,
          kmsKeyId: d.kmsKeyId ?? "",
          imageId: "",
          snapshotId: d.snapshotId ?? "",
          device: `/dev/xvd${String.fromCharCode(98 + base + i)}`,
          deleteWithInstance: d.deleteWithInstance ?? true,
          readyAt: now,
        },
        input.tags,
      );
    });
    created.push(inst);
  }
  return created;
}

function addDisk(
  cloud: Cloud,
  inst: InstanceRec,
  d: Pick<
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
  >,
  tags: Tags = {},
): DiskRec {
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

function schedule(cloud: Cloud, inst: InstanceRec, steps: [InstanceStatus, number][]): void {
  let at = cloud.now();
  inst.transitions = steps.map(([status, ms]) => {
    at += ms;
    return { status, at };
  });
}

function wrongStatus(inst: InstanceRec, action: string, expected: string): never {
  if (inst.status === "Pending") {
    throw new IncorrectInstanceStatusInitializing(`The instance "${inst.instanceId}" is still being created.`);
  }
  throw new IncorrectInstanceStatus(
    `The instance "${inst.instanceId}" is ${inst.status}; ${action} needs it to be ${expected}.`,
  );
}

export function startInstance(cloud: Cloud, caller: Principal, instanceId: string, dryRun: boolean): void {
  const inst = cloud.instance(caller, instanceId);
  assertNotLocked(cloud, inst);
  if (inst.status !== "Stopped") wrongStatus(inst, "StartInstance", "Stopped");
  if (systemDisk(cloud, inst)?.status === "Creating") {
    throw new InstanceNotReady(`The system disk of "${instanceId}" is still being created; try again later.`);
  }
  if (dryRun) throw new DryRunOperation();
  inst.status = "Starting";
  inst.stoppedMode = "";
  schedule(cloud, inst, [["Running", cloud.state.settings.startingMs]]);
}

export function stopInstance(
  cloud: Cloud,
  caller: Principal,
  instanceId: string,
  stoppedMode: "KeepCharging" | "StopCharging",
  dryRun: boolean,
): void {
  const inst = cloud.instance(caller, instanceId);
  if (inst.status !== "Running") wrongStatus(inst, "StopInstance", "Running");
  if (dryRun) throw new DryRunOperation();
  beginStop(cloud, inst, stoppedMode);
}

/** Running -> Stopping -> Stopped over the world's stopping time. */
export function beginStop(cloud: Cloud, inst: InstanceRec, stoppedMode: "KeepCharging" | "StopCharging"): void {
  inst.status = "Stopping";
  inst.stoppedMode = stoppedMode;
  schedule(cloud, inst, [["Stopped", cloud.state.settings.stoppingMs]]);
}

export function rebootInstance(cloud: Cloud, caller: Principal, instanceId: string, dryRun: boolean): void {
  const inst = cloud.instance(caller, instanceId);
  assertNotLocked(cloud, inst);
  if (inst.status !== "Running") wrongStatus(inst, "RebootInstance", "Running");
  if (dryRun) throw new DryRunOperation();
  inst.status = "Stopping";
  const st = cloud.state.settings;
  schedule(cloud, inst, [
    ["Starting", st.stoppingMs / 2],
    ["Running", st.startingMs / 2],
  ]);
}

function checkDeletable(
  cloud: Cloud,
  caller: Principal,
  instanceId: string,
  force: boolean,
  regionId?: string,
): InstanceRec {
  const inst = cloud.instance(caller, instanceId, regionId);
  if (inst.deletionProtection) {
    throw new InvalidOperationDeletionProtection(`The instance "${instanceId}" has deletion protection enabled.`);
  }
  if (inst.status === "Pending") wrongStatus(inst, "DeleteInstance", "Stopped");
  // Without Force only a Stopped instance can be released; Force releases it in any settled or transient state.
  if (!force && inst.status !== "Stopped") wrongStatus(inst, "DeleteInstance without Force", "Stopped");
  return inst;
}

export function releaseInstance(cloud: Cloud, inst: InstanceRec): void {
  for (const d of Object.values(cloud.state.disks)) {
    if (d.instanceId !== inst.instanceId) continue;
    if (d.deleteWithInstance) delete cloud.state.disks[d.diskId];
    else {
      d.instanceId = "";
      d.status = "Available";
    }
  }
  delete cloud.state.instances[inst.instanceId];
  cloud.passwordFingerprints.delete(inst.instanceId);
}

export function deleteInstance(
  cloud: Cloud,
  caller: Principal,
  instanceId: string,
  force: boolean,
  dryRun: boolean,
): void {
  const inst = checkDeletable(cloud, caller, instanceId, force);
  if (dryRun) throw new DryRunOperation();
  releaseInstance(cloud, inst);
}

export function deleteInstances(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  instanceIds: string[],
  force: boolean,
  dryRun: boolean,
): void {
  cloud.region(regionId);
  // All-or-nothing: every instance is checked before any is released.
  const insts = instanceIds.map((id) => checkDeletable(cloud, caller, id, force, regionId));
  if (dryRun) throw new DryRunOperation();
  for (const inst of insts) releaseInstance(cloud, inst);
}

export interface DescribeInstancesQuery {
  regionId: string;
  instanceIds?: string[];
  statuses: string[];
  name: string;
  imageId: string;
  vSwitchId: string;
  vpcId: string;
  zoneId: string;
  securityGroupId: string;
  keyPairName: string;
  instanceType: string;
  tags: TagFilter;
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
        (q.statuses.length === 0 || q.statuses.includes(i.status)) &&
        (!q.name || wildcardMatch(q.name, i.name)) &&
        (!q.imageId || i.imageId === q.imageId) &&
        (!q.vSwitchId || i.vSwitchId === q.vSwitchId) &&
        (!q.vpcId || i.vpcId === q.vpcId) &&
        (!q.zoneId || i.zoneId === q.zoneId) &&
        (!q.instanceType || i.instanceType === q.instanceType) &&
        (!q.securityGroupId || i.securityGroupIds.includes(q.securityGroupId)) &&
        (!q.keyPairName || i.keyPairName === q.keyPairName) &&
        tagsMatch(i.tags, q.tags),
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

export interface ReplaceSystemDiskInput {
  instanceId: string;
  imageId: string;
  sizeGiB?: number;
  login: Login;
  encrypted?: boolean;
  kmsKeyId?: string;
}

/**
 * ReplaceSystemDisk: the instance must be Stopped in standard mode (KeepCharging; economical mode releases the
 * resources the new disk needs). The disk is re-created, so its id changes. The new disk has exactly the credentials
 * the request passes: Password, KeyPairName, or PasswordInherit=true (the new image's preset password). With none of
 * them it has no password and no key pair: a common cause of lost SSH access.
 */
export function replaceSystemDisk(cloud: Cloud, caller: Principal, input: ReplaceSystemDiskInput): DiskRec {
  const inst = cloud.instance(caller, input.instanceId);
  assertNotLocked(cloud, inst);
  if (inst.status === "Pending") {
    throw new OperationDeniedInstanceCreating(`The instance "${inst.instanceId}" is still being created.`);
  }
  if (inst.status !== "Stopped") wrongStatus(inst, "ReplaceSystemDisk", "Stopped");
  if (inst.stoppedMode === "StopCharging") {
    throw new IncorrectInstanceStatus(
      `The instance "${inst.instanceId}" was stopped in economical mode (StopCharging); stop it with StoppedMode=KeepCharging.`,
    );
  }
  const current = systemDisk(cloud, inst);
  if (current?.status === "Creating") {
    throw new IncorrectDiskStatus(`The system disk of "${inst.instanceId}" is still being created by a replacement.`);
  }
  const img = cloud.visibleImage(caller, inst.regionId, input.imageId);
  cloud.assertUsable(caller, img, "disks");
  const size = systemDiskSize(img, input.sizeGiB, current?.sizeGiB);
  checkLogin(cloud, caller, inst.regionId, img, input.login);
  checkDiskEncryption(
    cloud,
    caller,
    inst.regionId,
    img,
    { encrypted: input.encrypted, kmsKeyId: input.kmsKeyId },
    "SystemDisk",
    true,
  );

  const imageEncrypted = img.diskMappings.some((m) => m.encrypted);
  const sysMap = img.diskMappings.find((m) => m.type === "system");
  if (current) delete cloud.state.disks[current.diskId];
  const disk = addDisk(cloud, inst, {
    type: "system",
    category: current?.category ?? "cloud_essd",
    sizeGiB: size,
    encrypted: imageEncrypted || input.encrypted === true,
    kmsKeyId: input.kmsKeyId ?? (img.ownerId === caller.accountId ? (sysMap?.kmsKeyId ?? "") : ""),
    imageId: img.imageId,
    snapshotId: "",
    device: "/dev/xvda",
    deleteWithInstance: true,
    readyAt: cloud.now() + cloud.state.settings.diskCreatingMs,
  });
  inst.imageId = img.imageId;
  inst.osName = img.osName;
  inst.osType = img.osType;
  applyLogin(cloud, inst, input.login);
  return disk;
}

export function attachKeyPair(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  keyPairName: string,
  instanceIds: string[],
) {
  cloud.region(regionId);
  checkKeyPair(cloud, caller, regionId, keyPairName);
  return instanceIds.map((id) => {
    const inst = cloud.state.instances[id];
    if (!inst || inst.ownerId !== caller.accountId || inst.regionId !== regionId) {
      return {
        instanceId: id,
        ok: false,
        code: "InvalidInstanceId.NotFound",
        message: `The instance "${id}" does not exist.`,
      };
    }
    if (inst.osType === "windows") {
      return {
        instanceId: id,
        ok: false,
        code: "DependencyViolation.WindowsInstance",
        message: "The instance creating is windows, cannot use ssh key pair to login",
      };
    }
    inst.keyPairName = keyPairName;
    return { instanceId: id, ok: true, code: "200", message: "successful" };
  });
}

export function detachKeyPair(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  keyPairName: string,
  instanceIds: string[],
) {
  cloud.region(regionId);
  checkKeyPair(cloud, caller, regionId, keyPairName);
  return instanceIds.map((id) => {
    const inst = cloud.state.instances[id];
    if (!inst || inst.ownerId !== caller.accountId || inst.regionId !== regionId) {
      return {
        instanceId: id,
        ok: false,
        code: "InvalidInstanceId.NotFound",
        message: `The instance "${id}" does not exist.`,
      };
    }
    if (inst.keyPairName !== keyPairName) {
      return {
        instanceId: id,
        ok: false,
        code: "InvalidKeyPairName.NotFound",
        message: `The key pair is not bound to "${id}".`,
      };
    }
    inst.keyPairName = "";
    return { instanceId: id, ok: true, code: "200", message: "successful" };
  });
}
