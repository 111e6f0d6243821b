// The reliability suite's figures, computed from what the emulator recorded (its request log and inventory) and what
// the suite saw (commands, processes). Pure: no I/O, so every rule here is unit-tested (test/unit/chaos-*.test.ts).

/** The part of an emulator request log entry (emulator/request-log.ts) the figures need. */
export interface LoggedRequest {
  /** Arrival time on the wall clock (ISO). */
  readonly time: string;
  readonly action: string;
  /** Request parameters as logged (secrets masked). */
  readonly params: Readonly<Record<string, string>>;
  /** 0 when the connection was reset before an answer. */
  readonly httpStatus: number;
  readonly code?: string;
  readonly throttled: boolean;
  /** An injected fault: "reset", "latency", "error:<code>", "commitThenDrop". */
  readonly fault?: string;
}

/** A resource as the inventory lists it: its id, status, image (instances) and tags. */
export interface LiveResource {
  readonly id: string;
  readonly status: string;
  readonly imageId?: string;
  readonly tags: Readonly<Record<string, string>>;
}

/** The tag every create of the providers puts on what it makes (providers/tags.ts): `<pending|done>:<key>.<fp>`. */
export const CREATE_TAG = "ecs-shared-images:create";
/** Tags of the system disk sequence's marker (providers/tags.ts): present while a replacement is unfinished. */
export const MARKER_TAG_PREFIX = "ecs-shared-images:replacing:";
/** The actions that make a resource: a committed one with a new ClientToken is a new resource. */
export const CREATE_ACTIONS: ReadonlySet<string> = new Set(["RunInstances", "CreateInstance", "CopyImage"]);

export const isDryRun = (r: LoggedRequest): boolean => String(r.params.DryRun).toLowerCase() === "true";

/** Tag.N.Key / Tag.N.Value parameters as a record. */
export function requestTags(params: Readonly<Record<string, string>>): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const [name, key] of Object.entries(params)) {
    const match = /^Tag\.(\d+)\.Key$/.exec(name);
    if (match) tags[key] = params[`Tag.${match[1]}.Value`] ?? "";
  }
  return tags;
}

/** The resource key of a create tag value (`pending:abc.fp` -> `abc`), if it is one. */
export function createKeyOf(tags: Readonly<Record<string, string>>): string | undefined {
  return /^(?:pending|done):([0-9a-f]+)\./.exec(tags[CREATE_TAG] ?? "")?.[1];
}

/**
 * ECS made something: a create that was answered 200 (a commit-then-drop fault commits, then drops the answer, and
 * is logged with 200 too). DryRuns make nothing.
 */
export function committedCreate(r: LoggedRequest): boolean {
  return CREATE_ACTIONS.has(r.action) && r.httpStatus === 200 && !isDryRun(r);
}

export interface Duplicate {
  /** The create tag's resource key (or "ClientToken <token>" for a create without one). */
  readonly key: string;
  /** How many resources were made for it (distinct ClientTokens committed, or live resources carrying it). */
  readonly made: number;
  readonly action: string;
}

/**
 * Resources made more than once by the creates in `requests`: per create tag, the distinct ClientTokens ECS committed
 * (ECS answers a resent token with the resource it made, so one token is one resource). Every extra one is a
 * duplicate.
 */
export function duplicateCreates(requests: readonly LoggedRequest[]): Duplicate[] {
  const tokens = new Map<string, { action: string; tokens: Set<string> }>();
  requests.forEach((r, index) => {
    if (!committedCreate(r)) return;
    const key = createKeyOf(requestTags(r.params)) ?? `untagged ${r.action}`;
    const entry = tokens.get(key) ?? { action: r.action, tokens: new Set<string>() };
    tokens.set(key, entry);
    // A create without a ClientToken is a new resource every time it is committed.
    entry.tokens.add(r.params.ClientToken || `#${index}`);
  });
  return [...tokens.entries()]
    .filter(([, entry]) => entry.tokens.size > 1)
    .map(([key, entry]) => ({ key, made: entry.tokens.size, action: entry.action }));
}

/** Live resources that share one create tag's resource key: each beyond the first is a duplicate. */
export function liveDuplicates(resources: readonly LiveResource[], kind: string): Duplicate[] {
  const byKey = new Map<string, number>();
  for (const r of resources) {
    const key = createKeyOf(r.tags);
    if (key !== undefined) byKey.set(key, (byKey.get(key) ?? 0) + 1);
  }
  return [...byKey.entries()].filter(([, n]) => n > 1).map(([key, made]) => ({ key, made, action: kind }));
}

/** Extra resources in a list of duplicates: a key made 3 times is 2 duplicates. */
export const extraResources = (duplicates: readonly Duplicate[]): number =>
  duplicates.reduce((sum, d) => sum + d.made - 1, 0);

/** The duplicates of a scenario: per resource key the larger of what the log shows committed and what lives. */
export function mergeDuplicates(...lists: readonly (readonly Duplicate[])[]): Duplicate[] {
  const merged = new Map<string, Duplicate>();
  for (const d of lists.flat()) {
    const seen = merged.get(d.key);
    if (seen === undefined || d.made > seen.made) merged.set(d.key, d);
  }
  return [...merged.values()];
}

export interface CallFigures {
  /** Every ECS API call that reached the emulator (answered, failed, throttled, reset). */
  readonly calls: number;
  readonly byAction: Readonly<Record<string, number>>;
  readonly throttled: number;
  /** Calls that repeat a ClientToken already sent for the same action (retries of a call whose fate was unknown). */
  readonly sameTokenResends: number;
  readonly dryRuns: number;
  /** Answers that were injected faults (error, reset, commit-then-drop). */
  readonly injectedFaults: number;
}

export function callFigures(requests: readonly LoggedRequest[]): CallFigures {
  const byAction: Record<string, number> = {};
  const tokens = new Set<string>();
  let throttled = 0;
  let sameTokenResends = 0;
  let dryRuns = 0;
  let injectedFaults = 0;
  for (const r of requests) {
    byAction[r.action] = (byAction[r.action] ?? 0) + 1;
    if (r.throttled) throttled++;
    if (isDryRun(r)) dryRuns++;
    if (r.fault !== undefined && r.fault !== "latency") injectedFaults++;
    const token = r.params.ClientToken;
    if (token) {
      const key = `${r.action} ${token}`;
      if (tokens.has(key)) sameTokenResends++;
      else tokens.add(key);
    }
  }
  return { calls: requests.length, byAction, throttled, sameTokenResends, dryRuns, injectedFaults };
}

/** Calls per instance, to two decimals (0 for an empty fleet). */
export function perInstance(calls: number, instances: number): number {
  return instances > 0 ? Math.round((calls / instances) * 100) / 100 : 0;
}

/** Requests that arrived after `afterMs` (epoch ms), e.g. more than 5 s after a kill. */
export function requestsAfter(requests: readonly LoggedRequest[], afterMs: number): LoggedRequest[] {
  return requests.filter((r) => Date.parse(r.time) > afterMs);
}

/** Requests that arrived in [fromMs, toMs]. */
export function requestsBetween(requests: readonly LoggedRequest[], fromMs: number, toMs: number): LoggedRequest[] {
  return requests.filter((r) => {
    const at = Date.parse(r.time);
    return at >= fromMs && at <= toMs;
  });
}

/** Counts per action, as "Action xN" sorted by count (for a short account of stray calls). */
export function actionCounts(requests: readonly LoggedRequest[]): string[] {
  const counts = new Map<string, number>();
  for (const r of requests) counts.set(r.action, (counts.get(r.action) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])).map(([a, n]) => `${a} x${n}`);
}

/** What a fleet should look like after a converged `up`. */
export interface ExpectedFleet {
  /** Instances per group (the fleet program tags each with `fleet-group`). */
  readonly groups: Readonly<Record<string, { readonly count: number; readonly image: string }>>;
  /** Catalogue copies: their names in the account. */
  readonly copyNames: readonly string[];
  /** The instance outside the stack whose system disk the stack replaces, and the catalogue image it gets. */
  readonly replacement: { readonly instanceId: string; readonly image: string };
}

export interface AccountView {
  readonly instances: readonly LiveResource[];
  /** The account's own images (copies), with their names. */
  readonly images: readonly (LiveResource & { readonly name: string })[];
}

/**
 * Where the account differs from the fleet declared: missing or extra instances per group, instances not Running or
 * on another image, copies missing or not Available, the replaced instance not on its new image, not Running, or
 * still marked. `imageOf` resolves a catalogue name to an image id (a copy's name -> its id).
 */
export function fleetProblems(
  account: AccountView,
  expected: ExpectedFleet,
  imageOf: (catalogueName: string) => string | undefined,
): string[] {
  const problems: string[] = [];
  for (const name of expected.copyNames) {
    const copies = account.images.filter((i) => i.name === name);
    if (copies.length !== 1) problems.push(`copy ${name}: ${copies.length} in the account, expected 1`);
    for (const c of copies) if (c.status !== "Available") problems.push(`copy ${name} (${c.id}) is ${c.status}`);
  }
  for (const [group, { count, image }] of Object.entries(expected.groups)) {
    const members = account.instances.filter((i) => i.tags["fleet-group"] === group);
    if (members.length !== count) problems.push(`group ${group}: ${members.length} instances, expected ${count}`);
    const want = imageOf(image);
    for (const m of members) {
      if (m.status !== "Running") problems.push(`${group} instance ${m.id} is ${m.status}`);
      if (want !== undefined && m.imageId !== want) problems.push(`${group} instance ${m.id} runs ${m.imageId}`);
    }
  }
  const legacy = account.instances.find((i) => i.id === expected.replacement.instanceId);
  if (legacy === undefined) problems.push(`replaced instance ${expected.replacement.instanceId} is gone`);
  else {
    const want = imageOf(expected.replacement.image);
    if (legacy.imageId !== want) problems.push(`replaced instance ${legacy.id} runs ${legacy.imageId}, not ${want}`);
    if (legacy.status !== "Running") problems.push(`replaced instance ${legacy.id} is ${legacy.status}`);
    if (markerTags(legacy).length > 0) problems.push(`replaced instance ${legacy.id} still carries the marker`);
  }
  return problems;
}

/** The system disk sequence's marker tags on an instance. */
export const markerTags = (r: LiveResource): string[] =>
  Object.keys(r.tags).filter((k) => k.startsWith(MARKER_TAG_PREFIX));

/** Instances left Stopped (or on the way there). */
export const stoppedInstances = (account: AccountView): string[] =>
  account.instances.filter((i) => i.status === "Stopped" || i.status === "Stopping").map((i) => i.id);

/**
 * What a destroy left behind: every instance but the ones the stack never owned (`notOwned`), and every image of the
 * account (copies finished, running or failed).
 */
export function leaksAfterDestroy(account: AccountView, notOwned: readonly string[]): string[] {
  return [
    ...account.instances.filter((i) => !notOwned.includes(i.id)).map((i) => `instance ${i.id} (${i.status})`),
    ...account.images.map((i) => `image ${i.id} ${i.name} (${i.status})`),
  ];
}

/** How the instance outside the stack differs from how it was before the stack touched it. */
export function restoreProblems(
  account: AccountView,
  before: { readonly instanceId: string; readonly imageId: string; readonly status: string },
): string[] {
  const now = account.instances.find((i) => i.id === before.instanceId);
  if (now === undefined) return [`${before.instanceId} is gone`];
  const problems: string[] = [];
  if (now.imageId !== before.imageId)
    problems.push(`${now.id} runs ${now.imageId}, not its original ${before.imageId}`);
  if (now.status !== before.status) problems.push(`${now.id} is ${now.status}, was ${before.status}`);
  if (markerTags(now).length > 0) problems.push(`${now.id} still carries the marker (${markerTags(now).join(", ")})`);
  return problems;
}
