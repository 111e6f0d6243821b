// The emulator InstanceFromSharedImage's provider tests run against (each test file starts its own: fresh world,
// port 0, via useInstanceEmulator) and the world, fixtures and provider calls those test files share.
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "50ms";

import type { RunningEmulator, WorldSpec } from "../../emulator";
import type { InstanceFromSharedImageInputs, InstanceFromSharedImageOutputs } from "../../providers/instance/args";
import { provider } from "../../providers/instance/provider";
import { setProgressSink } from "../../providers/progress";
import { DEMO, demoWorld, emulatorStackConfig, startDemoEmulator } from "./emulator";
import { undefinedPaths } from "./expect";
import { instanceFixtures } from "./instance";
import { requestLog } from "./requests";

export const OWNER = DEMO.owner.accountId;
export const WORKLOAD = DEMO.workload.accountId;
export const IMAGES = {
  plain: DEMO.images.plain,
  encrypted: DEMO.images.encrypted,
  paid: DEMO.images.paid,
  unapproved: DEMO.images.unapproved,
  deprecated: "m-demogoldenold01",
  other: "m-ifsiother01",
  revoked: "m-ifsirevoked01",
  arrears: "m-ifsiarrears01",
};
export const ARREARS_OWNER = "4444444444444444";
export const PASSWORD = "Ifsi-Test-Pass-7q";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

/** The demo world plus the images these tests need (one whose owner goes into arrears, so others stay usable). */
function world(): WorldSpec {
  const w = demoWorld();
  const owner = w.accounts.find((a) => a.accountId === OWNER);
  if (!owner) throw new Error("demo world changed: owner account missing");
  const shared = { regionId: DEMO.region, sizeGiB: 40, sharedWith: [WORKLOAD] };
  owner.images?.push(
    { ...shared, imageId: IMAGES.other, name: "golden-base-2024-11" },
    { ...shared, imageId: IMAGES.revoked, name: "golden-soon-revoked" },
  );
  w.accounts.push({
    accountId: ARREARS_OWNER,
    name: "owner-in-arrears",
    accessKeys: [{ accessKeyId: "LTAI-ifsi-arrears", accessKeySecret: "ifsi-arrears-secret" }],
    images: [{ ...shared, imageId: IMAGES.arrears, name: "golden-arrears" }],
  });
  return w;
}

// Live bindings: set by the hooks useInstanceEmulator registers, read by the tests after beforeAll ran.
export let emu: RunningEmulator;
export const progress: { message: string; warning: boolean }[] = [];

export const { inputs } = instanceFixtures("vm");

export type Outputs = InstanceFromSharedImageOutputs;
export const p = provider as Required<typeof provider>;
export const configure = (credentials?: { accessKeyId: string; accessKeySecret: string }) =>
  p.configure({ config: emulatorStackConfig(emu, { credentials }) } as never);
export const check = async (news: InstanceFromSharedImageInputs, olds: Partial<InstanceFromSharedImageInputs> = {}) =>
  (await p.check(olds, news)) as {
    inputs: InstanceFromSharedImageInputs;
    failures: { property: string; reason: string }[];
  };
export const create = (i: InstanceFromSharedImageInputs) => p.create(i) as Promise<{ id: string; outs: Outputs }>;
export const update = (id: string, olds: Outputs, news: InstanceFromSharedImageInputs) =>
  p.update(id, olds, news) as Promise<{ outs: Outputs }>;
export const read = (id: string, props: Outputs) => p.read(id, props) as Promise<{ id: string; props: Outputs }>;

/** Checks (expecting no failures), then creates, as the engine does. */
export async function checkedCreate(i: InstanceFromSharedImageInputs) {
  const checked = await check(i);
  expect(checked.failures).toEqual([]);
  return { ...(await create(checked.inputs)), inputs: checked.inputs };
}

/** A value the provider hands to the engine must encode as a Struct: no undefined anywhere. */
export function expectWireSafe(value: unknown) {
  expect(undefinedPaths(value)).toEqual([]);
  expect(JSON.parse(JSON.stringify(value))).toEqual(value);
}

export const inventory = () => emu.admin.inventory(WORKLOAD)[WORKLOAD];
export const emuInstance = (id: string) => inventory().instances.find((i) => i.instanceId === id);
export const disksOf = (id: string) => inventory().disks.filter((d) => d.instanceId === id);
export const { lastSeq, callsSince, mutatingSince } = requestLog(() => emu);

/**
 * Registers the jest hooks that start the emulator (fresh world, port 0), configure the provider, undo a test's
 * faults and credentials after it, and stop the emulator.
 */
export function useInstanceEmulator(): void {
  beforeAll(async () => {
    emu = await startDemoEmulator({ world: world(), timeScale: 100 });
    await configure();
    setProgressSink((event) => progress.push({ message: event.message, warning: event.severity === "warning" }));
  });

  afterAll(async () => {
    setProgressSink(undefined);
    await emu.close();
  });

  afterEach(async () => {
    emu.admin.clearFaults();
    await configure();
  });
}
