// What the fleet-scale shortcuts must not change, in process against the emulator: check's shared dry run and image
// lookups let through nothing create is refused, and a call made for many resources serves each by its own deadline.
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "50ms";

import type { RunningEmulator, WorldSpec } from "../../emulator";
import type { InstanceFromSharedImageInputs, InstanceFromSharedImageOutputs } from "../../providers/instance/args";
import { provider } from "../../providers/instance/provider";
import { DEMO, demoWorld, emulatorStackConfig, startDemoEmulator } from "../support/emulator";
import { instanceFixtures } from "../support/instance";

const OWNER = DEMO.owner.accountId;
const WORKLOAD = DEMO.workload.accountId;
const EXTRA_IMAGE = "m-fleetscale01";

function world(): WorldSpec {
  const w = demoWorld();
  const owner = w.accounts.find((a) => a.accountId === OWNER);
  if (!owner) throw new Error("demo world changed: owner account missing");
  owner.images?.push({
    regionId: DEMO.region,
    sizeGiB: 40,
    sharedWith: [WORKLOAD],
    imageId: EXTRA_IMAGE,
    name: "golden-fleet-scale",
  });
  return w;
}

let emu: RunningEmulator;
const { inputs } = instanceFixtures("fs");
const p = provider as Required<typeof provider>;
const check = async (news: InstanceFromSharedImageInputs) =>
  (await p.check({}, news)) as { inputs: InstanceFromSharedImageInputs; failures: { property: string }[] };
const create = (i: InstanceFromSharedImageInputs) =>
  p.create(i) as Promise<{ id: string; outs: InstanceFromSharedImageOutputs }>;
const instances = () => emu.admin.inventory(WORKLOAD)[WORKLOAD].instances;
async function checkedCreate(i: InstanceFromSharedImageInputs) {
  const checked = await check(i);
  expect(checked.failures).toEqual([]);
  return create(checked.inputs);
}

beforeAll(async () => {
  emu = await startDemoEmulator({ world: world(), timeScale: 100 });
  await p.configure({ config: emulatorStackConfig(emu) } as never);
});
afterAll(async () => {
  await emu.close();
});

/**
 * The claim (README "At fleet scale", instance/cloud-check.ts dryRunRefusal): name, host name, description and
 * tags are left out of the shared dry run because validateInputs checks them "with rules at least as strict as
 * ECS's". When a value passes check but RunInstances refuses it, preview passes and up fails, where the per-instance
 * dry run of ad499d0 refused it at preview.
 */
describe("per-instance parameters, left out of the shared dry run, are refused at preview when RunInstances refuses them", () => {
  it.each([
    ["a tag value starting with acs:", { tags: { team: "acs:web" } }],
    ["a tag value containing http://", { tags: { docs: "see http://wiki" } }],
    ["a tag key containing https://", { tags: { "link-https://x": "1" } }],
    ["a 64-character host name", { hostName: `h${"a".repeat(63)}` }],
  ])("check refuses %s that RunInstances refuses", async (_what, patch) => {
    const given = inputs(patch as Partial<InstanceFromSharedImageInputs>);
    const checked = await check(given);
    if (checked.failures.length > 0) return; // refused at preview, as it should be
    const before = instances().length;
    // Check passed: then up must succeed. It does not: RunInstances refuses the parameter.
    await expect(create(checked.inputs)).resolves.toMatchObject({ outs: { status: "Running" } });
    expect(instances().length).toBe(before + 1);
  });
});

/**
 * requireApproved documents "The image check again right before making an instance (approval may have changed since
 * check ...)". It now goes through EcsApi.recentImage, so within a minute of check the create is served the image
 * as check saw it.
 */
describe("an image deprecated after check", () => {
  // Within seconds of check, create is served check's look at the image (a wave of creates shares one), and
  // RunInstances refuses the deprecated image itself; later, create's own look refuses it.
  it.each([
    [
      "right after check: RunInstances refuses it",
      0,
      /RunInstances failed: the image m-fleetscale01 is not in a status that allows this operation/,
    ],
    [
      "seconds after check: create refuses it first",
      5_100,
      /refused; nothing was made or changed: imageId: .*is deprecated/,
    ],
  ])(
    "%s, and nothing is made",
    async (_when, afterMs, refusal) => {
      emu.admin.undeprecateImage(EXTRA_IMAGE);
      const given = inputs({ imageId: EXTRA_IMAGE });
      const checked = await check(given);
      expect(checked.failures).toEqual([]);
      emu.admin.deprecateImage(EXTRA_IMAGE);
      await new Promise((resolve) => setTimeout(resolve, afterMs));
      const before = instances().length;
      await expect(create(checked.inputs)).rejects.toThrow(refusal);
      expect(instances().length).toBe(before);
    },
    30_000,
  );
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
