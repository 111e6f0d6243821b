// Recovery after a hard kill: judging the stack's locks, pending operations and what the killed run left.
import { spawn, spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  describePending,
  emptyCheckpointAttrs,
  heldIds,
  interruptedCreates,
  isProcessRunning,
  judgeLock,
  type LockVerdict,
  npmCommand,
  parseLock,
  pendingOperations,
  planForLocks,
  readStackLocks,
  stackLockDir,
  type ThisHost,
} from "../../scripts/recovery";
import { tempDir } from "../support/engine";

const FILE = ".pulumi-state/.pulumi/locks/organization/ecs-shared-images/local/8b5c96b4.json";
/** A lock as Pulumi v3.248.0 writes it (its time in RFC 3339, to the nanosecond). */
const lockText = (pid: number, hostname: string) =>
  JSON.stringify({ pid, username: "ops", hostname, timestamp: "2026-11-30T13:15:45.123456789Z" });
const host = (running: readonly number[]): ThisHost => ({
  hostname: "build-1",
  isRunning: (pid) => running.includes(pid),
});
const holder = (pid: number, hostname: string) => ({
  pid,
  username: "ops",
  hostname,
  timestamp: "2026-11-30T13:15:45.123456789Z",
});

describe("judgeLock: whether the run holding the stack's lock is gone", () => {
  it("same host, its process no longer running: stale", () => {
    expect(judgeLock(FILE, lockText(4242, "build-1"), host([1, 7]))).toEqual({
      kind: "stale",
      file: FILE,
      holder: holder(4242, "build-1"),
    });
  });

  it("same host, its process running: not stale", () => {
    expect(judgeLock(FILE, lockText(4242, "build-1"), host([4242])).kind).toBe("running");
  });

  it("another host: never stale here, even when no process of that pid runs on this one", () => {
    expect(judgeLock(FILE, lockText(4242, "build-2"), host([]))).toEqual({
      kind: "elsewhere",
      file: FILE,
      holder: holder(4242, "build-2"),
    });
  });

  it.each([
    ["an empty file (a write cut short)", "", /^not JSON/],
    ["truncated JSON", '{"pid":4242,"hostn', /^not JSON/],
    ["an array", "[4242]", /^not a JSON object$/],
    ["a pid that is not a number", '{"pid":"4242","hostname":"build-1","timestamp":"2026-11-30T13:15:45Z"}', /pid/],
    ["a pid of 0", '{"pid":0,"hostname":"build-1","timestamp":"2026-11-30T13:15:45Z"}', /pid/],
    ["no hostname", '{"pid":4242,"timestamp":"2026-11-30T13:15:45Z"}', /hostname/],
    ["a timestamp that is no time", '{"pid":4242,"hostname":"build-1","timestamp":"soon"}', /timestamp/],
  ])("a malformed file (%s): unreadable, never stale", (_name, text, problem) => {
    const verdict = judgeLock(FILE, text, host([]));
    expect(verdict.kind).toBe("unreadable");
    expect((verdict as { problem: string }).problem).toMatch(problem);
  });

  it("reads what Pulumi writes, username included", () => {
    expect(parseLock(lockText(4242, "build-1"))).toEqual(holder(4242, "build-1"));
  });
});

describe("planForLocks: what the job does about the stack's locks", () => {
  const stale = judgeLock(FILE, lockText(4242, "build-1"), host([]));
  const running = judgeLock(FILE, lockText(4343, "build-1"), host([4343]));

  it("no lock: free", () => {
    expect(planForLocks([], "local")).toEqual({ kind: "free" });
  });

  it("a stale lock: says who held it, when it started, that operations may be pending, and the command", () => {
    const plan = planForLocks([stale], "local");
    expect(plan).toEqual({
      kind: "stale",
      locks: [stale],
      message:
        'Stack "local" is locked by a pulumi run that is no longer running: pid 4242 of ops@build-1, started ' +
        `2026-11-30T13:15:45Z (${FILE}). It was killed before it could finish, so operations it had in flight may ` +
        "still be pending in the state. Run `npm run recover` (it removes the lock, as `pulumi cancel` does, and " +
        "refreshes the state), then run this command again.",
    });
  });

  it("names the stack in the command for any stack but the default one", () => {
    expect((planForLocks([stale], "prod") as { message: string }).message).toContain(
      "Run `npm run recover -- --stack prod`",
    );
    expect(npmCommand("up", "prod")).toBe("npm run up -- --stack prod");
    expect(npmCommand("up", "local")).toBe("npm run up");
  });

  it("a live lock stops every command, saying who holds it and what to do; a stale one beside it changes nothing", () => {
    const plan = planForLocks([stale, running], "local");
    expect(plan.kind).toBe("held");
    const { message } = plan as { message: string };
    expect(message).toMatch(
      /^Stack "local" is locked by a pulumi run that is still running: pid 4343 of ops@build-1, started 2026-11-30T13:15:45Z\. Wait for it to end/,
    );
    expect(message).toContain("`kill -INT 4343`");
    expect(message).not.toContain("4242");
  });

  it("a lock of another machine stops every command, with the command that removes it once that run is known gone", () => {
    const plan = planForLocks([judgeLock(FILE, lockText(4242, "build-2"), host([]))], "local");
    expect(plan.kind).toBe("held");
    expect((plan as { message: string }).message).toBe(
      'Stack "local" is locked by a pulumi run on another machine: pid 4242 of ops@build-2, started ' +
        "2026-11-30T13:15:45Z; this machine cannot tell whether it is still running. If it is, wait for it to end. " +
        "If it is not (killed, or that machine lost power), remove its lock with " +
        "`npm run pulumi -- cancel --yes --stack local`, then run `npm run recover`.",
    );
  });

  it("a malformed lock file stops every command, naming the file", () => {
    const plan = planForLocks([judgeLock(FILE, "", host([]))], "local");
    expect(plan.kind).toBe("held");
    expect((plan as { message: string }).message).toMatch(
      new RegExp(`^Stack "local" has a lock file that is not a Pulumi lock \\(${FILE.replace(/\./g, "\\.")}: not JSON`),
    );
    expect((plan as { message: string }).message).toMatch(/delete that file, then run `npm run recover`\.$/);
  });
});

describe("stackLockDir", () => {
  it.each([
    ["local", "/b/.pulumi/locks/organization/ecs-shared-images/local"],
    ["organization/local", "/b/.pulumi/locks/organization/ecs-shared-images/local"],
    ["organization/other/dev", "/b/.pulumi/locks/organization/other/dev"],
  ])("%s -> %s", (stack, dir) => {
    expect(stackLockDir("/b", "ecs-shared-images", stack)).toBe(dir);
  });
});

describe("readStackLocks", () => {
  const work = tempDir("stack-locks");
  afterAll(() => work.cleanup());

  it("judges the .json lock files only (not Pulumi's .attrs beside them, nor a temporary file), shown from the project", () => {
    const dir = stackLockDir(path.join(work.dir, ".pulumi-state"), "ecs-shared-images", "local");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "a.json"), lockText(4242, "build-1"));
    fs.writeFileSync(path.join(dir, "a.json.attrs"), '{"md5":"x"}');
    fs.writeFileSync(path.join(dir, "b.json.1234.tmp"), "");
    const verdicts: LockVerdict[] = readStackLocks(dir, host([]), work.dir);
    expect(verdicts).toEqual([
      {
        kind: "stale",
        file: path.join(".pulumi-state", ".pulumi", "locks", "organization", "ecs-shared-images", "local", "a.json"),
        holder: holder(4242, "build-1"),
      },
    ]);
  });

  it("a stack never locked has no lock directory: no locks", () => {
    expect(readStackLocks(path.join(work.dir, "nothing-here"), host([]), work.dir)).toEqual([]);
  });
});

describe("isProcessRunning", () => {
  it("this process runs; one that ended and was collected does not", () => {
    expect(isProcessRunning(process.pid)).toBe(true);
    const ended = spawnSync("sh", ["-c", "echo $$"], { encoding: "utf8" });
    expect(isProcessRunning(Number(ended.stdout.trim()))).toBe(false);
  });

  it("a zombie (ended, its parent has not collected it) does not run", async () => {
    // sh starts a short `sleep`, then becomes a long one, which never collects it: the short one stays a zombie until
    // the long one is killed. The short one outlives sh's own turn (a shell may reap a child that ended before it execs).
    const parent = spawn("sh", ["-c", "sleep 1 & echo $!; exec sleep 30"], { stdio: ["ignore", "pipe", "ignore"] });
    try {
      const zombie = Number(await new Promise<string>((resolve) => parent.stdout.once("data", (d) => resolve(`${d}`))));
      const state = () => {
        const stat = fs.readFileSync(`/proc/${zombie}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
      };
      while (state() !== "Z") await new Promise((resolve) => setTimeout(resolve, 20));
      expect(() => process.kill(zombie, 0)).not.toThrow();
      expect(isProcessRunning(zombie)).toBe(false);
    } finally {
      parent.kill("SIGKILL");
    }
  });
});

describe("pendingOperations", () => {
  it("lists the operations `pulumi stack export` shows pending", () => {
    const exported = JSON.stringify({
      version: 3,
      deployment: {
        resources: [{ urn: "urn:pulumi:local::p::pulumi:pulumi:Stack::p-local" }],
        pending_operations: [
          {
            resource: { urn: "urn:pulumi:local::p::pulumi-nodejs:dynamic/x:SharedImageCopy::image-golden" },
            type: "creating",
          },
          {
            resource: { urn: "urn:pulumi:local::p::pulumi-nodejs:dynamic/x:InstanceFromSharedImage::web-0" },
            type: "updating",
          },
        ],
      },
    });
    const ops = pendingOperations(exported);
    expect(ops.map(describePending)).toEqual(["creating image-golden", "updating web-0"]);
  });

  it("none in a state without them, or a new stack's empty state", () => {
    expect(pendingOperations('{"version":3,"deployment":{"resources":[]}}')).toEqual([]);
    expect(pendingOperations('{"version":3,"deployment":{}}')).toEqual([]);
  });

  it("throws on output that is not JSON, rather than finding nothing pending", () => {
    expect(() => pendingOperations("error: no stack")).toThrow(SyntaxError);
  });
});

describe("emptyCheckpointAttrs", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "attrs-"));
  const stacks = path.join(dir, ".pulumi", "stacks", "proj");
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("names the metadata file a kill left empty, and nothing when it is absent or has content", () => {
    fs.mkdirSync(stacks, { recursive: true });
    expect(emptyCheckpointAttrs(dir, "proj", "local")).toBeUndefined();
    fs.writeFileSync(path.join(stacks, "local.json.attrs"), '{"user.content_type":"application/json"}');
    expect(emptyCheckpointAttrs(dir, "proj", "local")).toBeUndefined();
    fs.writeFileSync(path.join(stacks, "local.json.attrs"), "");
    expect(emptyCheckpointAttrs(dir, "proj", "local")).toBe(path.join(stacks, "local.json.attrs"));
    expect(emptyCheckpointAttrs(dir, "other", "organization/proj/local")).toBe(path.join(stacks, "local.json.attrs"));
  });
});

describe("interruptedCreates and heldIds", () => {
  const identity = { urn: "urn:pulumi:local::p::t::web-0", stack: "local", project: "p", name: "web-0" };
  const exportJson = JSON.stringify({
    deployment: {
      resources: [{ id: "i-held" }, { id: "m-held" }, { urn: "urn:no-id" }],
      pending_operations: [
        {
          type: "creating",
          resource: {
            urn: identity.urn,
            type: "pulumi-nodejs:dynamic/ecs-shared-images:InstanceFromSharedImage",
            inputs: { identity, region: "cn-shanghai" },
          },
        },
        {
          type: "creating",
          resource: {
            urn: "u2",
            type: "pulumi-nodejs:dynamic/ecs-shared-images:SharedImageCopy",
            inputs: { identity },
          },
        },
        {
          type: "creating",
          resource: {
            urn: "u3",
            type: "pulumi-nodejs:dynamic/ecs-shared-images:SystemDiskReplacement",
            inputs: { identity },
          },
        },
        {
          type: "updating",
          resource: {
            urn: "u4",
            type: "pulumi-nodejs:dynamic/ecs-shared-images:SharedImageCopy",
            inputs: { identity },
          },
        },
        { type: "creating", resource: { urn: "u5", type: "pulumi-nodejs:dynamic/ecs-shared-images:SharedImageCopy" } },
        {
          type: "creating",
          resource: {
            urn: "u6",
            type: "pulumi-nodejs:dynamic/ecs-shared-images:RegionalImageCopy",
            inputs: { identity, region: "cn-shanghai", sourceRegion: "cn-hangzhou" },
          },
        },
      ],
    },
  });

  it("keeps the creates of create-tagged types, with their identity and region", () => {
    expect(interruptedCreates(pendingOperations(exportJson))).toEqual([
      { kind: "instance", identity, region: "cn-shanghai" },
      { kind: "image", identity, region: undefined },
      { kind: "image", identity, region: "cn-shanghai" },
    ]);
  });

  it("lists every id the state holds", () => {
    expect([...heldIds(exportJson)].sort()).toEqual(["i-held", "m-held"]);
    expect(heldIds(JSON.stringify({ deployment: {} })).size).toBe(0);
  });
});
