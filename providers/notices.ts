// What a change destroys, said beforehand. check() and diff() run during `pulumi preview` (and the preview phase of
// `pulumi up`); the lines below are logged there as warnings on the resource, so a reviewer reads which system disks
// are re-imaged and what a replacement deletes before anything happens. Pulumi shows that a resource is replaced, but
// not what goes with it, and an in-place update that re-images a disk looks like any other update.
import { reportProgress } from "./progress";

/** "re-images the system disk of <instance> ..." (the phrase tests and report tools look for). */
export function reimageNotice(
  instanceId: string,
  change: { readonly fromImageId: string; readonly toImageId: string; readonly because?: readonly string[] },
): string {
  const what =
    change.fromImageId === change.toImageId
      ? `from image ${change.toImageId} again`
      : `(image ${change.fromImageId || "?"} -> ${change.toImageId})`;
  const why = change.because && change.because.length > 0 ? ` because ${change.because.join(", ")} changed` : "";
  return `re-images the system disk of ${instanceId} ${what}${why}: everything on the system disk is lost; data disks stay`;
}

/** "replaces instance <instance> ...": what goes with a replaced instance. */
export function replaceNotice(instanceId: string, because: readonly string[]): string {
  return (
    `replaces instance ${instanceId} because ${because.join(", ")} changed: a new instance is made and this one is ` +
    "deleted with its system disk and data disks"
  );
}

/** Logs a notice as a warning on the resource (shown by preview and up). */
export function announce(urn: string | undefined, message: string): void {
  if (urn) reportProgress(urn, message, { warning: true });
}
