// The reliability suite's verdicts and its report (a text table and docs/reliability.md). Pure.
import { extraResources, perInstance } from "./figures";
import type { CommandRun, ScenarioResult } from "./types";

/**
 * The invariants of the issue a scenario broke, one sentence each: the fleet converged in one `up` (after the
 * README's recovery, for kills), no duplicates, no instance left Stopped, a clean account after destroy with the
 * instance outside the stack back on its original image, and, after a kill, no process of ours and no ECS call
 * after 5 s. A scenario the suite could not run as planned fails too.
 */
export function invariantFailures(r: ScenarioResult): string[] {
  const failures = r.suiteErrors.map((e) => `suite: ${e}`);
  if (!r.convergedInOneUp) {
    const how = r.commands.filter((c) => c.command.endsWith(" up")).map((c) => `${c.exit}`);
    failures.push(
      `converged: no, not in one up (ups: ${how.join(", ") || "none"}` +
        `${r.fleetProblems.length > 0 ? `; after the last: ${r.fleetProblems.slice(0, 5).join("; ")}` : ""})`,
    );
  }
  const duplicates = extraResources(r.duplicates);
  if (duplicates > 0) {
    failures.push(
      `duplicates: ${duplicates} (${r.duplicates.map((d) => `${d.action} ${d.key} made ${d.made} times`).join("; ")})`,
    );
  }
  if (r.stopped.length > 0) failures.push(`stopped: ${r.stopped.length} left Stopped (${r.stopped.join(", ")})`);
  if (r.leaks.length > 0) failures.push(`leaks: destroy left ${r.leaks.length} (${r.leaks.join(", ")})`);
  if (r.restoreProblems.length > 0) failures.push(`restored: no (${r.restoreProblems.join("; ")})`);
  if (r.kill && r.kill.aliveAfterGrace.length > 0) {
    failures.push(
      `processes: ${r.kill.aliveAfterGrace.length} of ours alive 5 s after the kill (${r.kill.aliveAfterGrace
        .map((p) => p.split(" ").slice(0, 2).join(" "))
        .join(", ")})`,
    );
  }
  if (r.kill && r.kill.callsAfterGrace > 0) {
    failures.push(
      `calls after kill: ${r.kill.callsAfterGrace} ECS calls after kill + 5 s (${r.kill.strayCalls.join(", ")})`,
    );
  }
  return failures;
}

const mark = (ok: boolean) => (ok ? "yes" : "NO");
const seconds = (s: number | undefined) => (s === undefined ? "-" : `${Math.round(s)}`);

/** The ups of a scenario in order: ok, failed, or killed (by the scenario). */
export function upsSummary(commands: readonly CommandRun[]): string {
  return commands
    .filter((c) => c.command === "npm run up")
    .map((c) => `${c.ok ? "ok" : c.exit === "SIGKILL" ? "killed" : "failed"}${c.calm ? "*" : ""}`)
    .join(", ");
}

export const TABLE_COLUMNS = [
  "scenario",
  "ups",
  "converged in 1 up",
  "s to converge",
  "calls",
  "calls/instance",
  "throttled",
  "same-token resends",
  "DryRun",
  "duplicates",
  "stopped",
  "leaks",
  "restored",
  "alive at kill+5s",
  "calls after kill+5s",
] as const;

/** One row of the figures table per scenario. */
export function tableRows(results: readonly ScenarioResult[]): string[][] {
  return results.map((r) => [
    r.id,
    upsSummary(r.commands) || "-",
    mark(r.convergedInOneUp),
    r.convergeSeconds === undefined ? "never" : seconds(r.convergeSeconds),
    `${r.calls.calls}`,
    `${perInstance(r.calls.calls, r.instances)}`,
    `${r.calls.throttled}`,
    `${r.calls.sameTokenResends}`,
    `${r.calls.dryRuns}`,
    `${extraResources(r.duplicates)}`,
    `${r.stopped.length}`,
    `${r.leaks.length}`,
    mark(r.restoreProblems.length === 0),
    r.kill ? `${r.kill.aliveAfterGrace.length}` : "-",
    r.kill ? `${r.kill.callsAfterGrace}` : "-",
  ]);
}

/** A plain text table (for the terminal). */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]?.length ?? 0)));
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join("  ")
      .trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

/** A Markdown table. */
export function markdownTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const line = (cells: readonly string[]) => `| ${cells.map((c) => c.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(header), line(header.map(() => "---")), ...rows.map(line)].join("\n");
}

/** Calls per instance by action: the actions every scenario used, most called first. */
export function byActionRows(results: readonly ScenarioResult[]): { header: string[]; rows: string[][] } {
  const totals = new Map<string, number>();
  for (const r of results) {
    for (const [action, n] of Object.entries(r.calls.byAction)) totals.set(action, (totals.get(action) ?? 0) + n);
  }
  const actions = [...totals.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([a]) => a);
  return {
    header: ["scenario", ...actions],
    rows: results.map((r) => [r.id, ...actions.map((a) => `${perInstance(r.calls.byAction[a] ?? 0, r.instances)}`)]),
  };
}

export interface ReportMeta {
  readonly date: string;
  readonly machine: string;
  readonly commit: string;
  readonly fleet: string;
  readonly command: string;
  readonly totalSeconds: number;
  /** `up`s with faults lifted after one that did not converge. */
  readonly followUps: number;
}

export interface ScenarioDoc {
  readonly id: string;
  readonly title: string;
  readonly what: string;
}

/** docs/reliability.md. */
/** Pure: the storm's calls per instance against the calm run's, when both ran (the bound is 2x). */
export function stormVersusCalm(results: readonly ScenarioResult[]): string[] {
  const calm = results.find((r) => r.id === "calm");
  const storm = results.find((r) => r.id === "storm");
  if (calm === undefined || storm === undefined || calm.calls.calls === 0) return [];
  const ratio = storm.calls.calls / storm.instances / (calm.calls.calls / calm.instances);
  return [`Under the storm an up made ${ratio.toFixed(2)}x the calls per instance of the calm up (bound: 2x).`, ""];
}

export function renderMarkdown(
  meta: ReportMeta,
  scenarios: readonly ScenarioDoc[],
  results: readonly ScenarioResult[],
): string {
  const byAction = byActionRows(results);
  const failing = results.filter((r) => invariantFailures(r).length > 0);
  const out: string[] = [
    "# Reliability",
    "",
    `Figures of one run of \`${meta.command}\` on ${meta.date}, on ${meta.machine}, at commit ${meta.commit} ` +
      `(${Math.round(meta.totalSeconds / 60)} min in all). Fleet: ${meta.fleet}.`,
    "",
    "## How to run",
    "",
    "```sh",
    "npm run chaos     # every scenario on the full fleet; prints the table and rewrites this file",
    "npx jest dist/test/e2e/chaos.test.js   # the bounded version in npm test (smaller fleet, fewer scenarios)",
    "```",
    "",
    "Each scenario runs on a fresh world: a temporary copy of the project (`PULUMI_ECS_PROJECT_DIR`), the stack",
    "`local` pointed at an emulator the suite starts on a free loopback port (the job then uses it instead of starting",
    "its own, so the suite can watch its request log, inject faults and stop it), and an instance outside the stack for",
    "the system disk replacement. Then, as an operator would: `npm run up` (`node dist/scripts/main-job.js up`, in its",
    "own process group), interrupted as the scenario says; after a kill, the README's recovery",
    "(`npm run recover`) and `npm run up`; the figures;",
    "then, with faults lifted, `npm run destroy` and a look at what is left.",
    meta.followUps > 0
      ? `An \`up\` that did not converge is followed by up to ${meta.followUps} more with faults lifted (marked \`*\`), so ` +
        "that the destroy starts from a converged fleet when it can."
      : "An `up` that did not converge is not repeated: the destroy starts from what it left.",
    "",
    "## Scenarios",
    "",
    ...scenarios.map((s, i) => `${i + 1}. **${s.id}** (${s.title}): ${s.what}`),
    "",
    "## Figures",
    "",
    markdownTable(TABLE_COLUMNS, tableRows(results)),
    "",
    "- *ups*: each `npm run up` in order: ok, failed (non-zero exit), killed (by the scenario); `*` = faults lifted.",
    "- *converged in 1 up*: the scenario's `up` (for kills: the `up` after recovery) succeeded and the account holds",
    "  exactly the declared fleet, every instance Running on its image, the replaced instance on its new image,",
    "  Running and unmarked.",
    "- *s to converge*: seconds of the commands until then (interrupted `up` and recovery included; the suite's own",
    "  waits after a kill not).",
    "- *calls*: ECS API calls that reached the emulator from the first `up` to the last one (recovery included, destroy",
    "  not); *calls/instance*: divided by the fleet's instances. *throttled*: answered `Throttling.User`.",
    "- *same-token resends*: calls repeating a ClientToken already sent for the same action. *DryRun*: DryRun calls.",
    "- *duplicates*: resources made beyond one per create tag (from committed creates' ClientTokens and the live",
    "  account). *stopped*: instances Stopped after the last `up`. *leaks*: instances and images left after destroy.",
    "  *restored*: after destroy, the instance outside the stack runs its original image again, Running, unmarked.",
    "- *alive at kill+5s*: processes of the run (found by the project directory in their environment or command line)",
    "  alive 5 s after the kill; *calls after kill+5s*: ECS calls that arrived after that, watched for a further",
    "  interval. The suite then kills what is left, so that recovery starts from a dead run.",
    "",
    "### Calls per instance, by action",
    "",
    markdownTable(byAction.header, byAction.rows),
    "",
    ...stormVersusCalm(results),
    "## Invariants",
    "",
    failing.length === 0
      ? "Every scenario kept every invariant."
      : `${failing.length} of ${results.length} scenarios broke at least one invariant:`,
    "",
    ...results.flatMap((r) => {
      const failures = invariantFailures(r);
      return failures.length === 0 ? [`- ${r.id}: all kept`] : [`- ${r.id}:`, ...failures.map((f) => `  - ${f}`)];
    }),
    "",
    "## Details",
    "",
    ...results.flatMap((r) => scenarioDetails(r)),
  ];
  return `${out.join("\n").trimEnd()}\n`;
}

function scenarioDetails(r: ScenarioResult): string[] {
  const lines = [`### ${r.id}`, ""];
  for (const c of r.commands) {
    lines.push(`- \`${c.command}\`${c.calm ? " (faults lifted)" : ""}: ${c.exit}, ${c.seconds.toFixed(1)} s`);
  }
  if (r.kill) {
    lines.push(
      `- ${r.kill.kind} at ${r.kill.at}: ${r.kill.processesAtKill.length} processes of the run at the kill; ` +
        `${r.kill.aliveAfterGrace.length} alive 5 s later; ${r.kill.callsWithinGrace} ECS calls within those 5 s, ` +
        `${r.kill.callsAfterGrace} after kill + 5 s ` +
        `(watched ${r.kill.watchedSeconds} s more)${r.kill.strayCalls.length > 0 ? `: ${r.kill.strayCalls.join(", ")}` : ""}`,
    );
    for (const p of r.kill.aliveAfterGrace) lines.push(`  - alive: \`${p}\``);
    if (r.kill.killedBySuite > 0) lines.push(`  - then killed by the suite: ${r.kill.killedBySuite}`);
  }
  if (r.leftoverProcesses.length > 0) {
    lines.push(
      `- processes of ours alive after a command had ended (killed by the suite): ${r.leftoverProcesses.length}`,
    );
    for (const p of r.leftoverProcesses.slice(0, 10)) lines.push(`  - \`${p}\``);
  }
  lines.push(`- destroy: ${r.destroyCalls} ECS calls`);
  const tail = r.commands.find((c) => !c.ok && c.exit !== "SIGKILL" && c.tail)?.tail;
  if (tail) lines.push("", "First failure's output (end):", "", "```text", tail, "```");
  lines.push("");
  return lines;
}
