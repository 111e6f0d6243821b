// Waiting for a copy to become Available while its percentage shows beside the resource in `pulumi up`, and what a
// failed wait last saw (so partial state shows the real status).
import type { EcsApi } from "../ecs/api";
import { formatDuration, TimeoutError, WaitFailedError } from "../ecs/errors";
import type { ImageView } from "../ecs/types";
import { imageAvailable, poll, pollDelays } from "../ecs/wait";
import { progressDelivered, reportProgress } from "../progress";
import type { ImageCopyInputs } from "./args";

/** Waits for the copy to become Available, reporting its percentage beside the resource in `pulumi up`. */
export async function waitForCopy(
  api: EcsApi,
  id: string,
  inputs: Pick<ImageCopyInputs, "identity" | "sourceImageId">,
  timeoutMs: number,
): Promise<ImageView> {
  const urn = inputs.identity.urn;
  let lastShown = "";
  const image = (await poll({
    describe: () => api.getImage(id),
    acceptor: imageAvailable(),
    what: `the copy ${id} of ${inputs.sourceImageId} to become Available`,
    timeoutMs,
    ...pollDelays(),
    onProgress: ({ reason, elapsedMs, remainingMs }) => {
      if (reason === lastShown) return;
      lastShown = reason;
      reportProgress(
        urn,
        `copy ${id} of ${inputs.sourceImageId}: ${reason} (${formatDuration(elapsedMs) || "0s"} elapsed, ` +
          `timeout in ${formatDuration(Math.max(remainingMs, 0)) || "0s"})`,
        { ephemeral: true },
      );
    },
  })) as ImageView;
  reportProgress(urn, `copy ${id} of ${inputs.sourceImageId} is Available (${image.size} GiB)`);
  await progressDelivered();
  return image;
}

/** What a failed wait last saw, so partial state shows the real status and progress. */
export function lastObserved(err: unknown): ImageView | undefined {
  if (err instanceof TimeoutError) return err.lastObserved as ImageView | undefined;
  if (err instanceof WaitFailedError) return err.observed as ImageView | undefined;
  return undefined;
}

/**
 * A wait that ended on a failed copy, with what ECS does not say (why it failed) and the fix; any other error as it
 * is. The usual causes are keys and payment: the copy's own KMS key, or the source's, disabled while it ran, or the
 * owner of the shared image in arrears.
 */
export function explainFailedCopy(err: unknown, inputs: Pick<ImageCopyInputs, "kmsKeyId" | "region">): unknown {
  if (!(err instanceof WaitFailedError) || (err.observed as ImageView | undefined)?.status !== "CreateFailed")
    return err;
  const ownKey = inputs.kmsKeyId
    ? `the KMS key ${inputs.kmsKeyId} it encrypts with disabled in ${inputs.region}, `
    : "";
  return new WaitFailedError(
    err.what,
    `${err.reason}; ECS does not say why (usually ${ownKey}a KMS key of the source disabled, or the owner of the ` +
      "shared image in arrears). Fix: remove the cause, then run pulumi up: it replaces the failed copy",
    err.observed,
  );
}
