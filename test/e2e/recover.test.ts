// A hard kill in the middle of `npm run up` (the whole run at once, Pulumi's plugins included, as a power loss does),
// then the recovery the README gives, its commands taken from the README itself: afterwards the stack is unlocked,
// its state holds no pending operation, the fleet converged, and the emulator holds no duplicate and nothing stopped.
import * as fs from "node:fs";
import * as http from "node:http";
import type * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { readCreateTag } from "../../providers/tags";
import { DEMO, startDemoEmulator } from "../support/emulator";
import { tempDir } from "../support/engine";
import { copyProject, mainJobArgs, projectPulumi, type Run, type StartedJob, startMainJob } from "../support/main-job";
import { killTree } from "../support/process-tree";
import { sectionBlocks, shellCommands } from "../support/readme";

const stateOf = (tags: Record<string, string>) => readCreateTag(tags)?.state;
const LOCK_DIR = path.join(".pulumi-state", ".pulumi", "locks", "organization", "ecs-shared-images", "local");

interface KillSwitch {
  readonly port: number;
  /** The ECS action of the request that fired it (held, never forwarded), once it fired. */
  firedAt(): string | undefined;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the emulator that calls `kill` once, on the first ECS request that arrives after
 * RunInstances and CopyImage have each succeeded; that request is never forwarded. Until then it forwards no request
 * that tags a resource (a create tags what it made only at its end, marking it `done`): those wait, unanswered, for a
 * kill that comes. So, whatever the timing, the killed run leaves an instance and a copy mid-create, tagged
 * `pending`, and nothing marked `done` that the state does not hold. Everything else goes through unchanged.
 */
async function killSwitch(target: number, kill: () => void, when: "beforeDone" | "afterDone"): Promise<KillSwitch> {
  const succeeded = new Set<string>();
  let fired: string | undefined;
  const server = http.createServer((req, res) => {
    const action = String(req.headers["x-acs-action"] ?? "");
    // afterDone: the first tag write that marks a create `done` is carried out, and the run is killed before the
    // answer reaches it, so before the engine can save the result (the window a create cannot close alone).
    // (A copy's tag value turns `done`; an instance loses its launch tag.)
    const query = decodeURIComponent(req.url ?? "");
    const marksDone =
      (action === "TagResources" && query.includes("=done:")) ||
      (action === "UntagResources" && query.includes("=ecs-shared-images:launch"));
    if (fired === undefined && action !== "") {
      if (when === "beforeDone" && succeeded.has("RunInstances") && succeeded.has("CopyImage")) {
        fired = action;
        kill();
        return;
      }
      if (when === "beforeDone" && (action === "TagResources" || action === "UntagResources")) return;
    }
    const upstream = http.request(
      { host: "127.0.0.1", port: target, method: req.method, path: req.url, headers: req.headers, agent: false },
      (answer) => {
        if (answer.statusCode === 200) succeeded.add(action);
        if (when === "afterDone" && marksDone && answer.statusCode === 200 && fired === undefined) {
          // Carried out, and the run dies before it hears so: the engine cannot have saved the result.
          fired = action;
          kill();
          return;
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on("error", (err) => res.destroy(err));
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    firedAt: () => fired,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** The lock files of the stack "local" (Pulumi keeps a `.attrs` file beside each). */
const lockFiles = (dir: string) =>
  fs.existsSync(path.join(dir, LOCK_DIR))
    ? fs.readdirSync(path.join(dir, LOCK_DIR)).filter((f) => f.endsWith(".json"))
    : [];

/** The state of the stack "local", as `npm run pulumi -- stack export` prints it. */
async function exported(dir: string): Promise<{
  pending: { type: string; urn: string }[];
  resources: { type: string; id?: string; urn: string }[];
}> {
  const run = await projectPulumi(dir, ["stack", "export", "--stack", "local"]);
  expect([run.code, run.stderr]).toEqual([0, expect.any(String)]);
  const deployment = JSON.parse(run.stdout).deployment;
  return {
    pending: (deployment.pending_operations ?? []).map((op: { type: string; resource: { urn: string } }) => ({
      type: op.type,
      urn: op.resource.urn,
    })),
    resources: deployment.resources ?? [],
  };
}

const ofType = (resources: { type: string; id?: string }[], ...types: string[]) =>
  resources
    .filter((r) => types.some((type) => r.type.endsWith(`:${type}`)))
    .map((r) => r.id)
    .sort();
/** The image copies in a state: into the account, and from there into other regions. */
const copiesIn = (resources: { type: string; id?: string }[]) =>
  ofType(resources, "SharedImageCopy", "RegionalImageCopy");

/**
 * A project in `dir` whose stack talks to `emu` through a kill switch, and its `npm run up`, killed hard as `when`
 * says (the whole run at once, Pulumi's plugins included). Returns the switch, the killed pids, what the run printed,
 * and a runner for the next commands of the job.
 */
async function killedUp(dir: string, emu: RunningEmulator, when: "beforeDone" | "afterDone") {
  let job: StartedJob | undefined;
  let killed: number[] = [];
  const proxy = await killSwitch(
    emu.port,
    () => {
      if (job) killed = killTree(job.pid);
    },
    when,
  );
  copyProject(dir, proxy.port);
  const env = { ECS_SHARED_IMAGES_POLL_INTERVAL: "100ms" };
  job = startMainJob(dir, ["up"], { env });
  const first = await job.done;
  const run = async (args: string[]): Promise<Run> => startMainJob(dir, args, { env }).done;
  return { proxy, killed, first, run };
}

describe("recovery after a hard kill of npm run up, as the README says", () => {
  const work = tempDir("recover");
  let emu: RunningEmulator;
  let proxy: KillSwitch;

  beforeAll(async () => {
    // Fast emulated time: the copies take seconds. The emulator is the cloud: it outlives the killed run.
    emu = await startDemoEmulator({ timeScale: 120 });
  });

  afterAll(async () => {
    await proxy?.close();
    await emu?.close();
    work.cleanup();
  });

  it("npm run recover, then npm run up: unlocked, no pending operations, converged, no duplicates", async () => {
    // 1. `npm run up`, killed hard mid-run.
    const killedRun = await killedUp(work.dir, emu, "beforeDone");
    const { first, killed, run } = killedRun;
    proxy = killedRun.proxy;
    expect([proxy.firedAt(), first.code]).toEqual([expect.any(String), null]);
    expect(first.output).not.toMatch(/What exists now/);

    // What the killed run left: its lock (pulumi's pid, which died with the run), pending creates in the state, and
    // in the cloud an instance and a copy tagged `pending` by the creates that were cut short.
    const [lock] = lockFiles(work.dir);
    const holder = JSON.parse(fs.readFileSync(path.join(work.dir, LOCK_DIR, lock), "utf8"));
    expect(killed).toContain(holder.pid);
    const before = await exported(work.dir);
    expect(before.pending.filter((op) => op.type === "creating").length).toBeGreaterThanOrEqual(2);
    const cut = emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
    const cutInstances = cut.instances.filter((i) => stateOf(i.tags) === "pending").map((i) => i.instanceId);
    const cutCopies = cut.images.filter((i) => stateOf(i.tags) === "pending").map((i) => i.imageId);
    expect(cutInstances).toHaveLength(1);
    expect(cutCopies.length).toBeGreaterThanOrEqual(1);
    expect([...cut.instances, ...cut.images].filter((r) => stateOf(r.tags) === "done")).toEqual([]);

    // 2. The next `npm run up` stops before running pulumi, naming the dead run and the command that recovers.
    const refused = await run(["up"]);
    expect(refused.code).toBe(1);
    expect(refused.output).toContain(
      `Stack "local" is locked by a pulumi run that is no longer running: pid ${holder.pid} of ${holder.username}@${holder.hostname}, started `,
    );
    expect(refused.output).toContain("may still be pending in the state. Run `npm run recover`");
    expect(lockFiles(work.dir)).toEqual([lock]);

    // 3. The README's recovery, command by command, as written there.
    const [block] = sectionBlocks("### If a run is interrupted");
    const commands = shellCommands(block.text);
    expect(commands).toEqual(["npm run recover", "npm run up"]);
    const recovered = await run(mainJobArgs(commands[0]));
    expect([recovered.code, recovered.output]).toEqual([0, expect.stringContaining("Removed the lock")]);
    // It ends with the README's next command.
    expect(recovered.output.trim().split("\n").at(-1)).toBe(`Next: \`${commands[1]}\``);
    expect(lockFiles(work.dir)).toEqual([]);
    expect((await exported(work.dir)).pending).toEqual([]);
    const up = await run(mainJobArgs(commands[1]));
    expect([up.code, up.output]).toEqual([0, expect.stringContaining("What exists now:")]);

    // Unlocked, nothing pending, and the state holds exactly what the workload account holds: the instance and the
    // copies the killed run had started were adopted, not made twice; every instance runs.
    expect(lockFiles(work.dir)).toEqual([]);
    const after = await exported(work.dir);
    expect(after.pending).toEqual([]);
    const account = emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
    const instances = account.instances.map((i) => i.instanceId).sort();
    const images = account.images.map((i) => i.imageId).sort();
    expect(ofType(after.resources, "InstanceFromSharedImage")).toEqual(instances);
    expect(copiesIn(after.resources)).toEqual(images);
    expect([instances.length, images.length]).toEqual([4, 3]);
    expect(instances).toEqual(expect.arrayContaining(cutInstances));
    expect(images).toEqual(expect.arrayContaining(cutCopies));
    expect(account.instances.filter((i) => i.status !== "Running").map((i) => [i.instanceId, i.status])).toEqual([]);

    // Converged: nothing left to change.
    const preview = await run(["preview"]);
    expect([preview.code, preview.output]).toEqual([0, expect.stringMatching(/8 unchanged/)]);
  }, 240_000);

  it("refuses, touching nothing, while the lock's run is alive or the lock is another machine's", async () => {
    const dir = path.join(work.dir, LOCK_DIR);
    fs.mkdirSync(dir, { recursive: true });
    const timestamp = new Date().toISOString();
    const lock = (name: string, pid: number, hostname: string) => {
      fs.writeFileSync(path.join(dir, name), JSON.stringify({ pid, username: "ops", hostname, timestamp }));
    };
    // This test's own process: alive, on this machine.
    lock("alive.json", process.pid, os.hostname());
    const alive = await startMainJob(work.dir, ["recover"]).done;
    expect(alive.code).toBe(1);
    expect(alive.output).toContain(
      `Stack "local" is locked by a pulumi run that is still running: pid ${process.pid} of ops@${os.hostname()}`,
    );
    expect(lockFiles(work.dir)).toEqual(["alive.json"]);
    fs.rmSync(path.join(dir, "alive.json"));

    lock("elsewhere.json", 999_999, `not-${os.hostname()}`);
    const elsewhere = await startMainJob(work.dir, ["up"]).done;
    expect(elsewhere.code).toBe(1);
    expect(elsewhere.output).toContain('Stack "local" is locked by a pulumi run on another machine: pid 999999');
    expect(lockFiles(work.dir)).toEqual(["elsewhere.json"]);
    fs.rmSync(path.join(dir, "elsewhere.json"));
  }, 60_000);

  it("with nothing left to recover, npm run recover changes nothing and says so", async () => {
    const again = await startMainJob(work.dir, ["recover"]).done;
    expect(again.code).toBe(0);
    expect(again.output).toContain(
      'Nothing to recover: stack "local" is not locked and its state holds no pending operations.',
    );
    expect(again.output.trim().split("\n").at(-1)).toBe("Next: `npm run up`");
    expect(again.output).not.toMatch(/Refreshing|refresh/i);
  }, 60_000);
});

describe("a hard kill right after a create marked what it made as handed over", () => {
  const work = tempDir("recover-done");
  let emu: RunningEmulator;
  let proxy: KillSwitch;

  beforeAll(async () => {
    emu = await startDemoEmulator({ timeScale: 120 });
  });

  afterAll(async () => {
    await proxy?.close();
    await emu?.close();
    work.cleanup();
  });

  it("npm run recover reopens what the engine never saved, so npm run up adopts it: no duplicate", async () => {
    const killedRun = await killedUp(work.dir, emu, "afterDone");
    const { first, run } = killedRun;
    proxy = killedRun.proxy;
    expect([first.code, proxy.firedAt()]).toEqual([null, expect.any(String)]);

    // The killed run left at least one resource marked `done` that its state does not hold.
    const held = new Set((await exported(work.dir)).resources.map((r) => r.id));
    const cut = emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
    const unsaved = [
      ...cut.instances.map((i) => ({ id: i.instanceId, tags: i.tags })),
      ...cut.images.map((i) => ({ id: i.imageId, tags: i.tags })),
    ].filter((r) => stateOf(r.tags) === "done" && !held.has(r.id));
    expect(unsaved.length).toBeGreaterThanOrEqual(1);

    const recovered = await run(["recover"]);
    expect([recovered.code, recovered.output]).toEqual([
      0,
      expect.stringContaining("now left for its creates to adopt"),
    ]);
    for (const r of unsaved) expect(recovered.output).toContain(r.id);
    const up = await run(["up"]);
    expect([up.code, up.output]).toEqual([0, expect.stringContaining("What exists now:")]);

    // Adopted: the state holds exactly what the account holds, the unsaved ones included, and nothing twice.
    const after = await exported(work.dir);
    const account = emu.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
    const instances = account.instances.map((i) => i.instanceId).sort();
    const images = account.images.map((i) => i.imageId).sort();
    expect(ofType(after.resources, "InstanceFromSharedImage")).toEqual(instances);
    expect(copiesIn(after.resources)).toEqual(images);
    expect([instances.length, images.length]).toEqual([4, 3]);
    expect([...instances, ...images]).toEqual(expect.arrayContaining(unsaved.map((r) => r.id)));
  }, 240_000);
});
