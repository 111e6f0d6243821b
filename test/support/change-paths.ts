// The emulator the change-path tests run against (each test file starts its own: fresh world, port 0, via
// useChangePathsEmulator) and the resources, instances and faults their scenarios are made of.
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "20ms";

import type { RunningEmulator, WorldSpec } from "../../emulator";
import { EcsApi } from "../../providers/ecs/api";
import { setProgressSink } from "../../providers/progress";
import { MARKER_TAGS } from "../../providers/tags";
import { DEMO, demoWorld, emulatorStackConfig, startDemoEmulator } from "./emulator";
import type { Declared } from "./engine-model";
import { resourceIdentity } from "./identity";
import { PROVIDERS } from "./in-process";
import { requestLog } from "./requests";

export const OWNER = DEMO.owner.accountId;
export const WORKLOAD = DEMO.workload.accountId;
export const IMAGES = {
  plain: DEMO.images.plain,
  encrypted: DEMO.images.encrypted,
  other: "m-pathsother01",
  preset: "m-pathspreset01",
};
export const PASSWORD = "Paths-Pass-42x";
export const approval = { approvedOwners: [OWNER] };

/** The demo world (copies fast) plus the images these tests need. */
export function world(): WorldSpec {
  const w = demoWorld({ copyGiBPerMinute: 400 });
  const owner = w.accounts.find((a) => a.accountId === OWNER);
  if (!owner) throw new Error("demo world changed: owner account missing");
  const shared = { regionId: DEMO.region, sizeGiB: 40, sharedWith: [WORKLOAD] };
  owner.images?.push(
    { ...shared, imageId: IMAGES.other, name: "golden-base-paths" },
    { ...shared, imageId: IMAGES.preset, name: "golden-preset-password", passwordPreset: true },
  );
  return w;
}

// Live bindings: set by the hooks useChangePathsEmulator registers, read by the tests after beforeAll ran.
export let emu: RunningEmulator;
export const notices: string[] = [];

const identity = (type: string, name: string) => resourceIdentity(type, name, "paths");

let serial = 0;
export const unique = (prefix: string) => `${prefix}-${++serial}`;

export function instance(name: string, extra: (o: (n: string) => Record<string, unknown>) => object): Declared {
  return {
    type: "instance",
    name,
    inputs: (outputsOf) => ({
      identity: identity("InstanceFromSharedImage", name),
      approval,
      instanceType: "ecs.g7.large",
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupIds: [DEMO.workload.securityGroupId],
      ...extra(outputsOf),
    }),
  };
}

export function systemDisk(name: string, extra: object): Declared {
  return {
    type: "systemDisk",
    name,
    deleteBeforeReplace: true, // what the SystemDiskReplacement class sets
    inputs: () => ({ identity: identity("SystemDiskReplacement", name), approval, ...extra }),
  };
}

export function copy(name: string, extra: object = {}): Declared {
  return {
    type: "copy",
    name,
    inputs: () => ({ identity: identity("SharedImageCopy", name), sourceImageId: IMAGES.plain, approval, ...extra }),
  };
}

export const inventory = () => emu.admin.inventory(WORKLOAD)[WORKLOAD];
export const emuInstance = (id: string) => {
  const found = inventory().instances.find((i) => i.instanceId === id);
  if (!found) throw new Error(`no instance ${id}`);
  return found;
};
export const images = () => inventory().images;
export const disksOf = (id: string) => inventory().disks.filter((d) => d.instanceId === id);
export const marked = (id: string) => Object.keys(emuInstance(id).tags).some((k) => k === MARKER_TAGS.priorStatus);
export const { lastSeq, callsSince: calls } = requestLog(() => emu);
export const reimageNoticesFor = (id: string) =>
  notices.filter((n) => n.startsWith(`re-images the system disk of ${id}`));

/** An instance made outside any stack (from an approved image), logging in with a password or the demo key pair. */
export async function unmanagedInstance(options: { password?: string; imageId?: string } = {}): Promise<string> {
  const api = EcsApi.forRegion(DEMO.region, "test");
  const id = await api.runInstance({
    imageId: options.imageId ?? IMAGES.plain,
    instanceType: "ecs.g7.large",
    vSwitchId: DEMO.workload.vSwitchId,
    securityGroupIds: [DEMO.workload.securityGroupId],
    ...(options.password ? { password: options.password } : { keyPairName: DEMO.workload.keyPairName }),
    clientToken: unique("paths-token"),
  });
  for (let i = 0; i < 200 && emuInstance(id).status !== "Running"; i++) await new Promise((r) => setTimeout(r, 20));
  return id;
}

/** A fault that fails every ReplaceSystemDisk (retries included), then is removed. */
export function replaceSystemDiskFails(): () => void {
  const fault = emu.admin.addFault({
    action: "ReplaceSystemDisk",
    kind: "error",
    code: "ServiceUnavailable",
    httpStatus: 503,
  });
  return () => {
    emu.admin.clearFaults();
    void fault;
  };
}

/**
 * Registers the jest hooks that start the emulator (fresh world, port 0), configure the providers, clear a test's
 * faults after it, and stop the emulator.
 */
export function useChangePathsEmulator(): void {
  beforeAll(async () => {
    emu = await startDemoEmulator({ world: world(), timeScale: 200 });
    for (const p of Object.values(PROVIDERS)) await p.configure({ config: emulatorStackConfig(emu) });
    setProgressSink((event) => {
      if (event.severity === "warning") notices.push(event.message);
    });
  });

  afterAll(async () => {
    setProgressSink(undefined);
    await emu.close();
  });

  afterEach(() => emu.admin.clearFaults());
}
