// What a change destroys, said beforehand. check() and diff() run during `pulumi preview` (and the preview phase of
// `pulumi up`); the lines below are logged there as warnings on the resource, so a reviewer reads which system disks
// are re-imaged and what a replacement deletes before anything happens. Pulumi shows that a resource is replaced, but
// not what goes with it, and an in-place update that re-images a disk looks like any other update.
import { reportProgress } from "./progress";

// An image id another resource computes (a copy's imageId) is unknown during a preview in which that resource is
// created, replaced or even only updated (the engine knows an updated resource's outputs only once it ran). The change
// is announced, as the engine plans it, but says that it happens only if the id turns out different.
const IF_UNKNOWN =
  "if the image id, which the preview cannot know yet (the resource it comes from changes in this run), turns out " +
  "different";

/**
 * "re-images the system disk of <instance> ..." (the phrase tests and report tools look for). `toImageId` undefined:
 * not known at preview.
 */
export function reimageNotice(
  instanceId: string,
  change: { readonly fromImageId: string; readonly toImageId?: string; readonly because?: readonly string[] },
): string {
  const lost = "everything on the system disk is lost; data disks stay";
  if (change.toImageId === undefined) return `re-images the system disk of ${instanceId} ${IF_UNKNOWN}: ${lost}`;
  const what =
    change.fromImageId === change.toImageId
      ? `from image ${change.toImageId} again`
      : `(image ${change.fromImageId || "?"} -> ${change.toImageId})`;
  const why = change.because && change.because.length > 0 ? ` because ${change.because.join(", ")} changed` : "";
  return `re-images the system disk of ${instanceId} ${what}${why}: ${lost}`;
}

/**
 * "replaces instance <instance> ...": what goes with a replaced instance. `unknownImage`: only the image id, unknown
 * at preview, calls for it.
 */
export function replaceNotice(instanceId: string, because: readonly string[], unknownImage = false): string {
  const why = unknownImage ? IF_UNKNOWN : `because ${because.join(", ")} changed`;
  return `replaces instance ${instanceId} ${why}: a new instance is made and this one is deleted with its system disk and data disks`;
}

/** "replaces copy <image> ...": the order a copy replacement takes, which decides whether instances overlap. */
export function copyReplaceNotice(imageId: string, because: readonly string[], deleteFirst: boolean): string {
  const order = deleteFirst
    ? "it keeps its name, and image names are unique, so this copy is deleted before the new one is made: instances " +
      "the change replaces go before it (no overlap), and the delete fails while other instances still use it " +
      "(unless deleteOptions.force); change name in the same update to make the new copy first"
    : "the new copy is made first, and this one deleted at the end of the run";
  return `replaces copy ${imageId} because ${because.join(", ")} changed: ${order}`;
}

/** Logs a notice as a warning on the resource (shown by preview and up). */
export function announce(urn: string | undefined, message: string): void {
  if (urn) reportProgress(urn, message, { warning: true });
}

/**
 * "stops sharing image <image> with ...": what the owner's unshare does to the accounts (the ECS guide's warning).
 * `inUse`: whether ECS reports instances created from the image (DescribeImages Usage=instance, which does not say
 * whose); undefined when that could not be asked.
 */
export function unshareNotice(imageId: string, accountIds: readonly string[], inUse: boolean | undefined): string {
  const who = accountIds.length === 1 ? `account ${accountIds[0]}` : `accounts ${accountIds.join(", ")}`;
  const usage =
    inUse === undefined
      ? ""
      : inUse
        ? `; ECS reports instances created from ${imageId} (it does not say whose: ask ${accountIds.length === 1 ? "that account" : "those accounts"} before going on)`
        : `; ECS reports no instance created from ${imageId}`;
  return (
    `stops sharing image ${imageId} with ${who}: instances ${accountIds.length === 1 ? "it" : "they"} created from ` +
    `the image keep running but can no longer re-initialize their system disks from it, and no new copy or instance ` +
    `can be made from it there${usage}`
  );
}
