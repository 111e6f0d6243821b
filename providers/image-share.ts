// Entry module of ImageShare, at this path for good because users' state refers to it: the shim serialized as
// `__provider` loads "pulumi-ecs-shared-images/providers/image-share" and calls its `provider`. The resource itself
// lives in ./share/.
export type { ImageShareArgs, ImageShareInputs, ImageShareOutputs } from "./share/args";
export { provider } from "./share/provider";
export { ImageShare } from "./share/resource";
