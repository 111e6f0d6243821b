// What an ImageShare changes, from the share list ECS reports now (never from what state remembers, so a run
// interrupted between calls continues where it stopped), and the outputs that follow: pure, table-tested in
// test/unit/image-share-rules.test.ts.
import type { ImageView } from "../ecs/types";
import type { ImageShareInputs, ImageShareOutputs } from "./args";

export interface SharePlan {
  /** Accounts to share the image with. */
  readonly add: readonly string[];
  /** Accounts to stop sharing it with. */
  readonly remove: readonly string[];
  /** Accounts of the desired list that are already shared (no call needed). */
  readonly kept: readonly string[];
}

const sorted = (ids: Iterable<string>): string[] => [...new Set(ids)].sort();

/**
 * The change from `live` (accounts ECS lists now) to `desired`. `managedBefore`: what the resource managed until now
 * (empty on create); those no longer desired are removed. `exclusive`: every live account not desired is removed
 * too. An account is never both added and removed.
 */
export function planShares(
  live: readonly string[],
  desired: readonly string[],
  managedBefore: readonly string[],
  exclusive: boolean,
): SharePlan {
  const liveSet = new Set(live);
  const desiredSet = new Set(desired);
  const dropped = new Set(managedBefore.filter((id) => !desiredSet.has(id)));
  return {
    add: sorted(desired.filter((id) => !liveSet.has(id))),
    remove: sorted(live.filter((id) => !desiredSet.has(id) && (exclusive || dropped.has(id)))),
    kept: sorted(desired.filter((id) => liveSet.has(id))),
  };
}

/** The share list after `plan` was carried out on `live`. */
export function afterPlan(live: readonly string[], plan: SharePlan): string[] {
  const removed = new Set(plan.remove);
  return sorted([...live.filter((id) => !removed.has(id)), ...plan.add]);
}

/** Everything a resource manages: the accounts ECS lists for it and those it lost outside Pulumi. */
export function managedAccounts(state: Partial<Pick<ImageShareOutputs, "accountIds" | "missingAccountIds">>): string[] {
  return sorted([...(state.accountIds ?? []), ...(state.missingAccountIds ?? [])]);
}

/** The outputs for `inputs` when ECS lists `live` and the resource manages `managed`. */
export function shareOutputs(
  inputs: ImageShareInputs,
  image: Pick<ImageView, "ownerId" | "name">,
  live: readonly string[],
  managed: readonly string[],
  adopted: readonly string[],
): ImageShareOutputs {
  const liveSet = new Set(live);
  const managedSet = new Set(managed);
  return {
    ...inputs,
    accountIds: sorted(managed.filter((id) => liveSet.has(id))),
    missingAccountIds: sorted(managed.filter((id) => !liveSet.has(id))),
    unmanagedAccountIds: sorted(live.filter((id) => !managedSet.has(id))),
    adoptedAccountIds: sorted(adopted),
    ownerAccountId: image.ownerId,
    imageName: image.name,
  };
}
