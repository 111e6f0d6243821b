// The processes a run of the CLI left: found in /proc by the scenario's project directory in their environment or
// command line (the job passes PULUMI_ECS_PROJECT_DIR down, and pulumi, its language host, the program and the
// provider processes inherit it), whatever process group or parent they have now. Linux only.
import * as fs from "node:fs";

export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly pgid: number;
  /** The executable's short name (/proc/PID/stat). */
  readonly comm: string;
  readonly cmdline: string;
}

/** Parses /proc/PID/stat: "pid (comm) state ppid pgrp ...", where comm may hold spaces and parentheses. */
export function parseStat(text: string): { comm: string; state: string; ppid: number; pgid: number } | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const rest = text
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const [state, ppid, pgid] = [rest[0], Number(rest[1]), Number(rest[2])];
  if (!state || !Number.isInteger(ppid) || !Number.isInteger(pgid)) return undefined;
  return { comm: text.slice(open + 1, close), state, ppid, pgid };
}

/** Whether a process's environment (NUL-separated) or command line mentions `marker` (a scenario's directory). */
export function mentions(environ: string, cmdline: string, marker: string): boolean {
  return environ.split("\0").some((entry) => entry.includes(marker)) || cmdline.includes(marker);
}

const read = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined; // gone meanwhile, or not ours to read
  }
};

/** Live (not zombie) processes, other than this one, whose environment or command line mentions `marker`. */
export function findProcesses(marker: string): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const name of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const stat = parseStat(read(`/proc/${name}/stat`) ?? "");
    if (stat === undefined || stat.state === "Z" || stat.state === "X") continue;
    const cmdline = (read(`/proc/${name}/cmdline`) ?? "").split("\0").join(" ").trim();
    if (!mentions(read(`/proc/${name}/environ`) ?? "", cmdline, marker)) continue;
    found.push({ pid: Number(name), ppid: stat.ppid, pgid: stat.pgid, comm: stat.comm, cmdline });
  }
  return found;
}

/** "pid comm" lines for a report. */
export const describeProcesses = (procs: readonly ProcessInfo[]): string[] =>
  procs.map((p) => `${p.pid} ${p.comm} (${p.cmdline.slice(0, 120)})`);

/** Sends SIGKILL to each; returns how many were still there to receive it. */
export function killAll(procs: readonly ProcessInfo[]): number {
  let killed = 0;
  for (const p of procs) {
    try {
      process.kill(p.pid, "SIGKILL");
      killed++;
    } catch {
      // already gone
    }
  }
  return killed;
}
