// The reliability suite's verdicts and report: invariant failures, the tables and the Markdown, and the storm
// compared with a calm run (the runs themselves: test/e2e/chaos.test.ts).
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
import { at } from "../support/chaos-log";

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
