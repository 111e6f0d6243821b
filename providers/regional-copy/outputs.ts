// The state of a regional copy as its provider returns it: its inputs, with what ECS reports taking precedence.
import type { SourceInfo } from "../copy/args";
import { copyFacts } from "../copy/outputs";
import type { ImageView } from "../ecs/types";
import { dropUndefined } from "../wire-values";
import type { RegionalImageCopyInputs, RegionalImageCopyOutputs } from "./args";

export function regionalOutputs(
  inputs: RegionalImageCopyInputs,
  id: string,
  image: ImageView | undefined,
  source: SourceInfo,
): RegionalImageCopyOutputs {
  return dropUndefined({
    identity: inputs.identity,
    sourceImageId: inputs.sourceImageId,
    sourceRegion: inputs.sourceRegion,
    region: inputs.region,
    timeouts: inputs.timeouts,
    deleteOptions: inputs.deleteOptions,
    resourceGroupId: inputs.resourceGroupId,
    ...copyFacts(inputs, id, image, source),
  });
}
