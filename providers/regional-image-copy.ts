// Entry module of RegionalImageCopy, at the path users' state will refer to: the shim serialized as `__provider`
// loads "pulumi-ecs-shared-images/providers/regional-image-copy" and calls its `provider`. The resource itself lives
// in ./regional-copy/.
export type { RegionalImageCopyArgs, RegionalImageCopyInputs, RegionalImageCopyOutputs } from "./regional-copy/args";
export { provider } from "./regional-copy/provider";
export { RegionalImageCopy } from "./regional-copy/resource";
