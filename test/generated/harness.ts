// Generated (model-based) change-path tests. fast-check draws sequences of steps (edits of what the program
// declares, `pulumi up`s, ups whose calls keep failing or whose provider process is killed after the n-th ECS call,
// out-of-band events, refreshes, destroys and reverts) and runs them through the providers as the engine does
// (test/support/engine-model.ts) against the emulator. After every step the invariants below must hold; a failing
// sequence is shrunk to a short one and reported with its seed and path, so it can be replayed and kept as a named
// regression test.
//
// Invariants (checked against the emulator, not against the providers' own view):
// - announced: no system disk is replaced and no instance or copy deleted unless the preview said so (a replace or
//   delete step, or a "re-images the system disk of <instance>" notice);
// - approved: every instance, copy and re-image made used an image the current approval accepts;
// - after a successful up: the cloud has what is declared (image, password by fingerprint, key pair, tags, names,
//   data disks, encryption, status); the account holds exactly the resources in state (no duplicate, no leak);
//   no instance is left stopped by us or marked; a second preview changes nothing and makes no ECS call;
// - at the end, with the faults and events undone, an up converges and a destroy leaves only the unmanaged instance.
import type * as fc from "fast-check";
import type { RunningEmulator } from "../../emulator";
import { EcsApi } from "../../providers/ecs/api";
import { setProgressSink } from "../../providers/progress";
import { DEMO, emulatorConfigValues, emulatorStackConfig, startDemoEmulator } from "../support/emulator";
import { EngineModel, type ResourceState } from "../support/engine-model";
import { inProcess, PROVIDERS } from "../support/in-process";
import { ProviderProcess } from "../support/provider-process";
import { fuzzWorld, IMAGES, PASSWORDS, type Sequence, WORKLOAD } from "./program";
import { SequenceRun } from "./sequence-run";

// The entry point of the generated tests and scripts/fuzz.ts: what they draw sequences from, with the runner.
export { type Sequence, type Subject, sequenceArbitrary } from "./program";

/** One emulator and provider process pool for many sequences (each starts from a fresh world). */
export class Harness {
  private notices: string[] = [];

  private constructor(
    readonly emu: RunningEmulator,
    private readonly processes: ProviderProcess,
  ) {}

  static async start(): Promise<Harness> {
    const emu = await startDemoEmulator({ world: fuzzWorld(), timeScale: 2000 });
    for (const p of Object.values(PROVIDERS)) await p.configure({ config: emulatorStackConfig(emu) });
    const processes = await ProviderProcess.start(emu, emulatorConfigValues(emu), {
      ECS_SHARED_IMAGES_POLL_INTERVAL: process.env.ECS_SHARED_IMAGES_POLL_INTERVAL,
      ECS_SHARED_IMAGES_RETRY_DELAY: process.env.ECS_SHARED_IMAGES_RETRY_DELAY,
    });
    const harness = new Harness(emu, processes);
    setProgressSink((event) => {
      if (event.severity === "warning") harness.notices.push(event.message);
    });
    return harness;
  }

  async close(): Promise<void> {
    setProgressSink(undefined);
    await this.processes.close();
    await this.emu.close();
  }

  /** Runs one sequence from a fresh world; throws InvariantViolation (or a bug's own error) when one fails. */
  async run(sequence: Sequence): Promise<void> {
    this.emu.admin.loadWorld(fuzzWorld());
    this.emu.admin.setThrottle({ enabled: false });
    await this.processes.restart();
    const run = new SequenceRun(this, sequence, await this.unmanagedInstance(sequence.passwordInstance));
    for (const step of sequence.steps) await run.step(step);
    await run.converge();
  }

  /** The instance a SystemDiskReplacement works on (made outside the stack), Running. */
  private async unmanagedInstance(password: boolean): Promise<string> {
    const api = EcsApi.forRegion(DEMO.region, "fuzz");
    const id = await api.runInstance({
      imageId: IMAGES.A,
      instanceType: "ecs.g7.large",
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupIds: [DEMO.workload.securityGroupId],
      ...(password ? { password: PASSWORDS.initial } : { keyPairName: DEMO.workload.keyPairName }),
      clientToken: `fuzz-unmanaged-${Date.now()}-${Math.random()}`,
    });
    await this.until(() => this.instance(id)?.status === "Running", `unmanaged ${id} Running`);
    return id;
  }

  async until(done: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 2000; i++) {
      if (done()) return;
      await new Promise((r) => setTimeout(r, 2));
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  inventory() {
    return this.emu.admin.inventory(WORKLOAD)[WORKLOAD];
  }

  instance(id: string) {
    return this.inventory().instances.find((i) => i.instanceId === id);
  }

  lastSeq(): number {
    return this.emu.admin.requests().at(-1)?.seq ?? 0;
  }

  /** Notices (warnings) reported in this process and by provider processes since the last call. */
  takeNotices(): string[] {
    const taken = [
      ...this.notices,
      ...this.processes.progress.filter((e) => e.severity === "warning").map((e) => e.message),
    ];
    this.notices = [];
    this.processes.progress.length = 0;
    return taken;
  }

  inProcess(state: Map<string, ResourceState>): EngineModel {
    return new EngineModel(inProcess, state);
  }

  async killed(state: Map<string, ResourceState>, afterCalls: number, body: (engine: EngineModel) => Promise<void>) {
    this.processes.killAfterCalls(afterCalls);
    try {
      await body(new EngineModel(this.processes.invoke, state));
    } finally {
      this.processes.disarm();
      await this.processes.restart();
    }
  }
}

/** fast-check options for a run: `runs` sequences, replayable by `seed` (and `path`, to go straight to a failure). */
export function runOptions(runs: number, seed?: number, path?: string): fc.Parameters<[Sequence]> {
  return { numRuns: runs, seed, path, verbose: 0 };
}
