// What a preview or a drift check means for a reviewer: counts, the changes that lose data (README "What a change
// does to the disks"), the changed inputs per resource, errors, policy violations. Pure: built from an EngineRun
// (events.ts), rendered by markdown.ts.
import {
  type Diagnostic,
  type EngineRun,
  type PolicyPackRun,
  type PolicyViolation,
  SECRET,
  type Step,
  UNKNOWN,
  type Value,
} from "./events";
import { unshareDanger } from "./unshare";

export type ReportKind = "preview" | "drift";

/** pulumi's exit code for changes under --expect-no-changes (cmdutil.ExitNoChanges). */
export const EXIT_CHANGES = 7;

/** How each resource is counted, once: a re-image is the update (or SystemDiskReplacement) that re-images a disk. */
export const CATEGORIES = ["create", "update", "replace", "re-image", "delete"] as const;
export type Category = (typeof CATEGORIES)[number];

/** One input (preview) or output (drift) that differs: a dotted path into objects; arrays compare whole. */
export interface Change {
  readonly path: string;
  /** Absent: the property is new. */
  readonly old?: Value;
  /** Absent: the property is removed. */
  readonly new?: Value;
  /** The provider names it as forcing the replacement. */
  readonly forcesReplacement: boolean;
}

export interface ResourceRef {
  readonly name: string;
  /** The type's last segment, e.g. InstanceFromSharedImage. */
  readonly type: string;
  /** The cloud id (i-..., m-...), when the resource has one. */
  readonly id?: string;
}

export interface ResourceChange extends ResourceRef {
  readonly category: Category;
  readonly changes: readonly Change[];
}

/** A change that destroys something: which resource, what happens, why, and what is lost. */
export interface Danger extends ResourceRef {
  readonly what: string;
  /** The inputs that force it, old -> new (empty for a delete: the resource left the program). */
  readonly because: readonly Change[];
  readonly lost: string;
  /** The provider's own warnings on the resource (e.g. "re-images the system disk of i-... (image a -> b)"). */
  readonly notes: readonly string[];
}

export interface Finding {
  /** The resource it is about; absent for the run as a whole. */
  readonly resource?: string;
  /** The input it names, when it names one (check failures: "property imageId value ... has a problem"). */
  readonly property?: string;
  readonly message: string;
}

export interface PolicyFinding extends Finding {
  readonly policy: string;
  readonly policyPack: string;
  readonly enforcementLevel: string;
  readonly severity?: string;
}

export interface Report {
  readonly kind: ReportKind;
  readonly project: string;
  readonly stack: string;
  readonly counts: Readonly<Record<Category, number>>;
  readonly unchanged: number;
  readonly dangers: readonly Danger[];
  readonly resources: readonly ResourceChange[];
  readonly errors: readonly Finding[];
  readonly policyViolations: readonly PolicyFinding[];
  /** The policy packs that ran: a reviewer sees that no violation means the pack checked, not that none ran. */
  readonly policyPacks: readonly PolicyPackRun[];
  readonly warnings: readonly Finding[];
  /** Errors, mandatory policy violations, or a run the engine reports as failed. */
  readonly failed: boolean;
}

/** Inputs the engine or the SDK adds, not the user: the provider's code and the resource's own identity. */
const INTERNAL = new Set(["__provider", "identity"]);
/** The provider's warnings that announce data loss (providers/notices.ts): they belong with the danger. */
const DANGER_NOTICE = /^(re-images the system disk|replaces instance|replaces copy|stops sharing image)/;
const INSTANCE = "InstanceFromSharedImage";
const SYSTEM_DISK = "SystemDiskReplacement";
const COPY = "SharedImageCopy";
const SHARE = "ImageShare";
const REGIONAL_COPY = "RegionalImageCopy";

const typeName = (type: string) => type.slice(type.lastIndexOf(":") + 1);
const nameOf = (urn: string) => urn.slice(urn.lastIndexOf("::") + 2);

const isObject = (v: Value | undefined): v is { readonly [key: string]: Value } =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The leaves that differ between two property maps, objects descended into, in key order. */
export function changedPaths(
  old: Readonly<Record<string, Value>> | undefined,
  next: Readonly<Record<string, Value>> | undefined,
  forcing: readonly string[] = [],
): Change[] {
  const changes: Change[] = [];
  const walk = (a: Value | undefined, b: Value | undefined, path: string, forces: boolean) => {
    if (isObject(a) && isObject(b)) {
      for (const key of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
        walk(a[key], b[key], `${path}.${key}`, forces);
      }
    } else if (JSON.stringify(a) !== JSON.stringify(b)) {
      changes.push({
        path,
        ...(a === undefined ? {} : { old: a }),
        ...(b === undefined ? {} : { new: b }),
        forcesReplacement: forces,
      });
    }
  };
  for (const key of [...new Set([...Object.keys(old ?? {}), ...Object.keys(next ?? {})])].sort()) {
    if (!INTERNAL.has(key)) walk(old?.[key], next?.[key], key, forcing.includes(key));
  }
  return changes;
}

/**
 * What an update sets that the state's outputs (what ECS last reported) do not hold, for the declared inputs only:
 * after a refresh has read a change made outside Pulumi (tags edited, the disk re-imaged in the console), the inputs
 * are as before but the update still writes them back.
 */
export function declaredChanges(
  outputs: Readonly<Record<string, Value>> | undefined,
  inputs: Readonly<Record<string, Value>> | undefined,
): Change[] {
  const changes: Change[] = [];
  const walk = (a: Value | undefined, b: Value, path: string) => {
    if (isObject(a) && isObject(b)) {
      for (const key of Object.keys(b).sort()) walk(a[key], b[key], `${path}.${key}`);
    } else if (JSON.stringify(a) !== JSON.stringify(b) && b !== UNKNOWN && a !== SECRET && b !== SECRET) {
      changes.push({ path, ...(a === undefined ? {} : { old: a }), new: b, forcesReplacement: false });
    }
  };
  for (const key of Object.keys(inputs ?? {}).sort()) {
    if (!INTERNAL.has(key) && inputs?.[key] !== undefined) walk(outputs?.[key], inputs[key], key);
  }
  return changes;
}

/**
 * True when an InstanceFromSharedImage update changes the image in place (onImageChange "replaceSystemDisk"), by its
 * inputs or by the provider's own warning (the image changed outside Pulumi and the update puts it back).
 */
function reimagesInPlace(changes: readonly Change[], notices: readonly string[]): boolean {
  return (
    changes.some((c) => c.path === "imageId" || c.path === "imageEncrypted") ||
    notices.some((n) => n.startsWith("re-images the system disk"))
  );
}

function categoryOf(
  step: Step,
  type: string,
  changes: readonly Change[],
  notices: readonly string[],
): Category | undefined {
  switch (step.op) {
    case "create":
    case "import":
      return type === SYSTEM_DISK ? "re-image" : "create";
    case "update":
      return type === SYSTEM_DISK || (type === INSTANCE && reimagesInPlace(changes, notices)) ? "re-image" : "update";
    case "replace":
      return "replace";
    case "delete":
      return "delete";
    default:
      // same, read, refresh, and the states a refresh leaves unchanged.
      return undefined;
  }
}

const DISKS_DELETED = "the instance's system disk and data disks (deleted with it)";
const SYSTEM_DISK_LOST = "everything on the system disk; data disks are kept";

/**
 * "replaces ..." or, when every input that forces it is unknown until an earlier resource is made (an instance whose
 * image copy is updated in place keeps its image id), "may replace ... if ... turns out different".
 */
function maybe(what: string, because: readonly Change[]): string {
  if (because.length === 0 || !because.every((c) => c.new === UNKNOWN)) return what;
  const inputs = because.map((c) => `\`${c.path}\``).join(", ");
  return `may ${what.replace(/^([\w-]+)s /, "$1 ")}: only if ${inputs}, known after up, turns out different`;
}

/** What a step destroys, by resource type and category, or undefined when it destroys nothing. */
function dangerOf(
  step: Step,
  ref: ResourceRef,
  category: Category,
  changes: readonly Change[],
  notices: readonly string[],
) {
  const forced = changes.filter((c) => c.forcesReplacement);
  if (ref.type === SHARE) return unshareDanger(step, category, changes, forced, notices);
  if (ref.type === INSTANCE) {
    if (category === "replace") {
      return { what: maybe("replaces the instance (a new one is made)", forced), because: forced, lost: DISKS_DELETED };
    }
    if (category === "delete") {
      return { what: "deletes the instance", because: [], lost: DISKS_DELETED };
    }
    if (category === "re-image") {
      const because = changes.filter((c) => c.path === "imageId" || c.path === "imageEncrypted");
      return { what: maybe("re-images the system disk in place", because), because, lost: SYSTEM_DISK_LOST };
    }
  }
  if (ref.type === SYSTEM_DISK) {
    const instance = String(step.new?.inputs.instanceId ?? step.old?.inputs.instanceId ?? "the instance");
    if (category === "re-image" || category === "replace") {
      return {
        what: `re-images the system disk of ${instance}`,
        because: category === "replace" ? forced : changes,
        lost: SYSTEM_DISK_LOST,
      };
    }
    if (category === "delete" && step.old?.inputs.revertOnDelete === true) {
      return {
        what: `re-images the system disk of ${instance} back to ${String(step.old.outputs.previousImageId ?? "its previous image")} (revertOnDelete)`,
        because: [],
        lost: SYSTEM_DISK_LOST,
      };
    }
  }
  if (ref.type === COPY && (category === "replace" || category === "delete")) {
    return {
      what: category === "replace" ? "replaces the image copy (the old copy is deleted)" : "deletes the image copy",
      because: forced,
      lost:
        `the copy${ref.id ? ` ${ref.id}` : ""} in this account: new instances and re-images can no longer use it, ` +
        "and nothing keeps its source image usable once the owner unshares or deletes it",
    };
  }
  if (ref.type === REGIONAL_COPY && (category === "replace" || category === "delete")) {
    const region = String(step.old?.inputs.region ?? "its region");
    return {
      what:
        category === "replace"
          ? "replaces the regional image copy (the old copy is deleted)"
          : "deletes the regional image copy",
      because: forced,
      lost: `the copy${ref.id ? ` ${ref.id}` : ""} in ${region}: new instances and re-images there can no longer use it`,
    };
  }
  return undefined;
}

/** "pulumi-nodejs:dynamic/... resource 'x': property imageId value {m-1} has a problem: <reason>" -> imageId, reason. */
const CHECK_FAILURE = /property (\S+) value .* has a problem: ([\s\S]*)$/;
const PROPERTY_MENTION = /\bproperty ['"`]?([A-Za-z_][\w.[\]]*)/;
/** A policy message line that starts with the property it is about (`instanceType: "..." is not allowed`), after
 * the policy's description, which the engine puts on the first line. */
const PROPERTY_LINE = /\n([a-z_][\w.[\]]*): /;

function findingOf(diagnostic: Diagnostic): Finding {
  const failure = CHECK_FAILURE.exec(diagnostic.message);
  return {
    resource: diagnostic.urn ? nameOf(diagnostic.urn) : undefined,
    property: failure?.[1],
    message: failure ? failure[2].trim() : diagnostic.message,
  };
}

function policyFindingOf(violation: PolicyViolation): PolicyFinding {
  return {
    resource: violation.urn ? nameOf(violation.urn) : undefined,
    property: (PROPERTY_MENTION.exec(violation.message) ?? PROPERTY_LINE.exec(violation.message))?.[1],
    message: violation.message,
    policy: violation.policy,
    policyPack: violation.policyPack,
    enforcementLevel: violation.enforcementLevel,
    severity: violation.severity,
  };
}

/**
 * The report of a run. A preview compares the program's inputs (old -> new); a drift check (refresh) compares the
 * outputs in state with what the providers read from the cloud.
 */
export function buildReport(
  kind: ReportKind,
  project: string,
  stack: string,
  run: EngineRun,
  pulumiCode: number,
  /** pulumi's `error:` lines on stderr: the only account of a failure before any event (a bad flag or config file). */
  pulumiErrors: readonly string[] = [],
): Report {
  const counts: Record<Category, number> = { create: 0, update: 0, replace: 0, "re-image": 0, delete: 0 };
  let unchanged = 0;
  const resources: ResourceChange[] = [];
  const dangers: Danger[] = [];
  const notices = new Map<string, string[]>();
  for (const d of run.diagnostics) {
    if (d.severity === "warning" && d.urn && DANGER_NOTICE.test(d.message)) {
      notices.set(d.urn, [...(notices.get(d.urn) ?? []), d.message]);
    }
  }
  for (const step of run.steps) {
    if (step.type.startsWith("pulumi:providers:")) continue;
    const ref: ResourceRef = { name: step.name, type: typeName(step.type), id: step.old?.id ?? step.new?.id };
    // A deleted resource has nothing to compare: what matters is that it goes (or, for drift, is gone).
    const inputChanges =
      step.op === "delete"
        ? []
        : kind === "drift"
          ? changedPaths(step.old?.outputs, step.new?.outputs)
          : changedPaths(step.old?.inputs, step.new?.inputs, step.replaceReasons);
    const changes =
      kind === "preview" && step.op === "update" && inputChanges.length === 0
        ? declaredChanges(step.old?.outputs, step.new?.inputs)
        : inputChanges;
    const category = categoryOf(step, ref.type, changes, notices.get(step.urn) ?? []);
    if (category === undefined) {
      unchanged++;
      continue;
    }
    counts[category]++;
    resources.push({ ...ref, category, changes });
    const danger = kind === "preview" ? dangerOf(step, ref, category, changes, notices.get(step.urn) ?? []) : undefined;
    if (danger) dangers.push({ ...ref, ...danger, notes: notices.get(step.urn) ?? [] });
  }
  // The engine can report one error twice (as a resource's and as the run's): each message once.
  const errors = [
    ...new Map(
      run.diagnostics
        .filter((d) => d.severity === "error")
        .map(findingOf)
        .map((f) => [`${f.resource ?? ""}\n${f.message}`, f] as const),
    ).values(),
  ];
  // pulumi can fail before it reports anything as an event (a bad flag, a locked stack): its stderr says why.
  const pulumiFailed = pulumiCode !== 0 && pulumiCode !== EXIT_CHANGES;
  if (pulumiFailed && errors.length === 0) {
    errors.push(
      ...(pulumiErrors.length > 0
        ? pulumiErrors.map((message) => ({ message }))
        : [{ message: `pulumi exited with code ${pulumiCode} before reporting an error; its output says why.` }]),
    );
  }
  const dangerUrns = new Set(dangers.map((d) => d.name));
  const warnings = run.diagnostics
    .filter((d) => d.severity === "warning")
    .filter((d) => !(d.urn && DANGER_NOTICE.test(d.message) && dangerUrns.has(nameOf(d.urn))))
    .map(findingOf);
  const policyViolations = run.policyViolations.map(policyFindingOf);
  const failed =
    pulumiFailed ||
    errors.length > 0 ||
    policyViolations.some((v) => v.enforcementLevel === "mandatory") ||
    run.result === "failed";
  // By name, not in the engine's (parallel, varying) order: a comment edited on every push changes only where the
  // preview does.
  const byName = (a: ResourceRef, b: ResourceRef) => a.name.localeCompare(b.name);
  resources.sort(byName);
  dangers.sort(byName);
  return {
    kind,
    project,
    stack,
    counts,
    unchanged,
    dangers,
    resources,
    errors,
    policyViolations,
    policyPacks: run.policyPacks,
    warnings,
    failed,
  };
}

/** True when the report shows any change (or drift). */
export function hasChanges(report: Report): boolean {
  return CATEGORIES.some((c) => report.counts[c] > 0);
}

/**
 * The job's exit status: pulumi's own when it failed (its errors are in the report too), 1 for any other failure
 * (a 7 must only ever mean changes), 7 (pulumi's "changes where none were expected", as `--expect-no-changes` exits) for drift or, with
 * `--expect-no-changes`, changes; else 0.
 */
export function exitStatus(report: Report, pulumiCode: number): number {
  if (pulumiCode !== 0 && pulumiCode !== EXIT_CHANGES) return pulumiCode;
  if (report.failed) return 1;
  if (report.kind === "drift" && hasChanges(report)) return EXIT_CHANGES;
  return pulumiCode;
}
