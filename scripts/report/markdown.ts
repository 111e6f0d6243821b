// The report as Markdown for a pull request comment: a hidden marker and a heading per project/stack (so a CI step
// finds and edits its one comment per stack), the verdict, the danger section, then errors, policy violations,
// changes and warnings. Pure.
import { SECRET, UNKNOWN, UNKNOWN_TEXT, type Value } from "./events";
import {
  CATEGORIES,
  type Category,
  type Change,
  type Finding,
  hasChanges,
  type Report,
  type ResourceRef,
} from "./model";

/** The longest value shown in full; longer ones are cut (a reviewer needs the gist, the state has the rest). */
const MAX_VALUE = 120;

/** The hidden marker a CI step searches comments for, one per kind, project and stack. */
export function reportMarker(report: Pick<Report, "kind" | "project" | "stack">): string {
  return `<!-- pulumi-ecs-shared-images:${report.kind}:${report.project}/${report.stack} -->`;
}

const TITLES = { preview: "Preview", drift: "Drift" } as const;

/** How drift names the categories: a refresh finds resources changed or gone outside Pulumi. */
const DRIFT_WORDS: Partial<Record<Category, string>> = { update: "changed outside Pulumi", delete: "gone" };

/** Text that is safe inline in Markdown: one line, no HTML. */
function inline(text: string): string {
  return text.replace(/\s*\n\s*/g, " ").replace(/</g, "&lt;");
}

function code(text: string): string {
  return `\`${text.replace(/`/g, "'")}\``;
}

export function formatValue(value: Value | undefined): string {
  if (value === undefined) return "(none)";
  if (value === UNKNOWN) return UNKNOWN_TEXT;
  if (value === SECRET) return SECRET;
  const text =
    typeof value === "string" && value !== "" ? value : JSON.stringify(value).replaceAll(`"${UNKNOWN}"`, UNKNOWN_TEXT);
  const cut = text.length > MAX_VALUE ? `${text.slice(0, MAX_VALUE - 1)}…` : text;
  return code(cut);
}

function formatChange(change: Change, created: boolean): string {
  const values = created ? formatValue(change.new) : `${formatValue(change.old)} → ${formatValue(change.new)}`;
  return `${code(change.path)}: ${values}${change.forcesReplacement ? " (forces replacement)" : ""}`;
}

function formatRef(ref: ResourceRef): string {
  return `${code(ref.name)} (${ref.type}${ref.id ? ` ${code(ref.id)}` : ""})`;
}

/** "`batch-1` · `imageId`": the resource and the property a finding is about, as far as it names them. */
function place(finding: Finding): string {
  return [finding.resource && code(finding.resource), finding.property && code(finding.property)]
    .filter(Boolean)
    .join(" · ");
}

function formatFinding(finding: Finding): string {
  const where = place(finding);
  return `- ${where ? `${where}: ` : ""}${inline(finding.message)}`;
}

function verdict(report: Report): string {
  const unchanged = `${report.unchanged} unchanged`;
  const problems = [
    report.errors.length > 0 ? `${report.errors.length} error(s)` : "",
    report.policyViolations.length > 0 ? `${report.policyViolations.length} policy violation(s)` : "",
  ].filter(Boolean);
  const failed = report.failed ? `**failed**${problems.length > 0 ? ` (${problems.join(", ")})` : ""}; ` : "";
  if (!hasChanges(report)) {
    return `**Verdict:** ${failed}${report.kind === "drift" ? "no drift" : "no changes"} (${unchanged}).`;
  }
  if (report.kind === "drift") {
    const drifted = CATEGORIES.filter((c) => report.counts[c] > 0)
      .map((c) => `${report.counts[c]} ${DRIFT_WORDS[c] ?? c}`)
      .join(", ");
    return `**Verdict:** ${failed}drift: ${drifted}; ${unchanged}.`;
  }
  const counts = CATEGORIES.map((c) => `${report.counts[c]} ${c}`).join(", ");
  return `**Verdict:** ${failed}${counts}; ${unchanged}.`;
}

/** "**Policies:** `pack@1.0.0`: 5 checked, 1 failed (`allowed-instance-types`)". */
function policyLine(report: Report): string {
  const packs = report.policyPacks.map((pack) => {
    const failed = [...pack.failed].sort().map(code);
    const outcome = failed.length > 0 ? `${failed.length} failed (${failed.join(", ")})` : "all passed";
    return `${code(pack.name)}: ${pack.checked.size} checked, ${outcome}`;
  });
  return `**Policies:** ${packs.join("; ")}.`;
}

/** The whole report. */
export function renderMarkdown(report: Report): string {
  const lines: string[] = [reportMarker(report), `## ${TITLES[report.kind]}: ${report.project}/${report.stack}`, ""];
  lines.push(verdict(report), "");
  if (report.policyPacks.length > 0) lines.push(policyLine(report), "");

  if (report.dangers.length > 0) {
    lines.push("### ⚠️ Danger: what this change destroys", "");
    for (const danger of report.dangers) {
      lines.push(`- ${formatRef(danger)}: **${inline(danger.what)}**`);
      if (danger.because.length > 0) {
        lines.push(`  - because: ${danger.because.map((c) => formatChange(c, false)).join("; ")}`);
      }
      lines.push(`  - lost: ${inline(danger.lost)}`);
      for (const note of danger.notes) lines.push(`  - provider: ${inline(note)}`);
    }
    lines.push("");
  }

  if (report.errors.length > 0) {
    lines.push("### Errors and approval findings", "");
    lines.push(...report.errors.map(formatFinding), "");
  }

  if (report.policyViolations.length > 0) {
    lines.push("### Policy violations", "");
    for (const v of report.policyViolations) {
      const level = `**${v.enforcementLevel}**${v.severity ? ` (${v.severity})` : ""}`;
      const where = place(v);
      lines.push(
        `- ${level} ${code(`${v.policyPack}/${v.policy}`)}${where ? ` on ${where}` : ""}: ${inline(v.message)}`,
      );
    }
    lines.push("");
  }

  if (report.resources.length > 0) {
    lines.push(report.kind === "drift" ? "### Drifted resources (state → cloud)" : "### Changes", "");
    for (const resource of report.resources) {
      const label = report.kind === "drift" ? (DRIFT_WORDS[resource.category] ?? resource.category) : resource.category;
      lines.push(`- **${label}** ${formatRef(resource)}`);
      const created = resource.category === "create" && report.kind === "preview";
      for (const change of resource.changes) lines.push(`  - ${formatChange(change, created)}`);
      if (resource.changes.length === 0 && resource.category !== "delete") {
        lines.push("  - no visible input changes (secret values, or outputs only)");
      }
    }
    lines.push("");
  }

  if (report.warnings.length > 0) {
    lines.push("### Warnings", "");
    lines.push(...report.warnings.map(formatFinding), "");
  }

  return `${lines.join("\n").trimEnd()}\n`;
}
