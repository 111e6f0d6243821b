// What check() saw, for the create that follows it. The engine calls check and then create for each resource of a
// deployment on the same provider process; create itself gets only the inputs. What the engine holds for the
// resource decides what a create may adopt of what an earlier run made: for a resource new to the engine, anything
// of its own; for one being replaced, not the instance (or copy) being replaced, which check knows by the
// fingerprint of the old inputs. Kept in memory only: it must not change the stored inputs.

/** What the engine holds for a resource, as its last check saw it. */
export interface CheckedState {
  /** The engine had no state for the resource (a new resource, or one whose create it never recorded). */
  readonly isNew: boolean;
  /** The create fingerprint of the resource in state (the one a replacement replaces), when there is one. */
  readonly liveFingerprint?: string;
}

const SEEN = new Map<string, CheckedState>();

/** Called by check() with what the engine passed as old inputs, reduced to the create fingerprint of those. */
export function rememberCheck(urn: string, liveFingerprint: string | undefined, hadState: boolean): void {
  SEEN.set(urn, { isNew: !hadState, liveFingerprint });
}

/** What the last check of `urn` in this process saw; unknown (never checked here) counts as not new. */
export function checkedState(urn: string): CheckedState {
  return SEEN.get(urn) ?? { isNew: false };
}
