// The main job: `npm run up | preview | refresh | destroy [-- pulumi args]`.
//
// Prepares the engine, starts the local ECS emulator (demo world, state kept in .emulator/) when the selected stack
// points at a loopback endpoint (or uses the one already running there), selects or creates the stack on the
// project's file backend, runs the pulumi command with its normal live output, and ends with a short summary of what
// exists.
import { execFileSync, spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { DEMO, type RunningEmulator, startEmulator } from "../emulator";
import { EngineSetupError, ensureEngine, LOCAL_PASSPHRASE, offlineEnv, projectDirFrom, projectRoot } from "./engine";
import { planLocalEmulator, probePort } from "./local-emulator";

const COMMANDS = ["up", "preview", "refresh", "destroy"] as const;
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

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!COMMANDS.includes(command as Command)) {
    throw new JobError(`Unknown command "${command}": use one of ${COMMANDS.join(", ")}.`);
  }
  const engine = await ensureEngine();
  const env = offlineEnv(engine, { projectDir });
  const pulumi = path.join(engine.binDir, "pulumi");
  const stack = stackFromArgs(rest);
  const passThrough =
    rest.includes("-s") || rest.some((a) => a.startsWith("--stack")) ? rest : ["--stack", stack, ...rest];
  const cli = (args: string[]) =>
    execFileSync(pulumi, args, { cwd: projectDir, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

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
  try {
    cli(["stack", "select", "--create", stack]);
  } catch (err) {
    throw new JobError(
      `Could not select or create the stack "${stack}": ${(err as { stderr?: string }).stderr ?? err}`,
    );
  }

  let emulator: RunningEmulator | undefined;
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

  // Ctrl-C reaches pulumi too (same process group); pulumi cancels cleanly and writes its checkpoint. We only wait
  // for it, then save the state of the emulator we started, so the next command continues from a consistent place.
  const ignore = () => undefined;
  process.on("SIGINT", ignore);
  process.on("SIGTERM", ignore);
  const args = command === "preview" ? [command, ...passThrough] : [command, "--yes", ...passThrough];
  const code = await new Promise<number>((resolve) => {
    const child = spawn(pulumi, args, { cwd: projectDir, env, stdio: "inherit" });
    child.on("close", (exitCode, signal) => resolve(exitCode ?? (signal ? 1 : 0)));
  });

  if (code === 0 && command !== "preview") {
    printSummary(cli(["stack", "output", "--json", "--stack", stack]));
  }
  if (emulator) {
    const workload = emulator.admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId];
    await emulator.close();
    console.log(
      `Emulator state saved: the workload account holds ${workload.instances.length} instance(s) and ${workload.images.length} image(s).`,
    );
  }
  return code;
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
      console.error(err instanceof JobError || err instanceof EngineSetupError ? err.message : err);
      process.exit(1);
    },
  );
}
