// Fixtures shared by SystemDiskReplacement's rule tables (test/unit) and its emulator-backed tests: inputs as
// check() passes them on, each with its own resource identity.

import { DEMO } from "../../emulator/demo-credentials";
import type { IdentityInput } from "../../providers/resource-identity";
import type { SystemDiskReplacementInputs } from "../../providers/system-disk/args";

export const PASSWORD = "Sdr-Test-Pass-9x";
export const approval = { approvedOwners: [DEMO.owner.accountId] };

let serial = 0;
export function identity(): IdentityInput {
  const name = `sdr-${++serial}`;
  const type = "pulumi-nodejs:dynamic/ecs-shared-images:SystemDiskReplacement";
  return { project: "p", stack: "test", type, name, urn: `urn:pulumi:test::p::${type}::${name}` };
}

/** Inputs as check() passes them on (region resolved). */
export function inputs(
  instanceId: string,
  extra: Partial<SystemDiskReplacementInputs> = {},
): SystemDiskReplacementInputs {
  return { identity: identity(), instanceId, imageId: DEMO.images.plain, region: DEMO.region, approval, ...extra };
}
