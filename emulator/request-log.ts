// The request log and per-action counters the admin API reports, with secret parameters masked.
/** Parameters whose values never reach the log, the admin API or the state file. */
const SECRET_PARAMS = /^(Password|SecurityToken|Signature|UserData|AccessKeySecret)$|\.Password$/;

export function maskParams(params: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) out[k] = SECRET_PARAMS.test(k) ? "******" : v;
  return out;
}

export interface RequestLogEntry {
  seq: number;
  /** Wall-clock time of arrival (ISO). */
  time: string;
  requestId: string;
  action: string;
  accountId: string;
  accessKeyId: string;
  ramUser?: string;
  signatureVersion?: "v3" | "v1";
  /** The request would change something: an action that mutates, not sent as a DryRun. */
  mutating: boolean;
  /** Sent with DryRun=true (ECS only validates it and answers DryRunOperation). */
  dryRun: boolean;
  params: Record<string, string>;
  httpStatus: number;
  code?: string;
  throttled: boolean;
  /** Set when a fault was injected (error, latency, reset, drop). */
  fault?: string;
  durationMs: number;
}

/** Per-action counts, each request counted on its own (a DryRun never counts as mutating). */
export interface ActionCounters {
  calls: number;
  succeeded: number;
  failed: number;
  throttled: number;
  /** Requests that would change something (throttled and failed ones included): never a DryRun. */
  mutating: number;
  /** Requests sent with DryRun=true, whatever their answer. */
  dryRuns: number;
}

/** Bounded request log with per-action counters (the counters are never truncated). */
export class RequestLog {
  private entries: RequestLogEntry[] = [];
  private seq = 0;
  private counters: Record<string, ActionCounters> = {};

  constructor(private readonly capacity = 20_000) {}

  add(entry: Omit<RequestLogEntry, "seq">): void {
    const e = { ...entry, seq: ++this.seq };
    this.entries.push(e);
    // Trim in batches so a full log does not cost an O(n) shift per request.
    if (this.entries.length > this.capacity + 1000) this.entries.splice(0, this.entries.length - this.capacity);
    const c = this.counters[e.action] ?? { calls: 0, succeeded: 0, failed: 0, throttled: 0, mutating: 0, dryRuns: 0 };
    this.counters[e.action] = c;
    c.calls++;
    if (e.mutating) c.mutating++;
    if (e.dryRun) c.dryRuns++;
    if (e.throttled) c.throttled++;
    else if (e.httpStatus < 400) c.succeeded++;
    else c.failed++;
  }

  list(filter: { action?: string; since?: number } = {}): RequestLogEntry[] {
    return this.entries.filter(
      (e) => (!filter.action || e.action === filter.action) && (filter.since === undefined || e.seq > filter.since),
    );
  }

  stats(): Record<string, ActionCounters> {
    return structuredClone(this.counters);
  }

  clear(): void {
    this.entries = [];
    this.counters = {};
  }
}
