// The provider process's queue of copies per destination: ECS runs at most 5 copy tasks per account and region and
// leaves the rest Waiting, where they still count against every timeout and show no progress. The provider starts
// at most that many at a time and says where the others stand ("queued (3 ahead)"), as Alibaba's OOS bulk copy does.
import type { EcsApi } from "../ecs/api";

/** ECS's limit of copy tasks running at the same time per account and destination region. */
export const ECS_COPIES_PER_REGION = 5;

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

export function copySlotsFor(api: EcsApi): CopySlots {
  let slots = queues.get(api);
  if (slots === undefined) {
    slots = new CopySlots(ECS_COPIES_PER_REGION);
    queues.set(api, slots);
  }
  return slots;
}
