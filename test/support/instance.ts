// Fixtures of InstanceFromSharedImage tests: an identity as the resource class makes it, and inputs for the demo
// world's approved plain image in the workload account's network, which each test overrides where it matters.
import type { InstanceFromSharedImageInputs } from "../../providers/instance/args";
import type { IdentityInput } from "../../providers/resource-identity";
import { DEMO } from "./emulator";
import { resourceIdentity } from "./identity";

/** `identity()` and `inputs()` naming resources `<prefix>-1`, `<prefix>-2`, … unless a name is given. */
export function instanceFixtures(prefix: string) {
  let serial = 0;
  const identity = (name = `${prefix}-${++serial}`): IdentityInput => resourceIdentity("InstanceFromSharedImage", name);
  const inputs = (extra: Partial<InstanceFromSharedImageInputs> = {}): InstanceFromSharedImageInputs => ({
    identity: identity(),
    imageId: DEMO.images.plain,
    approval: { approvedOwners: [DEMO.owner.accountId] },
    instanceType: "ecs.g7.large",
    vSwitchId: DEMO.workload.vSwitchId,
    securityGroupIds: [DEMO.workload.securityGroupId],
    ...extra,
  });
  return { identity, inputs };
}
