// Waiters: pure acceptors that read one observation and say success / failure / retry (with the reason a user
// sees), and one generic poller that owns all timing. Acceptors never sleep; the poller never interprets states.
import { AbortError, InvalidInputError, TimeoutError, WaitFailedError } from "./errors";
import { defaultSleep } from "./retry";
import type { ImageView, InstanceStatus, InstanceView } from "./types";

export type AcceptorState = "success" | "failure" | "retry";
export type Acceptor<T> = (observed: T) => { state: AcceptorState; reason: string };

export interface PollProgress<T> {
  readonly attempt: number;
  readonly elapsedMs: number;
  readonly remainingMs: number;
  readonly reason: string;
  readonly observed: T;
}

export interface PollOptions<T> {
  /** Reads the current state once. Wrap it in withRetry: the poller lets describe errors through unchanged. */
  readonly describe: () => Promise<T>;
  /** An observation the caller has just made: the acceptor judges it first, in place of the first describe. */
  readonly initial?: { readonly observed: T };
  readonly acceptor: Acceptor<T>;
  /** Names what is awaited in messages, e.g. "image m-123 to become Available". */
  readonly what: string;
  readonly timeoutMs: number;
  /** Default 2 s. */
  readonly minDelayMs?: number;
  /** Default 30 s. */
  readonly maxDelayMs?: number;
  readonly now?: () => number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly random?: () => number;
  readonly signal?: AbortSignal;
  /** Called after every observation that is neither success nor failure. */
  readonly onProgress?: (progress: PollProgress<T>) => void;
}

export const DEFAULT_POLL = { minDelayMs: 2_000, maxDelayMs: 30_000 } as const;

const wakes = new Map<number, Promise<void>>();

/**
 * Sleeps about `ms`: joins a wake another waiter set for at most `slackMs` before its own, else sets one. Waiters
 * that fall asleep at about the same time then wake on one timer, in the same turn of the event loop, so their
 * describe calls go out in one batch (see batcher.ts): the resources of one wave of creates (the engine starts them
 * milliseconds apart) are observed together on every round, instead of drifting apart into a call each. The shared
 * wake replaces the jitter, not its purpose: many waiters cost one call. Never sleeps longer than `ms`.
 */
export function sleepTogether(ms: number, signal?: AbortSignal, slackMs = pollDelays().minDelayMs / 8): Promise<void> {
  const mine = Date.now() + ms;
  let at = mine;
  for (const planned of wakes.keys()) if (planned <= mine && planned >= mine - slackMs && planned < at) at = planned;
  let wake = wakes.get(at);
  if (wake === undefined) {
    wake = new Promise<void>((resolve) => {
      setTimeout(() => {
        wakes.delete(at);
        resolve();
      }, ms);
    });
    wakes.set(at, wake);
  }
  if (signal === undefined) return wake;
  return Promise.race([wake, defaultSleep(Math.max(0, at - Date.now()) + 1, signal)]);
}

export const POLL_INTERVAL_ENV = "ECS_SHARED_IMAGES_POLL_INTERVAL";

/**
 * Poll delays for this process: the defaults, or the first delay from ECS_SHARED_IMAGES_POLL_INTERVAL (e.g. "500ms",
 * "5s") with the cap at 15 times that. The emulator runs faster than real ECS, so its users shorten the interval.
 */
export function pollDelays(env: NodeJS.ProcessEnv = process.env): { minDelayMs: number; maxDelayMs: number } {
  const text = env[POLL_INTERVAL_ENV];
  if (!text) return DEFAULT_POLL;
  const minDelayMs = parseTimeout(/^\d+$/.test(text) ? Number(text) : text, POLL_INTERVAL_ENV);
  return { minDelayMs, maxDelayMs: Math.max(minDelayMs, Math.min(DEFAULT_POLL.maxDelayMs, minDelayMs * 15)) };
}

/**
 * When to take the first look at something just made (an instance to run), learned from how the first looks of this
 * process went: a look that found it ready was perhaps late, so the next wave looks a little sooner (5%); one that did
 * not finds the wait longer than thought, so the next looks much later (30%). It settles just above the usual time, where most
 * first looks succeed (one describe per wave of creates) and few are late by much.
 */
export class FirstLook {
  private delay: number;
  /** The delay the last wave looked after, and whether all of it was ready. */
  private last: { delayMs: number; ready: boolean } | undefined;

  constructor(
    initialMs: number,
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {
    this.delay = initialMs;
  }

  get delayMs(): number {
    return this.delay;
  }

  /**
   * How a first look after `delayMs` went: `ready` when what it waited for was done. The creates of one wave look
   * after the same delay: the first to tell moves the delay, and a later one of the same wave that was not ready
   * (made a little after the others) moves it as a miss instead; looks of older waves count no more.
   */
  record(delayMs: number, ready: boolean): void {
    if (delayMs === this.delay) {
      this.last = { delayMs, ready };
      this.delay = this.next(delayMs, ready);
    } else if (this.last?.delayMs === delayMs && this.last.ready && !ready) {
      this.last = { delayMs, ready };
      this.delay = this.next(delayMs, false);
    }
  }

  private next(delayMs: number, ready: boolean): number {
    return Math.min(this.maxMs, Math.max(this.minMs, ready ? delayMs * 0.95 : delayMs * 1.3));
  }
}

/**
 * Polls until the acceptor says success (returns the observation) or failure (WaitFailedError), the deadline passes
 * (TimeoutError with the last reason) or the signal aborts (AbortError). Delays grow exponentially from minDelayMs,
 * jittered uniformly between minDelayMs and the current cap (a zero delay would hammer ECS), and are cut short at
 * the deadline so the last observation is made at the deadline, never after it.
 */
export async function poll<T>(options: PollOptions<T>): Promise<T> {
  const minDelayMs = options.minDelayMs ?? DEFAULT_POLL.minDelayMs;
  const maxDelayMs = options.maxDelayMs ?? DEFAULT_POLL.maxDelayMs;
  requirePositive("timeoutMs", options.timeoutMs);
  requirePositive("minDelayMs", minDelayMs);
  if (!Number.isFinite(maxDelayMs) || maxDelayMs < minDelayMs) {
    throw new RangeError(`poll: options.maxDelayMs must be >= minDelayMs (${minDelayMs}), got ${String(maxDelayMs)}`);
  }
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;
  const start = now();
  const deadline = start + options.timeoutMs;
  let lastReason = "not observed yet";

  for (let attempt = 1; ; attempt++) {
    if (options.signal?.aborted) throw new AbortError(options.what, lastReason);
    const observed =
      attempt === 1 && options.initial !== undefined ? options.initial.observed : await options.describe();
    const verdict = options.acceptor(observed);
    if (verdict.state === "success") return observed;
    if (verdict.state === "failure") throw new WaitFailedError(options.what, verdict.reason, observed);
    lastReason = verdict.reason;
    const remainingMs = deadline - now();
    options.onProgress?.({ attempt, elapsedMs: now() - start, remainingMs, reason: lastReason, observed });
    if (remainingMs <= 0) throw new TimeoutError(options.what, options.timeoutMs, lastReason, observed);
    const cap = Math.min(maxDelayMs, minDelayMs * 2 ** (attempt - 1));
    const delayMs = Math.min(remainingMs, minDelayMs + Math.floor(random() * (cap - minDelayMs)));
    try {
      await sleep(delayMs, options.signal);
    } catch (err) {
      if (options.signal?.aborted) throw new AbortError(options.what, lastReason);
      throw err;
    }
  }
}

function requirePositive(field: string, value: number): void {
  if (!Number.isFinite(value) || value <= 0) {
    throw new RangeError(`poll: options.${field} must be a positive number of milliseconds, got ${String(value)}`);
  }
}

// ---- Acceptors. `undefined` means the describe call did not find the resource. ----

/**
 * A copied image becoming Available. Callers first wait until a new copy is listed (listedAfterCreate), so a missing
 * image here means someone deleted it.
 */
export function imageAvailable(): Acceptor<ImageView | undefined> {
  return (image) => {
    if (image === undefined) return { state: "failure", reason: "the image no longer exists" };
    switch (image.status) {
      case "Available":
        return { state: "success", reason: "Available" };
      case "Creating":
      case "Waiting":
        return {
          state: "retry",
          reason: image.progressPercent === undefined ? image.status : `${image.status} ${image.progressPercent}%`,
        };
      case "CreateFailed":
      case "UnAvailable":
        return { state: "failure", reason: `the image is ${image.status}` };
      case "Deprecated":
        return { state: "failure", reason: "the image is Deprecated" };
      default:
        return { state: "retry", reason: `unexpected status ${String(image.status)}` };
    }
  };
}

/** After DeleteImage: gone is success. The describer must ask for every status, not DescribeImages' default. */
export const imageGone: Acceptor<ImageView | undefined> = (image) =>
  image === undefined ? { state: "success", reason: "deleted" } : { state: "retry", reason: `still ${image.status}` };

/** Instance statuses that pass by themselves (the instance is between Running and Stopped). */
export const IN_PROGRESS_INSTANCE: ReadonlySet<InstanceStatus> = new Set(["Pending", "Starting", "Stopping"]);
/** Locks that will not clear by waiting: the owner of the account has to act. */
const BLOCKING_LOCKS: ReadonlySet<string> = new Set(["financial", "security", "dedicatedhostfinancial", "refunded"]);

/** The instance's locks that waiting will not clear, as "financial, security", or undefined when it has none. */
export function blockingLocks(instance: InstanceView): string | undefined {
  const reasons = instance.operationLocks.map((l) => l.lockReason).filter((r) => BLOCKING_LOCKS.has(r.toLowerCase()));
  return reasons.length === 0 ? undefined : reasons.join(", ");
}

/**
 * An instance reaching `target`. The other stable state is a retry, not a failure: right after Start/StopInstance
 * ECS may still report the old state for a moment; the deadline bounds it.
 */
export function instanceInStatus(target: "Running" | "Stopped"): Acceptor<InstanceView | undefined> {
  return (instance) => {
    if (instance === undefined) return { state: "failure", reason: "the instance no longer exists" };
    if (instance.status === target) return { state: "success", reason: target };
    const locks = blockingLocks(instance);
    if (locks !== undefined) return { state: "failure", reason: `the instance is locked (${locks})` };
    const phase = IN_PROGRESS_INSTANCE.has(instance.status) ? "" : `, waiting for ${target}`;
    return { state: "retry", reason: `${instance.status}${phase}` };
  };
}

export const instanceGone: Acceptor<InstanceView | undefined> = (instance) =>
  instance === undefined
    ? { state: "success", reason: "deleted" }
    : { state: "retry", reason: `still ${instance.status}` };

// ---- Timeouts ----

const HOUR = 3_600_000;
const MINUTE = 60_000;

/** Copies of large images take hours (Terraform's 10 min default is a known pain); the rest are minutes. */
export const DEFAULT_TIMEOUTS = {
  imageCopy: 6 * HOUR,
  imageDelete: 20 * MINUTE,
  instanceCreate: 20 * MINUTE,
  instanceDelete: 20 * MINUTE,
  systemDiskReplacement: 30 * MINUTE,
} as const;

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: MINUTE, h: HOUR };
const DURATION = /^(?:\d+(?:ms|s|m|h))+$/;
const SEGMENT = /(\d+)(ms|s|m|h)/g;
/** A week: anything longer is almost certainly a unit mistake (e.g. ms given where minutes were meant). */
const MAX_TIMEOUT_MS = 7 * 24 * HOUR;

/** "45m", "2h", "90s", "1h30m", "500ms", or a number of milliseconds. Throws InvalidInputError naming `property`. */
export function parseTimeout(value: unknown, property: string): number {
  let ms: number;
  if (typeof value === "number") {
    ms = value;
  } else if (typeof value === "string" && DURATION.test(value.trim())) {
    ms = 0;
    for (const [, n, unit] of value.trim().matchAll(SEGMENT)) ms += Number(n) * UNIT_MS[unit];
  } else {
    throw new InvalidInputError(
      property,
      `must be a duration like "45m", "2h", "90s" or "1h30m", or a number of milliseconds; got ${JSON.stringify(value)}`,
    );
  }
  if (!Number.isFinite(ms) || ms <= 0 || ms > MAX_TIMEOUT_MS) {
    throw new InvalidInputError(property, `must be more than 0 and at most 168h; got ${JSON.stringify(value)}`);
  }
  return Math.round(ms);
}

export interface TimeoutsInput {
  readonly create?: string | number;
  readonly update?: string | number;
  readonly delete?: string | number;
}

export interface Timeouts {
  readonly create: number;
  readonly update: number;
  readonly delete: number;
}

/** The check() failures of a `timeouts` input (shape, keys, durations), each naming e.g. "timeouts.create". */
export function timeoutsFailures(
  input: unknown,
  defaults: Timeouts,
  property = "timeouts",
): { property: string; reason: string }[] {
  if (typeof input !== "object" || input === null || Array.isArray(input)) {
    return [{ property, reason: `must be an object with create, update, delete; got ${JSON.stringify(input)}` }];
  }
  try {
    resolveTimeouts(input as TimeoutsInput, defaults, property);
    return [];
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    return [{ property: err.property, reason: err.reason }];
  }
}

/** Resolves a resource's `timeouts` input against its defaults; failures name e.g. "timeouts.create". */
export function resolveTimeouts(input: TimeoutsInput | undefined, defaults: Timeouts, property = "timeouts"): Timeouts {
  for (const key of Object.keys(input ?? {})) {
    if (!(key in defaults))
      throw new InvalidInputError(`${property}.${key}`, "is not a timeout; use create, update or delete");
  }
  const pick = (key: keyof Timeouts) =>
    input?.[key] === undefined ? defaults[key] : parseTimeout(input[key], `${property}.${key}`);
  return { create: pick("create"), update: pick("update"), delete: pick("delete") };
}

/** How patient `listedAfterCreate` is, in poll intervals: 15 x 2 s = 30 s with the default interval. */
const LISTING_PATIENCE_POLLS = 15;

/**
 * After a create call answered our ClientToken with an id, tells whether that resource exists. ECS lists a new
 * resource only eventually, so a miss right after creation proves nothing; but the token may also name a resource
 * made earlier and deleted since (a replacement reusing the token). Returns the resource once listed, or undefined
 * only after `misses` consecutive misses spanning at least `minWaitMs` (default 15 poll intervals).
 */
export async function listedAfterCreate<T>(
  describe: () => Promise<T | undefined>,
  options: {
    readonly misses?: number;
    readonly minWaitMs?: number;
    readonly now?: () => number;
    readonly sleep?: (ms: number) => Promise<void>;
  } = {},
): Promise<T | undefined> {
  const interval = pollDelays().minDelayMs;
  const misses = options.misses ?? 3;
  const minWaitMs = options.minWaitMs ?? LISTING_PATIENCE_POLLS * interval;
  const now = options.now ?? Date.now;
  const sleep = options.sleep ?? defaultSleep;
  const start = now();
  for (let missed = 0; ; ) {
    const found = await describe();
    if (found !== undefined) return found;
    missed++;
    if (missed >= misses && now() - start >= minWaitMs) return undefined;
    await sleep(interval);
  }
}
