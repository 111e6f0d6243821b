// The provider process's queue of copies per destination, for both copy resources: ECS runs at most 5 copy tasks per
// account and region and leaves the rest Waiting, where they still count against every timeout and show no
// progress. The provider starts at most that many at a time and says where the others stand ("queued (3 ahead)"),
// as Alibaba's OOS bulk copy does. A fleet's first hops and second hops into one region share its queue.
import type { EcsApi } from "../ecs/api";
import { postponed } from "../operation";
import { reportProgress } from "../progress";

/** ECS's limit of copy tasks running at the same time per account and destination region. */
const ECS_COPIES_PER_REGION = 5;

interface Waiter {
  readonly start: () => void;
  readonly told: (ahead: number) => void;
}

/** A counting queue: at most `limit` holders at a time, the others served first come, first served. */
export class CopySlots {
  private running = 0;
  private readonly waiting: Waiter[] = [];

  constructor(private readonly limit: number) {}

  /**
   * Resolves with the release of a slot once one is free. While the caller waits, `told(ahead)` says how many
   * queued callers are before it, at once and whenever that changes.
   */
  take(told: (ahead: number) => void): Promise<() => void> {
    return new Promise((resolve) => {
      const start = () => {
        this.running++;
        let released = false;
        resolve(() => {
          if (released) return;
          released = true;
          this.running--;
          this.next();
        });
      };
      if (this.running < this.limit && this.waiting.length === 0) start();
      else {
        this.waiting.push({ start, told });
        told(this.waiting.length - 1);
      }
    });
  }

  private next(): void {
    const first = this.waiting.shift();
    if (first === undefined) return;
    first.start();
    for (const [ahead, waiter] of this.waiting.entries()) waiter.told(ahead);
  }
}

/** One queue per destination API (an account's connection to one region), for the life of the provider process. */
const queues = new WeakMap<EcsApi, CopySlots>();

/**
 * Runs `create` (a copy's whole create: the look at its source, the copy and the wait) once a slot of the destination
 * `api` is free, telling the resource `urn` where it stands meanwhile.
 */
export async function inCopyQueue<T>(api: EcsApi, urn: string, create: () => Promise<T>): Promise<T> {
  let slots = queues.get(api);
  if (slots === undefined) {
    slots = new CopySlots(ECS_COPIES_PER_REGION);
    queues.set(api, slots);
  }
  const queuedAt = Date.now();
  const release = await slots.take((ahead) =>
    reportProgress(
      urn,
      `queued (${ahead} ahead): ${ECS_COPIES_PER_REGION} copies to ${api.regionId} are running, ECS's limit per region`,
      { ephemeral: true },
    ),
  );
  try {
    // The create's ECS calls retry until its deadline, which the time in the queue does not use up.
    return await postponed(Date.now() - queuedAt, create);
  } finally {
    release();
  }
}
