// The delete of both copy resources: cancel a running copy (or wait for it), delete the image, and say why
// DeleteImage refused a copy still in use, with the one fix that fits.
import { EcsApi } from "../ecs/api";
import { EcsError, isCopyNoLongerCancellable, isImageInUse, isImageNotFound } from "../ecs/errors";
import type { ImageView } from "../ecs/types";
import { type Acceptor, imageAvailable, imageGone, poll, pollDelays } from "../ecs/wait";
import { reportProgress } from "../progress";
import { readCreateTag } from "../tags";
import { type ImageCopyInputs, timeoutsOf } from "./args";
import { IN_PROGRESS } from "./outputs";

/** Stops waiting once a cancelled copy is gone or no longer running. */
const copyStopped: Acceptor<ImageView | undefined> = (image) =>
  image === undefined || !IN_PROGRESS.has(image.status)
    ? { state: "success", reason: image === undefined ? "deleted" : image.status }
    : { state: "retry", reason: `still ${image.status}` };

export async function deleteCopy(
  id: string,
  props: Pick<ImageCopyInputs, "region" | "identity" | "timeouts" | "deleteOptions">,
): Promise<void> {
  const api = EcsApi.forRegion(props.region, "delete");
  const timeouts = timeoutsOf(props);
  const urn = props.identity?.urn;
  const delays = pollDelays();
  let image = await api.getImage(id);
  if (!image) return;
  if (IN_PROGRESS.has(image.status)) {
    if (props.deleteOptions?.cancelRunningCopy === false) {
      if (urn) reportProgress(urn, `waiting for the running copy ${id} to finish before deleting it`);
      image = await poll({
        describe: () => api.getImage(id),
        acceptor: imageAvailable(),
        what: `the copy ${id} to finish before deleting it`,
        timeoutMs: timeouts.delete,
        ...delays,
      });
    } else {
      try {
        await api.cancelCopyImage(id);
        if (urn) reportProgress(urn, `cancelled the running copy ${id} (was ${image.status})`);
      } catch (err) {
        if (isImageNotFound(err)) return;
        // The copy finished between the read and the cancel: delete it below.
        if (!isCopyNoLongerCancellable(err)) throw err;
      }
      image = await poll({
        describe: () => api.getImage(id),
        acceptor: copyStopped,
        what: `the cancelled copy ${id} to stop`,
        timeoutMs: timeouts.delete,
        ...delays,
      });
      if (!image) return;
    }
  }
  try {
    await api.deleteImage(id, props.deleteOptions?.force === true);
  } catch (err) {
    if (isImageNotFound(err)) return;
    if (isImageInUse(err) && err instanceof EcsError) throw await inUseError(api, id, err);
    throw err;
  }
  await poll({
    describe: () => api.getImage(id),
    acceptor: imageGone,
    what: `the copy ${id} to be deleted`,
    timeoutMs: timeouts.delete,
    ...delays,
  });
}

/**
 * DeleteImage's refusal of a copy still in use, said once with the one fix that fits: the instances running on it
 * are named; those of InstanceFromSharedImage (they carry its create tag) go first, as a destroy does; any other
 * (typically one a SystemDiskReplacement without revertOnDelete left on the copy) keeps the copy alive unless reverted
 * or the copy is kept.
 */
async function inUseError(api: EcsApi, id: string, err: EcsError): Promise<EcsError> {
  const users =
    err.code === "ImageUsingByInstance"
      ? (await api.instancesUsingImage(id)).map((i) => ({ id: i.id, ours: readCreateTag(i.tags) !== undefined }))
      : [];
  return new EcsError({ ...err, ...inUseMessage(id, err.code, users) });
}

/** The sentence and the fix for a copy DeleteImage refused (pure). */
export function inUseMessage(
  id: string,
  code: string,
  users: readonly { readonly id: string; readonly ours: boolean }[],
): { sentence: string; hint: string } {
  if (code !== "ImageUsingByInstance") {
    return {
      sentence: `the copy ${id} is shared with other accounts`,
      hint: "unshare it first, or set deleteOptions.force: true to delete it anyway.",
    };
  }
  const others = users.filter((u) => !u.ours).map((u) => u.id);
  const named = users.length === 0 ? "instances" : `${users.map((u) => u.id).join(", ")}`;
  const sentence = `the copy ${id} is the image of ${named}`;
  if (others.length === 0) {
    return {
      sentence,
      hint: "those are InstanceFromSharedImage instances of a stack: delete them, or move them to another image, first.",
    };
  }
  // By now a SystemDiskReplacement that left its instance here is gone (a destroy deletes it first) with its
  // record of the previous image: keeping the copy is what works from here.
  const them = others.length === 1 ? "it" : "them";
  return {
    sentence,
    hint:
      `${others.join(", ")} ${others.length === 1 ? "is" : "are"} not an InstanceFromSharedImage (a ` +
      "SystemDiskReplacement without revertOnDelete leaves its instance on the copy): keep the copy for " +
      `${them} with the resource option retainOnDelete: true, run pulumi up, then delete again (or move ${them} ` +
      "to another image first).",
  };
}
