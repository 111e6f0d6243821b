// Entry module of InstanceFromSharedImage, kept at this path because users' state refers to it: the serialized shim
// loads "pulumi-ecs-shared-images/providers/instance-from-shared-image" and calls its `provider`. The code lives in
// providers/instance/.
export {
  type DataDiskArgs,
  DISK_CATEGORIES,
  type DiskInput,
  type InstanceFromSharedImageArgs,
  type InstanceFromSharedImageInputs,
  type InstanceFromSharedImageOutputs,
  type OnImageChange,
  type SystemDiskArgs,
} from "./instance/args";
export { provider } from "./instance/provider";
export { InstanceFromSharedImage } from "./instance/resource";
