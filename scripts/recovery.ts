// What a pulumi run killed hard (kill -9, a second Ctrl-C, power loss) leaves behind in the project's file backend,
// and how the main job tells it apart from a run that is still going.
//
// Every pulumi command that changes a stack first writes a lock file,
// `.pulumi/locks/organization/<project>/<stack>/<uuid>.json` under the backend directory, holding
// {"pid", "username", "hostname", "timestamp"} of the pulumi process, and deletes it when it ends. A run killed hard
// never deletes it, and every later run of the stack then refuses to start. The same run also leaves the operations
// it had in flight as `pending_operations` in the stack's state.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { CREATE_TAGGED_TYPES, type InterruptedCreate } from "../providers/reopen";

/** The contents of a Pulumi lock file: who took the lock, and when. */
export interface LockHolder {
  readonly pid: number;
  readonly username: string;
  readonly hostname: string;
  /** When the lock was taken (the start of the run), as Pulumi wrote it (RFC 3339). */
  readonly timestamp: string;
}

/** One lock file of the stack, judged. `file` is the path as it should be shown to the user. */
export type LockVerdict =
  | { readonly kind: "stale"; readonly file: string; readonly holder: LockHolder }
  | { readonly kind: "running"; readonly file: string; readonly holder: LockHolder }
  | { readonly kind: "elsewhere"; readonly file: string; readonly holder: LockHolder }
  | { readonly kind: "unreadable"; readonly file: string; readonly problem: string };

/** What the machine running the job knows about processes. */
export interface ThisHost {
  readonly hostname: string;
  isRunning(pid: number): boolean;
}

/** The lock directory of `stack` in the file backend at `backendDir` ("organization" is the only diy organization). */
export function stackLockDir(backendDir: string, project: string, stack: string): string {
  const [stackProject, name] = projectAndName(project, stack);
  return path.join(backendDir, ".pulumi", "locks", "organization", stackProject, name);
}

/** The project and bare name of a stack given as NAME or organization/PROJECT/NAME. */
function projectAndName(project: string, stack: string): [string, string] {
  const parts = stack.split("/");
  return parts.length === 3 ? [parts[1], parts[2]] : [project, parts[parts.length - 1]];
}

/**
 * The checkpoint's metadata file (`<stack>.json.attrs` beside the state) when a kill left it empty: the file backend
 * writes it in place, not atomically, and pulumi then cannot load the checkpoint at all ("failed to load checkpoint:
 * EOF"). It holds only the blob's content type and checksum, so an empty one can go; undefined when it is fine.
 */
export function emptyCheckpointAttrs(backendDir: string, project: string, stack: string): string | undefined {
  const [stackProject, name] = projectAndName(project, stack);
  const file = path.join(backendDir, ".pulumi", "stacks", stackProject, `${name}.json.attrs`);
  return fs.existsSync(file) && fs.statSync(file).size === 0 ? file : undefined;
}

/** The holder a lock file names, or what is wrong with it. */
export function parseLock(text: string): LockHolder | { readonly problem: string } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    return { problem: `not JSON (${(err as Error).message})` };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return { problem: "not a JSON object" };
  const { pid, username, hostname, timestamp } = parsed as Record<string, unknown>;
  if (typeof pid !== "number" || !Number.isInteger(pid) || pid <= 0) return { problem: "no process id (pid)" };
  if (typeof hostname !== "string" || hostname === "") return { problem: "no hostname" };
  if (typeof timestamp !== "string" || Number.isNaN(Date.parse(timestamp))) return { problem: "no valid timestamp" };
  return { pid, username: typeof username === "string" ? username : "", hostname, timestamp };
}

/**
 * Pure: whether the lock in `text` was left by a run that is gone. Only a lock taken on this machine can be judged:
 * it is stale when its process is no longer running. A lock of another machine is never stale here, whatever its
 * age: that run may still be going. (Nor is the lock's age compared with the machine's boot time: a clock set right
 * after boot would make a live run's lock look older than the boot, and removing a live lock is the one mistake
 * recovery must not make. A pid reused after a reboot only makes the job refuse, saying what to check.)
 */
export function judgeLock(file: string, text: string, host: ThisHost): LockVerdict {
  const holder = parseLock(text);
  if ("problem" in holder) return { kind: "unreadable", file, problem: holder.problem };
  if (holder.hostname !== host.hostname) return { kind: "elsewhere", file, holder };
  return { kind: host.isRunning(holder.pid) ? "running" : "stale", file, holder };
}

/**
 * The lock files of the stack whose lock directory is `dir`, judged, each shown relative to `shownFrom`. Pulumi's
 * storage keeps a `.attrs` file beside each lock (and may leave a temporary file from a write cut short): only the
 * `.json` files are locks.
 */
export function readStackLocks(dir: string, host: ThisHost, shownFrom: string): LockVerdict[] {
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
    throw err;
  }
  return names
    .filter((name) => name.endsWith(".json"))
    .sort()
    .map((name) => {
      const full = path.join(dir, name);
      return judgeLock(path.relative(shownFrom, full), fs.readFileSync(full, "utf8"), host);
    });
}

/** Whether process `pid` of this machine is running. A zombie has ended (only its parent has not collected it). */
export function isProcessRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ESRCH") return false;
    // EPERM: it exists, and belongs to another user.
    if (code !== "EPERM") throw err;
  }
  if (!fs.existsSync("/proc/self/stat")) return true;
  let stat: string;
  try {
    stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw err;
  }
  // "pid (comm) state ...": comm may hold spaces and parentheses, so the state follows the last ")".
  const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  return state !== "Z" && state !== "X";
}

export function thisHost(): ThisHost {
  return { hostname: os.hostname(), isRunning: isProcessRunning };
}

/** What the stack's locks mean for the job about to run. */
export type LockPlan =
  | { readonly kind: "free" }
  | { readonly kind: "stale"; readonly locks: readonly (LockVerdict & { kind: "stale" })[]; readonly message: string }
  | { readonly kind: "held"; readonly message: string };

/** `npm run <script>` for the stack, with `-- --stack` unless it is the default one. */
export function npmCommand(script: string, stack: string): string {
  return stack === "local" ? `npm run ${script}` : `npm run ${script} -- --stack ${stack}`;
}

/** "pid 4242 of ops@build-7, started 2026-11-30T13:09:16Z" (UTC, to the second). */
export function describeHolder(h: LockHolder): string {
  const started = new Date(Date.parse(h.timestamp)).toISOString().replace(/\.\d+Z$/, "Z");
  return `pid ${h.pid} of ${h.username ? `${h.username}@` : ""}${h.hostname}, started ${started}`;
}

/** Why a lock that is not provably stale stops the job, and what the user can do. */
function heldMessage(v: Exclude<LockVerdict, { kind: "stale" }>, stack: string, recover: string): string {
  if (v.kind === "running") {
    return (
      `Stack "${stack}" is locked by a pulumi run that is still running: ${describeHolder(v.holder)}. Wait for it ` +
      `to end, or stop it with Ctrl-C in its terminal (or \`kill -INT ${v.holder.pid}\`), which lets it save its ` +
      `state and remove its lock; then run this command again. If process ${v.holder.pid} is not that pulumi run ` +
      `(its pid was reused), delete ${v.file} and run ${recover}.`
    );
  }
  if (v.kind === "elsewhere") {
    return (
      `Stack "${stack}" is locked by a pulumi run on another machine: ${describeHolder(v.holder)}; this machine ` +
      "cannot tell whether it is still running. If it is, wait for it to end. If it is not (killed, or that " +
      `machine lost power), remove its lock with \`npm run pulumi -- cancel --yes --stack ${stack}\`, then run ` +
      `${recover}.`
    );
  }
  return (
    `Stack "${stack}" has a lock file that is not a Pulumi lock (${v.file}: ${v.problem}), so nothing tells who ` +
    `holds the stack. If no pulumi run is using the stack, delete that file, then run ${recover}.`
  );
}

/** Pure: the plan for the judged locks of `stack`, with the message the user sees when the job stops. */
export function planForLocks(verdicts: readonly LockVerdict[], stack: string): LockPlan {
  if (verdicts.length === 0) return { kind: "free" };
  const recover = `\`${npmCommand("recover", stack)}\``;
  const held = verdicts.filter((v): v is Exclude<LockVerdict, { kind: "stale" }> => v.kind !== "stale");
  if (held.length > 0) return { kind: "held", message: held.map((v) => heldMessage(v, stack, recover)).join("\n") };
  const locks = verdicts as readonly (LockVerdict & { kind: "stale" })[];
  const runs = locks.map((v) => `${describeHolder(v.holder)} (${v.file})`).join("; ");
  return {
    kind: "stale",
    locks,
    message:
      `Stack "${stack}" is locked by a pulumi run that is no longer running: ${runs}. It was killed before it ` +
      "could finish, so operations it had in flight may still be pending in the state. Run " +
      `${recover} (it removes the lock, as \`pulumi cancel\` does, and refreshes the state), then run this ` +
      "command again.",
  };
}

/** A pending operation of the state: what the engine had started and not seen finish. */
export interface PendingOperation {
  /** "creating", "updating", "deleting", "reading", "importing". */
  readonly type: string;
  readonly urn: string;
  /** The resource's type token and the inputs the operation was started with. */
  readonly resourceType: string;
  readonly inputs: Readonly<Record<string, unknown>>;
}

interface Exported {
  deployment?: {
    resources?: { id?: string }[] | null;
    pending_operations?:
      | { type?: string; resource?: { urn?: string; type?: string; inputs?: Record<string, unknown> } }[]
      | null;
  };
}

/** Pure: the pending operations in the output of `pulumi stack export`. */
export function pendingOperations(exportJson: string): PendingOperation[] {
  const exported = JSON.parse(exportJson) as Exported;
  return (exported.deployment?.pending_operations ?? []).map((op) => ({
    type: String(op.type),
    urn: String(op.resource?.urn),
    resourceType: String(op.resource?.type),
    inputs: op.resource?.inputs ?? {},
  }));
}

/** Pure: every resource id the state in the output of `pulumi stack export` holds (pending deletions included). */
export function heldIds(exportJson: string): Set<string> {
  const exported = JSON.parse(exportJson) as Exported;
  return new Set((exported.deployment?.resources ?? []).flatMap((r) => (r.id ? [r.id] : [])));
}

/** Pure: the creates among `pending` whose resources carry a create tag, with what finding them takes. */
export function interruptedCreates(pending: readonly PendingOperation[]): InterruptedCreate[] {
  return pending.flatMap((op) => {
    const kind = CREATE_TAGGED_TYPES[op.resourceType];
    const identity = op.inputs.identity as InterruptedCreate["identity"] | undefined;
    if (op.type !== "creating" || kind === undefined || identity === undefined) return [];
    const region = typeof op.inputs.region === "string" ? op.inputs.region : undefined;
    return [{ kind, identity, region }];
  });
}

/** "creating image-golden-copy": the operation and the resource's name (the last part of its URN). */
export function describePending(op: PendingOperation): string {
  return `${op.type} ${op.urn.slice(op.urn.lastIndexOf("::") + 2)}`;
}
