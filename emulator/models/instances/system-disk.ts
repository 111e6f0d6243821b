// ReplaceSystemDisk: a new system disk from an image for a stopped instance, with a new disk id and exactly the
// credentials the request passes.
import type { Cloud } from "../cloud";
import { IncorrectDiskStatus, IncorrectInstanceStatus, OperationDeniedInstanceCreating } from "../errors";
import type { DiskRec, Principal } from "../types";
import { applyLogin, checkLogin, type Login } from "./credentials";
import { addDisk, checkDiskEncryption, systemDisk, systemDiskFromImage, systemDiskSize } from "./disks";
import { assertNotLocked, wrongStatus } from "./lifecycle";

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
  );

  if (current) delete cloud.state.disks[current.diskId];
  const disk = addDisk(
    cloud,
    inst,
    systemDiskFromImage(
      caller,
      img,
      {
        category: current?.category ?? "cloud_essd",
        sizeGiB: size,
        encrypted: input.encrypted,
        kmsKeyId: input.kmsKeyId,
      },
      cloud.now() + cloud.state.settings.diskCreatingMs,
    ),
  );
  inst.imageId = img.imageId;
  inst.osName = img.osName;
  inst.osType = img.osType;
  applyLogin(cloud, inst, input.login);
  return disk;
}
