// Peak memory of a CLI run's Node.js processes: the language host's program and the dynamic provider, found among
// the CLI's descendants in /proc by their command line and sampled every ~100 ms. VmHWM is the kernel's own high-water
// mark of a process's resident set, so a sample taken any time before the process ends sees its peak. Linux only.
import * as fs from "node:fs";
import { parseStat } from "../chaos/processes";
import type { PeakRss } from "./figures";

export type Role = keyof PeakRss;

/** Which of the run's Node.js processes a command line belongs to, if any. */
export function roleOf(cmdline: string): Role | undefined {
  if (/@pulumi\/pulumi\/cmd\/dynamic-provider(\/index\.js)?(\s|$)/.test(cmdline)) return "provider";
  if (/@pulumi\/pulumi\/cmd\/run(\/index\.js)?(\s|$)/.test(cmdline)) return "program";
  return undefined;
}

/** VmHWM of /proc/PID/status in KiB, or undefined. */
export function parseVmHwmKiB(status: string): number | undefined {
  const m = /^VmHWM:\s+(\d+)\s+kB$/m.exec(status);
  return m ? Number(m[1]) : undefined;
}

/** Every process descending from `root`, given (pid, ppid) pairs. */
export function descendants(root: number, parents: ReadonlyMap<number, number>): number[] {
  const children = new Map<number, number[]>();
  for (const [pid, ppid] of parents) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  const out: number[] = [];
  const queue = [...(children.get(root) ?? [])];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

const read = (file: string): string | undefined => {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined; // gone meanwhile
  }
};

/** Samples the peak RSS of the program and provider processes under `root` until stopped. */
export class RssSampler {
  private readonly peaks: { program?: number; provider?: number } = {};
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly root: number) {
    this.timer = setInterval(() => this.sample(), 100);
  }

  sample(): void {
    const parents = new Map<number, number>();
    for (const name of fs.readdirSync("/proc")) {
      if (!/^\d+$/.test(name)) continue;
      const stat = parseStat(read(`/proc/${name}/stat`) ?? "");
      if (stat !== undefined) parents.set(Number(name), stat.ppid);
    }
    for (const pid of descendants(this.root, parents)) {
      const role = roleOf((read(`/proc/${pid}/cmdline`) ?? "").split("\0").join(" "));
      if (role === undefined) continue;
      const hwm = parseVmHwmKiB(read(`/proc/${pid}/status`) ?? "");
      if (hwm !== undefined) this.peaks[role] = Math.max(this.peaks[role] ?? 0, hwm);
    }
  }

  stop(): PeakRss {
    clearInterval(this.timer);
    return { ...this.peaks };
  }
}
