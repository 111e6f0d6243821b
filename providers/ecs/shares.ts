// ECS's limits on sharing an image and how a change of its share list is cut into ModifyImageSharePermission calls:
// pure, so the batching is table-tested (test/unit/image-share-rules.test.ts) apart from the calls.

/**
 * Accounts per ModifyImageSharePermission call, in each of AddAccount.N and RemoveAccount.N. ECS processes the first
 * 10 and silently ignores the rest, so a client that sends more loses shares without an error.
 */
export const SHARE_ACCOUNTS_PER_CALL = 10;

/** Accounts one image can be shared with (QuotaExceed.ShareImageUser beyond). */
export const MAX_SHARE_ACCOUNTS = 50;

/** DescribeImageSharePermission's largest page (its default is 10). */
export const SHARE_PAGE_SIZE = 100;

/** One ModifyImageSharePermission call. */
export interface SharePermissionChange {
  readonly add: readonly string[];
  readonly remove: readonly string[];
}

/**
 * The calls that make a share list lose `remove` and gain `add`, at most SHARE_ACCOUNTS_PER_CALL of each per call.
 * Call i carries the i-th slice of both lists, so the fewest calls are made and the share count on the way never
 * exceeds both the count before and the count after (removals go no later than the additions beside them).
 */
export function sharePermissionBatches(
  add: readonly string[],
  remove: readonly string[],
  perCall = SHARE_ACCOUNTS_PER_CALL,
): SharePermissionChange[] {
  const calls = Math.ceil(Math.max(add.length, remove.length) / perCall);
  return Array.from({ length: calls }, (_, i) => ({
    add: add.slice(i * perCall, (i + 1) * perCall),
    remove: remove.slice(i * perCall, (i + 1) * perCall),
  }));
}
