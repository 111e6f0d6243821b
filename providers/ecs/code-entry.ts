// The shape of an entry of the wire-code table (codes.ts, transport-codes.ts): what a code says to a user, how
// retries treat it, the request parameter it points at and what it means to our operations.
import type { ErrorContext } from "./errors";

/**
 * How retries treat a code (retry.ts). Without one, by HTTP status: 5xx is retried, the rest never.
 * - throttling: too many calls; retried, and until the deadline when there is one;
 * - network: no answer at all (the endpoint is down or unreachable for now); retried like throttling;
 * - transient: passes by itself; retried a few times;
 * - never: whatever the status (repeating cannot succeed and may hide a ClientToken reuse bug).
 */
export type RetryClass = "throttling" | "network" | "transient" | "never";

/** The RunInstances parameters (RunInstanceRequest fields) that validation errors of RunInstances are about. */
export type RunInstancesParameter =
  | "imageId"
  | "instanceType"
  | "vSwitchId"
  | "zoneId"
  | "securityGroupIds"
  | "keyPairName"
  | "systemDisk"
  | "dataDisks";

/** What a code tells our operations: one predicate each in errors.ts (documented there), so callers outside ecs/ name
 * no wire codes. */
export type Meaning =
  | "imageNotFound"
  | "copyNoLongerCancellable"
  | "imageNameTaken"
  | "imageInUse"
  | "instanceStatusWrong"
  | "instanceNotFound"
  | "accountNotFound"
  | "dryRunPassed";

type Describe = (c: ErrorContext, action: string) => string;

export interface CodeEntry {
  /** What went wrong, completing "<action> failed: ..."; without one, the server's own message is shown. */
  readonly sentence?: Describe;
  /** What the user can do about it; given with every sentence. */
  readonly hint?: Describe;
  readonly retry?: RetryClass;
  /** The RunInstances parameter the code is about, so a preview's DryRun failure can name the input. */
  readonly parameter?: RunInstancesParameter;
  readonly means?: Meaning;
}

/** A sentence or hint that does not depend on the call. */
export const fixed =
  (text: string): Describe =>
  () =>
    text;
