// The reliability suite's machinery: per scenario a temporary copy of the project, a fresh emulator started by the
// suite (the job reuses an emulator already listening on the stack's endpoint, so the suite can watch, fault, stop and
// restart it), the main job run as an operator runs it (`node dist/scripts/main-job.js up`, in its own process
// group), interruptions timed on the emulator's request log, recovery with the README's commands, and the figures.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import type { ThrottleConfig } from "../../emulator";
import { projectRoot } from "../engine";
import {
  actionCounts,
  callFigures,
  duplicateCreates,
  fleetProblems,
  leaksAfterDestroy,
  liveDuplicates,
  mergeDuplicates,
  requestsAfter,
  restoreProblems,
  stoppedInstances,
} from "./figures";
import { catalogueImage, expectedFleet, fleetInstances, stackConfigYaml } from "./fleet";
import { describeProcesses, findProcesses, killAll, type ProcessInfo } from "./processes";
import type {
  CommandRun,
  Interruption,
  KillFigures,
  Scenario,
  ScenarioResult,
  SuiteOptions,
  TriggerView,
} from "./types";
import { ChaosEmulator, copyProject, KILL_GRACE_MS, makeLegacyInstance, STACK } from "./world";

// ---- commands ----

interface Cli {
  readonly pid: number;
  exited(): boolean;
  readonly done: Promise<CommandRun>;
}

function cliEnv(dir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PULUMI_ECS_PROJECT_DIR: dir,
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true",
    ALIBABA_CLOUD_CREDENTIALS_FILE: "/nonexistent/alibabacloud-credentials",
  };
  // The project's own settings, as on an operator's machine: nothing inherited may point elsewhere.
  for (const key of [
    "PULUMI_CONFIG_PASSPHRASE",
    "PULUMI_CONFIG_PASSPHRASE_FILE",
    "PULUMI_BACKEND_URL",
    "PULUMI_STACK",
    "ECS_SHARED_IMAGES_ENDPOINT",
    "ECS_SHARED_IMAGES_POLL_INTERVAL",
    "ECS_SHARED_IMAGES_RETRY_DELAY",
  ]) {
    delete env[key];
  }
  return env;
}

/** Runs `node dist/scripts/<script> args` in the project, in its own process group, appending output to `logFile`. */
function startCli(dir: string, command: string, script: string, args: string[], logFile: string, calm: boolean): Cli {
  const started = Date.now();
  const child = spawn(process.execPath, [path.join(dir, "dist", "scripts", script), ...args], {
    cwd: dir,
    env: cliEnv(dir),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  fs.appendFileSync(logFile, `\n===== ${new Date(started).toISOString()} ${command}\n`);
  let output = "";
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-64 * 1024);
    fs.appendFileSync(logFile, text);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  let exited = false;
  const done = new Promise<CommandRun>((resolve) => {
    child.on("exit", (code, signal) => {
      exited = true;
      const seconds = (Date.now() - started) / 1000;
      // Processes the run left may hold its output pipes open: take what has arrived, then let go of them.
      const finish = () => {
        child.stdout.destroy();
        child.stderr.destroy();
        const exit = signal ? signal : `exit ${code}`;
        fs.appendFileSync(logFile, `\n===== ${command}: ${exit} after ${seconds.toFixed(1)} s\n`);
        const ok = code === 0;
        resolve({ command, ok, seconds, exit, calm, ...(ok ? {} : { tail: tailOf(output) }) });
      };
      const timer = setTimeout(finish, 1_000);
      child.once("close", () => {
        clearTimeout(timer);
        finish();
      });
    });
    child.on("error", (err) => {
      exited = true;
      resolve({ command, ok: false, seconds: 0, exit: err.message, calm });
    });
  });
  if (child.pid === undefined) throw new Error(`could not start ${command}`);
  return { pid: child.pid, exited: () => exited, done };
}

/** The last lines of a failed command's output, without Pulumi's live-table noise. */
function tailOf(output: string): string {
  const lines = output
    .split("\n")
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== "");
  const diagnostics = lines.findIndex((l) => /^Diagnostics:/.test(l));
  const from = diagnostics >= 0 ? lines.slice(diagnostics) : lines.slice(-15);
  return from.slice(0, 25).join("\n").slice(0, 4000);
}

// ---- one scenario ----

class ScenarioRun {
  readonly commands: CommandRun[] = [];
  readonly suiteErrors: string[] = [];
  private readonly logFile: string;
  private calm = false;
  private defaultThrottle: ThrottleConfig | undefined;

  constructor(
    readonly scenario: Scenario,
    readonly options: SuiteOptions,
    readonly dir: string,
    readonly emu: ChaosEmulator,
    readonly legacy: { instanceId: string; imageId: string },
  ) {
    this.logFile = path.join(options.logDir, `${scenario.id}.log`);
  }

  arm(): void {
    this.defaultThrottle ??= this.emu.admin.setThrottle({});
    if (!this.calm) this.scenario.arm?.(this.emu.admin);
  }

  /** Lifts the scenario's faults and throttling: the world's defaults again. */
  disarm(): void {
    this.calm = true;
    this.emu.admin.clearFaults();
    if (this.defaultThrottle) this.emu.admin.setThrottle(this.defaultThrottle);
  }

  private async run(command: string, script: string, args: string[]): Promise<CommandRun> {
    this.options.log(`  ${command}`);
    const run = await startCli(this.dir, command, script, args, this.logFile, this.calm).done;
    this.commands.push(run);
    this.options.log(`    ${run.exit} after ${run.seconds.toFixed(1)} s`);
    return run;
  }

  /** Recovery after a hard kill, as the README says ("If a run is interrupted"): `npm run recover`. */
  async recover(): Promise<boolean> {
    const recovered = await this.run("npm run recover", "main-job.js", ["recover"]);
    return recovered.ok;
  }

  destroy(): Promise<CommandRun> {
    return this.run("npm run destroy", "main-job.js", ["destroy"]);
  }

  /** `npm run up`, interrupted as the scenario says when its trigger fires. */
  async up(interrupt?: Interruption): Promise<{ run: CommandRun; fired: boolean; kill?: KillFigures }> {
    const command = "npm run up";
    this.options.log(`  ${command}${interrupt ? ` (${interrupt.kind} when ${interrupt.when.describe})` : ""}`);
    const from = this.emu.requests().length;
    const cli = startCli(this.dir, command, "main-job.js", ["up"], this.logFile, this.calm);
    let fired = false;
    let kill: KillFigures | undefined;
    while (interrupt !== undefined && !cli.exited()) {
      await sleep(20);
      const view: TriggerView = {
        requests: this.emu.up ? this.emu.requests().slice(from) : [],
        account: () => this.emu.account(),
        legacyInstanceId: this.legacy.instanceId,
        instances: fleetInstances(this.options.fleet),
      };
      if (!this.emu.up || cli.exited() || !interrupt.when.fired(view)) continue;
      fired = true;
      if (interrupt.kind === "outage") await this.outage(interrupt.downMs);
      else kill = await this.kill(cli, interrupt.kind);
      break;
    }
    const run = await cli.done;
    this.commands.push(run);
    this.options.log(`    ${run.exit} after ${run.seconds.toFixed(1)} s${fired ? ` (${interrupt?.kind} sent)` : ""}`);
    if (interrupt !== undefined && !fired) {
      this.suiteErrors.push(`the ${interrupt.kind} was never sent: the up ended before ${interrupt.when.describe}`);
    }
    return { run, fired, kill };
  }

  private async outage(downMs: number): Promise<void> {
    this.options.log(`    endpoint down for ${downMs / 1000} s`);
    await this.emu.stop();
    await sleep(downMs);
    await this.emu.restart();
    this.arm();
  }

  private async kill(cli: Cli, kind: "kill-group" | "power-loss"): Promise<KillFigures> {
    const atKill = findProcesses(this.dir);
    const killAt = Date.now();
    if (kind === "kill-group") {
      try {
        process.kill(-cli.pid, "SIGKILL");
      } catch {
        // The group ended on its own a moment ago: nothing to kill, and the figures below say what is left.
      }
    } else {
      // Every process at once; a process started meanwhile is caught by the next look.
      for (let round = 0, found = atKill; found.length > 0 && round < 20; round++) {
        killAll(found);
        found = findProcesses(this.dir);
      }
    }
    this.options.log(`    ${kind}: SIGKILL sent (${atKill.length} processes of the run)`);
    await sleep(Math.max(0, killAt + KILL_GRACE_MS - Date.now()));
    const alive = findProcesses(this.dir);
    await sleep(Math.max(0, killAt + KILL_GRACE_MS + this.options.watchAfterGraceMs - Date.now()));
    const afterKill = requestsAfter(this.emu.requests(), killAt);
    const stray = requestsAfter(afterKill, killAt + KILL_GRACE_MS);
    const leftover = findProcesses(this.dir);
    const killedBySuite = killAll(leftover);
    if (alive.length > 0 || stray.length > 0) {
      this.options.log(
        `    after kill + 5 s: ${alive.length} processes alive, ${stray.length} ECS calls; the suite killed ${killedBySuite}`,
      );
    }
    return {
      kind,
      at: new Date(killAt).toISOString(),
      processesAtKill: describeProcesses(atKill),
      aliveAfterGrace: describeProcesses(alive),
      callsWithinGrace: afterKill.length - stray.length,
      callsAfterGrace: stray.length,
      strayCalls: actionCounts(stray),
      watchedSeconds: this.options.watchAfterGraceMs / 1000,
      killedBySuite,
    };
  }

  /** Where the account differs from the declared fleet. */
  fleetProblems(): string[] {
    const account = this.emu.account();
    const copies = new Map(account.images.map((i) => [i.name, i.id]));
    return fleetProblems(account, expectedFleet(this.options.fleet, this.legacy.instanceId), (name) =>
      catalogueImage(name, copies),
    );
  }

  /** Processes of ours still running, which the suite then ends. */
  leftovers(): ProcessInfo[] {
    const found = findProcesses(this.dir);
    killAll(found);
    return found;
  }
}

/** Runs one scenario end to end on a fresh world and returns its figures. Never throws for a scenario's failure. */
export async function runScenario(scenario: Scenario, options: SuiteOptions): Promise<ScenarioResult> {
  const started = Date.now();
  const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), `chaos-${scenario.id}-`)));
  const dir = path.join(work, "project");
  fs.mkdirSync(options.logDir, { recursive: true });
  options.log(`scenario ${scenario.id}: ${scenario.title} (project ${dir})`);
  copyProject(dir);
  const emu = await ChaosEmulator.start(path.join(dir, ".emulator", `${STACK}.json`), options.timeScale);
  const instances = fleetInstances(options.fleet);
  try {
    const legacy = await makeLegacyInstance(emu);
    const localYaml = fs.readFileSync(path.join(projectRoot, "stacks", "Pulumi.local.yaml"), "utf8");
    fs.writeFileSync(
      path.join(dir, "stacks", `Pulumi.${STACK}.yaml`),
      stackConfigYaml(localYaml, emu.port, options.fleet, legacy.instanceId),
    );
    const s = new ScenarioRun(scenario, options, dir, emu, legacy);
    s.arm();
    const phaseFrom = emu.requests().length;

    // The scenario's up, interrupted or not; after a kill, the README's recovery and one more up.
    const interruption = scenario.interrupt;
    const first = await s.up(interruption);
    let upsRun = 1;
    let last = first.run;
    let recovered = true;
    if (interruption?.kind === "kill-group" || interruption?.kind === "power-loss") {
      recovered = await s.recover();
      last = (await s.up()).run;
      upsRun++;
    }
    let problems = s.fleetProblems();
    const convergedInOneUp =
      recovered && last.ok && problems.length === 0 && (interruption === undefined || first.fired);
    let upsToConverge = last.ok && problems.length === 0 ? upsRun : undefined;

    // Not converged: the operator runs `up` again once the storm is over.
    for (let i = 0; upsToConverge === undefined && i < options.followUps; i++) {
      s.disarm();
      last = (await s.up()).run;
      upsRun++;
      problems = s.fleetProblems();
      if (last.ok && problems.length === 0) upsToConverge = upsRun;
    }
    const convergeSeconds = upsToConverge === undefined ? undefined : s.commands.reduce((sum, c) => sum + c.seconds, 0);

    const upPhase = emu.requests().slice(phaseFrom);
    const account = emu.account();
    const duplicates = mergeDuplicates(
      duplicateCreates(upPhase),
      liveDuplicates(account.instances, "instance"),
      liveDuplicates(account.images, "image"),
    );
    const stopped = stoppedInstances(account);
    const leftoverAfterUp = s.leftovers();

    s.disarm();
    const destroyFrom = emu.requests().length;
    const destroyed = await s.destroy();
    if (!destroyed.ok) await s.destroy();
    const after = emu.account();
    const leftoverAfterDestroy = s.leftovers();
    // The whole request log, for a closer look at a scenario's figures.
    fs.writeFileSync(
      path.join(options.logDir, `${scenario.id}.requests.jsonl`),
      emu
        .requests()
        .map((r) => JSON.stringify(r))
        .join("\n"),
    );
    return {
      id: scenario.id,
      title: scenario.title,
      instances,
      commands: s.commands,
      interrupted: interruption === undefined ? undefined : first.fired,
      kill: first.kill,
      convergedInOneUp,
      upsToConverge,
      convergeSeconds,
      fleetProblems: problems,
      calls: callFigures(upPhase),
      destroyCalls: emu.requests().length - destroyFrom,
      duplicates,
      stopped,
      leaks: leaksAfterDestroy(after, [legacy.instanceId]),
      restoreProblems: restoreProblems(after, { ...legacy, status: "Running" }),
      leftoverProcesses: describeProcesses([...leftoverAfterUp, ...leftoverAfterDestroy]),
      suiteErrors: s.suiteErrors,
      startedAt: new Date(started).toISOString(),
      seconds: (Date.now() - started) / 1000,
    };
  } catch (err) {
    // The suite itself failed (setup, the emulator): a result that fails every invariant, saying why.
    return failedResult(scenario, instances, started, `the suite failed: ${(err as Error).stack ?? err}`);
  } finally {
    killAll(findProcesses(dir));
    await emu.close();
    // Pulumi's state and the emulator's, for a closer look at what a scenario left (both small).
    for (const kept of [".pulumi-state", ".emulator"]) {
      const from = path.join(dir, kept);
      if (fs.existsSync(from))
        fs.cpSync(from, path.join(options.logDir, `${scenario.id}-state`, kept), { recursive: true });
    }
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function failedResult(scenario: Scenario, instances: number, started: number, error: string): ScenarioResult {
  return {
    id: scenario.id,
    title: scenario.title,
    instances,
    commands: [],
    convergedInOneUp: false,
    fleetProblems: [],
    calls: callFigures([]),
    destroyCalls: 0,
    duplicates: [],
    stopped: [],
    leaks: [],
    restoreProblems: [],
    leftoverProcesses: [],
    suiteErrors: [error],
    startedAt: new Date(started).toISOString(),
    seconds: (Date.now() - started) / 1000,
  };
}
