// ImageShare's pure diff: what replaces the share, what changes in place, and which accounts a change stops sharing
// the image with (announced at preview).
import { same } from "../common/equality";
import type { ImageShareInputs, ImageShareOutputs } from "./args";

export interface ImageShareDiff {
  readonly changes: boolean;
  readonly replaces: string[];
  /** The properties that change in place (for tests and messages; the engine computes its own detail). */
  readonly updates: string[];
  /** Accounts the change stops sharing the image (the old one, for a replacement) with, sorted. */
  readonly removedAccounts: string[];
}

const sortedSet = (ids: readonly string[] | undefined) => [...new Set(ids ?? [])].sort();

/**
 * What changes between the stored state (`olds`: outputs, as read back from ECS) and the checked inputs (`news`).
 * Image and region replace; the account list, `exclusive` and drift (managed accounts ECS no longer lists, and with
 * `exclusive` accounts shared outside Pulumi) update in place; timeouts and identity update state only. `changes` is
 * always definite.
 */
export function diffImageShare(olds: Partial<ImageShareOutputs>, news: ImageShareInputs): ImageShareDiff {
  const replaces: string[] = [];
  const updates: string[] = [];
  if (olds.imageId !== news.imageId) replaces.push("imageId");
  if (olds.region !== news.region) replaces.push("region");
  const desired = new Set(news.accountIds);
  if (!same(sortedSet(olds.accountIds), sortedSet(news.accountIds))) updates.push("accountIds");
  if ((olds.missingAccountIds ?? []).length > 0) updates.push("missingAccountIds");
  if (news.exclusive && (olds.unmanagedAccountIds ?? []).length > 0) updates.push("unmanagedAccountIds");
  if ((olds.exclusive ?? true) !== news.exclusive) updates.push("exclusive");
  for (const key of ["timeouts", "identity"] as const) {
    if (!same(olds[key], news[key])) updates.push(key);
  }
  // A replacement's delete removes what the old resource manages (from the old image); an update removes the
  // managed accounts no longer listed, and with `exclusive` those shared outside Pulumi.
  const removedAccounts =
    replaces.length > 0
      ? sortedSet(olds.accountIds)
      : sortedSet([
          ...(olds.accountIds ?? []).filter((id) => !desired.has(id)),
          ...(news.exclusive ? (olds.unmanagedAccountIds ?? []).filter((id) => !desired.has(id)) : []),
        ]);
  return { changes: replaces.length > 0 || updates.length > 0, replaces, updates, removedAccounts };
}
