// The main job on a shared state backend: a real S3-compatible server (gofakes3) named by PULUMI_BACKEND_URL, the
// fleet on the emulator, and several checkouts of the project sharing the one stack, as a team does. Pulumi's own lock
// keeps a second `up` out while one runs, lets a `preview` run beside it, and a lock left by a run killed hard is
// cleared with `pulumi cancel`.
import * as fs from "node:fs";
import * as path from "node:path";
import type { Clock, RunningEmulator } from "../../emulator";
import { sharedLockHint } from "../../scripts/main-job";
import { DEMO, startDemoEmulator } from "../support/emulator";
import { tempDir } from "../support/engine";
import { copyProject, projectPulumi, type StartedJob, startMainJob } from "../support/main-job";
import { killTree } from "../support/process-tree";
import { type S3Server, startS3Server } from "../support/s3";

const LOCKED = "error: the stack is currently locked by 1 lock(s).";

/** The wall clock, standing still while held: the emulator's copies and instances make no progress until released. */
class HeldClock implements Clock {
  private heldAt: number | undefined;
  private lost = 0;
  now(): number {
    return (this.heldAt ?? Date.now()) - this.lost;
  }
  hold(): void {
    this.heldAt = Date.now();
  }
  release(): void {
    this.lost += Date.now() - (this.heldAt ?? Date.now());
    this.heldAt = undefined;
  }
}

const mutatingCalls = (emu: RunningEmulator) =>
  Object.values(emu.admin.stats()).reduce((sum, counters) => sum + counters.mutating, 0);

describe("the main job on a shared S3 state backend (PULUMI_BACKEND_URL)", () => {
  const work = tempDir("shared-backend");
  /** Three checkouts of the project: two teammates and a pipeline's preview. */
  const [first, second, pipeline] = ["first", "second", "pipeline"].map((name) => path.join(work.dir, name));
  const clock = new HeldClock();
  let s3: S3Server;
  let emu: RunningEmulator;
  /** The emulator only the second checkout talks to, so every ECS call the second `up` makes shows apart. */
  let secondEmu: RunningEmulator;
  let env: NodeJS.ProcessEnv;
  const job = (dir: string, args: string[], onOutput?: (output: string, pid: number) => void): StartedJob =>
    startMainJob(dir, args, { env, onOutput });

  beforeAll(async () => {
    s3 = await startS3Server("team-state");
    env = { PULUMI_BACKEND_URL: s3.backendUrl, ...s3.env };
    emu = await startDemoEmulator({ timeScale: 30, clock });
    secondEmu = await startDemoEmulator();
    const port = Number(emu.endpoint.split(":")[1]);
    for (const dir of [first, pipeline]) {
      fs.mkdirSync(dir);
      copyProject(dir, port);
    }
    fs.mkdirSync(second);
    copyProject(second, Number(secondEmu.endpoint.split(":")[1]));
  }, 60_000);

  afterAll(async () => {
    await Promise.all([s3?.close(), emu?.close(), secondEmu?.close()]);
    work.cleanup();
  });

  it("refuses a second up while one runs (changing nothing), and runs a preview beside it", async () => {
    // Held from the start, so the first up waits on its first copy until both other runs have ended.
    clock.hold();
    let creating!: () => void;
    const copying = new Promise<void>((resolve) => {
      creating = resolve;
    });
    const up = job(first, ["up"], (output) => {
      if (/SharedImageCopy \S+ creating/.test(output)) creating();
    });
    let upEnded = false;
    const upDone = up.done.then((run) => {
      upEnded = true;
      return run;
    });
    await copying;

    const [refused, preview] = await Promise.all([job(second, ["up"]).done, job(pipeline, ["preview"]).done]);
    expect(upEnded).toBe(false);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(`Pulumi state backend (PULUMI_BACKEND_URL): s3://team-state`);
    expect(refused.output).toContain(LOCKED);
    expect(refused.output).toContain(sharedLockHint("local", "s3://team-state"));
    // Refused before its program ran: not one ECS call, let alone a mutating one.
    expect(secondEmu.admin.requests()).toEqual([]);
    expect(preview.code).toBe(0);
    expect(preview.output).toMatch(/Previewing update \(local\)/);
    // Only the file backend is made inside a checkout; the state went to the bucket.
    for (const dir of [first, second, pipeline]) expect(fs.existsSync(path.join(dir, ".pulumi-state"))).toBe(false);

    clock.release();
    const done = await upDone;
    expect([done.code, done.output]).toEqual([0, expect.stringMatching(/What exists now:/)]);
    const workload = emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
    expect([workload.instances.length, workload.images.length]).toEqual([4, 3]);
    expect(mutatingCalls(secondEmu)).toBe(0);
  }, 180_000);

  it("keeps a killed run's lock until `pulumi cancel`, then up runs again and finds nothing to change", async () => {
    const calls = mutatingCalls(emu);
    let killed = false;
    const dying = job(first, ["up"], (output, pid) => {
      // Pulumi takes the stack's lock before it prints this header.
      if (!killed && /Updating \(local\)/.test(output)) {
        killed = true;
        killTree(pid);
      }
    });
    await dying.done;
    expect(killed).toBe(true);

    const refused = await job(second, ["up"]).done;
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(LOCKED);
    expect(refused.output).toContain(sharedLockHint("local", "s3://team-state"));
    // recover removes no lock on a shared backend: its refresh is refused the same way.
    const recover = await job(first, ["recover"]).done;
    expect(recover.code).toBe(1);
    expect(recover.output).toContain(LOCKED);
    expect(recover.output).toContain(sharedLockHint("local", "s3://team-state"));

    const cancel = await projectPulumi(first, ["cancel", "--yes", "--stack", "local"], env);
    expect([cancel.code, cancel.stdout]).toEqual([0, "The currently running update for 'local' has been canceled!\n"]);
    const again = await job(first, ["up"]).done;
    expect(again.code).toBe(0);
    expect(again.output).toMatch(/8 unchanged/);
    expect(mutatingCalls(emu)).toBe(calls);
  }, 180_000);
});
