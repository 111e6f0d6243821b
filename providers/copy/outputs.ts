// The state of a copy as the provider returns it (the inputs, with what ECS reports taking precedence), the statuses
// of a running copy, and the partial state a failed create or update leaves.
import type { ImageStatus, ImageView } from "../ecs/types";
import { partialState } from "../partial";
import { userTags } from "../tags";
import { dropUndefined } from "../wire-values";
import type { SharedImageCopyInputs, SharedImageCopyOutputs, SourceInfo } from "./args";

export const IN_PROGRESS: ReadonlySet<ImageStatus> = new Set(["Creating", "Waiting"]);

/** The state of a copy: the inputs, with everything ECS reports about the image taking precedence. */
export function copyOutputs(
  inputs: SharedImageCopyInputs,
  id: string,
  image: ImageView | undefined,
  source: SourceInfo,
): SharedImageCopyOutputs {
  const status = image?.status ?? "Waiting";
  return dropUndefined({
    identity: inputs.identity,
    sourceImageId: inputs.sourceImageId,
    region: inputs.region,
    approval: inputs.approval,
    timeouts: inputs.timeouts,
    deleteOptions: inputs.deleteOptions,
    resourceGroupId: inputs.resourceGroupId,
    imageId: id,
    name: image?.name ?? inputs.name,
    description: image?.description ?? inputs.description ?? "",
    tags: userTags(image?.tags ?? inputs.tags ?? {}),
    status,
    progress: status === "Available" || status === "Deprecated" ? 100 : (image?.progressPercent ?? 0),
    sourceOwnerId: source.ownerId ?? "",
    sourceImageName: source.name ?? "",
    accountId: image?.ownerId ?? "",
    encrypted: image?.encrypted ?? inputs.encrypted ?? false,
    kmsKeyId: inputs.kmsKeyId ?? "",
    size: image?.size ?? 0,
    isCopied: image?.isCopied ?? true,
    creationTime: image?.creationTime,
    osType: image?.osType,
    platform: image?.platform,
    architecture: image?.architecture,
  });
}

/** Partial state (see providers/partial.ts) with the copy's outputs. */
export function keepInState(
  err: unknown,
  id: string,
  inputs: SharedImageCopyInputs,
  outputs: SharedImageCopyOutputs,
): Error {
  return partialState(err, id, inputs, dropUndefined({ ...outputs }));
}
