// Pulumi's JSON event stream (`pulumi preview|refresh --json` with PULUMI_ENABLE_STREAMING_JSON_PREVIEW=true, one
// engine event per line) reduced to what a report needs: one step per resource, the diagnostics and the policy
// violations. Pure: the caller runs pulumi.
//
// Why the stream and not preview's default digest: the digest (pkg/backend/display/json.go, ShowPreviewDigest, CLI
// 3.248) drops every policy event ("we don't handle policy events in JSON serialization"), and refresh only streams.
// The shapes are apitype.EngineEvent (sdk/go/common/apitype/events.go); secrets arrive blinded
// (convertStepEventStateMetadata serializes with the blinding crypter), and this module masks them once more so no
// caller ever sees more than "[secret]".

/** The engine's sentinel for a value the preview cannot know yet (an output of a resource that changes in the run). */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
/** The key that marks a serialized secret (resource.SecretSig). */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
/** What a secret value is shown as, the same text pulumi's own output uses. */
export const SECRET = "[secret]";
/** A value the preview cannot know (shown so in the report). */
export const UNKNOWN_TEXT = "(known after up)";

export type Value = null | boolean | number | string | readonly Value[] | { readonly [key: string]: Value };

/** apitype.StepEventStateMetadata, the fields a report reads. */
interface WireState {
  readonly type?: string;
  readonly id?: string;
  readonly inputs?: Record<string, unknown>;
  readonly outputs?: Record<string, unknown>;
}

/** apitype.StepEventMetadata. */
interface WireStep {
  readonly op: string;
  readonly urn: string;
  readonly type: string;
  readonly old?: WireState | null;
  readonly new?: WireState | null;
  readonly keys?: string[];
  readonly diffs?: string[];
  readonly detailedDiff?: Record<string, { diffKind: string }> | null;
}

/** apitype.EngineEvent, the members a report reads. */
export interface WireEvent {
  readonly resourcePreEvent?: { readonly metadata: WireStep };
  readonly resOutputsEvent?: { readonly metadata: WireStep };
  readonly diagnosticEvent?: {
    readonly urn?: string;
    readonly prefix?: string;
    readonly message: string;
    readonly severity: string;
    readonly ephemeral?: boolean;
  };
  readonly policyEvent?: {
    readonly resourceUrn?: string;
    readonly message: string;
    readonly policyName: string;
    readonly policyPackName: string;
    readonly policyPackVersion?: string;
    readonly enforcementLevel: string;
    readonly severity?: string;
  };
  readonly policyAnalyzeSummaryEvent?: WirePolicySummary;
  readonly policyAnalyzeStackSummaryEvent?: WirePolicySummary;
  readonly summaryEvent?: { readonly result?: string; readonly resourceChanges?: Record<string, number> };
}

/** apitype.PolicyAnalyze(Stack)SummaryEvent: the policies of a pack that passed and failed on one resource (or the stack). */
interface WirePolicySummary {
  readonly policyPackName: string;
  readonly policyPackVersion?: string;
  readonly passed?: readonly string[];
  readonly failed?: readonly string[];
}

export interface ResourceState {
  /** The resource id (instance or image id), when it has one. */
  readonly id?: string;
  readonly inputs: Readonly<Record<string, Value>>;
  readonly outputs: Readonly<Record<string, Value>>;
}

/** What the run does to one resource: the step that decides its fate (a replacement's `replace`, not its halves). */
export interface Step {
  /** create, update, replace, delete, same, read... as the engine names it (a refresh's answer, for a refresh). */
  readonly op: string;
  readonly urn: string;
  /** The resource's name (the last URN segment). */
  readonly name: string;
  /** The type token, e.g. pulumi-nodejs:dynamic/ecs-shared-images:InstanceFromSharedImage. */
  readonly type: string;
  readonly old?: ResourceState;
  readonly new?: ResourceState;
  /** Inputs that force the replacement (replaceReasons). */
  readonly replaceReasons: readonly string[];
  /** Inputs that changed, when the provider says (diffReasons and detailedDiff's keys). */
  readonly diffReasons: readonly string[];
}

export interface Diagnostic {
  readonly urn?: string;
  readonly severity: "error" | "warning" | "info";
  readonly message: string;
}

export interface PolicyViolation {
  readonly urn?: string;
  readonly policyPack: string;
  readonly policy: string;
  /** advisory, mandatory, remediate, disabled (the CLI says "warning" for advisory in some versions). */
  readonly enforcementLevel: string;
  readonly severity?: string;
  readonly message: string;
}

/** A policy pack that ran, with the policies that checked something and those that found a violation. */
export interface PolicyPackRun {
  readonly name: string;
  readonly checked: ReadonlySet<string>;
  readonly failed: ReadonlySet<string>;
}

export interface EngineRun {
  readonly steps: readonly Step[];
  readonly diagnostics: readonly Diagnostic[];
  readonly policyViolations: readonly PolicyViolation[];
  /** The policy packs that ran (none without --policy-pack), by name. */
  readonly policyPacks: readonly PolicyPackRun[];
  /** The summary event's result ("succeeded", "failed"), when the run got that far. */
  readonly result?: string;
}

/** The halves of a replacement and bookkeeping steps: the logical `replace` step says all of it. */
const PARTIAL_OPS = new Set([
  "create-replacement",
  "delete-replaced",
  "discard-replaced",
  "import-replacement",
  "remove-pending-replace",
]);

/** Strips pulumi's colour directives (`<{%reset%}>`) and ANSI codes, which --json keeps unless --color=never. */
export function plainText(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ANSI escape sequences start with ESC.
  return text.replace(/<\{%[^%]*%\}>/g, "").replace(/\u001b\[[0-9;]*[mK]/g, "");
}

/** A wire value with every secret masked and the unknown sentinel kept as UNKNOWN (for the renderer to say so). */
export function maskValue(value: unknown): Value {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value)) return value.map(maskValue);
  if (typeof value === "object") {
    const object = value as Record<string, unknown>;
    if (SECRET_SIG in object) return SECRET;
    return Object.fromEntries(Object.entries(object).map(([k, v]) => [k, maskValue(v)]));
  }
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return value;
  return String(value);
}

function stateOf(wire: WireState | null | undefined): ResourceState | undefined {
  if (!wire) return undefined;
  const mask = (props: Record<string, unknown> | undefined) =>
    Object.fromEntries(Object.entries(props ?? {}).map(([k, v]) => [k, maskValue(v)]));
  return { id: wire.id || undefined, inputs: mask(wire.inputs), outputs: mask(wire.outputs) };
}

function stepOf(wire: WireStep): Step {
  return {
    op: wire.op,
    urn: wire.urn,
    name: wire.urn.slice(wire.urn.lastIndexOf("::") + 2),
    type: wire.type,
    old: stateOf(wire.old),
    new: stateOf(wire.new),
    replaceReasons: wire.keys ?? [],
    diffReasons: [...new Set([...(wire.diffs ?? []), ...Object.keys(wire.detailedDiff ?? {})])],
  };
}

const SEVERITIES: Readonly<Record<string, Diagnostic["severity"]>> = {
  error: "error",
  warning: "warning",
  info: "info",
  "info#err": "info",
};

export class EventStreamError extends Error {
  override readonly name = "EventStreamError";
}

/**
 * Reads the stream. A line that is not JSON is refused, naming it: pulumi writes nothing else to stdout under
 * --json, so anything else means the output was mixed with something and the report would be wrong.
 */
export function parseEvents(ndjson: string): EngineRun {
  const events: WireEvent[] = [];
  for (const [index, line] of ndjson.split("\n").entries()) {
    if (line.trim() === "") continue;
    try {
      events.push(JSON.parse(line) as WireEvent);
    } catch {
      throw new EventStreamError(
        `Line ${index + 1} of pulumi's --json output is not an engine event (${JSON.stringify(line.slice(0, 80))}): ` +
          "run pulumi with --json and nothing else writing to its stdout.",
      );
    }
  }
  return reduceEvents(events);
}

function packName(name: string, version: string | undefined): string {
  return version ? `${name}@${version}` : name;
}

/** One step per resource, in the order the engine first reported them. */
export function reduceEvents(events: readonly WireEvent[]): EngineRun {
  const steps = new Map<string, Step>();
  const diagnostics: Diagnostic[] = [];
  const policyViolations: PolicyViolation[] = [];
  const packs = new Map<string, { name: string; checked: Set<string>; failed: Set<string> }>();
  let result: string | undefined;
  for (const event of events) {
    // A refresh announces `refresh` first and the verdict (same, update, delete) with the outputs event; a preview
    // repeats the same step in both. The later one wins.
    const step = event.resourcePreEvent?.metadata ?? event.resOutputsEvent?.metadata;
    if (step && !PARTIAL_OPS.has(step.op)) steps.set(step.urn, stepOf(step));
    const diag = event.diagnosticEvent;
    const severity = diag ? SEVERITIES[diag.severity] : undefined;
    if (diag && severity && !diag.ephemeral) {
      diagnostics.push({ urn: diag.urn || undefined, severity, message: plainText(diag.message).trim() });
    }
    const policy = event.policyEvent;
    if (policy) {
      policyViolations.push({
        urn: policy.resourceUrn || undefined,
        policyPack: packName(policy.policyPackName, policy.policyPackVersion),
        policy: policy.policyName,
        enforcementLevel: policy.enforcementLevel,
        severity: policy.severity || undefined,
        message: plainText(policy.message).trim(),
      });
    }
    for (const summary of [event.policyAnalyzeSummaryEvent, event.policyAnalyzeStackSummaryEvent]) {
      if (!summary) continue;
      const name = packName(summary.policyPackName, summary.policyPackVersion);
      const pack = packs.get(name) ?? { name, checked: new Set<string>(), failed: new Set<string>() };
      packs.set(name, pack);
      for (const policy of [...(summary.passed ?? []), ...(summary.failed ?? [])]) pack.checked.add(policy);
      for (const policy of summary.failed ?? []) pack.failed.add(policy);
    }
    if (event.summaryEvent) result = event.summaryEvent.result;
  }
  const policyPacks = [...packs.values()].sort((a, b) => a.name.localeCompare(b.name));
  return { steps: [...steps.values()], diagnostics, policyViolations, policyPacks, result };
}
