// The library's public API: the three resources, the approval policy and the RAM policy that enforces it in the cloud.
export {
  DISK_CATEGORIES,
  InstanceFromSharedImage,
  type InstanceFromSharedImageArgs,
  type OnImageChange,
} from "./instance-from-shared-image";
export { type ApprovalPolicy, evaluateImage, validateApprovalPolicy } from "./policy/approval";
export { type RamPolicyDocument, ramPolicyDocument } from "./policy/ram-policy";
export { SharedImageCopy, type SharedImageCopyArgs } from "./shared-image-copy";
export { type RestartMode, SystemDiskReplacement, type SystemDiskReplacementArgs } from "./system-disk-replacement";
