// Fixtures shared by SystemDiskReplacement's rule tables (test/unit) and its emulator-backed tests: inputs as
// check() passes them on, each with its own resource identity.

import { DEMO } from "../../emulator/demo-credentials";
import type { IdentityInput } from "../../providers/resource-identity";
import type { SystemDiskReplacementInputs } from "../../providers/system-disk/args";
import { resourceIdentity } from "./identity";

export const PASSWORD = "Sdr-Test-Pass-9x";
export const approval = { approvedOwners: [DEMO.owner.accountId] };

let serial = 0;
export function identity(): IdentityInput {
  return resourceIdentity("SystemDiskReplacement", `sdr-${++serial}`);
}

/** Inputs as check() passes them on (region resolved). */
export function inputs(
  instanceId: string,
  extra: Partial<SystemDiskReplacementInputs> = {},
): SystemDiskReplacementInputs {
  return { identity: identity(), instanceId, imageId: DEMO.images.plain, region: DEMO.region, approval, ...extra };
}
