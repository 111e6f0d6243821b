// Partial state: when create/update fails after the cloud resource exists, the engine must still record it, or the
// resource leaks. The dynamic provider host turns a rejection carrying `id` into ErrorResourceInitFailed with these
// properties, so the resource stays in state and the next `pulumi up` resumes (or replaces) it.

import { EcsError } from "./ecs/errors";

/** What a dynamic provider's create/update rejects with to report partial state (see cmd/dynamic-provider). */
export interface PartialStateError extends Error {
  readonly id: string;
  readonly properties: Record<string, unknown>;
  readonly reasons: string[];
}

/** The input the dynamic provider host keeps the serialized provider in. */
const PROVIDER_KEY = "__provider";

/**
 * Wraps `cause` so that the engine keeps `id` with `properties` in state; the message stays the cause's. The host
 * adds the serialized provider (`__provider` of the inputs) to the outputs of a create or update that succeeded,
 * but not to partial state: without it, every later read, update or delete of the resource fails to load the
 * provider. So it is carried over from `inputs` here.
 */
export function partialState(
  cause: unknown,
  id: string,
  inputs: object,
  properties: Record<string, unknown>,
): PartialStateError {
  const message = cause instanceof Error ? cause.message : String(cause);
  const provider = (inputs as Record<string, unknown>)[PROVIDER_KEY];
  const kept = provider === undefined ? properties : { ...properties, [PROVIDER_KEY]: provider };
  return Object.assign(new Error(message), { id, properties: kept, reasons: [message] });
}

/**
 * A step taken for the partial state of a failed create or update: observing the resource, or marking it handed
 * over. Its ECS error is tolerated (undefined): the partial state then carries what the caller assumes instead of
 * ECS's values (the next refresh or up reads them), whereas failing here would lose the partial state and leak the
 * resource. Anything but an ECS error is a bug.
 */
export async function forPartialState<T>(step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (err) {
    if (err instanceof EcsError) return undefined;
    throw err;
  }
}
