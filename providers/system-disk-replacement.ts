// Entry module of SystemDiskReplacement. It stays at this path because every user's state refers to it: the shim
// serialized as `__provider` loads "pulumi-ecs-shared-images/providers/system-disk-replacement" and calls its
// `provider`. The resource itself lives in ./system-disk/.
export type {
  RestartMode,
  SystemDiskReplacementArgs,
  SystemDiskReplacementInputs,
  SystemDiskReplacementOutputs,
} from "./system-disk/args";
export { provider } from "./system-disk/provider";
export { MODULE, MODULE_ID, SystemDiskReplacement, TYPE } from "./system-disk/resource";
