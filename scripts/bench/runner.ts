// The engine benchmark's runs: its own emulator (demo world, shipped throttling), the two consumer projects, and each
// command of each size and repetition through the real CLI, timed from spawn to exit, with the emulator's counters,
// the state file and the peak memory of the program and provider processes.
import { type ChildProcess, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { DEMO, type RunningEmulator, startEmulator } from "../../emulator";
import { loadWorldInput } from "../../emulator/emulator";
import { DEFAULT_SETTINGS } from "../../emulator/models/world";
import { packLibrary } from "../consumer-project";
import { type Engine, offlineEnv } from "../engine";
import { COMMANDS, type CommandName, type RunFigures, type Sample, stateContent, statsDelta } from "./figures";
import { type Project, STACK, type Variant, writeProject } from "./projects";
import { RssSampler } from "./rss";

export interface BenchOptions {
  readonly sizes: readonly number[];
  readonly reps: number;
  /** The emulator's time scale (1: instances take the world's Pending + Starting time in wall seconds). */
  readonly timeScale: number;
  /** Keep the projects, their state, the command logs and the emulator's request log (for a closer look). */
  readonly keep: boolean;
  readonly log: (line: string) => void;
}

/** A CLI command that failed: the benchmark stops with this message. */
export class BenchCommandError extends Error {
  override readonly name = "BenchCommandError";
}

/** The CLI arguments of each measured command. */
const ARGS: Readonly<Record<CommandName, readonly string[]>> = {
  preview: ["preview"],
  up: ["up", "--yes", "--skip-preview"],
  "no-change up": ["up", "--yes", "--skip-preview"],
  "preview --refresh": ["preview", "--refresh"],
  destroy: ["destroy", "--yes", "--skip-preview"],
};

/** No command of a benchmark takes this long unless something hangs. */
const COMMAND_TIMEOUT_MS = 60 * 60_000;

/** Emulated Pending -> Running of one new instance in the demo world, in wall seconds at `timeScale`. */
export function provisioningSeconds(timeScale: number): number {
  const world = loadWorldInput(undefined) as { settings?: Partial<typeof DEFAULT_SETTINGS> };
  const settings = { ...DEFAULT_SETTINGS, ...world.settings };
  return (settings.pendingMs + settings.startingMs) / 1000 / timeScale;
}

/** The CLI's environment: offline, this project's backend, and nothing inherited that points elsewhere. */
function cliEnv(engine: Engine, project: Project): NodeJS.ProcessEnv {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(base)) {
    if (/^(ECS_SHARED_IMAGES_|ALICLOUD_|ALIBABA_CLOUD_|PULUMI_)/.test(key)) delete base[key];
  }
  return {
    ...offlineEnv(engine, { backendDir: project.backendDir, base }),
    ALIBABA_CLOUD_ECS_METADATA_DISABLED: "true",
    ALIBABA_CLOUD_CREDENTIALS_FILE: "/nonexistent/alibabacloud-credentials",
  };
}

/** The arguments as logged: the value of `config set --secret KEY VALUE` masked. */
export function masked(args: readonly string[]): string[] {
  const secret = args.indexOf("--secret");
  return secret < 0 ? [...args] : args.map((a, i) => (i === secret + 2 ? "[secret]" : a));
}

interface CliResult {
  readonly seconds: number;
  readonly peakRss: RunFigures["peakRss"];
}

export class EngineBench {
  private current: ChildProcess | undefined;
  private readonly samples: Sample[] = [];

  private constructor(
    private readonly options: BenchOptions,
    private readonly engine: Engine,
    private readonly work: string,
    private readonly emu: RunningEmulator,
    private readonly projects: Readonly<Record<Variant, Project>>,
  ) {}

  /** Packs the library, writes both projects and their stacks, and starts the emulator. */
  static async prepare(options: BenchOptions, engine: Engine): Promise<EngineBench> {
    const work = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), "bench-engine-")));
    let emu: RunningEmulator | undefined;
    try {
      options.log(`packing the library and writing the projects in ${work}`);
      const library = packLibrary(work);
      const projects = { lib: writeProject(work, "lib", library), floor: writeProject(work, "floor", library) };
      emu = await startEmulator({ port: 0, timeScale: options.timeScale });
      options.log(`emulator http://${emu.endpoint} (demo world, shipped throttling, time scale ${options.timeScale})`);
      const bench = new EngineBench(options, engine, work, emu, projects);
      await bench.initStacks();
      return bench;
    } catch (err) {
      await emu?.close();
      if (!options.keep) fs.rmSync(work, { recursive: true, force: true });
      throw err;
    }
  }

  /**
   * Both stacks get the library's config (the floor's program reads only `count`): the engine hands the stack config
   * to the default dynamic provider and records it in state, secrets encrypted, so both pay the same for it.
   */
  private async initStacks(): Promise<void> {
    for (const p of Object.values(this.projects)) await this.initStack(p);
  }

  private async initStack(project: Project): Promise<void> {
    await this.cli(project, ["stack", "init", STACK]);
    const plain: Record<string, string> = {
      "alicloud:region": DEMO.region,
      "ecsSharedImages:endpoint": `http://${this.emu.endpoint}`,
      imageOwner: DEMO.owner.accountId,
      sharedImageId: DEMO.images.plain,
      vSwitchId: DEMO.workload.vSwitchId,
      securityGroupId: DEMO.workload.securityGroupId,
      keyPairName: DEMO.workload.keyPairName,
    };
    for (const [key, value] of Object.entries(plain)) await this.cli(project, ["config", "set", key, value]);
    await this.cli(project, ["config", "set", "--secret", "alicloud:accessKey", DEMO.workload.accessKeyId]);
    await this.cli(project, ["config", "set", "--secret", "alicloud:secretKey", DEMO.workload.accessKeySecret]);
  }

  /** Every size, every repetition, every command for lib and floor in turn; returns the samples. */
  async run(): Promise<Sample[]> {
    for (const n of this.options.sizes) {
      for (const p of Object.values(this.projects)) await this.cli(p, ["config", "set", "count", `${n}`]);
      for (let rep = 0; rep < this.options.reps; rep++) {
        // Lib first in even repetitions, floor first in odd ones, so neither always runs on a warmer machine.
        const order: Variant[] = rep % 2 === 0 ? ["lib", "floor"] : ["floor", "lib"];
        for (const command of COMMANDS) {
          const figures: Partial<Record<Variant, RunFigures>> = {};
          for (const variant of order) figures[variant] = await this.measure(this.projects[variant], command);
          const { lib, floor } = figures as Record<Variant, RunFigures>;
          this.samples.push({ command, n, rep, lib, floor });
          this.options.log(
            `N=${n} rep ${rep + 1}/${this.options.reps} ${command.padEnd(17)} lib ${lib.seconds.toFixed(1)} s, ` +
              `floor ${floor.seconds.toFixed(1)} s, ${Object.values(lib.calls).reduce((s, d) => s + d.calls, 0)} calls`,
          );
        }
      }
    }
    return this.samples;
  }

  private async measure(project: Project, command: CommandName): Promise<RunFigures> {
    const before = this.emu.admin.stats();
    const stateBefore = command === "no-change up" ? fs.readFileSync(project.stateFile) : undefined;
    const result = await this.cli(project, ARGS[command], { sample: true });
    const calls = statsDelta(before, this.emu.admin.stats());
    if (project.variant === "floor" && Object.keys(calls).length > 0) {
      throw new BenchCommandError(`the floor project called the emulator during ${command}: ${JSON.stringify(calls)}`);
    }
    const figures: RunFigures = { seconds: result.seconds, calls, peakRss: result.peakRss };
    if (command === "up") return { ...figures, stateBytes: fs.statSync(project.stateFile).size };
    if (stateBefore) {
      const stateAfter = fs.readFileSync(project.stateFile);
      const stateIdentical = stateBefore.equals(stateAfter);
      const stateSame = stateContent(stateBefore.toString("utf8")) === stateContent(stateAfter.toString("utf8"));
      if (!stateIdentical && this.options.keep) {
        // Kept for a diff: what the no-change up changed.
        fs.writeFileSync(`${project.stateFile}.before-no-change-up`, stateBefore);
        fs.writeFileSync(`${project.stateFile}.after-no-change-up`, stateAfter);
      }
      return { ...figures, stateIdentical, stateSame };
    }
    return figures;
  }

  /** Runs `pulumi ARGS --non-interactive` in the project; throws a BenchCommandError naming it when it fails. */
  private cli(project: Project, args: readonly string[], opts: { sample?: boolean } = {}): Promise<CliResult> {
    const all = [...args, "--non-interactive"];
    const shown = `pulumi ${masked(args).join(" ")}`;
    fs.appendFileSync(project.logFile, `\n===== ${new Date().toISOString()} ${shown}\n`);
    return new Promise((resolve, reject) => {
      const started = performance.now();
      const child = spawn(path.join(this.engine.binDir, "pulumi"), all, {
        cwd: project.dir,
        env: cliEnv(this.engine, project),
        stdio: ["ignore", "pipe", "pipe"],
      });
      this.current = child;
      const sampler = opts.sample && child.pid !== undefined ? new RssSampler(child.pid) : undefined;
      let tail = "";
      const collect = (chunk: Buffer) => {
        fs.appendFileSync(project.logFile, chunk);
        tail = (tail + chunk.toString()).slice(-6000);
      };
      child.stdout.on("data", collect);
      child.stderr.on("data", collect);
      const timer = setTimeout(() => child.kill("SIGINT"), COMMAND_TIMEOUT_MS);
      child.on("error", (err) => {
        clearTimeout(timer);
        sampler?.stop();
        reject(new BenchCommandError(`${shown} in the ${project.variant} project could not start: ${err.message}`));
      });
      child.on("exit", (code, signal) => {
        const seconds = (performance.now() - started) / 1000;
        clearTimeout(timer);
        const peakRss = sampler?.stop() ?? {};
        this.current = undefined;
        if (code === 0) {
          resolve({ seconds, peakRss });
          return;
        }
        const how = signal ? `killed by ${signal}` : `exit ${code}`;
        reject(
          new BenchCommandError(
            `${shown} failed in the ${project.variant} project (${project.dir}) after ${seconds.toFixed(1)} s, ` +
              `${how}. The end of its output:\n${tail.trim()}`,
          ),
        );
      });
    });
  }

  /** Stops a command in flight (Ctrl-C of the benchmark). */
  interrupt(): void {
    this.current?.kill("SIGINT");
  }

  /** Stops the emulator and removes the projects and their state (unless kept). */
  async close(): Promise<void> {
    if (this.options.keep) {
      const log = this.emu.admin.requests().map((r) => JSON.stringify(r));
      fs.writeFileSync(path.join(this.work, "requests.jsonl"), `${log.join("\n")}\n`);
      this.options.log(`kept: ${this.work} (projects, state, commands.log, requests.jsonl)`);
    }
    await this.emu.close();
    if (!this.options.keep) fs.rmSync(this.work, { recursive: true, force: true });
  }
}
