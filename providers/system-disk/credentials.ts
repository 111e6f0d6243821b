// The login the new system disk gets (ECS cannot carry a password over to a new disk), and the refusal when there is
// none to give: shared by the preview checks, the run and the revert on delete.
import type { InstanceView } from "../ecs/types";
import type { SystemDiskReplacementInputs } from "./args";
import type { DiskCredentials } from "./sequence";

/** The refusal when a replacement would leave an instance that logs in with a password without one. */
export function passwordInstanceReason(instanceId: string, what: string): string {
  return (
    `instance ${instanceId} has no key pair, so it logs in with a password (or not at all), and ${what} would give ` +
    "it a new system disk without one: ECS cannot carry a password over to a new system disk. Set password (the " +
    "new disk gets it; it can be the current one), passwordInherit: true (the image's preset password) or keyPairName"
  );
}

/** What the new disk gets: the declared credentials, else the key pair the instance has; undefined when neither. */
export function credentialsOf(
  inputs: SystemDiskReplacementInputs,
  instance: InstanceView,
): DiskCredentials | undefined {
  if (inputs.password !== undefined) return { kind: "password", password: inputs.password };
  if (inputs.keyPairName !== undefined) return { kind: "keyPair", keyPairName: inputs.keyPairName };
  if (inputs.passwordInherit === true) return { kind: "imagePreset" };
  if (instance.keyPairName) return { kind: "keyPair", keyPairName: instance.keyPairName };
  return undefined;
}
