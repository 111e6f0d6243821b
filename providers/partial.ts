// Partial state: when create/update fails after the cloud resource exists, the engine must still record it, or the
// resource leaks. The dynamic provider host turns a rejection carrying `id` into ErrorResourceInitFailed with these
// properties, so the resource stays in state and the next `pulumi up` resumes (or replaces) it.

/** What a dynamic provider's create/update rejects with to report partial state (see cmd/dynamic-provider). */
export interface PartialStateError extends Error {
  readonly id: string;
  readonly properties: Record<string, unknown>;
  readonly reasons: string[];
}

/** Wraps `cause` so that the engine keeps `id` with `properties` in state; the message stays the cause's. */
export function partialState(cause: unknown, id: string, properties: Record<string, unknown>): PartialStateError {
  const message = cause instanceof Error ? cause.message : String(cause);
  return Object.assign(new Error(message), { id, properties, reasons: [message] });
}
