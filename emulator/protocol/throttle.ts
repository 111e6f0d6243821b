// Throttling: token buckets per account and action on the wall clock (Throttling.User).
import type { Clock } from "../clock";

export interface BucketConfig {
  /** Tokens added per second (sustained requests per second). */
  ratePerSecond: number;
  /** Bucket capacity (requests allowed in a burst). */
  burst: number;
}

export interface ThrottleConfig {
  enabled: boolean;
  default: BucketConfig;
  /** Per-action overrides, keyed by API action name. */
  actions: Record<string, BucketConfig>;
}

/**
 * Defaults: modest, like a real account's per-API flow control, so that a client polling a few hundred instances
 * one call at a time is throttled while a batched client (100 ids per DescribeInstances) is not.
 */
export const DEFAULT_THROTTLE: ThrottleConfig = {
  enabled: true,
  default: { ratePerSecond: 10, burst: 20 },
  actions: {
    DescribeInstances: { ratePerSecond: 20, burst: 40 },
    DescribeInstanceStatus: { ratePerSecond: 20, burst: 40 },
    DescribeImages: { ratePerSecond: 20, burst: 40 },
    DescribeDisks: { ratePerSecond: 20, burst: 40 },
  },
};

export function mergeThrottle(base: ThrottleConfig, patch: Partial<ThrottleConfig>): ThrottleConfig {
  return {
    enabled: patch.enabled ?? base.enabled,
    default: patch.default ?? base.default,
    actions: { ...base.actions, ...(patch.actions ?? {}) },
  };
}

/** Token buckets per account and action, refilled on the base (wall) clock. */
export class Throttle {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly clock: Clock,
    private cfg: ThrottleConfig = DEFAULT_THROTTLE,
  ) {}

  get config(): ThrottleConfig {
    return this.cfg;
  }

  configure(patch: Partial<ThrottleConfig>): void {
    this.cfg = mergeThrottle(this.cfg, patch);
    this.buckets.clear();
  }

  replace(cfg: ThrottleConfig): void {
    this.cfg = cfg;
    this.buckets.clear();
  }

  /** Takes one token; false when the caller is throttled. */
  take(accountId: string, action: string): boolean {
    if (!this.cfg.enabled) return true;
    const { ratePerSecond, burst } = this.cfg.actions[action] ?? this.cfg.default;
    const key = `${accountId}/${action}`;
    const now = this.clock.now();
    const b = this.buckets.get(key) ?? { tokens: burst, at: now };
    b.tokens = Math.min(burst, b.tokens + ((now - b.at) / 1000) * ratePerSecond);
    b.at = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }
}
