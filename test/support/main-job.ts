// The main job (`npm run up` and the rest) as a user runs it, on a copy of this project given by
// PULUMI_ECS_PROJECT_DIR, so the repository's own state is never touched.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { projectRoot } from "../../scripts/engine";

export const MAIN_JOB = path.join(projectRoot, "dist", "scripts", "main-job.js");
const PULUMI_SCRIPT = path.join(projectRoot, "dist", "scripts", "pulumi.js");

/** A checkout of the project in `dir`: its files copied (stack config pointing at loopback `port`), the rest linked. */
export function copyProject(dir: string, port: number): void {
  for (const file of ["Pulumi.yaml", "package.json", "tsconfig.json"]) {
    fs.copyFileSync(path.join(projectRoot, file), path.join(dir, file));
  }
  fs.cpSync(path.join(projectRoot, "stacks"), path.join(dir, "stacks"), { recursive: true });
  const local = path.join(dir, "stacks", "Pulumi.local.yaml");
  fs.writeFileSync(local, fs.readFileSync(local, "utf8").replace("127.0.0.1:18410", `127.0.0.1:${port}`));
  for (const linked of ["node_modules", "dist", "providers"]) {
    fs.symlinkSync(path.join(projectRoot, linked), path.join(dir, linked));
  }
}

export interface Run {
  code: number | null;
  output: string;
}

export interface StartedJob {
  /** The job's process id, also the id of its process group (pulumi runs in it). */
  readonly pid: number;
  readonly done: Promise<Run>;
}

/**
 * Starts `node dist/scripts/main-job.js <args>` for the project in `dir`, in a process group of its own; `onOutput`
 * sees the output collected so far after every chunk.
 */
export function startMainJob(
  dir: string,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; onOutput?: (output: string, pid: number) => void } = {},
): StartedJob {
  const child = spawn(process.execPath, [MAIN_JOB, ...args], {
    env: { ...process.env, PULUMI_ECS_PROJECT_DIR: dir, PULUMI_CONFIG_PASSPHRASE: "", ...options.env },
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`Could not start ${MAIN_JOB}`);
  let output = "";
  const collect = (chunk: Buffer) => {
    output += chunk.toString();
    options.onOutput?.(output, pid);
  };
  child.stdout.on("data", collect);
  child.stderr.on("data", collect);
  return { pid, done: new Promise((resolve) => child.on("close", (code) => resolve({ code, output }))) };
}

/** Runs the main job; `interruptWhen` sends Ctrl-C (SIGINT to the process group) once the output matches it. */
export function mainJob(dir: string, command: string, interruptWhen?: RegExp): Promise<Run> {
  let interrupted = false;
  return startMainJob(dir, [command], {
    onOutput: (output, pid) => {
      if (interruptWhen && !interrupted && interruptWhen.test(output)) {
        interrupted = true;
        process.kill(-pid, "SIGINT");
      }
    },
  }).done;
}

/**
 * The main job's arguments for a command as the README writes it (`npm run recover -- --stack dev`), by way of the
 * npm script it names: the command the user types is the one the test runs, without the build npm runs first.
 */
export function mainJobArgs(command: string): string[] {
  const typed = /^npm run (\S+)(?: -- (.+))?$/.exec(command.trim());
  if (!typed) throw new Error(`"${command}" is not an \`npm run <script> [-- args]\` command`);
  const scripts = JSON.parse(fs.readFileSync(path.join(projectRoot, "package.json"), "utf8")).scripts;
  const script = /^npm run build --silent && node dist\/scripts\/main-job\.js (\w+)$/.exec(scripts[typed[1]] ?? "");
  if (!script) throw new Error(`npm script "${typed[1]}" does not run the main job: ${scripts[typed[1]]}`);
  return [script[1], ...(typed[2]?.split(/\s+/) ?? [])];
}

/**
 * `npm run pulumi -- <args>` for the project in `dir` (PULUMI_ECS_PROJECT_DIR), with `env` added: its exit code,
 * stdout and stderr.
 */
export function projectPulumi(
  dir: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [PULUMI_SCRIPT, ...args], {
      cwd: projectRoot,
      env: { ...process.env, PULUMI_ECS_PROJECT_DIR: dir, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}
