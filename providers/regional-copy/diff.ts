// RegionalImageCopy's pure diff: the copy resources' common diff, with the source's region replacing too.
import type { ImageCopyDiff } from "../copy/args";
import { type CopyDiffKeys, diffImageCopy, makesNewCopy } from "../copy/diff";
import type { RegionalImageCopyInputs, RegionalImageCopyOutputs } from "./args";

const KEYS: CopyDiffKeys<RegionalImageCopyInputs> = {
  replacing: ["sourceRegion"],
  stateOnly: ["timeouts", "deleteOptions", "identity"],
};

/** See diffImageCopy: sourceRegion replaces, timeouts, delete options and identity touch state only. */
export function diffRegionalImageCopy(
  olds: Partial<RegionalImageCopyOutputs>,
  news: RegionalImageCopyInputs,
): ImageCopyDiff {
  return diffImageCopy(olds, news, KEYS);
}

/** Whether these inputs make a new copy (create or replacement), so check() looks at source and region again. */
export function makesNewRegionalCopy(olds: Partial<RegionalImageCopyInputs>, news: RegionalImageCopyInputs): boolean {
  return makesNewCopy(olds, news, KEYS.replacing);
}
