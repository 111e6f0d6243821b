// Batching of ECS calls across every resource in the provider process: lookups and changes asked for together go
// out as one call, and a batch call that fails for one of its resources goes again one resource at a time.
import { asOneOperation, currentOperation, type Operation } from "../operation";
import { Batcher, type BatcherOptions } from "./batcher";
import { EcsError } from "./errors";
import { isNetworkFailure, isThrottling } from "./retry";

/** A batcher as EcsApi uses them (see sharedBatcher). */
export type Shared<K, V> = Pick<Batcher<K, V>, "get">;

/**
 * A Batcher whose fetches run as one operation for every resource waiting on them (operation.ts asOneOperation):
 * a batch runs in the context of whichever call started it, and would otherwise give up at that resource's deadline.
 */
export function sharedBatcher<K, V>(options: BatcherOptions<K, V>): Shared<K, V> {
  const waiting = new Map<K, Operation>();
  const batcher = new Batcher<K, V>({
    ...options,
    fetch: (keys) => {
      const operations = keys.flatMap((key) => waiting.get(key) ?? []);
      for (const key of keys) waiting.delete(key);
      return asOneOperation(operations, () => options.fetch(keys));
    },
  });
  return {
    get(key: K) {
      const operation = currentOperation();
      const known = waiting.get(key);
      if (operation !== undefined && (known === undefined || known.deadline < operation.deadline)) {
        waiting.set(key, operation);
      }
      return batcher.get(key);
    },
  };
}

/**
 * Runs `together` (one call for every id), or `alone` for each id when there is one id or ECS refused the batch
 * for what one of them is (gone, locked, in the wrong status): batch calls are all or nothing, and every resource
 * must get its own answer. Failures that are not about a resource (throttling, no answer until the deadline) fail
 * the whole batch. Returns what each id's call failed with; ids that succeeded are absent.
 */
export async function eachAlone(
  ids: readonly string[],
  together: () => Promise<unknown>,
  alone: (id: string) => Promise<unknown>,
): Promise<ReadonlyMap<string, unknown>> {
  if (ids.length > 1) {
    try {
      await together();
      return new Map();
    } catch (err) {
      if (!(err instanceof EcsError) || isThrottling(err) || isNetworkFailure(err)) throw err;
    }
  }
  const failures = new Map<string, unknown>();
  for (const id of ids) {
    try {
      await alone(id);
    } catch (err) {
      failures.set(id, err);
    }
  }
  return failures;
}
