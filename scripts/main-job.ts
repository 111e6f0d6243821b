// The main job: `npm run up | preview | refresh | destroy | recover | drift [-- pulumi args]`.
//
// Prepares the engine, stops if the stack is locked (saying how to recover when the run holding the lock is gone),
// starts the local ECS emulator (demo world, state kept in .emulator/) when the selected stack points at a loopback
// endpoint (or uses the one already running there), selects or creates the stack on the project's file backend (or
// the user's own PULUMI_BACKEND_URL, such as a team's bucket), runs the pulumi command with its normal live output,
// and ends with a short summary of what exists. `recover` clears what a run killed hard left behind: its lock (only
// when that run is gone) and its pending operations. `drift` and `preview -- --report FILE` write a Markdown report
// instead of the live output (scripts/gitops.ts).
//
// Only a file backend's locks can be read ahead: on a shared backend (S3, OSS, ...) the job relies on pulumi's own
// lock check, and when pulumi refuses a locked stack it says how to clear a dead run's lock (`pulumi cancel`).
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO, type RunningEmulator, startEmulator } from "../emulator";
import { type StackConfig, useStackConfig } from "../providers/ecs/client";
import { reopenInterruptedCreates } from "../providers/reopen";
import {
  EngineSetupError,
  ensureEngine,
  LOCAL_PASSPHRASE,
  offlineEnv,
  projectDirFrom,
  projectRoot,
  type StateBackend,
  stateBackendOf,
} from "./engine";
import { gitopsArgs, ReportError, runReported, userDir } from "./gitops";
import { planLocalEmulator, probePort } from "./local-emulator";
import {
  describeHolder,
  describePending,
  emptyCheckpointAttrs,
  heldIds,
  interruptedCreates,
  type LockPlan,
  npmCommand,
  pendingOperations,
  planForLocks,
  readStackLocks,
  stackLockDir,
  thisHost,
} from "./recovery";
import { EventStreamError } from "./report/events";

const COMMANDS = ["up", "preview", "refresh", "destroy", "recover", "drift"] as const;
type Command = (typeof COMMANDS)[number];
const projectDir = projectDirFrom();
const ENDPOINT_LINE = /^\s*ecsSharedImages:endpoint:\s*["']?([^"'\s#]+)/m;
/** Emulated time runs this much faster than the wall clock, so image copies take seconds, not minutes. */
const LOCAL_TIME_SCALE = 30;

class JobError extends Error {}

/** The stack named by -s/--stack in the pass-through arguments, else PULUMI_STACK, else "local". */
export function stackFromArgs(args: readonly string[], env: NodeJS.ProcessEnv = process.env): string {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if ((arg === "-s" || arg === "--stack") && args[i + 1]) return args[i + 1];
    const inline = /^--stack=(.+)$/.exec(arg);
    if (inline) return inline[1];
  }
  return env.PULUMI_STACK || "local";
}

/** The endpoint the stack's config file sets (read from the file: it needs no passphrase), if any. */
function stackEndpoint(stack: string): string | undefined {
  const file = path.join(projectDir, "stacks", `Pulumi.${stack}.yaml`);
  return fs.existsSync(file) ? ENDPOINT_LINE.exec(fs.readFileSync(file, "utf8"))?.[1] : undefined;
}

/** The port of a loopback endpoint such as "http://127.0.0.1:18410", or undefined for any other endpoint. */
export function loopbackPort(endpoint: string | undefined): number | undefined {
  const match = endpoint ? /^(?:https?:\/\/)?(?:127\.0\.0\.1|localhost):(\d{1,5})\/?$/.exec(endpoint) : null;
  return match ? Number(match[1]) : undefined;
}

/** The project's name, from its Pulumi.yaml: the backend keeps the stack's state and locks under it. */
function projectName(): string {
  const file = path.join(projectDir, "Pulumi.yaml");
  const name = /^name:\s*["']?([^"'\s#]+)/m.exec(fs.readFileSync(file, "utf8"))?.[1];
  if (!name) throw new JobError(`${file} has no "name:" line, so the stack's lock cannot be found: add the name.`);
  return name;
}

/** What the lock files of `stack` in the file backend at `backendDir` mean for a command about to run. */
function stackLocks(backendDir: string, stack: string): LockPlan {
  const dir = stackLockDir(backendDir, projectName(), stack);
  return planForLocks(readStackLocks(dir, thisHost(), projectDir), stack);
}

/** The first line of pulumi's error when another run holds the stack's lock (pkg/backend/diy/lock.go). */
const PULUMI_LOCKED = "the stack is currently locked by";

/**
 * What to do when pulumi refused a stack locked on a shared backend: no machine can tell whether the run holding the
 * lock (a teammate's, a pipeline's) is still going, so only the user can decide to remove it.
 */
export function sharedLockHint(stack: string, backend: string): string {
  return (
    `Stack "${stack}" is locked (see pulumi's message above). Its state is on a shared backend (${backend}), so ` +
    "this job cannot tell whether the run holding the lock is still going: if it is, wait for it to end. If it is " +
    `not (killed, or its machine lost power), remove its lock with \`npm run pulumi -- cancel --yes --stack ${stack}\`, ` +
    `then run \`${npmCommand("recover", stack)}\`.`
  );
}

/** What a command of the job runs pulumi with. */
interface Job {
  readonly stack: string;
  /** The pulumi arguments the user gave after `--`, with `--stack` added when they named none. */
  readonly passThrough: readonly string[];
  /** Runs a pulumi command quietly and returns its output; throws with pulumi's stderr when it fails. */
  readonly cli: (args: string[]) => string;
  /** The backend the stack's state is on. */
  readonly backend: StateBackend;
  /** Runs a pulumi operation with its live output; resolves to its exit code. */
  readonly operation: (args: string[], stdin?: "inherit" | "ignore") => Promise<number>;
  /** Starts (or announces) the local emulator, once, before the first operation that talks to ECS. */
  readonly ready: () => Promise<void>;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!COMMANDS.includes(command as Command)) {
    throw new JobError(`Unknown command "${command}": use one of ${COMMANDS.join(", ")}.`);
  }
  const engine = await ensureEngine();
  const env = offlineEnv(engine, { projectDir });
  const pulumi = path.join(engine.binDir, "pulumi");
  const stack = stackFromArgs(rest);
  const backend = stateBackendOf(env.PULUMI_BACKEND_URL ?? "", projectDir);
  if (process.env.PULUMI_BACKEND_URL) console.log(`Pulumi state backend (PULUMI_BACKEND_URL): ${backend.shown}`);
  const gitops = gitopsArgs(rest, userDir());
  if (gitops.reportFile !== undefined && command !== "preview" && command !== "drift") {
    throw new JobError(`--report works with preview and drift, not with ${command}.`);
  }
  // pulumi 3.248 marks plans experimental; only runs that use one get the mode, since it changes other behaviour.
  if (gitops.usesPlan) env.PULUMI_EXPERIMENTAL = "true";

  // Before pulumi runs at all: a stack locked by a run that may still be going stops every command (pulumi would
  // refuse too, less helpfully), and a lock left by a run that is gone stops every command but recover, since the
  // state may still hold that run's unfinished operations.
  if (backend.kind === "file") {
    const locks = stackLocks(backend.dir, stack);
    if (locks.kind === "held" || (locks.kind === "stale" && command !== "recover")) throw new JobError(locks.message);
  }

  const given = gitops.args;
  const passThrough =
    given.includes("-s") || given.some((a) => a.startsWith("--stack")) ? given : ["--stack", stack, ...given];
  const cli = (args: string[]) => {
    try {
      return execFileSync(pulumi, args, { cwd: projectDir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      const stderr = (err as { stderr?: string }).stderr?.trim();
      throw new JobError(`\`pulumi ${args.join(" ")}\` failed: ${stderr || (err as Error).message}`);
    }
  };

  const endpoint = stackEndpoint(stack);
  const port = loopbackPort(endpoint);
  const plan =
    endpoint === undefined || port === undefined
      ? undefined
      : planLocalEmulator(await probePort(port), { endpoint, port, stack });
  if (plan?.action === "stop") throw new JobError(plan.message);
  if (port !== undefined) {
    // Emulator stacks ship their (fake) secrets encrypted with the fixed local passphrase.
    env.PULUMI_CONFIG_PASSPHRASE = LOCAL_PASSPHRASE;
    delete env.PULUMI_CONFIG_PASSPHRASE_FILE;
    env.ECS_SHARED_IMAGES_POLL_INTERVAL ??= "500ms";
    env.ALIBABA_CLOUD_ECS_METADATA_DISABLED = "true";
  }
  cli(["stack", "select", "--create", stack]);

  let emulator: RunningEmulator | undefined;
  let announced = false;
  const ready = async () => {
    if (announced) return;
    announced = true;
    if (plan?.action === "use") console.log(plan.line);
    if (plan?.action === "start") {
      emulator = await startEmulator({
        port,
        world: path.join(projectRoot, "emulator", "worlds", "demo.json"),
        statePath: path.join(projectDir, ".emulator", `${stack}.json`),
        timeScale: LOCAL_TIME_SCALE,
      }).catch((err: Error) => {
        throw new JobError(`Could not start the local ECS emulator on port ${port} (${endpoint}): ${err.message}`);
      });
      console.log(`Local ECS emulator (demo world) serving ${endpoint}; its state is kept in .emulator/${stack}.json`);
    }
  };

  // Ctrl-C reaches pulumi too (same process group); pulumi cancels cleanly and writes its checkpoint. We only wait
  // for it, then save the state of the emulator we started, so the next command continues from a consistent place.
  const ignore = () => undefined;
  process.on("SIGINT", ignore);
  process.on("SIGTERM", ignore);
  // On a shared backend pulumi's stderr passes through the job, which watches it for pulumi's lock error.
  const operation = (args: string[], stdin: "inherit" | "ignore" = "inherit") =>
    new Promise<number>((resolve) => {
      const watch = backend.kind === "shared";
      const child = spawn(pulumi, args, {
        cwd: projectDir,
        env,
        stdio: [stdin, "inherit", watch ? "pipe" : "inherit"],
      });
      let locked = false;
      // The end of what came before, so the message is found even when a chunk boundary splits it.
      let tail = "";
      child.stderr?.on("data", (chunk: Buffer) => {
        process.stderr.write(chunk);
        const seen = tail + chunk.toString();
        locked ||= seen.includes(PULUMI_LOCKED);
        tail = seen.slice(-PULUMI_LOCKED.length);
      });
      child.on("close", (exitCode, signal) => {
        if (locked && backend.kind === "shared") console.error(sharedLockHint(stack, backend.shown));
        resolve(exitCode ?? (signal ? 1 : 0));
      });
    });
  const job: Job = { stack, passThrough, cli, backend, operation, ready };

  let outcome: Outcome;
  try {
    if (command === "recover") outcome = await recover(job);
    else {
      await ready();
      const args = command === "preview" ? [command, ...passThrough] : [command, "--yes", ...passThrough];
      const reported = command === "drift" || gitops.reportFile !== undefined;
      const code = reported
        ? await runReported({
            kind: command === "drift" ? "drift" : "preview",
            pulumi,
            cwd: projectDir,
            env,
            args: passThrough,
            project: projectName(),
            stack,
            reportFile: gitops.reportFile,
          })
        : await operation(args);
      if (code === 0 && !reported && command !== "preview")
        printSummary(cli(["stack", "output", "--json", "--stack", stack]));
      outcome = { code };
    }
  } finally {
    if (emulator) {
      const workload = emulator.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
      await emulator.close();
      console.log(
        `Emulator state saved: the workload account holds ${workload.instances.length} instance(s) and ${workload.images.length} image(s).`,
      );
    }
  }
  if (outcome.last) console.log(outcome.last);
  return outcome.code;
}

interface Outcome {
  readonly code: number;
  /** The line the job ends with (what to run next), after the emulator's. */
  readonly last?: string;
}

/**
 * `npm run recover`: removes the lock of a run that is gone (`pulumi cancel`), then brings the state up to date with
 * what exists (`pulumi refresh --clear-pending-creates`), so the next `up` re-issues the creates the killed run left
 * unfinished and they adopt what it made. On a file backend, a stack neither locked nor holding pending operations is
 * left as it is. On a shared backend no lock is judged or removed here (only the user can tell whether its run is
 * gone): the refresh runs, and pulumi refuses it while the stack is locked, which the operation explains.
 */
async function recover(job: Job): Promise<Outcome> {
  const { stack, cli, backend } = job;
  const again = `\`${npmCommand("recover", stack)}\``;
  const next = `Next: \`${npmCommand("up", stack)}\``;
  let unlocked = false;
  if (backend.kind === "file") {
    // Judged again right before the cancel, which removes every lock file of the stack: a run that started since the
    // job's first look (a moment ago) keeps its lock, and this job stops, naming it.
    const locks = stackLocks(backend.dir, stack);
    if (locks.kind === "held") throw new JobError(locks.message);
    const attrs = emptyCheckpointAttrs(backend.dir, projectName(), stack);
    if (attrs !== undefined) {
      fs.rmSync(attrs);
      console.log(
        `Removed ${path.relative(projectDir, attrs)}: the kill left it empty, and pulumi cannot load the state with it.`,
      );
    }
    if (locks.kind === "stale") {
      cli(["cancel", "--yes", "--stack", stack]);
      for (const lock of locks.locks) {
        console.log(
          `Removed the lock of the pulumi run that is gone (${describeHolder(lock.holder)}): \`pulumi cancel\`.`,
        );
      }
    }
    unlocked = locks.kind === "free";
  }
  const pending = pendingOperations(cli(["stack", "export", "--stack", stack]));
  if (unlocked && pending.length === 0) {
    console.log(`Nothing to recover: stack "${stack}" is not locked and its state holds no pending operations.`);
    return { code: 0, last: next };
  }
  if (pending.length > 0) {
    console.log(
      `The state holds ${pending.length} operation(s) a killed run left unfinished: ` +
        `${pending.map(describePending).join(", ")}.`,
    );
  }
  await job.ready();
  // stdin is not a terminal, so pulumi clears the pending creates as told instead of asking about each one (on a
  // terminal it asks, --clear-pending-creates notwithstanding).
  const code = await job.operation(["refresh", "--yes", "--clear-pending-creates", ...job.passThrough], "ignore");
  if (code !== 0) {
    return { code, last: `The refresh failed (see above): fix what it reports, then run ${again} again.` };
  }
  const refreshed = cli(["stack", "export", "--stack", stack]);
  const left = pendingOperations(refreshed);
  if (left.length > 0) {
    return {
      code: 1,
      last:
        `After the refresh the state still holds pending operations (${left.map(describePending).join(", ")}): ` +
        `run ${again} again; if they stay, see them with \`npm run pulumi -- stack export --stack ${stack}\`.`,
    };
  }
  // What the dead run's creates made and marked as handed over, to an engine that died before saving it, goes back
  // to pending (no state holds it now), so the creates sent again adopt it instead of making another.
  const interrupted = interruptedCreates(pending);
  if (interrupted.length > 0) {
    useStackConfig(stackConfigOf(cli(["config", "--json", "--show-secrets", "--stack", stack])));
    const reopened = await reopenInterruptedCreates(interrupted, heldIds(refreshed));
    if (reopened.length > 0) {
      console.log(
        `Made by the killed run and never recorded, now left for its creates to adopt: ${reopened.join(", ")}.`,
      );
    }
  }
  const creates = pending.filter((op) => op.type === "creating").length;
  console.log(
    `Recovered stack "${stack}": it is unlocked, and its state is refreshed from what exists with no pending ` +
      "operations left." +
      (creates > 0
        ? ` The next up sends the ${creates} create(s) the killed run left unfinished again; they adopt what it made.`
        : ""),
  );
  return { code: 0, last: next };
}

/** The stack's config as the providers read it, from `pulumi config --json --show-secrets`. */
function stackConfigOf(json: string): StackConfig {
  const values = JSON.parse(json) as Record<string, { value?: string }>;
  return { get: (key) => values[key]?.value };
}

/** A short account of the stack's outputs: per group the instances and their states, the copies, the policy. */
function printSummary(outputsJson: string): void {
  const outputs = JSON.parse(outputsJson || "{}") as Record<string, unknown>;
  console.log("\nWhat exists now:");
  if (Object.keys(outputs).length === 0) {
    console.log("  nothing (the stack has no outputs)");
    return;
  }
  for (const [name, value] of Object.entries(outputs)) {
    console.log(`  ${name}: ${JSON.stringify(value)}`);
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      const known = [JobError, EngineSetupError, ReportError, EventStreamError].some((type) => err instanceof type);
      console.error(known ? (err as Error).message : err);
      process.exit(1);
    },
  );
}
