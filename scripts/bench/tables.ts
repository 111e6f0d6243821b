// The engine benchmark's verdicts against the targets of issue 11, and its tables (text for the terminal, Markdown for
// docs/benchmarks.md). Pure.
import type { CommandName, Summary } from "./figures";

/** A target of issue 11 for one command, what was measured against it, and whether it was met. */
export interface Verdict {
  readonly target: string;
  readonly measured: string;
  readonly met: boolean;
}

const x = (ratio: number) => `${ratio.toFixed(2)}×`;
const s1 = (seconds: number) => seconds.toFixed(1);
const perN = (value: number) => value.toFixed(2);

/**
 * The targets of issue 11 ("Done when"): preview ≤ 1.2× the floor with 0 mutating calls; no-change up ≤ 1.1× with the
 * state byte-identical; up ≤ 1.5 calls per instance excluding DryRun and wall ≤ floor + 1.5 × the emulated
 * provisioning time; preview --refresh ≤ 1.3× with ≤ 10 Describe calls; destroy 0 throttled.
 */
export function verdict(s: Summary, provisioningSeconds: number, parallel: number): Verdict {
  switch (s.command) {
    case "preview":
      return {
        target: "≤ 1.20× floor, 0 mutating calls",
        measured: `${x(s.ratio)}, ${s.calls.mutating} mutating`,
        met: s.ratio <= 1.2 && s.calls.mutating === 0,
      };
    case "up": {
      // The engine runs `parallel` creates at a time, each until its instance runs: N instances take ceil(N /
      // parallel) provisionings one after another, however few calls each makes.
      const provisioning = provisioningSeconds * Math.ceil(s.n / parallel);
      const limit = s.floorSeconds + 1.5 * provisioning;
      const perInstance = s.calls.real / s.n;
      return {
        target: `≤ floor + 1.5 × ${s1(provisioning)} s = ${s1(limit)} s, ≤ 1.50 calls/instance excl. DryRun`,
        measured: `${s1(s.libSeconds)} s, ${perN(perInstance)} calls/instance (+ ${perN(s.calls.dryRuns / s.n)} DryRun)`,
        met: s.libSeconds <= limit && perInstance <= 1.5,
      };
    }
    case "no-change up": {
      // The engine rewrites the manifest time and the resource order even for the floor, so bytes alone can never be
      // identical; the state counts as unchanged when its bytes are, or else its content (see stateContent).
      const [bytes, same] = [s.stateIdentical ?? { lib: 0, floor: 0 }, s.stateSame ?? { lib: 0, floor: 0 }];
      const unchanged = bytes.lib === s.reps || same.lib === s.reps;
      return {
        target: "≤ 1.10× floor, state unchanged",
        measured:
          `${x(s.ratio)}, state bytes identical ${bytes.lib}/${s.reps} (floor ${bytes.floor}/${s.reps}), ` +
          `content ${same.lib}/${s.reps} (floor ${same.floor}/${s.reps})`,
        met: s.ratio <= 1.1 && unchanged,
      };
    }
    case "preview --refresh":
      return {
        target: "≤ 1.30× floor, ≤ 10 Describe calls",
        measured: `${x(s.ratio)}, ${s.calls.describe} Describe calls`,
        met: s.ratio <= 1.3 && s.calls.describe <= 10,
      };
    case "destroy":
      return {
        target: "0 throttled",
        measured: `${s.calls.throttled} throttled (${x(s.ratio)})`,
        met: s.calls.throttled === 0,
      };
  }
}

export interface Table {
  readonly header: readonly string[];
  readonly rows: readonly (readonly string[])[];
}

/** The main table: wall times, ratio, target, what was measured and whether the target was met. */
export function resultsTable(summaries: readonly Summary[], provisioningSeconds: number, parallel: number): Table {
  return {
    header: ["command", "N", "lib median s", "floor median s", "lib/floor", "target", "measured", "met"],
    rows: summaries.map((s) => {
      const v = verdict(s, provisioningSeconds, parallel);
      return [
        s.command,
        `${s.n}`,
        s1(s.libSeconds),
        s1(s.floorSeconds),
        x(s.ratio),
        v.target,
        v.measured,
        v.met ? "met" : "missed",
      ];
    }),
  };
}

/** The library's emulator calls per command (medians). */
export function callsTable(summaries: readonly Summary[]): Table {
  return {
    header: ["command", "N", "calls", "excl. DryRun", "DryRun", "mutating", "throttled", "Describe*"],
    rows: summaries.map((s) => [
      s.command,
      `${s.n}`,
      ...[s.calls.calls, s.calls.real, s.calls.dryRuns, s.calls.mutating, s.calls.throttled, s.calls.describe].map(
        (v) => `${v}`,
      ),
    ]),
  };
}

/** Calls per instance by action for one command (issue 11 asks it for up), with the total. */
export function perActionTable(summaries: readonly Summary[], command: CommandName = "up"): Table {
  const rows: string[][] = [];
  for (const s of summaries.filter((x) => x.command === command)) {
    const entries = Object.entries(s.perAction).sort((a, b) => b[1].real - a[1].real || a[0].localeCompare(b[0]));
    for (const [action, p] of entries) {
      rows.push([`${s.n}`, action, perN(p.real), perN(p.dryRuns), perN(p.throttled)]);
    }
    rows.push([
      `${s.n}`,
      "total",
      perN(s.calls.real / s.n),
      perN(s.calls.dryRuns / s.n),
      perN(s.calls.throttled / s.n),
    ]);
  }
  return { header: ["N", "action", "calls/instance excl. DryRun", "DryRun/instance", "throttled/instance"], rows };
}

const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;
const mib = (k: number | undefined) => (k === undefined ? "-" : `${Math.round(k / 1024)}`);

/** State size per instance after up, and peak RSS of the program and the provider per command (MiB). */
export function resourcesTable(summaries: readonly Summary[]): Table {
  return {
    header: [
      "command",
      "N",
      "state/instance lib",
      "state/instance floor",
      "program MiB lib",
      "program MiB floor",
      "provider MiB lib",
      "provider MiB floor",
    ],
    rows: summaries.map((s) => [
      s.command,
      `${s.n}`,
      s.stateBytesPerInstance ? kib(s.stateBytesPerInstance.lib) : "",
      s.stateBytesPerInstance ? kib(s.stateBytesPerInstance.floor) : "",
      mib(s.peakRss.lib.program),
      mib(s.peakRss.floor.program),
      mib(s.peakRss.lib.provider),
      mib(s.peakRss.floor.provider),
    ]),
  };
}

/** A text table with aligned columns. */
export function textTable(t: Table): string {
  const widths = t.header.map((h, i) => Math.max(h.length, ...t.rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(t.header), line(widths.map((w) => "-".repeat(w))), ...t.rows.map(line)].join("\n");
}

/** A Markdown table. */
export function markdownTable(t: Table): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(t.header), line(t.header.map(() => "---")), ...t.rows.map(line)].join("\n");
}

/** Where and how the benchmark ran, for the report. */
export interface RunContext {
  /** ISO date of the run. */
  readonly date: string;
  readonly cores: number;
  readonly cpu: string;
  readonly memoryGiB: number;
  readonly node: string;
  readonly engine: string;
  readonly sizes: readonly number[];
  readonly reps: number;
  readonly timeScale: number;
  /** Emulated Pending -> Running of one instance, in wall seconds at the time scale. */
  readonly provisioningSeconds: number;
  /** The engine's default --parallel on this machine (4 per core). */
  readonly parallel: number;
  /** The whole benchmark's wall time. */
  readonly totalSeconds: number;
  /** The command line that reproduces it. */
  readonly command: string;
}

/** docs/benchmarks.md: the method in a few paragraphs, then the tables. */
export function renderMarkdown(context: RunContext, summaries: readonly Summary[]): string {
  const c = context;
  return [
    "# Engine benchmark",
    "",
    `Written by \`${c.command}\` on ${c.date.slice(0, 10)}: ${c.cores} cores (${c.cpu}), ${c.memoryGiB} GiB,`,
    `Node.js ${c.node}, Pulumi ${c.engine}; sizes ${c.sizes.join(", ")}, ${c.reps} repetition(s), medians;`,
    `${(c.totalSeconds / 60).toFixed(1)} min in all. Not a timed test: figures of one run on one machine.`,
    "",
    "## Method",
    "",
    "Two Pulumi TypeScript projects are made in a temporary directory as a new user makes them (stock",
    "`pulumi new typescript` tsconfig, Pulumi.yaml, `index.ts`) and run by the same CLI (the engine of",
    "`npm run setup`, offline environment), each on its own local file backend, with the default `--parallel`:",
    "",
    "- **lib**: this library packed with `npm pack` and installed from the tarball; the program declares N",
    "  `InstanceFromSharedImage` of the demo world's approved shared image `m-demogoldenplain01` (approval of its",
    "  owner, `ecs.g7.large`, the workload vSwitch, security group and key pair), against an emulator started by",
    "  the benchmark with the demo world and the shipped throttling (loopback, port 0; no poll or retry settings).",
    "- **floor**: N dynamic resources with one input each, sharing one `pulumi.dynamic.ResourceProvider` object",
    "  defined once at module level whose methods return at once: what the engine costs with nothing to do. Its",
    "  stack has the same config as lib's (credentials as secrets), which the engine gives the dynamic provider.",
    "",
    "For each size and repetition, each command runs for lib then floor (floor first in odd repetitions):",
    "`pulumi preview` (empty stack), `pulumi up --yes --skip-preview` (create), the same again (no change),",
    "`pulumi preview --refresh` and `pulumi destroy --yes --skip-preview`. Measured: the CLI's wall time (spawn to",
    "exit); the emulator's counters before and after each lib command (calls per action, DryRun apart, mutating,",
    "throttled); the state file after up (bytes per instance) and before and after the no-change up; the peak RSS",
    "(VmHWM) of the program (`@pulumi/pulumi/cmd/run`) and the dynamic provider process (`cmd/dynamic-provider`),",
    "sampled from /proc among the CLI's descendants every 100 ms.",
    "",
    "The engine rewrites the state file on every `up`, even the floor's with nothing to do: the manifest's time, the",
    "order of resources, and the ciphertext of the config's secrets (encrypted again with a fresh nonce) change. So",
    "the no-change up's state counts as unchanged when it is byte-identical or, short of that, holds the same",
    "content with those three set aside; both are reported.",
    "",
    `The emulated provisioning time of one instance is the demo world's Pending + Starting time at time scale`,
    `${c.timeScale}: ${c.provisioningSeconds.toFixed(1)} s. The engine runs ${c.parallel} creates at a time (its default`,
    "`--parallel`, 4 per core) and a create lasts until its instance runs, so N instances cannot take less than",
    "ceil(N / parallel) provisionings one after another: up's target is the floor's up + 1.5 × that.",
    "",
    "## Results",
    "",
    markdownTable(resultsTable(summaries, c.provisioningSeconds, c.parallel)),
    "",
    "## Emulator calls of the library per command",
    "",
    markdownTable(callsTable(summaries)),
    "",
    "## Calls per instance by action during up",
    "",
    markdownTable(perActionTable(summaries, "up")),
    "",
    "## State and memory",
    "",
    "State bytes per instance are the state file's size after up divided by N. Peak RSS in MiB.",
    "",
    markdownTable(resourcesTable(summaries)),
    "",
  ].join("\n");
}
