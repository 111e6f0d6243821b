// Entry module of SharedImageCopy, kept at this path because users' state refers to it: the shim serialized as
// `__provider` loads "pulumi-ecs-shared-images/providers/shared-image-copy" and calls its `provider`. The resource
// itself lives in ./copy/.
import { SHARED_IMAGE_COPY } from "./copy/resource";

export type {
  SharedImageCopyArgs,
  SharedImageCopyDeleteOptions,
  SharedImageCopyInputs,
  SharedImageCopyOutputs,
} from "./copy/args";
export { provider } from "./copy/provider";
export { SharedImageCopy } from "./copy/resource";

// Exported from this module before the resource's definition (copy/resource.ts) held them; programs may import them.
export const SHARED_IMAGE_COPY_MODULE = SHARED_IMAGE_COPY.entryModule;
export const SHARED_IMAGE_COPY_TYPE = SHARED_IMAGE_COPY.typeToken;
