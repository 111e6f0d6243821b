// Entry module of SystemDiskReplacement. It stays at this path because every user's state refers to it: the shim
// serialized as `__provider` loads "pulumi-ecs-shared-images/providers/system-disk-replacement" and calls its
// `provider`. The resource itself lives in ./system-disk/.
import { TYPE_MODULE } from "./common/dynamic-resource";
import { SYSTEM_DISK_REPLACEMENT } from "./system-disk/resource";

export type {
  RestartMode,
  SystemDiskReplacementArgs,
  SystemDiskReplacementInputs,
  SystemDiskReplacementOutputs,
} from "./system-disk/args";
export { provider } from "./system-disk/provider";
export { SystemDiskReplacement } from "./system-disk/resource";

// Exported from this module before the resource's definition (system-disk/resource.ts) held them; programs may import
// them. MODULE is the type token's module; MODULE_ID the entry module's package specifier.
export const MODULE = TYPE_MODULE;
export const TYPE = SYSTEM_DISK_REPLACEMENT.type;
export const MODULE_ID = SYSTEM_DISK_REPLACEMENT.entryModule;
