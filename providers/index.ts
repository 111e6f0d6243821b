// The library's public API: the resources, the approval policy and the RAM policy that enforces it in the cloud.
export { ImageShare, type ImageShareArgs } from "./image-share";
export { DISK_CATEGORIES, type InstanceFromSharedImageArgs, type OnImageChange } from "./instance/args";
export { InstanceFromSharedImage } from "./instance/resource";
export { type ApprovalPolicy, evaluateImage, validateApprovalPolicy } from "./policy/approval";
export { type RamPolicyDocument, ramPolicyDocument } from "./policy/ram-policy";
export { RegionalImageCopy, type RegionalImageCopyArgs } from "./regional-image-copy";
export { SharedImageCopy, type SharedImageCopyArgs } from "./shared-image-copy";
export { type RestartMode, SystemDiskReplacement, type SystemDiskReplacementArgs } from "./system-disk-replacement";
