// A hard kill of a process and of everything it started, as a power loss does. Pulumi starts its plugins (the
// language host, the dynamic provider) in process groups of their own, so killing the job's group alone would leave
// them running on, finishing what the killed run began; here nothing of the run survives. Reads /proc (Linux).
import * as fs from "node:fs";

const gone = (err: unknown) => ["ENOENT", "ESRCH"].includes((err as NodeJS.ErrnoException).code ?? "");

/** The parent of every process now running. */
function parents(): Map<number, number> {
  const parentOf = new Map<number, number>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
    } catch (err) {
      if (gone(err)) continue; // it ended while we listed
      throw err;
    }
    // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so the fields follow the last ")".
    const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    parentOf.set(Number(entry), ppid);
  }
  return parentOf;
}

/** `pid` and every process below it. */
function tree(pid: number): number[] {
  const parentOf = parents();
  const found = [pid];
  for (let i = 0; i < found.length; i++) {
    for (const [child, parent] of parentOf) if (parent === found[i]) found.push(child);
  }
  return found;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (err) {
    if (!gone(err)) throw err;
  }
}

/**
 * Freezes `pid` and its descendants (SIGSTOP, until no new one appears: a stopped process starts nothing), then
 * SIGKILLs them all at once. Returns the killed process ids.
 */
export function killTree(pid: number): number[] {
  const frozen = new Set<number>();
  for (;;) {
    const fresh = tree(pid).filter((p) => !frozen.has(p));
    if (fresh.length === 0) break;
    for (const p of fresh) {
      signal(p, "SIGSTOP");
      frozen.add(p);
    }
  }
  for (const p of frozen) signal(p, "SIGKILL");
  return [...frozen];
}
