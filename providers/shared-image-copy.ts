// Entry module of SharedImageCopy, kept at this path because users' state refers to it: SHARED_IMAGE_COPY_MODULE
// names it as `__provider`, and the shim loads `provider` from here. The resource itself lives in ./copy/.
export type {
  SharedImageCopyArgs,
  SharedImageCopyDeleteOptions,
  SharedImageCopyInputs,
  SharedImageCopyOutputs,
} from "./copy/args";
export { provider } from "./copy/provider";
export { SHARED_IMAGE_COPY_MODULE, SHARED_IMAGE_COPY_TYPE, SharedImageCopy } from "./copy/resource";
