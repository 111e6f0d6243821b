// The engine benchmark's figures: per-command call counts from the emulator's counters and medians over
// repetitions. Pure; the runs are in ./runner.ts, the verdicts and tables in ./tables.ts.
import type { ActionCounters } from "../../emulator";

/** The commands measured, in the order each repetition runs them. */
export const COMMANDS = ["preview", "up", "no-change up", "preview --refresh", "destroy"] as const;
export type CommandName = (typeof COMMANDS)[number];

/** What the emulator counted for one action during one command. */
export interface ActionDelta {
  readonly calls: number;
  readonly throttled: number;
  /** Requests that would change something (never a DryRun). */
  readonly mutating: number;
  readonly dryRuns: number;
}

/** Per action, what one command cost; actions it did not call are absent. */
export type CallDelta = Readonly<Record<string, ActionDelta>>;

/** Peak resident memory (VmHWM) of the run's Node.js processes, KiB; absent when none ran. */
export interface PeakRss {
  /** The language host's program (`@pulumi/pulumi/cmd/run`). */
  readonly program?: number;
  /** The dynamic provider process (`@pulumi/pulumi/cmd/dynamic-provider`). */
  readonly provider?: number;
}

/** One CLI command of one project. */
export interface RunFigures {
  /** Wall time of the CLI process, spawn to exit. */
  readonly seconds: number;
  readonly calls: CallDelta;
  readonly peakRss: PeakRss;
  /** The state file's size after the command (up). */
  readonly stateBytes?: number;
  /** Whether the state file is byte-identical before and after the command (no-change up). */
  readonly stateIdentical?: boolean;
  /** Whether it holds the same content apart from what the engine rewrites anyway (see stateContent). */
  readonly stateSame?: boolean;
}

/** The signature key and value Pulumi marks a serialized secret with (`{SIG: SECRET, ciphertext}`). */
const SECRET_SIG = ["4dabf18193072939515e22adb298388d", "1b47061264138c4ac30d75fd1eb44270"] as const;

/**
 * A checkpoint's content without what the engine itself rewrites on every update, even the floor's no-change up: the
 * manifest's time, the order of resources (the order their steps completed), and the ciphertext of secrets (the
 * default provider's inputs hold the stack config, and its secrets are encrypted again, with a fresh nonce). Keys are
 * sorted, so two checkpoints holding the same resources with the same inputs, outputs and metadata give the same text.
 */
export function stateContent(checkpointText: string): string {
  const state = JSON.parse(checkpointText) as {
    checkpoint?: { latest?: { manifest?: { time?: string }; resources?: { urn: string }[] } };
  };
  const latest = state.checkpoint?.latest;
  if (latest?.manifest) delete latest.manifest.time;
  latest?.resources?.sort((a, b) => (a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0));
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (value === null || typeof value !== "object") return value;
    const o = value as Record<string, unknown>;
    if (o[SECRET_SIG[0]] === SECRET_SIG[1]) return { [SECRET_SIG[0]]: SECRET_SIG[1], ciphertext: "(encrypted)" };
    return Object.fromEntries(
      Object.keys(o)
        .sort()
        .map((k) => [k, canonical(o[k])]),
    );
  };
  return JSON.stringify(canonical(state));
}

/** One command at one size in one repetition, for the library and the floor. */
export interface Sample {
  readonly command: CommandName;
  readonly n: number;
  readonly rep: number;
  readonly lib: RunFigures;
  readonly floor: RunFigures;
}

/** The counters that changed between two `stats()` readings. */
export function statsDelta(
  before: Readonly<Record<string, ActionCounters>>,
  after: Readonly<Record<string, ActionCounters>>,
): CallDelta {
  const delta: Record<string, ActionDelta> = {};
  for (const [action, a] of Object.entries(after)) {
    const b = before[action];
    const calls = a.calls - (b?.calls ?? 0);
    if (calls === 0) continue;
    delta[action] = {
      calls,
      throttled: a.throttled - (b?.throttled ?? 0),
      mutating: a.mutating - (b?.mutating ?? 0),
      dryRuns: a.dryRuns - (b?.dryRuns ?? 0),
    };
  }
  return delta;
}

export interface CallTotals {
  readonly calls: number;
  /** Calls that were not DryRuns (what issue 11 counts per instance). */
  readonly real: number;
  readonly dryRuns: number;
  readonly mutating: number;
  readonly throttled: number;
  /** Calls of Describe* actions. */
  readonly describe: number;
}

export function callTotals(delta: CallDelta): CallTotals {
  let [calls, dryRuns, mutating, throttled, describe] = [0, 0, 0, 0, 0];
  for (const [action, d] of Object.entries(delta)) {
    calls += d.calls;
    dryRuns += d.dryRuns;
    mutating += d.mutating;
    throttled += d.throttled;
    if (action.startsWith("Describe")) describe += d.calls;
  }
  return { calls, real: calls - dryRuns, dryRuns, mutating, throttled, describe };
}

/** The median; the mean of the two middle values for an even count. */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError("median of no values");
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Median of the values that are defined, or undefined when none is. */
function medianOf(values: readonly (number | undefined)[]): number | undefined {
  const defined = values.filter((v): v is number => v !== undefined);
  return defined.length === 0 ? undefined : median(defined);
}

/** Per action, per instance (medians over repetitions). */
export interface PerInstance {
  /** Calls that were not DryRuns, per instance. */
  readonly real: number;
  readonly dryRuns: number;
  readonly throttled: number;
}

/** One command at one size: medians over its repetitions. */
export interface Summary {
  readonly command: CommandName;
  readonly n: number;
  readonly reps: number;
  readonly libSeconds: number;
  readonly floorSeconds: number;
  readonly ratio: number;
  /** The library's calls (medians of each total over repetitions). */
  readonly calls: CallTotals;
  readonly perAction: Readonly<Record<string, PerInstance>>;
  readonly stateBytesPerInstance?: { readonly lib: number; readonly floor: number };
  /** Repetitions whose state was byte-identical before and after. */
  readonly stateIdentical?: { readonly lib: number; readonly floor: number };
  /** Repetitions whose state held the same content before and after (manifest time and resource order aside). */
  readonly stateSame?: { readonly lib: number; readonly floor: number };
  readonly peakRss: { readonly lib: PeakRss; readonly floor: PeakRss };
}

function medianRss(runs: readonly RunFigures[]): PeakRss {
  const program = medianOf(runs.map((r) => r.peakRss.program));
  const provider = medianOf(runs.map((r) => r.peakRss.provider));
  return { ...(program === undefined ? {} : { program }), ...(provider === undefined ? {} : { provider }) };
}

/** Groups samples by size and command (sizes ascending, commands in run order) and takes medians. */
export function summarize(samples: readonly Sample[]): Summary[] {
  const sizes = [...new Set(samples.map((s) => s.n))].sort((a, b) => a - b);
  const out: Summary[] = [];
  for (const n of sizes) {
    for (const command of COMMANDS) {
      const group = samples.filter((s) => s.n === n && s.command === command);
      if (group.length === 0) continue;
      const libSeconds = median(group.map((s) => s.lib.seconds));
      const floorSeconds = median(group.map((s) => s.floor.seconds));
      const totals = group.map((s) => callTotals(s.lib.calls));
      const calls: CallTotals = {
        calls: median(totals.map((t) => t.calls)),
        real: median(totals.map((t) => t.real)),
        dryRuns: median(totals.map((t) => t.dryRuns)),
        mutating: median(totals.map((t) => t.mutating)),
        throttled: median(totals.map((t) => t.throttled)),
        describe: median(totals.map((t) => t.describe)),
      };
      const actions = [...new Set(group.flatMap((s) => Object.keys(s.lib.calls)))].sort();
      const perAction: Record<string, PerInstance> = {};
      for (const action of actions) {
        const of = (pick: (d: ActionDelta) => number) =>
          median(group.map((s) => (s.lib.calls[action] ? pick(s.lib.calls[action]) : 0))) / n;
        perAction[action] = {
          real: of((d) => d.calls - d.dryRuns),
          dryRuns: of((d) => d.dryRuns),
          throttled: of((d) => d.throttled),
        };
      }
      const libBytes = medianOf(group.map((s) => s.lib.stateBytes));
      const floorBytes = medianOf(group.map((s) => s.floor.stateBytes));
      const identical = (pick: (s: Sample) => boolean | undefined) => group.filter((s) => pick(s) === true).length;
      const hasIdentity = group.some((s) => s.lib.stateIdentical !== undefined);
      out.push({
        command,
        n,
        reps: group.length,
        libSeconds,
        floorSeconds,
        ratio: libSeconds / floorSeconds,
        calls,
        perAction,
        ...(libBytes !== undefined && floorBytes !== undefined
          ? { stateBytesPerInstance: { lib: libBytes / n, floor: floorBytes / n } }
          : {}),
        ...(hasIdentity
          ? {
              stateIdentical: {
                lib: identical((s) => s.lib.stateIdentical),
                floor: identical((s) => s.floor.stateIdentical),
              },
              stateSame: { lib: identical((s) => s.lib.stateSame), floor: identical((s) => s.floor.stateSame) },
            }
          : {}),
        peakRss: { lib: medianRss(group.map((s) => s.lib)), floor: medianRss(group.map((s) => s.floor)) },
      });
    }
  }
  return out;
}
