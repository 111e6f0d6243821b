// The state of a copy as the providers return it (the inputs, with what ECS reports taking precedence), the statuses
// of a running copy, and the partial state a failed create or update leaves.
import type { ImageStatus, ImageView } from "../ecs/types";
import { partialState } from "../partial";
import { userTags } from "../tags";
import { dropUndefined } from "../wire-values";
import type {
  ImageCopyFacts,
  ImageCopyInputs,
  SharedImageCopyInputs,
  SharedImageCopyOutputs,
  SourceInfo,
} from "./args";

export const IN_PROGRESS: ReadonlySet<ImageStatus> = new Set(["Creating", "Waiting"]);

/** What ECS reports about the copy `id` (the inputs standing in for what it does not report yet). */
export function copyFacts(
  inputs: ImageCopyInputs,
  id: string,
  image: ImageView | undefined,
  source: SourceInfo,
): ImageCopyFacts {
  const status = image?.status ?? "Waiting";
  return dropUndefined({
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

/** The state of a SharedImageCopy: its inputs, with everything ECS reports about the image taking precedence. */
export function copyOutputs(
  inputs: SharedImageCopyInputs,
  id: string,
  image: ImageView | undefined,
  source: SourceInfo,
): SharedImageCopyOutputs {
  return dropUndefined({
    identity: inputs.identity,
    sourceImageId: inputs.sourceImageId,
    region: inputs.region,
    approval: inputs.approval,
    timeouts: inputs.timeouts,
    deleteOptions: inputs.deleteOptions,
    resourceGroupId: inputs.resourceGroupId,
    ...copyFacts(inputs, id, image, source),
  });
}

/** Partial state (see providers/partial.ts) with the copy's outputs. */
export function keepInState(err: unknown, id: string, inputs: ImageCopyInputs, outputs: ImageCopyFacts): Error {
  return partialState(err, id, inputs, dropUndefined({ ...outputs }));
}
