// mutating calls batched across resources (DeleteInstances, hand-over UntagResources) run under
// the operation (deadline, progress URN) of whichever resource's call started the batch.
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "50ms";

import type { RunningEmulator } from "../../emulator";
import {
  type InstanceFromSharedImageInputs,
  type InstanceFromSharedImageOutputs,
  provider,
} from "../../providers/instance-from-shared-image";
import type { IdentityInput } from "../../providers/resource-identity";
import { DEMO, emulatorStackConfig, startDemoEmulator } from "../support/emulator";

let emu: RunningEmulator;
let serial = 0;
function identity(name = `rb-${++serial}`): IdentityInput {
  const type = "pulumi-nodejs:dynamic/ecs-shared-images:InstanceFromSharedImage";
  return { project: "p", stack: "test", type, name, urn: `urn:pulumi:test::p::${type}::${name}` };
}
function inputs(extra: Partial<InstanceFromSharedImageInputs> = {}): InstanceFromSharedImageInputs {
  return {
    identity: identity(),
    imageId: DEMO.images.plain,
    approval: { approvedOwners: [DEMO.owner.accountId] },
    instanceType: "ecs.g7.large",
    vSwitchId: DEMO.workload.vSwitchId,
    securityGroupIds: [DEMO.workload.securityGroupId],
    ...extra,
  };
}
const p = provider as Required<typeof provider>;
async function checkedCreate(i: InstanceFromSharedImageInputs) {
  const checked = (await p.check({}, i)) as { inputs: InstanceFromSharedImageInputs; failures: unknown[] };
  expect(checked.failures).toEqual([]);
  return (await p.create(checked.inputs)) as { id: string; outs: InstanceFromSharedImageOutputs };
}

beforeAll(async () => {
  emu = await startDemoEmulator({ timeScale: 100 });
  await p.configure({ config: emulatorStackConfig(emu) } as never);
});
afterAll(async () => {
  await emu.close();
});

describe("a call made for many resources runs until the latest of their deadlines", () => {
  it("a delete with a 20 minute timeout is not failed by another resource's 2 second one in the same batch", async () => {
    const short = await checkedCreate(inputs({ timeouts: { delete: "2s" } }));
    const long = await checkedCreate(inputs({ timeouts: { delete: "20m" } }));
    // ECS throttles DeleteInstances for a few seconds: long's own deadline waits that out, short's does not.
    emu.admin.addFault({
      action: "DeleteInstances",
      kind: "error",
      code: "Throttling.User",
      httpStatus: 400,
      count: 3,
    });
    const [a, b] = await Promise.allSettled([p.delete(short.id, short.outs), p.delete(long.id, long.outs)]);
    emu.admin.clearFaults();
    // long must not fail because of short's deadline (short, batched with it, gets the same answer).
    expect([a, b]).toEqual([
      { status: "fulfilled", value: undefined },
      { status: "fulfilled", value: undefined },
    ]);
  }, 60_000);
});
