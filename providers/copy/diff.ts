// The pure diff of both copy resources: what replaces the copy, what changes in place, what touches state only, and
// whether the inputs make a new copy (so check() looks at the source again).
import { same } from "../common/equality";
import type {
  ImageCopyDiff,
  ImageCopyFacts,
  ImageCopyInputs,
  SharedImageCopyInputs,
  SharedImageCopyOutputs,
} from "./args";

const REPLACING_KEYS = ["sourceImageId", "region", "encrypted", "kmsKeyId", "resourceGroupId"] as const;

/** What a copy resource adds to the common diff: inputs that also replace, and those that touch state only. */
export interface CopyDiffKeys<I> {
  readonly replacing: readonly (keyof I & string)[];
  readonly stateOnly: readonly (keyof I & string)[];
}

/**
 * What changes between the stored state (`olds`: outputs, as read back from ECS) and the checked inputs (`news`).
 * Source, region, encryption, KMS key, resource group and `keys.replacing` replace; name, description and tags update
 * in place; `keys.stateOnly` (provider-only inputs) update state only. A copy that failed (CreateFailed) can never
 * become Available, so it is replaced. `changes` is always definite.
 */
export function diffImageCopy<I extends ImageCopyInputs>(
  olds: Partial<I & ImageCopyFacts>,
  news: I,
  keys: CopyDiffKeys<I>,
): ImageCopyDiff {
  const replaces: string[] = [];
  const updates: string[] = [];
  const differs = (a: unknown, b: unknown) => (a ?? "") !== (b ?? "");
  if (olds.sourceImageId !== news.sourceImageId) replaces.push("sourceImageId");
  if (olds.region !== news.region) replaces.push("region");
  if ((olds.encrypted ?? false) !== (news.encrypted ?? false)) replaces.push("encrypted");
  if (differs(olds.kmsKeyId, news.kmsKeyId)) replaces.push("kmsKeyId");
  if (differs(olds.resourceGroupId, news.resourceGroupId)) replaces.push("resourceGroupId");
  for (const key of keys.replacing) if (differs(olds[key], news[key])) replaces.push(key);
  if (olds.status === "CreateFailed") replaces.push("status");

  if (olds.name !== news.name) updates.push("name");
  // An unset description leaves the one ECS gave the copy (the source's) alone.
  if (news.description !== undefined && differs(olds.description, news.description)) updates.push("description");
  if (!same(olds.tags ?? {}, news.tags ?? {})) updates.push("tags");
  for (const key of keys.stateOnly) if (!same(olds[key], news[key])) updates.push(key);
  return {
    changes: replaces.length > 0 || updates.length > 0,
    replaces,
    updates,
    // Image names are unique per account and region: a replacement keeping both must delete the old copy first.
    // (`pulumi up --replace` asks no diff: it makes the new copy first, which a kept name refuses; create says so.)
    deleteBeforeReplace: olds.name === news.name && olds.region === news.region,
  };
}

/** SharedImageCopy's diff: approval, timeouts, delete options and identity touch state only. */
export function diffSharedImageCopy(olds: Partial<SharedImageCopyOutputs>, news: SharedImageCopyInputs): ImageCopyDiff {
  return diffImageCopy(olds, news, { replacing: [], stateOnly: ["approval", "timeouts", "deleteOptions", "identity"] });
}

/** Whether these inputs make a new copy (create or replacement), so the source must be checked again. */
export function makesNewCopy<I extends ImageCopyInputs>(
  olds: Partial<I>,
  news: I,
  replacing: readonly (keyof I & string)[] = [],
): boolean {
  if (olds.sourceImageId === undefined) return true;
  return [...REPLACING_KEYS, ...replacing].some((key) => (olds[key] ?? "") !== (news[key] ?? ""));
}
