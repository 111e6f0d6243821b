// The main job's GitOps side: `npm run preview -- --report pr.md` (a Markdown report of the preview for a pull
// request), `npm run drift` (refresh --preview-only as a report, exit 7 on drift), and saved plans
// (`--save-plan` / `--plan`). The report's logic is pure (scripts/report/); this module runs pulumi for it and
// writes the file.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { parseEvents } from "./report/events";
import { renderMarkdown } from "./report/markdown";
import { buildReport, exitStatus, type ReportKind } from "./report/model";

export class ReportError extends Error {
  override readonly name = "ReportError";
}

/** The directory relative paths on the command line mean: where the user typed `npm run` (npm moves to the root). */
export function userDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.INIT_CWD || process.cwd();
}

/** Flags whose value is a file the user names, as `--flag file` or `--flag=file`. */
function flagValue(args: readonly string[], i: number, flag: string): { value: string; width: 1 | 2 } | undefined {
  if (args[i] === flag) {
    const value = args[i + 1];
    if (value === undefined || value.startsWith("-")) throw new ReportError(`${flag} needs a file name after it.`);
    return { value, width: 2 };
  }
  return args[i].startsWith(`${flag}=`) ? { value: args[i].slice(flag.length + 1), width: 1 } : undefined;
}

export interface GitopsArgs {
  /** What pulumi gets: the pass-through arguments without --report, the files they name made absolute. */
  readonly args: string[];
  /** The report file (absolute), when --report was given. */
  readonly reportFile?: string;
  /** --plan or --save-plan was given: pulumi marks plans experimental, so the job sets PULUMI_EXPERIMENTAL. */
  readonly usesPlan: boolean;
}

/** Pulumi flags whose value is a file or directory the user names. */
const PATH_FLAGS = ["--save-plan", "--plan", "--policy-pack-config", "--policy-pack"] as const;

/**
 * Takes the job's own flag (--report) out of the pass-through arguments and makes the files the others name (plans,
 * policy packs and their config) absolute: pulumi runs in the project directory, the user meant the directory they
 * typed the command in.
 */
export function gitopsArgs(args: readonly string[], baseDir: string): GitopsArgs {
  const out: string[] = [];
  let reportFile: string | undefined;
  let usesPlan = false;
  for (let i = 0; i < args.length; i++) {
    const report = flagValue(args, i, "--report");
    if (report) {
      reportFile = path.resolve(baseDir, report.value);
      i += report.width - 1;
      continue;
    }
    const flag = PATH_FLAGS.find((f) => args[i] === f || args[i].startsWith(`${f}=`));
    const named = flag && flagValue(args, i, flag);
    if (flag && named) {
      usesPlan ||= flag === "--plan" || flag === "--save-plan";
      out.push(flag, path.resolve(baseDir, named.value));
      i += named.width - 1;
    } else out.push(args[i]);
  }
  return { args: out, reportFile, usesPlan };
}

export interface ReportedRun {
  readonly kind: ReportKind;
  readonly pulumi: string;
  readonly cwd: string;
  readonly env: NodeJS.ProcessEnv;
  /** The pass-through arguments (with --stack). */
  readonly args: readonly string[];
  readonly project: string;
  readonly stack: string;
  readonly reportFile?: string;
}

/** The pulumi command line and environment of a reported run. */
export function reportedCommand(
  kind: ReportKind,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): { args: string[]; env: NodeJS.ProcessEnv } {
  if (args.some((a) => a === "--show-secrets" || a.startsWith("--show-secrets="))) {
    throw new ReportError(
      "--show-secrets would put secret values into the report, which is meant to be posted: remove it.",
    );
  }
  const rest = args.filter((a) => a !== "--json" && a !== "-j");
  // Streaming events: the preview digest pulumi prints otherwise drops policy violations (see report/events.ts).
  const runEnv: NodeJS.ProcessEnv = { ...env, PULUMI_ENABLE_STREAMING_JSON_PREVIEW: "true" };
  if (kind === "preview") return { args: ["preview", "--json", ...rest], env: runEnv };
  // Drift is what the providers read that differs from the outputs in state (an instance stopped, deleted or
  // re-imaged outside Pulumi). The engine's default refresh diff compares the program's inputs only, and calls a
  // stopped instance "same"; the legacy refresh diff compares outputs, so --expect-no-changes exits 7 for it.
  runEnv.PULUMI_ENABLE_LEGACY_REFRESH_DIFF = "true";
  // pulumi takes this variable for --yes, which it refuses together with --preview-only.
  delete runEnv.PULUMI_SKIP_CONFIRMATIONS;
  return { args: ["refresh", "--preview-only", "--expect-no-changes", "--json", ...rest], env: runEnv };
}

/** The `error: ...` lines of pulumi's stderr, without the prefix. */
export function pulumiErrors(stderr: string): string[] {
  return stderr
    .split("\n")
    .map((line) => /^error: (.+)$/.exec(line.trim())?.[1])
    .filter((line): line is string => line !== undefined);
}

/**
 * Runs pulumi with --json (its live progress and errors go to stderr as usual), writes the Markdown report to the
 * file, prints it, and resolves to the job's exit status (see exitStatus).
 */
export async function runReported(run: ReportedRun): Promise<number> {
  const command = reportedCommand(run.kind, run.args, run.env);
  const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>(
    (resolve, reject) => {
      const child = spawn(run.pulumi, command.args, {
        cwd: run.cwd,
        env: command.env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (chunk: Buffer) => {
        stdout += chunk.toString();
      });
      // Passed through as it comes (pulumi's progress and errors), and kept for the errors it may say only there.
      child.stderr.on("data", (chunk: Buffer) => {
        process.stderr.write(chunk);
        stderr += chunk.toString();
      });
      child.on("error", reject);
      child.on("close", (exitCode, signal) => resolve({ code: exitCode ?? (signal ? 1 : 0), stdout, stderr }));
    },
  );
  const report = buildReport(run.kind, run.project, run.stack, parseEvents(stdout), code, pulumiErrors(stderr));
  const markdown = renderMarkdown(report);
  if (run.reportFile) {
    fs.mkdirSync(path.dirname(run.reportFile), { recursive: true });
    fs.writeFileSync(run.reportFile, markdown);
  }
  console.log(markdown);
  if (run.reportFile) console.log(`Report written to ${run.reportFile}`);
  return exitStatus(report, code);
}
