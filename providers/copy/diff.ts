// SharedImageCopy's pure diff: what replaces the copy, what changes in place, what touches state only, and whether
// the inputs make a new copy (so check() looks at the source again).
import { same } from "../common/equality";
import type { SharedImageCopyDiff, SharedImageCopyInputs, SharedImageCopyOutputs } from "./args";

const REPLACING_KEYS = ["sourceImageId", "region", "encrypted", "kmsKeyId", "resourceGroupId"] as const;

/**
 * What changes between the stored state (`olds`: outputs, as read back from ECS) and the checked inputs (`news`).
 * Source, region, encryption, KMS key and resource group replace; name, description and tags update in place; the
 * provider-only inputs (approval, timeouts, deleteOptions, identity) update state only. A copy that failed
 * (CreateFailed) can never become Available, so it is replaced. `changes` is always definite.
 */
export function diffSharedImageCopy(
  olds: Partial<SharedImageCopyOutputs>,
  news: SharedImageCopyInputs,
): SharedImageCopyDiff {
  const replaces: string[] = [];
  const updates: string[] = [];
  const differs = (a: unknown, b: unknown) => (a ?? "") !== (b ?? "");
  if (olds.sourceImageId !== news.sourceImageId) replaces.push("sourceImageId");
  if (olds.region !== news.region) replaces.push("region");
  if ((olds.encrypted ?? false) !== (news.encrypted ?? false)) replaces.push("encrypted");
  if (differs(olds.kmsKeyId, news.kmsKeyId)) replaces.push("kmsKeyId");
  if (differs(olds.resourceGroupId, news.resourceGroupId)) replaces.push("resourceGroupId");
  if (olds.status === "CreateFailed") replaces.push("status");

  if (olds.name !== news.name) updates.push("name");
  // An unset description leaves the one ECS gave the copy (the source's) alone.
  if (news.description !== undefined && differs(olds.description, news.description)) updates.push("description");
  if (!same(olds.tags ?? {}, news.tags ?? {})) updates.push("tags");
  for (const key of ["approval", "timeouts", "deleteOptions", "identity"] as const) {
    if (!same(olds[key], news[key])) updates.push(key);
  }
  return {
    changes: replaces.length > 0 || updates.length > 0,
    replaces,
    updates,
    // Image names are unique per account and region: a replacement keeping both must delete the old copy first.
    // (`pulumi up --replace` asks no diff: it makes the new copy first, which a kept name refuses; create says so.)
    deleteBeforeReplace: olds.name === news.name && olds.region === news.region,
  };
}

/** Whether these inputs make a new copy (create or replacement), so the source must be checked again. */
export function makesNewCopy(olds: Partial<SharedImageCopyInputs>, news: SharedImageCopyInputs): boolean {
  if (olds.sourceImageId === undefined) return true;
  return REPLACING_KEYS.some((key) => (olds[key] ?? "") !== (news[key] ?? ""));
}
