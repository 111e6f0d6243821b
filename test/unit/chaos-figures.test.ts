// The reliability suite's pure parts: figures from a request log and an inventory, the fleet config, the verdicts
// and the report (the runs themselves: test/e2e/chaos.test.ts).
import * as fs from "node:fs";
import * as path from "node:path";
import * as yaml from "js-yaml";
import { TRIGGERS, throttlingStorm } from "../../scripts/chaos";
import {
  type AccountView,
  actionCounts,
  callFigures,
  committedCreate,
  createKeyOf,
  duplicateCreates,
  extraResources,
  fleetProblems,
  type LoggedRequest,
  leaksAfterDestroy,
  liveDuplicates,
  mergeDuplicates,
  perInstance,
  requestsAfter,
  requestsBetween,
  requestTags,
  restoreProblems,
  stoppedInstances,
} from "../../scripts/chaos/figures";
import { catalogueImage, expectedFleet, fleetConfig, fleetInstances, stackConfigYaml } from "../../scripts/chaos/fleet";
import { mentions, parseStat } from "../../scripts/chaos/processes";
import {
  byActionRows,
  invariantFailures,
  markdownTable,
  renderMarkdown,
  stormVersusCalm,
  TABLE_COLUMNS,
  tableRows,
  textTable,
  upsSummary,
} from "../../scripts/chaos/report";
import type { ScenarioResult } from "../../scripts/chaos/types";
import { projectRoot } from "../../scripts/engine";
import { parseFleetConfig } from "../../stacks/fleet-config";
import { DEMO, startDemoEmulator } from "../support/emulator";

const T0 = Date.parse("2026-01-01T00:00:00.000Z");
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

function req(action: string, params: Record<string, string> = {}, extra: Partial<LoggedRequest> = {}): LoggedRequest {
  return { time: at(0), action, params, httpStatus: 200, throttled: false, ...extra };
}

const createTag = (state: "pending" | "done", key: string) => ({
  "Tag.1.Key": "fleet-group",
  "Tag.1.Value": "web",
  "Tag.2.Key": "ecs-shared-images:create",
  "Tag.2.Value": `${state}:${key}.psi1-abc`,
});

describe("request tags and create keys", () => {
  it("reads Tag.N.Key/Value pairs", () => {
    expect(requestTags({ "Tag.1.Key": "a", "Tag.1.Value": "1", "Tag.2.Key": "b", ImageId: "m-1" })).toEqual({
      a: "1",
      b: "",
    });
  });

  it.each([
    ["pending:0123abcd.psi1-ff", "0123abcd"],
    ["done:0123abcd.psi1-ff", "0123abcd"],
    ["other:0123abcd.psi1-ff", undefined],
    ["pending:XYZ.psi1-ff", undefined],
  ])("the create key of %s is %s", (value, key) => {
    expect(createKeyOf({ "ecs-shared-images:create": value })).toBe(key);
  });

  it("a create is committed when ECS answered 200 (commit-then-drop included), never for a DryRun", () => {
    expect(committedCreate(req("RunInstances"))).toBe(true);
    expect(committedCreate(req("RunInstances", {}, { fault: "commitThenDrop" }))).toBe(true);
    expect(committedCreate(req("RunInstances", { DryRun: "true" }))).toBe(false);
    expect(committedCreate(req("RunInstances", {}, { httpStatus: 503, code: "ServiceUnavailable" }))).toBe(false);
    expect(committedCreate(req("RunInstances", {}, { httpStatus: 0, fault: "reset" }))).toBe(false);
    expect(committedCreate(req("StartInstance"))).toBe(false);
  });
});

describe("duplicates", () => {
  it("one ClientToken resent after a dropped answer is one resource; a second token for the same key is a duplicate", () => {
    const log = [
      req("RunInstances", { ...createTag("pending", "aa"), ClientToken: "t1" }, { fault: "commitThenDrop" }),
      req("RunInstances", { ...createTag("pending", "aa"), ClientToken: "t1" }),
      req("RunInstances", { ...createTag("pending", "bb"), ClientToken: "t2" }),
      req("RunInstances", { ...createTag("pending", "bb"), ClientToken: "t3", DryRun: "true" }, { httpStatus: 400 }),
      req("CopyImage", { ...createTag("pending", "cc"), ClientToken: "t4" }),
      req("CopyImage", { ...createTag("pending", "cc"), ClientToken: "t5" }),
      req("CopyImage", { ...createTag("pending", "cc"), ClientToken: "t6" }, { httpStatus: 500 }),
    ];
    expect(duplicateCreates(log)).toEqual([{ key: "cc", made: 2, action: "CopyImage" }]);
  });

  it("creates without a create tag or token are counted per request", () => {
    const log = [req("RunInstances"), req("RunInstances"), req("RunInstances", { ClientToken: "x" })];
    expect(duplicateCreates(log)).toEqual([{ key: "untagged RunInstances", made: 3, action: "RunInstances" }]);
  });

  it("live resources sharing a create key are duplicates; untagged ones are not counted", () => {
    const tag = (key: string) => ({ "ecs-shared-images:create": `done:${key}.psi1-x` });
    const live = [
      { id: "i-1", status: "Running", tags: tag("aa") },
      { id: "i-2", status: "Running", tags: tag("aa") },
      { id: "i-3", status: "Running", tags: tag("aa") },
      { id: "i-4", status: "Running", tags: tag("bb") },
      { id: "i-5", status: "Running", tags: {} },
      { id: "i-6", status: "Running", tags: {} },
    ];
    const found = liveDuplicates(live, "instance");
    expect(found).toEqual([{ key: "aa", made: 3, action: "instance" }]);
    expect(extraResources(found)).toBe(2);
  });

  it("merging keeps per key the larger count", () => {
    const merged = mergeDuplicates(
      [{ key: "aa", made: 2, action: "RunInstances" }],
      [
        { key: "aa", made: 3, action: "instance" },
        { key: "bb", made: 2, action: "image" },
      ],
    );
    expect(merged).toEqual([
      { key: "aa", made: 3, action: "instance" },
      { key: "bb", made: 2, action: "image" },
    ]);
    expect(extraResources(merged)).toBe(3);
  });
});

describe("call figures", () => {
  it("counts calls by action, throttled, same-token resends per action, DryRuns and injected faults", () => {
    const log = [
      req("DescribeInstances", {}, { httpStatus: 400, code: "Throttling.User", throttled: true }),
      req("DescribeInstances"),
      req("RunInstances", { DryRun: "true" }, { httpStatus: 400, code: "DryRunOperation" }),
      req("RunInstances", { ClientToken: "t1" }, { httpStatus: 0, fault: "reset" }),
      req("RunInstances", { ClientToken: "t1" }),
      req("ReplaceSystemDisk", { ClientToken: "t1" }),
      req("ReplaceSystemDisk", { ClientToken: "t1" }, { httpStatus: 503, fault: "error:ServiceUnavailable" }),
      req("DescribeImages", {}, { fault: "latency" }),
    ];
    expect(callFigures(log)).toEqual({
      calls: 8,
      byAction: { DescribeInstances: 2, RunInstances: 3, ReplaceSystemDisk: 2, DescribeImages: 1 },
      throttled: 1,
      sameTokenResends: 2,
      dryRuns: 1,
      injectedFaults: 2,
    });
  });

  it("per instance, to two decimals", () => {
    expect(perInstance(100, 30)).toBe(3.33);
    expect(perInstance(5, 0)).toBe(0);
  });

  it("selects requests by arrival time and counts them per action", () => {
    const log = [
      req("A", {}, { time: at(1) }),
      req("B", {}, { time: at(5) }),
      req("B", {}, { time: at(6) }),
      req("C", {}, { time: at(9) }),
    ];
    expect(requestsAfter(log, T0 + 5000).map((r) => r.action)).toEqual(["B", "C"]);
    expect(requestsBetween(log, T0 + 5000, T0 + 6000).map((r) => r.action)).toEqual(["B", "B"]);
    expect(actionCounts(log)).toEqual(["B x2", "A x1", "C x1"]);
  });
});

describe("the account after up and after destroy", () => {
  const legacy = "i-legacy";
  const size = { web: 2, api: 1, batch: 1 };
  const copies = new Map([
    ["chaos-golden-copy", "m-copy"],
    ["chaos-golden-encrypted", "m-enc"],
  ]);
  const image = (name: string) => catalogueImage(name, copies);
  const instance = (id: string, group: string, imageId: string, status = "Running") => ({
    id,
    status,
    imageId,
    tags: { "fleet-group": group },
  });
  const converged: AccountView = {
    instances: [
      instance("i-w0", "web", "m-copy"),
      instance("i-w1", "web", "m-copy"),
      instance("i-a0", "api", "m-enc"),
      instance("i-b0", "batch", DEMO.images.plain),
      { id: legacy, status: "Running", imageId: "m-copy", tags: {} },
    ],
    images: [
      { id: "m-copy", name: "chaos-golden-copy", status: "Available", tags: {} },
      { id: "m-enc", name: "chaos-golden-encrypted", status: "Available", tags: {} },
    ],
  };

  it("a converged fleet has no problems", () => {
    expect(fleetProblems(converged, expectedFleet(size, legacy), image)).toEqual([]);
    expect(stoppedInstances(converged)).toEqual([]);
  });

  it("names missing and stopped instances, wrong images, unfinished copies and a marked replaced instance", () => {
    const broken: AccountView = {
      instances: [
        instance("i-w0", "web", "m-copy", "Stopped"),
        instance("i-a0", "api", "m-copy"),
        instance("i-b0", "batch", DEMO.images.plain),
        instance("i-b1", "batch", DEMO.images.plain),
        {
          id: legacy,
          status: "Stopped",
          imageId: DEMO.images.plain,
          tags: { "ecs-shared-images:replacing:prior-status": "Running" },
        },
      ],
      images: [{ id: "m-copy", name: "chaos-golden-copy", status: "Creating", tags: {} }],
    };
    expect(fleetProblems(broken, expectedFleet(size, legacy), image)).toEqual([
      "copy chaos-golden-copy (m-copy) is Creating",
      "copy chaos-golden-encrypted: 0 in the account, expected 1",
      "group web: 1 instances, expected 2",
      "web instance i-w0 is Stopped",
      "api instance i-a0 runs m-copy",
      "group batch: 2 instances, expected 1",
      `replaced instance ${legacy} runs ${DEMO.images.plain}, not m-copy`,
      `replaced instance ${legacy} is Stopped`,
      `replaced instance ${legacy} still carries the marker`,
    ]);
    expect(stoppedInstances(broken)).toEqual(["i-w0", legacy]);
  });

  it("a destroy leaks every instance the stack owned and every image left", () => {
    const after: AccountView = {
      instances: [
        { id: legacy, status: "Running", imageId: "m-copy", tags: {} },
        instance("i-w0", "web", "m-copy", "Stopped"),
      ],
      images: [{ id: "m-copy", name: "chaos-golden-copy", status: "Available", tags: {} }],
    };
    expect(leaksAfterDestroy(after, [legacy])).toEqual([
      "instance i-w0 (Stopped)",
      "image m-copy chaos-golden-copy (Available)",
    ]);
    expect(restoreProblems(after, { instanceId: legacy, imageId: DEMO.images.plain, status: "Running" })).toEqual([
      `${legacy} runs m-copy, not its original ${DEMO.images.plain}`,
    ]);
    expect(
      restoreProblems({ instances: [], images: [] }, { instanceId: legacy, imageId: "m", status: "Running" }),
    ).toEqual([`${legacy} is gone`]);
  });
});

describe("the scenario's fleet", () => {
  it("the stack file keeps the demo's credentials, secrets and salt, and declares a valid fleet", () => {
    const local = fs.readFileSync(path.join(projectRoot, "stacks", "Pulumi.local.yaml"), "utf8");
    const size = { web: 12, api: 10, batch: 8 };
    const text = stackConfigYaml(local, 43210, size, "i-legacy");
    const doc = yaml.load(text) as { config: Record<string, unknown>; encryptionsalt: string };
    const demo = yaml.load(local) as { config: Record<string, unknown>; encryptionsalt: string };
    expect(doc.encryptionsalt).toBe(demo.encryptionsalt);
    expect(doc.config["alicloud:secretKey"]).toEqual(demo.config["alicloud:secretKey"]);
    expect(doc.config["ecs-shared-images:batchPassword"]).toEqual(demo.config["ecs-shared-images:batchPassword"]);
    // The main job reads the endpoint from the file with a regular expression.
    expect(text).toMatch(/^\s*ecsSharedImages:endpoint: http:\/\/127\.0\.0\.1:43210$/m);

    const values: Record<string, unknown> = {};
    const secrets = new Set<string>();
    for (const [key, value] of Object.entries(doc.config)) {
      if (!key.startsWith("ecs-shared-images:")) continue;
      const name = key.slice("ecs-shared-images:".length);
      if (typeof value === "object" && value !== null && "secure" in value) secrets.add(name);
      values[name] = value;
    }
    const fleet = parseFleetConfig({
      get: (k) => values[k],
      isSecret: (k) => secrets.has(k),
      keys: () => Object.keys(values),
    });
    expect(Object.fromEntries(Object.entries(fleet.groups).map(([g, c]) => [g, c.count]))).toEqual(size);
    expect(Object.values(fleet.images).filter((i) => i.copy).length).toBe(2);
    expect(fleet.systemDiskReplacements.legacy).toMatchObject({ instanceId: "i-legacy", revertOnDelete: true });
    expect(fleetInstances(size)).toBe(30);
    expect(Object.keys(fleetConfig(size, "i-legacy"))).toEqual([
      "approval",
      "images",
      "groups",
      "systemDiskReplacements",
    ]);
  });

  it("catalogue names resolve to the shared image or the copy of that name", () => {
    const copies = new Map([["chaos-golden-copy", "m-copy"]]);
    expect(catalogueImage("golden", copies)).toBe(DEMO.images.plain);
    expect(catalogueImage("golden-copy", copies)).toBe("m-copy");
    expect(catalogueImage("golden-encrypted", copies)).toBeUndefined();
    expect(catalogueImage("nope", copies)).toBeUndefined();
  });
});

describe("triggers and the storm", () => {
  const view = (requests: LoggedRequest[], account: AccountView = { instances: [], images: [] }) => ({
    requests,
    account: () => account,
    legacyInstanceId: "i-legacy",
    instances: 30,
  });

  it("instance creation fires at a third of the fleet's RunInstances carried out (DryRuns and failures aside)", () => {
    const run = Array.from({ length: 9 }, () => req("RunInstances"));
    const noise = [
      req("RunInstances", { DryRun: "true" }, { httpStatus: 400 }),
      req("RunInstances", {}, { httpStatus: 503 }),
    ];
    expect(TRIGGERS.instanceCreation.fired(view([...run, ...noise]))).toBe(false);
    expect(TRIGGERS.instanceCreation.fired(view([...run, req("RunInstances")]))).toBe(true);
  });

  it("the copy wait fires once both copies were made and polled while one still runs", () => {
    const copying: AccountView = {
      instances: [],
      images: [{ id: "m-1", name: "c", status: "Creating", tags: {} }],
    };
    const done: AccountView = { instances: [], images: [{ id: "m-1", name: "c", status: "Available", tags: {} }] };
    const made = [req("CopyImage"), req("CopyImage")];
    expect(TRIGGERS.copyWait.fired(view([req("CopyImage"), req("DescribeImages")], copying))).toBe(false);
    expect(TRIGGERS.copyWait.fired(view(made, copying))).toBe(false);
    expect(TRIGGERS.copyWait.fired(view([...made, req("DescribeImages")], copying))).toBe(true);
    expect(TRIGGERS.copyWait.fired(view([...made, req("DescribeImages")], done))).toBe(false);
  });

  it("the replacement triggers watch ReplaceSystemDisk, and StopInstance of the replaced instance only", () => {
    expect(TRIGGERS.afterReplaceSystemDisk.fired(view([req("ReplaceSystemDisk", {}, { httpStatus: 403 })]))).toBe(
      false,
    );
    expect(TRIGGERS.afterReplaceSystemDisk.fired(view([req("ReplaceSystemDisk")]))).toBe(true);
    expect(TRIGGERS.replacementStopped.fired(view([req("StopInstance", { InstanceId: "i-other" })]))).toBe(false);
    expect(TRIGGERS.replacementStopped.fired(view([req("StopInstance", { InstanceId: "i-legacy" })]))).toBe(true);
  });

  it("the storm throttles every action, the Describe* overrides included", async () => {
    const emu = await startDemoEmulator({ throttle: true });
    try {
      throttlingStorm(emu.admin);
      const config = emu.admin.setThrottle({});
      expect(config.enabled).toBe(true);
      expect(config.default).toEqual({ ratePerSecond: 2, burst: 2 });
      expect(Object.keys(config.actions).length).toBeGreaterThan(0);
      for (const bucket of Object.values(config.actions)) expect(bucket).toEqual({ ratePerSecond: 2, burst: 2 });
    } finally {
      await emu.close();
    }
  });
});

describe("processes", () => {
  it("parses /proc/PID/stat, with spaces and parentheses in the name", () => {
    expect(parseStat("4242 (node) S 4200 4200 4200 0 -1")).toEqual({
      comm: "node",
      state: "S",
      ppid: 4200,
      pgid: 4200,
    });
    expect(parseStat("77 (a (b) c) Z 1 77 77")).toEqual({ comm: "a (b) c", state: "Z", ppid: 1, pgid: 77 });
    expect(parseStat("garbage")).toBeUndefined();
  });

  it("a process is ours when its environment or command line mentions the scenario's directory", () => {
    const dir = "/tmp/chaos-storm-abc/project";
    expect(mentions(`PATH=/bin\0PULUMI_ECS_PROJECT_DIR=${dir}\0`, "node", dir)).toBe(true);
    expect(mentions("PATH=/bin\0", `node ${dir}/dist/scripts/main-job.js up`, dir)).toBe(true);
    expect(mentions("PATH=/bin\0PULUMI_ECS_PROJECT_DIR=/tmp/other\0", "node", dir)).toBe(false);
  });
});

function result(overrides: Partial<ScenarioResult> = {}): ScenarioResult {
  return {
    id: "faults",
    title: "server faults",
    instances: 4,
    commands: [{ command: "npm run up", ok: true, seconds: 30.4, exit: "exit 0", calm: false }],
    convergedInOneUp: true,
    upsToConverge: 1,
    convergeSeconds: 30.4,
    fleetProblems: [],
    calls: {
      calls: 100,
      byAction: { DescribeInstances: 60, RunInstances: 40 },
      throttled: 3,
      sameTokenResends: 2,
      dryRuns: 4,
      injectedFaults: 9,
    },
    destroyCalls: 20,
    duplicates: [],
    stopped: [],
    leaks: [],
    restoreProblems: [],
    leftoverProcesses: [],
    suiteErrors: [],
    startedAt: at(0),
    seconds: 40,
    ...overrides,
  };
}

describe("verdicts and report", () => {
  const killed = result({
    id: "kill-replace",
    commands: [
      { command: "npm run up", ok: false, seconds: 12, exit: "SIGKILL", calm: false },
      { command: "npm run pulumi -- cancel --yes", ok: true, seconds: 0.3, exit: "exit 0", calm: false },
      { command: "npm run refresh -- --clear-pending-creates", ok: true, seconds: 4, exit: "exit 0", calm: false },
      { command: "npm run up", ok: false, seconds: 10, exit: "exit 255", calm: false, tail: "error: boom" },
      { command: "npm run up", ok: true, seconds: 9, exit: "exit 0", calm: true },
      { command: "npm run destroy", ok: false, seconds: 3, exit: "exit 255", calm: true, tail: "error: in use" },
    ],
    convergedInOneUp: false,
    upsToConverge: 3,
    convergeSeconds: 35.3,
    duplicates: [{ key: "aa", made: 2, action: "RunInstances" }],
    stopped: ["i-1"],
    leaks: ["image m-copy chaos-golden-copy (Available)"],
    restoreProblems: ["i-legacy runs m-copy, not its original m-demogoldenplain01"],
    kill: {
      kind: "kill-group",
      at: at(12),
      processesAtKill: ["1 node (x)", "2 pulumi (y)"],
      aliveAfterGrace: ["2 pulumi-resource (/bin/sh z)"],
      callsWithinGrace: 7,
      callsAfterGrace: 3,
      strayCalls: ["DescribeInstances x3"],
      watchedSeconds: 15,
      killedBySuite: 1,
    },
  });

  it("a clean scenario keeps every invariant", () => {
    expect(invariantFailures(result())).toEqual([]);
  });

  it("names every broken invariant", () => {
    expect(invariantFailures(killed)).toEqual([
      "converged: no, not in one up (ups: SIGKILL, exit 255, exit 0)",
      "duplicates: 1 (RunInstances aa made 2 times)",
      "stopped: 1 left Stopped (i-1)",
      "leaks: destroy left 1 (image m-copy chaos-golden-copy (Available))",
      "restored: no (i-legacy runs m-copy, not its original m-demogoldenplain01)",
      "processes: 1 of ours alive 5 s after the kill (2 pulumi-resource)",
      "calls after kill: 3 ECS calls after kill + 5 s (DescribeInstances x3)",
    ]);
    expect(invariantFailures(result({ suiteErrors: ["the kill-group was never sent"] }))).toEqual([
      "suite: the kill-group was never sent",
    ]);
  });

  it("tabulates the figures", () => {
    expect(upsSummary(killed.commands)).toBe("killed, failed, ok*");
    const rows = tableRows([result(), killed]);
    expect(rows[0]).toEqual(["faults", "ok", "yes", "30", "100", "25", "3", "2", "4", "0", "0", "0", "yes", "-", "-"]);
    expect(rows[1]).toEqual([
      "kill-replace",
      "killed, failed, ok*",
      "NO",
      "35",
      "100",
      "25",
      "3",
      "2",
      "4",
      "1",
      "1",
      "1",
      "NO",
      "1",
      "3",
    ]);
    expect(rows[0]).toHaveLength(TABLE_COLUMNS.length);
    expect(textTable(["a", "bb"], [["xyz", "1"]])).toBe("a    bb\n---  --\nxyz  1");
    expect(markdownTable(["a", "b"], [["x|y", "1"]])).toBe("| a | b |\n| --- | --- |\n| x\\|y | 1 |");
    expect(byActionRows([result()])).toEqual({
      header: ["scenario", "DescribeInstances", "RunInstances"],
      rows: [["faults", "15", "10"]],
    });
  });

  it("renders docs/reliability.md: how to run, the scenarios, the table, the invariants, the details", () => {
    const md = renderMarkdown(
      {
        date: "2026-01-01 00:00 UTC",
        machine: "linux, 2 cores",
        commit: "abc1234",
        fleet: "4 instances",
        command: "npm run chaos",
        totalSeconds: 600,
        followUps: 2,
      },
      [
        { id: "faults", title: "server faults", what: "faults." },
        { id: "kill-replace", title: "SIGKILL", what: "kill." },
      ],
      [result(), killed],
    );
    expect(md).toMatch(/^# Reliability\n/);
    expect(md).toContain("on 2026-01-01 00:00 UTC, on linux, 2 cores, at commit abc1234 (10 min in all)");
    expect(md).toContain("npm run chaos");
    expect(md).toContain("followed by up to 2 more with faults lifted");
    expect(md).toContain("1. **faults** (server faults): faults.");
    expect(md).toContain(markdownTable(TABLE_COLUMNS, tableRows([result(), killed])));
    expect(md).toContain("1 of 2 scenarios broke at least one invariant:");
    expect(md).toContain("- faults: all kept");
    expect(md).toContain("  - restored: no (i-legacy runs m-copy, not its original m-demogoldenplain01)");
    expect(md).toContain("- `npm run up` (faults lifted): exit 0, 9.0 s");
    expect(md).toContain("error: boom");
    expect(md).toContain(
      `- kill-group at ${at(12)}: 2 processes of the run at the kill; 1 alive 5 s later; 7 ECS calls within those ` +
        "5 s, 3 after kill + 5 s (watched 15 s more): DescribeInstances x3\n  - alive: `2 pulumi-resource (/bin/sh z)`\n" +
        "  - then killed by the suite: 1",
    );
    expect(md.endsWith("\n")).toBe(true);
  });
});

describe("stormVersusCalm", () => {
  const result = (id: string, calls: number, instances: number) =>
    ({ id, instances, calls: { calls, byAction: {} } }) as unknown as ScenarioResult;

  it("states the storm's calls per instance against the calm run's", () => {
    expect(stormVersusCalm([result("calm", 300, 30), result("storm", 450, 30)])).toEqual([
      "Under the storm an up made 1.50x the calls per instance of the calm up (bound: 2x).",
      "",
    ]);
  });

  it("says nothing unless both ran", () => {
    expect(stormVersusCalm([result("storm", 450, 30)])).toEqual([]);
    expect(stormVersusCalm([result("calm", 300, 30)])).toEqual([]);
  });
});
