// The reliability suite's world: a copy of the project per scenario, the suite's own emulator (its request log kept
// across restarts, faults and throttling at hand), and an instance of the account that the stack does not own.
import * as fs from "node:fs";
import * as path from "node:path";
import Ecs, * as $Ecs from "@alicloud/ecs20140526";
import { $OpenApiUtil } from "@alicloud/openapi-core";
import { DEMO, type EmulatorAdmin, type RunningEmulator, startEmulator } from "../../emulator";
import { projectRoot } from "../engine";
import type { AccountView, LoggedRequest } from "./figures";

const WORLD = path.join(projectRoot, "emulator", "worlds", "demo.json");
/** The stack every scenario runs. */
export const STACK = "local";
/** A kill must leave nothing of ours running, and no ECS call arriving, after this long. */
export const KILL_GRACE_MS = 5_000;

// ---- the project copy ----

/** A checkout of the project in `dir`: config and build output copied (so its scripts act on `dir`), sources linked. */
export function copyProject(dir: string): void {
  fs.mkdirSync(dir, { recursive: true });
  for (const file of ["Pulumi.yaml", "package.json", "tsconfig.json"]) {
    fs.copyFileSync(path.join(projectRoot, file), path.join(dir, file));
  }
  fs.cpSync(path.join(projectRoot, "stacks"), path.join(dir, "stacks"), { recursive: true });
  // Copied, not linked: node resolves a linked script to its real path, and `npm run pulumi` (scripts/pulumi.ts)
  // acts on the project its script lives in.
  for (const part of ["providers", "scripts", "emulator", "stacks"]) {
    fs.cpSync(path.join(projectRoot, "dist", part), path.join(dir, "dist", part), { recursive: true });
  }
  for (const linked of ["node_modules", "providers", "emulator", "scripts"]) {
    fs.symlinkSync(path.join(projectRoot, linked), path.join(dir, linked));
  }
}

// ---- the emulator ----

/** The suite's emulator: its whole request log kept across restarts, faults and throttling at hand. */
export class ChaosEmulator {
  private running: RunningEmulator | undefined;
  private lastSeq = 0;
  private readonly log: LoggedRequest[] = [];
  private readonly timer: NodeJS.Timeout;

  private constructor(
    private readonly statePath: string,
    private readonly timeScale: number,
    emu: RunningEmulator,
  ) {
    this.running = emu;
    this.port = emu.port;
    // The in-process log holds 20 000 entries: collect well before that many can arrive.
    this.timer = setInterval(() => this.collect(), 200);
  }

  readonly port: number;

  static async start(statePath: string, timeScale: number): Promise<ChaosEmulator> {
    const emu = await startEmulator({ port: 0, world: WORLD, statePath, timeScale });
    return new ChaosEmulator(statePath, timeScale, emu);
  }

  get up(): boolean {
    return this.running !== undefined;
  }

  get admin(): EmulatorAdmin {
    if (this.running === undefined) throw new Error("the emulator is stopped");
    return this.running.admin;
  }

  /** Every request so far, across restarts. */
  requests(): readonly LoggedRequest[] {
    this.collect();
    return this.log;
  }

  private collect(): void {
    if (this.running === undefined) return;
    for (const e of this.running.admin.requests({ since: this.lastSeq })) {
      const { time, action, params, httpStatus, code, throttled, fault } = e;
      this.log.push({ time, action, params, httpStatus, code, throttled, fault });
      this.lastSeq = e.seq;
    }
  }

  /** Stops serving (saving the state file), as an endpoint outage. */
  async stop(): Promise<void> {
    this.collect();
    const running = this.running;
    this.running = undefined;
    this.lastSeq = 0;
    await running?.close();
  }

  /** Serves again on the same port from the saved state. */
  async restart(): Promise<void> {
    if (this.running !== undefined) return;
    this.running = await startEmulator({
      port: this.port,
      world: WORLD,
      statePath: this.statePath,
      timeScale: this.timeScale,
    });
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.stop();
  }

  account(): AccountView {
    const inv = this.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
    return {
      instances: inv.instances.map((i) => ({ id: i.instanceId, status: i.status, imageId: i.imageId, tags: i.tags })),
      images: inv.images.map((i) => ({ id: i.imageId, status: i.status, name: i.name, tags: i.tags })),
    };
  }
}

/** An instance of the workload account the stack does not own (key pair login, on the shared golden image). */
export async function makeLegacyInstance(emu: ChaosEmulator): Promise<{ instanceId: string; imageId: string }> {
  const client = new Ecs(
    new $OpenApiUtil.Config({
      accessKeyId: DEMO.workload.accessKeyId,
      accessKeySecret: DEMO.workload.accessKeySecret,
      endpoint: `127.0.0.1:${emu.port}`,
      protocol: "HTTP",
      regionId: DEMO.region,
      readTimeout: 10_000,
      connectTimeout: 10_000,
    }),
  );
  const response = await client.runInstances(
    new $Ecs.RunInstancesRequest({
      regionId: DEMO.region,
      imageId: DEMO.images.plain,
      instanceType: "ecs.g7.large",
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupId: DEMO.workload.securityGroupId,
      keyPairName: DEMO.workload.keyPairName,
      instanceName: "legacy-app",
    }),
  );
  const instanceId = response.body?.instanceIdSets?.instanceIdSet?.[0];
  if (!instanceId) throw new Error("RunInstances of the legacy instance answered no id");
  emu.admin.advanceClock(60_000); // Pending and Starting, in emulated time
  const status = emu.account().instances.find((i) => i.id === instanceId)?.status;
  if (status !== "Running") throw new Error(`the legacy instance ${instanceId} is ${status}, not Running`);
  return { instanceId, imageId: DEMO.images.plain };
}
