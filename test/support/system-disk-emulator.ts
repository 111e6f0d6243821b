// The emulator SystemDiskReplacement's provider tests run against (each test file starts its own: fresh world, port
// 0, via useSystemDiskEmulator) and the world, instances and provider calls those test files share.
process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "50ms";

import type { RunningEmulator, WorldSpec } from "../../emulator";
import { EcsApi } from "../../providers/ecs/api";
import { instanceInStatus, poll, pollDelays } from "../../providers/ecs/wait";
import { setProgressSink } from "../../providers/progress";
import {
  provider,
  type SystemDiskReplacementInputs,
  type SystemDiskReplacementOutputs,
} from "../../providers/system-disk-replacement";
import { MARKER_TAGS } from "../../providers/tags";
import { DEMO, demoWorld, emulatorStackConfig, startDemoEmulator } from "./emulator";
import { requestLog } from "./requests";

export const REGION = DEMO.region;
export const OWNER = DEMO.owner.accountId;
export const IMAGES = {
  plain: DEMO.images.plain,
  encrypted: DEMO.images.encrypted,
  unapproved: DEMO.images.unapproved,
  deprecated: "m-demogoldenold01",
  other: "m-sdrother01",
  noResize: "m-sdrnoresize01",
  revoked: "m-sdrrevoked01",
  base: DEMO.images.publicLinux,
};
export const INITIAL_PASSWORD = "Initial-Pass-1";
export const NO_REPLACE_USER = { accessKeyId: "LTAI-sdr-noreplace", accessKeySecret: "sdr-noreplace-secret" };

/** The demo world plus the images and the RAM user these tests need. */
function world(): WorldSpec {
  const w = demoWorld();
  const owner = w.accounts.find((a) => a.accountId === OWNER);
  const workload = w.accounts.find((a) => a.accountId === DEMO.workload.accountId);
  if (!owner || !workload) throw new Error("demo world changed: owner/workload accounts missing");
  const shared = { regionId: REGION, sizeGiB: 40, sharedWith: [DEMO.workload.accountId] };
  owner.images?.push(
    { ...shared, imageId: IMAGES.other, name: "golden-base-2024-11" },
    { ...shared, imageId: IMAGES.noResize, name: "golden-fixed-size", supportsResize: false },
    { ...shared, imageId: IMAGES.revoked, name: "golden-soon-revoked" },
  );
  workload.ramUsers = [
    ...(workload.ramUsers ?? []),
    {
      name: "no-replace",
      accessKeys: [NO_REPLACE_USER],
      policies: [
        { Version: "1", Statement: [{ Effect: "Allow", Action: "ecs:*", Resource: "*" }] },
        { Version: "1", Statement: [{ Effect: "Deny", Action: "ecs:ReplaceSystemDisk", Resource: "*" }] },
      ],
    },
  ];
  return w;
}

// Live bindings: set by the hooks useSystemDiskEmulator registers, read by the tests after beforeAll ran.
export let emu: RunningEmulator;
export let api: EcsApi;
export const progressLines: string[] = [];

let serial = 0;

/**
 * An instance made in the emulator world (not by a stack), from the public image, Running unless asked; it logs in
 * with the demo key pair, or with a password when asked.
 */
export async function newInstance(options: { password?: boolean; stopped?: boolean } = {}): Promise<string> {
  const id = await api.runInstance({
    imageId: IMAGES.base,
    instanceType: "ecs.g7.large",
    vSwitchId: DEMO.workload.vSwitchId,
    securityGroupIds: [DEMO.workload.securityGroupId],
    keyPairName: options.password ? undefined : DEMO.workload.keyPairName,
    password: options.password ? INITIAL_PASSWORD : undefined,
    clientToken: `sdr-test-${++serial}`,
  });
  await waitFor(id, "Running");
  if (options.stopped) {
    await api.stopInstance(id);
    await waitFor(id, "Stopped");
  }
  return id;
}

export function waitFor(id: string, status: "Running" | "Stopped") {
  return poll({
    describe: () => api.getInstance(id),
    acceptor: instanceInStatus(status),
    what: `test instance ${id} ${status}`,
    timeoutMs: 30_000,
    ...pollDelays(),
  });
}

export function emuInstance(id: string) {
  const inst = emu.admin
    .inventory(DEMO.workload.accountId)
    [DEMO.workload.accountId].instances.find((i) => i.instanceId === id);
  if (!inst) throw new Error(`no instance ${id} in the emulator`);
  return inst;
}

export function systemDisks(id: string) {
  return emu.admin
    .inventory(DEMO.workload.accountId)
    [DEMO.workload.accountId].disks.filter((d) => d.instanceId === id && d.type === "system");
}

export function hasMarker(id: string): boolean {
  return Object.keys(emuInstance(id).tags).some((key) => key === MARKER_TAGS.priorStatus);
}

export const { lastSeq, mutatingSince } = requestLog(() => emu);

export const configure = (credentials?: { accessKeyId: string; accessKeySecret: string }) =>
  (provider.configure as (req: unknown) => Promise<void>)({ config: emulatorStackConfig(emu, { credentials }) });
export const create = (i: SystemDiskReplacementInputs) =>
  provider.create(i) as Promise<{ id: string; outs: SystemDiskReplacementOutputs }>;
export const check = (olds: Partial<SystemDiskReplacementInputs>, news: SystemDiskReplacementInputs) =>
  (provider.check as NonNullable<typeof provider.check>)(olds, news);

/** Registers the jest hooks that start the emulator (fresh world, port 0), configure the provider and stop it. */
export function useSystemDiskEmulator(): void {
  beforeAll(async () => {
    emu = await startDemoEmulator({ world: world(), timeScale: 100 });
    await configure();
    api = EcsApi.forRegion(REGION, "test");
    setProgressSink((event) => progressLines.push(event.message));
  });

  afterAll(async () => {
    setProgressSink(undefined);
    await emu.close();
  });
}
