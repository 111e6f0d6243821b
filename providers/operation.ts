// What a provider method is doing, for the ECS calls it makes on the way: the resource they are for (progress lines
// go to it) and the deadline their retries must respect. Throttling and an unreachable endpoint are waited out until
// that deadline, which comes from the resource's own timeouts, rather than failing after a fixed number of tries.
import { AsyncLocalStorage } from "node:async_hooks";
import type { Timeouts } from "./ecs/wait";

export interface Operation {
  /** The resource the calls are for, when known. */
  readonly urn: string | undefined;
  /** Epoch ms after which no call is retried. */
  readonly deadline: number;
}

/** How long check, diff and read may wait out throttling or an outage (they have no timeouts of their own). */
export const LOOKUP_DEADLINE_MS = 10 * 60_000;

const current = new AsyncLocalStorage<Operation>();

/** The operation the caller runs in, if any. */
export function currentOperation(): Operation | undefined {
  return current.getStore();
}

type Inputs = { identity?: { urn?: string }; timeouts?: unknown } | undefined;

/**
 * `provider` with each method run as an operation: create, update and delete until the resource's timeout of that
 * name, the lookups (check, diff, read) until LOOKUP_DEADLINE_MS.
 */
export function asOperations<T extends object>(timeoutsOf: (inputs: never) => Timeouts, provider: T): T {
  const wrapped: Record<string, unknown> = {};
  for (const [name, method] of Object.entries(provider)) {
    if (typeof method !== "function") {
      wrapped[name] = method;
      continue;
    }
    wrapped[name] = (...args: unknown[]) => {
      // The inputs each method gets: create(inputs), update(id, olds, news), delete(id, props), check(olds, news),
      // diff(id, olds, news), read(id, props).
      const inputs = (name === "create" ? args[0] : name === "update" || name === "diff" ? args[2] : args[1]) as Inputs;
      const timeoutMs =
        name === "create" || name === "update" || name === "delete"
          ? timeoutsOf(inputs as never)[name]
          : LOOKUP_DEADLINE_MS;
      const operation = { urn: inputs?.identity?.urn, deadline: Date.now() + timeoutMs };
      return current.run(operation, () => method.apply(provider, args));
    };
  }
  return wrapped as T;
}

/**
 * Runs `fn` as one operation for the calls of several (a batch serving many resources): until the latest of their
 * deadlines, so that a resource with a short timeout never fails the others' share of the call, with progress to
 * the first one's resource. Without any, `fn` runs in the caller's operation.
 */
export function asOneOperation<T>(operations: readonly Operation[], fn: () => T): T {
  if (operations.length === 0) return fn();
  const deadline = Math.max(...operations.map((o) => o.deadline));
  return current.run({ urn: operations[0].urn, deadline }, fn);
}

/** Runs `fn` in the caller's operation with its deadline `ms` later: time spent waiting for a turn does not count. */
export function postponed<T>(ms: number, fn: () => T): T {
  const operation = current.getStore();
  return operation === undefined ? fn() : current.run({ ...operation, deadline: operation.deadline + ms }, fn);
}
