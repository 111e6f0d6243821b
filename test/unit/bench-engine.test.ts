// The engine benchmark's pure parts: counters, medians, the targets of issue 11 and the tables (the runs themselves
// are `npm run bench`, never a test: nothing here is timed).
import type { ActionCounters } from "../../emulator";
import {
  type CallDelta,
  type CommandName,
  callTotals,
  median,
  type RunFigures,
  type Sample,
  stateContent,
  statsDelta,
  summarize,
} from "../../scripts/bench/figures";
import {
  markdownTable,
  perActionTable,
  type RunContext,
  renderMarkdown,
  resultsTable,
  verdict,
} from "../../scripts/bench/tables";

const counters = (c: Partial<ActionCounters>): ActionCounters => ({
  calls: 0,
  succeeded: 0,
  failed: 0,
  throttled: 0,
  mutating: 0,
  dryRuns: 0,
  ...c,
});

const run = (seconds: number, extra: Partial<RunFigures> = {}): RunFigures => ({
  seconds,
  calls: {},
  peakRss: {},
  ...extra,
});

const sample = (command: CommandName, n: number, rep: number, lib: RunFigures, floor: RunFigures): Sample => ({
  command,
  n,
  rep,
  lib,
  floor,
});

describe("median", () => {
  it.each([
    [[7], 7],
    [[3, 1, 2], 2],
    [[4, 1, 3, 2], 2.5],
    [[5, 5, 1], 5],
  ])("of %j is %d", (values, expected) => {
    expect(median(values)).toBe(expected);
  });

  it("refuses no values", () => {
    expect(() => median([])).toThrow(RangeError);
  });
});

describe("statsDelta", () => {
  it("keeps the actions called between two readings, each counter as a difference", () => {
    const before = {
      RunInstances: counters({ calls: 4, mutating: 2, dryRuns: 2 }),
      DescribeImages: counters({ calls: 9 }),
    };
    const after = {
      RunInstances: counters({ calls: 10, mutating: 5, dryRuns: 5, throttled: 1 }),
      DescribeImages: counters({ calls: 9 }),
      DeleteInstances: counters({ calls: 2, mutating: 2 }),
    };
    expect(statsDelta(before, after)).toEqual({
      RunInstances: { calls: 6, throttled: 1, mutating: 3, dryRuns: 3 },
      DeleteInstances: { calls: 2, throttled: 0, mutating: 2, dryRuns: 0 },
    });
  });
});

describe("callTotals", () => {
  it("separates DryRuns and counts Describe* calls", () => {
    const delta: CallDelta = {
      RunInstances: { calls: 6, throttled: 0, mutating: 3, dryRuns: 3 },
      DescribeInstances: { calls: 4, throttled: 1, mutating: 0, dryRuns: 0 },
      DescribeImages: { calls: 2, throttled: 0, mutating: 0, dryRuns: 0 },
    };
    expect(callTotals(delta)).toEqual({ calls: 12, real: 9, dryRuns: 3, mutating: 3, throttled: 1, describe: 6 });
  });
});

describe("stateContent: a checkpoint without what the engine rewrites on every update", () => {
  const SIG = "4dabf18193072939515e22adb298388d";
  const secret = (ciphertext: string) => ({ [SIG]: "1b47061264138c4ac30d75fd1eb44270", ciphertext });
  const checkpoint = (time: string, resources: unknown[]) =>
    JSON.stringify({ version: 3, checkpoint: { latest: { manifest: { time, version: "v3.248.0" }, resources } } });
  const a = { urn: "urn:a", inputs: { value: "1", key: secret("v1:one") } };
  const b = { urn: "urn:b", inputs: { value: "2" } };

  it.each([
    ["another manifest time", checkpoint("t1", [a, b]), checkpoint("t2", [a, b]), true],
    ["the resources in another order", checkpoint("t1", [a, b]), checkpoint("t1", [b, a]), true],
    [
      "a secret encrypted again",
      checkpoint("t1", [a]),
      checkpoint("t1", [{ ...a, inputs: { ...a.inputs, key: secret("v1:two") } }]),
      true,
    ],
    ["keys in another order", checkpoint("t1", [{ inputs: a.inputs, urn: "urn:a" }]), checkpoint("t1", [a]), true],
    ["an input changed", checkpoint("t1", [a, b]), checkpoint("t1", [a, { ...b, inputs: { value: "3" } }]), false],
    ["a resource more", checkpoint("t1", [a]), checkpoint("t1", [a, b]), false],
  ])("%s: same content = %s", (_name, before, after, same) => {
    expect(stateContent(before) === stateContent(after)).toBe(same);
  });
});

describe("summarize", () => {
  it("takes medians per size and command, in run order, and calls per instance by action", () => {
    const up = (rep: number, lib: number, describes: number) =>
      sample(
        "up",
        10,
        rep,
        run(lib, {
          calls: {
            RunInstances: { calls: 20, throttled: 0, mutating: 10, dryRuns: 10 },
            DescribeInstances: { calls: describes, throttled: 0, mutating: 0, dryRuns: 0 },
          },
          stateBytes: 80_000 + rep,
        }),
        run(2, { stateBytes: 30_000 }),
      );
    const samples = [
      up(0, 9, 1),
      up(1, 3, 3),
      up(2, 6, 2),
      sample("preview", 10, 0, run(4), run(2)),
      sample("preview", 5, 0, run(1), run(1)),
    ];
    const summaries = summarize(samples);
    expect(summaries.map((s) => [s.n, s.command, s.reps])).toEqual([
      [5, "preview", 1],
      [10, "preview", 1],
      [10, "up", 3],
    ]);
    const upSummary = summaries[2];
    expect(upSummary).toMatchObject({ libSeconds: 6, floorSeconds: 2, ratio: 3 });
    expect(upSummary.calls).toEqual({ calls: 22, real: 12, dryRuns: 10, mutating: 10, throttled: 0, describe: 2 });
    expect(upSummary.perAction).toEqual({
      DescribeInstances: { real: 0.2, dryRuns: 0, throttled: 0 },
      RunInstances: { real: 1, dryRuns: 1, throttled: 0 },
    });
    expect(upSummary.stateBytesPerInstance).toEqual({ lib: 8000.1, floor: 3000 });
  });
});

describe("verdict: the targets of issue 11", () => {
  const summaryOf = (command: CommandName, lib: RunFigures, floor: RunFigures, reps = 1) =>
    summarize(Array.from({ length: reps }, (_, rep) => sample(command, 100, rep, lib, floor)))[0];
  const calls = (action: string, c: Partial<{ calls: number; throttled: number; mutating: number; dryRuns: number }>) =>
    ({ [action]: { calls: 0, throttled: 0, mutating: 0, dryRuns: 0, ...c } }) as CallDelta;

  it.each([
    ["preview at 1.2x with no mutating call", "preview", run(12), run(10), true],
    ["preview above 1.2x", "preview", run(12.1), run(10), false],
    [
      "preview with a mutating call",
      "preview",
      run(10, { calls: calls("RunInstances", { calls: 1, mutating: 1 }) }),
      run(10),
      false,
    ],
    [
      "preview with DryRuns only",
      "preview",
      run(10, { calls: calls("RunInstances", { calls: 100, dryRuns: 100 }) }),
      run(10),
      true,
    ],
    [
      "up within floor + 1.5 x provisioning and 1.5 calls per instance (DryRun apart)",
      "up",
      run(32.5, { calls: calls("RunInstances", { calls: 250, mutating: 150, dryRuns: 100 }) }),
      run(10),
      true,
    ],
    [
      "up with more than 1.5 calls per instance",
      "up",
      run(20, { calls: calls("DescribeInstances", { calls: 151 }) }),
      run(10),
      false,
    ],
    ["up slower than floor + 1.5 x provisioning", "up", run(32.6), run(10), false],
    ["no-change up at 1.1x, state identical", "no-change up", run(11, { stateIdentical: true }), run(10), true],
    [
      "no-change up rewriting only what the engine rewrites",
      "no-change up",
      run(10, { stateIdentical: false, stateSame: true }),
      run(10),
      true,
    ],
    [
      "no-change up with the state's content changed",
      "no-change up",
      run(10, { stateIdentical: false, stateSame: false }),
      run(10),
      false,
    ],
    ["no-change up above 1.1x", "no-change up", run(11.5, { stateIdentical: true }), run(10), false],
    [
      "preview --refresh at 1.3x with 10 Describe calls",
      "preview --refresh",
      run(13, { calls: calls("DescribeInstances", { calls: 10 }) }),
      run(10),
      true,
    ],
    [
      "preview --refresh with 11 Describe calls",
      "preview --refresh",
      run(10, { calls: calls("DescribeInstances", { calls: 11 }) }),
      run(10),
      false,
    ],
    ["destroy slow but never throttled", "destroy", run(50), run(10), true],
    [
      "destroy throttled once",
      "destroy",
      run(10, { calls: calls("DeleteInstance", { calls: 101, throttled: 1, mutating: 101 }) }),
      run(10),
      false,
    ],
  ] as const)("%s: met = %s", (_name, command, lib, floor, met) => {
    // 15 s of emulated provisioning, all 100 creates at a time: up may take the floor + 22.5 s.
    expect(verdict(summaryOf(command, lib, floor), 15, 100).met).toBe(met);
  });

  it("needs the state unchanged in every repetition", () => {
    const same = { stateIdentical: false, stateSame: true };
    const s = summarize([
      sample("no-change up", 100, 0, run(10, { stateIdentical: true, stateSame: true }), run(10, same)),
      sample("no-change up", 100, 1, run(10, { stateIdentical: false, stateSame: false }), run(10, same)),
    ])[0];
    expect(verdict(s, 15, 8)).toEqual({
      target: "≤ 1.10× floor, state unchanged",
      measured: "1.00×, state bytes identical 1/2 (floor 0/2), content 1/2 (floor 2/2)",
      met: false,
    });
  });

  it("states up's target with the provisioning time and the measured calls per instance", () => {
    const s = summaryOf(
      "up",
      run(40, { calls: calls("RunInstances", { calls: 200, mutating: 100, dryRuns: 100 }) }),
      run(10),
    );
    // 8 creates at a time: 100 instances take 13 provisionings one after another.
    expect(verdict(s, 15, 8)).toEqual({
      target: "≤ floor + 1.5 × 195.0 s = 302.5 s, ≤ 1.50 calls/instance excl. DryRun",
      measured: "40.0 s, 1.00 calls/instance (+ 1.00 DryRun)",
      met: true,
    });
    expect(verdict(s, 15, 100).met).toBe(false);
  });
});

describe("tables", () => {
  const summaries = summarize([
    sample(
      "up",
      2,
      0,
      run(4, { calls: { RunInstances: { calls: 4, throttled: 0, mutating: 2, dryRuns: 2 } } }),
      run(2),
    ),
    sample("destroy", 2, 0, run(1), run(2)),
  ]);

  it("renders one results row per command and size", () => {
    expect(resultsTable(summaries, 1, 8).rows).toEqual([
      ["up", "2", "4.0", "2.0", "2.00×", expect.stringContaining("= 3.5 s"), expect.any(String), "missed"],
      ["destroy", "2", "1.0", "2.0", "0.50×", "0 throttled", "0 throttled (0.50×)", "met"],
    ]);
  });

  it("renders calls per instance by action with a total row", () => {
    expect(perActionTable(summaries).rows).toEqual([
      ["2", "RunInstances", "1.00", "1.00", "0.00"],
      ["2", "total", "1.00", "1.00", "0.00"],
    ]);
  });

  it("escapes pipes in Markdown cells", () => {
    expect(markdownTable({ header: ["a", "b"], rows: [["x|y", "z"]] })).toBe("| a | b |\n| --- | --- |\n| x\\|y | z |");
  });

  it("writes the method, the machine and every table into the report", () => {
    const context: RunContext = {
      date: "2026-01-02T03:04:05.000Z",
      cores: 2,
      cpu: "Test CPU",
      memoryGiB: 8,
      node: "v20.0.0",
      engine: "v3.248.0",
      sizes: [2],
      reps: 1,
      timeScale: 1,
      provisioningSeconds: 15,
      parallel: 8,
      totalSeconds: 90,
      command: "node dist/scripts/bench-engine.js --sizes 2 --reps 1",
    };
    const md = renderMarkdown(context, summaries);
    expect(md).toContain("on 2026-01-02: 2 cores (Test CPU)");
    for (const heading of [
      "## Method",
      "## Results",
      "## Calls per instance by action during up",
      "## State and memory",
    ]) {
      expect(md).toContain(heading);
    }
    expect(md).toContain("| up | 2 | 4.0 | 2.0 | 2.00× |");
  });
});
