// The reliability suite's figures from a request log and an inventory (tags and create keys, duplicates, call
// figures, the account after up and after destroy) and the triggers that fire its faults (the runs themselves:
// test/e2e/chaos.test.ts).
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
import { catalogueImage, expectedFleet } from "../../scripts/chaos/fleet";
import { at, req, T0 } from "../support/chaos-log";
import { DEMO, startDemoEmulator } from "../support/emulator";

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
