// An instance's login credentials: the password source and key pair a request gives a new system disk, and
// AttachKeyPair / DetachKeyPair. Passwords arrive as salted fingerprints; the password itself never reaches the model.
import type { Cloud } from "../cloud";
import {
  DependencyViolationWindowsInstance,
  InvalidKeyPairNameNotFound,
  InvalidParameterConflict,
  InvalidPasswordParamMismatch,
} from "../errors";
import type { ImageRec, InstanceRec, Principal } from "../types";

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
export function checkLogin(cloud: Cloud, caller: Principal, regionId: string, img: ImageRec, login: Login): void {
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
export function applyLogin(cloud: Cloud, inst: InstanceRec, login: Login): void {
  inst.keyPairName = login.keyPairName ?? "";
  if (login.passwordFingerprint !== undefined) setPassword(cloud, inst, login.passwordFingerprint);
  else {
    inst.password = login.passwordInherit ? "imagePreset" : "none";
    inst.passwordPresetImageId = login.passwordInherit ? inst.imageId : "";
    cloud.passwordFingerprints.delete(inst.instanceId);
  }
}

export function setPassword(cloud: Cloud, inst: InstanceRec, fingerprint: string): void {
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

/** One instance's outcome in AttachKeyPair / DetachKeyPair, which answer per instance instead of failing the call. */
export interface KeyPairResult {
  instanceId: string;
  ok: boolean;
  code: string;
  message: string;
}

type KeyPairChange = (inst: InstanceRec, keyPairName: string) => Omit<KeyPairResult, "instanceId"> | undefined;

function forEachInstance(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  keyPairName: string,
  instanceIds: string[],
  change: KeyPairChange,
): KeyPairResult[] {
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
    const refused = change(inst, keyPairName);
    return { instanceId: id, ...(refused ?? { ok: true, code: "200", message: "successful" }) };
  });
}

export function attachKeyPair(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  keyPairName: string,
  instanceIds: string[],
): KeyPairResult[] {
  return forEachInstance(cloud, caller, regionId, keyPairName, instanceIds, (inst) => {
    if (inst.osType === "windows") {
      return {
        ok: false,
        code: "DependencyViolation.WindowsInstance",
        message: "The instance creating is windows, cannot use ssh key pair to login",
      };
    }
    inst.keyPairName = keyPairName;
    return undefined;
  });
}

export function detachKeyPair(
  cloud: Cloud,
  caller: Principal,
  regionId: string,
  keyPairName: string,
  instanceIds: string[],
): KeyPairResult[] {
  return forEachInstance(cloud, caller, regionId, keyPairName, instanceIds, (inst) => {
    if (inst.keyPairName !== keyPairName) {
      return {
        ok: false,
        code: "InvalidKeyPairName.NotFound",
        message: `The key pair is not bound to "${inst.instanceId}".`,
      };
    }
    inst.keyPairName = "";
    return undefined;
  });
}
