// What the back doors (in-process admin and /_emulator/) read and change on the model, apart from the emulator's
// own plumbing: instance patches, an instance's login credentials and the per-account inventory.
import { AdminError } from "./admin/errors";
import { type Cloud, isRunningCopy } from "./models/cloud";
import type { InstanceRec, InstanceStatus, PasswordSource } from "./models/types";

export interface InstancePatch {
  status?: InstanceStatus;
  name?: string;
  imageId?: string;
  keyPairName?: string;
  locks?: string[];
  tags?: Record<string, string>;
  deletionProtection?: boolean;
}

/** What the emulator knows of an instance's login credentials; never the password itself. */
export interface InstanceCredentials {
  keyPairName: string;
  password: PasswordSource;
  /** The image whose preset password the instance uses (password "imagePreset" only). */
  presetImageId?: string;
  /** Whether the emulator holds the fingerprint of the password that was set (it does not after a restart). */
  fingerprintKnown: boolean;
}

/**
 * Answer of a password check: true or false when the emulator can tell, "unknown" when it cannot (an image's preset
 * password, or a password set before a restart from a state file). Compare with `=== true`: "unknown" is truthy.
 */
export type PasswordCheck = boolean | "unknown";

const PATCHABLE = ["status", "name", "imageId", "keyPairName", "locks", "tags", "deletionProtection"];

/** Changes an instance behind the client's back; a status set this way cancels any transition under way. */
export function applyInstancePatch(inst: InstanceRec, patch: InstancePatch): void {
  for (const k of Object.keys(patch)) {
    if (!PATCHABLE.includes(k)) throw new AdminError(400, `modifyInstance: unknown field ${k}`);
  }
  if (patch.status !== undefined) {
    inst.status = patch.status;
    inst.transitions = [];
  }
  if (patch.name !== undefined) inst.name = patch.name;
  if (patch.imageId !== undefined) inst.imageId = patch.imageId;
  if (patch.keyPairName !== undefined) inst.keyPairName = patch.keyPairName;
  if (patch.locks !== undefined) inst.locks = [...patch.locks];
  if (patch.tags !== undefined) inst.tags = { ...patch.tags };
  if (patch.deletionProtection !== undefined) inst.deletionProtection = patch.deletionProtection;
}

export function instanceCredentials(cloud: Cloud, inst: InstanceRec): InstanceCredentials {
  return {
    keyPairName: inst.keyPairName,
    password: inst.password,
    ...(inst.password === "imagePreset" ? { presetImageId: inst.passwordPresetImageId } : {}),
    fingerprintKnown: inst.password === "set" && cloud.passwordFingerprints.has(inst.instanceId),
  };
}

export type Inventory = ReturnType<typeof inventory>;

export function inventory(cloud: Cloud, accountId?: string) {
  const s = cloud.state;
  const ids = accountId ? [accountId] : Object.keys(s.accounts);
  return Object.fromEntries(
    ids.map((id) => {
      const acc = s.accounts[id];
      if (!acc) throw new Error(`inventory: no account ${id}`);
      const images = Object.values(s.images).filter((i) => i.kind === "custom" && i.ownerId === id);
      return [
        id,
        {
          name: acc.name,
          inArrears: acc.inArrears,
          images: images.map((i) => ({ ...structuredClone(i), progress: cloud.copyProgress(i) })),
          sharedWithMe: Object.values(s.images)
            .filter((i) => i.sharedWith[id] !== undefined)
            .map((i) => ({ imageId: i.imageId, ownerId: i.ownerId, regionId: i.regionId, name: i.name })),
          copiesInProgress: images.filter(isRunningCopy).map((i) => ({
            imageId: i.imageId,
            status: i.status,
            progress: cloud.copyProgress(i),
            source: i.copy?.sourceImageId,
          })),
          instances: Object.values(s.instances)
            .filter((i) => i.ownerId === id)
            .map((i) => ({ ...structuredClone(i), hasPassword: i.password !== "none" })),
          disks: Object.values(s.disks)
            .filter((d) => d.ownerId === id)
            .map((d) => structuredClone(d)),
          kmsKeys: Object.values(s.kmsKeys)
            .filter((k) => k.ownerId === id)
            .map((k) => ({ ...k })),
        },
      ];
    }),
  );
}
