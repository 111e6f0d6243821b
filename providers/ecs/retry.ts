// Retries for single ECS calls. Classification is by code and HTTP status only (never message text), from the named
// sets below, drawn from the retry classes of codes.ts (ECS's documented throttling and transient codes); anything
// that is not an EcsError is a programmer error and never retried. A mutating call is retried only because it is safe
// to repeat: CopyImage, RunInstances and ReplaceSystemDisk carry a ClientToken reused across attempts; the others
// (start, stop, delete, tag, modify) leave the same result when done twice (docs/ecs-rules.md).
import { setTimeout as sleepTimer } from "node:timers/promises";
import { codesWhere } from "./codes";
import { afterAttempts, EcsError } from "./errors";

const THROTTLING_CODES = codesWhere((entry) => entry.retry === "throttling");
const NETWORK_FAILURE_CODES = codesWhere((entry) => entry.retry === "network");
const TRANSIENT_CODES = codesWhere((entry) => entry.retry === "transient" || entry.retry === "network");
/** Never retried, whatever their HTTP status: repeating them cannot succeed and may hide a token reuse bug. */
const NEVER_RETRY_CODES = codesWhere((entry) => entry.retry === "never");

export function isThrottling(err: unknown): boolean {
  if (!(err instanceof EcsError)) return false;
  // The SDK itself classifies any code containing "Throttling" as a ThrottlingError; follow it for new variants.
  return THROTTLING_CODES.has(err.code) || err.code.includes("Throttling") || err.httpStatus === 429;
}

/** No answer at all (refused, reset, timed out): the endpoint is down or unreachable for now. */
export function isNetworkFailure(err: unknown): boolean {
  return err instanceof EcsError && NETWORK_FAILURE_CODES.has(err.code);
}

export function isRetryable(err: unknown): boolean {
  if (!(err instanceof EcsError)) return false;
  if (NEVER_RETRY_CODES.has(err.code)) return false;
  if (isThrottling(err) || TRANSIENT_CODES.has(err.code)) return true;
  return err.httpStatus !== undefined && err.httpStatus >= 500;
}

export interface RetryInfo {
  /** The attempt that failed, starting at 1. */
  readonly attempt: number;
  readonly delayMs: number;
  readonly error: EcsError;
}

export interface RetryOptions {
  /**
   * Total attempts including the first; default 6. With a deadline, throttling and network failures are retried
   * until the deadline instead (they are weather: they pass), other transient failures still this many times.
   */
  readonly maxAttempts?: number;
  /** Epoch ms: no retry whose backoff would end after it. */
  readonly deadline?: number;
  /** Clock for the deadline; default Date.now. */
  readonly now?: () => number;
  /** Cap of the first backoff; doubles per attempt. Default 500 ms. */
  readonly baseDelayMs?: number;
  /** Upper bound of any single delay, including one asked for by retryAfter. Default 20 s. */
  readonly maxDelayMs?: number;
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Uniform in [0, 1); injectable so tests are deterministic. */
  readonly random?: () => number;
  readonly onRetry?: (info: RetryInfo) => void;
  readonly signal?: AbortSignal;
}

export const DEFAULT_RETRY = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 20_000 } as const;
export const RETRY_DELAY_ENV = "ECS_SHARED_IMAGES_RETRY_DELAY";

/**
 * Backoff for this process: the defaults, or the first cap from ECS_SHARED_IMAGES_RETRY_DELAY (e.g. "20ms", "1s")
 * with the upper bound at 40 times that. A local emulator answers (and recovers) much faster than ECS, so its users
 * shorten the backoff as they shorten the poll interval.
 */
export function retryDelays(env: NodeJS.ProcessEnv = process.env): { baseDelayMs: number; maxDelayMs: number } {
  const text = env[RETRY_DELAY_ENV];
  if (!text) return { baseDelayMs: DEFAULT_RETRY.baseDelayMs, maxDelayMs: DEFAULT_RETRY.maxDelayMs };
  const match = /^(\d+)(ms|s)?$/.exec(text.trim());
  if (!match)
    throw new RangeError(`${RETRY_DELAY_ENV} must be a duration like "20ms" or "1s", got ${JSON.stringify(text)}`);
  const baseDelayMs = Number(match[1]) * (match[2] === "s" ? 1000 : 1);
  return { baseDelayMs, maxDelayMs: Math.max(baseDelayMs, Math.min(DEFAULT_RETRY.maxDelayMs, baseDelayMs * 40)) };
}

/** Full jitter: uniform in [0, min(max, base * 2^(attempt-1))], but never less than what the server asked for. */
export function backoffDelay(
  attempt: number,
  options: { baseDelayMs: number; maxDelayMs: number; random: () => number; retryAfterMs?: number },
): number {
  const cap = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  const jittered = Math.floor(options.random() * cap);
  return Math.min(options.maxDelayMs, Math.max(jittered, options.retryAfterMs ?? 0));
}

export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? DEFAULT_RETRY.maxAttempts;
  const delays = options.baseDelayMs === undefined || options.maxDelayMs === undefined ? retryDelays() : undefined;
  const baseDelayMs = options.baseDelayMs ?? (delays?.baseDelayMs as number);
  const maxDelayMs = options.maxDelayMs ?? (delays?.maxDelayMs as number);
  requireInteger("maxAttempts", maxAttempts, 1);
  requireNumber("baseDelayMs", baseDelayMs, 0);
  requireNumber("maxDelayMs", maxDelayMs, baseDelayMs);
  const sleep = options.sleep ?? defaultSleep;
  const random = options.random ?? Math.random;

  const now = options.now ?? Date.now;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (err) {
      if (!isRetryable(err) || options.signal?.aborted) throw err;
      const error = err as EcsError;
      const giveUp = () => afterAttempts(error, attempt, now() - started);
      const waitsOut = options.deadline !== undefined && (isThrottling(error) || isNetworkFailure(error));
      if (attempt >= maxAttempts && !waitsOut) throw giveUp();
      const delayMs = backoffDelay(attempt, { baseDelayMs, maxDelayMs, random, retryAfterMs: error.retryAfterMs });
      if (options.deadline !== undefined && now() + delayMs > options.deadline) throw giveUp();
      options.onRetry?.({ attempt, delayMs, error });
      try {
        await sleep(delayMs, options.signal);
      } catch {
        // Cancelled while backing off: the last real failure says more than the abort does.
        throw err;
      }
    }
  }
}

export async function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  await sleepTimer(ms, undefined, { signal });
}

function requireInteger(field: string, value: number, min: number): void {
  if (!Number.isInteger(value) || value < min) {
    throw new RangeError(`withRetry: options.${field} must be an integer >= ${min}, got ${String(value)}`);
  }
}

function requireNumber(field: string, value: number, min: number): void {
  if (!Number.isFinite(value) || value < min) {
    throw new RangeError(`withRetry: options.${field} must be a finite number >= ${min}, got ${String(value)}`);
  }
}
