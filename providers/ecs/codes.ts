// Everything the providers know about ECS wire codes, one entry per code: the sentence and hint a user reads, how
// retries treat it, the request parameter it points at, and what it means to our operations. retry.ts, errors.ts and
// the resources derive their sets, messages and predicates from this table, so a code is described in one place.
// The connection-level codes (throttling, credentials, network) are in transport-codes.ts; the entry shape in
// code-entry.ts.
import { type CodeEntry, fixed } from "./code-entry";
import type { ErrorContext } from "./errors";
import { TRANSPORT_CODES } from "./transport-codes";

const image = (c: ErrorContext) => (c.imageId === undefined ? "the image" : `the image ${c.imageId}`);
const instance = (c: ErrorContext) => (c.instanceId === undefined ? "the instance" : `the instance ${c.instanceId}`);
const kmsKey = (c: ErrorContext) => (c.kmsKeyId === undefined ? "the KMS key" : `the KMS key ${c.kmsKeyId}`);
const usesSharedImage = (action: string) =>
  ["CopyImage", "RunInstances", "CreateInstance", "ReplaceSystemDisk"].includes(action);
const accounts = (c: ErrorContext) =>
  c.accountIds === undefined || c.accountIds.length === 0
    ? "an account"
    : c.accountIds.length === 1
      ? `account ${c.accountIds[0]}`
      : `one of the accounts ${c.accountIds.join(", ")}`;
const notInRegion = (what: string, c: ErrorContext) =>
  `a ${what} belongs to one region and one account: name one of this account's in ${c.regionId ?? "the resource's region"}, ` +
  `or set the resource's region (a fleet group's region) to the ${what}'s.`;

/** The codes our operations can meet (the error codes of ECS's API reference), and ours for failures below HTTP. */
const CODES: Readonly<Record<string, CodeEntry>> = {
  ...TRANSPORT_CODES,
  "InvalidImageId.NotFound": {
    sentence: (c, action) =>
      usesSharedImage(action)
        ? `${image(c)} no longer exists or is no longer shared with this account`
        : `${image(c)} does not exist in this region`,
    hint: (_c, action) =>
      usesSharedImage(action)
        ? "ask the image owner to share it with this account again, or choose another approved image."
        : "check the image id and region.",
    parameter: "imageId",
    means: "imageNotFound",
  },
  IncorrectImageStatus: {
    sentence: (c) => `${image(c)} is not in a status that allows this operation (it must be Available)`,
    hint: fixed("wait until the image is Available, or ask the owner why it is not."),
    parameter: "imageId",
    means: "copyNoLongerCancellable",
  },
  "OperationDenied.SameRegionOnly": {
    sentence: (c) => `${image(c)} is shared by another account and can only be copied within its own region`,
    hint: fixed("copy it in the image's region (set region to the source region)."),
  },
  "OperationDenied.ImageCopying": {
    sentence: (c) => `${image(c)} is being copied`,
    hint: fixed("wait for the copy to finish or cancel it (CancelCopyImage) first."),
  },
  "OperationDenied.ImageNotValid": {
    sentence: (c) =>
      `${image(c)} can no longer be used: the owner may be in arrears, may have revoked the share or disabled its key`,
    hint: fixed("ask the image owner to restore the image, or choose another approved image."),
    parameter: "imageId",
  },
  "QuotaExceed.Image": {
    sentence: fixed("this account has reached its custom image quota in this region"),
    hint: fixed("delete unused images or request a higher quota in the Quota Center."),
  },
  "QuotaExceed.Snapshot": {
    sentence: fixed("this account has reached its snapshot quota (a copy creates snapshots)"),
    hint: fixed("delete unused snapshots or request a higher quota."),
  },
  "OperationDenied.QuotaExceed": {
    sentence: fixed("the resource would carry more than 20 tags"),
    hint: fixed(
      "remove tags added to it outside Pulumi; this package keeps up to 4 of the 20 for itself, so give it at most 16.",
    ),
  },
  "InvalidImageName.Duplicated": {
    sentence: fixed("an image with this name already exists in this account and region"),
    hint: fixed("choose another name, or adopt the existing image."),
    means: "imageNameTaken",
  },
  IncorrectDestinationRegion: {
    sentence: fixed("the destination region is not valid for this copy"),
    hint: fixed("use a region where ECS is available to this account."),
  },
  RegionNotSupportCopy: {
    sentence: fixed("image copy is not supported in this region"),
    hint: fixed("copy in another region."),
  },
  "OperationDeined.EncryptedSnapshot": {
    sentence: (c) => `${image(c)} is backed by encrypted snapshots that cannot be copied this way`,
    hint: fixed("copy with encrypted=true and a KMS key this account can use."),
  },
  "InvalidParameter.KMSKeyId.CMKNotEnabled": {
    sentence: (c) => `${kmsKey(c)} is not enabled`,
    hint: fixed("enable the key in KMS or choose another key."),
    parameter: "systemDisk",
  },
  "InvalidParameter.KMSKeyId.NotFound": {
    sentence: (c) => `${kmsKey(c)} does not exist in this region`,
    hint: fixed("check the key id and region."),
    parameter: "systemDisk",
  },
  "InvalidParameter.KMSKeyId.KMSUnauthorized": {
    sentence: (c) => `ECS is not authorized to use ${kmsKey(c)}`,
    hint: fixed("grant the ECS service role access to the key (AliyunECSDiskEncryptDefaultRole)."),
    parameter: "systemDisk",
  },
  "InvalidParameter.EncryptedIllegal": {
    sentence: fixed("a KMS key was given without enabling encryption, or encryption is required and was not enabled"),
    hint: fixed("set encrypted=true whenever a KMS key is set; encrypted shared images need encrypted disks."),
    parameter: "systemDisk",
  },
  "InvalidParameter.EncryptedNotSupported": {
    sentence: fixed("encryption is not supported for this disk category or instance type"),
    hint: fixed("choose a disk category that supports encryption (e.g. cloud_essd)."),
    parameter: "systemDisk",
  },
  "EncryptedOption.Conflict": {
    sentence: fixed("the encryption settings conflict with the image's encryption"),
    hint: fixed("disks made from an encrypted shared image must be encrypted: set encrypted=true."),
    parameter: "dataDisks",
  },
  "InvalidParameter.Encrypted.KmsNotEnabled": {
    sentence: fixed("KMS is not activated for this account"),
    hint: fixed("activate Key Management Service in this region."),
    parameter: "systemDisk",
  },
  "SizeExceed.Image": {
    sentence: (c) => `${image(c)} is larger than ECS allows for this operation`,
    hint: fixed("use a smaller image."),
  },
  ImageCreatedNotFromCopy: {
    sentence: (c) => `${image(c)} was not created by a copy, so there is no copy to cancel`,
    hint: fixed("delete the image instead."),
  },
  CancelNotSupported: {
    sentence: (c) => `the copy of ${image(c)} can no longer be cancelled`,
    hint: fixed("wait for it to finish, then delete the image."),
    means: "copyNoLongerCancellable",
  },
  ImageNotSupportInstanceType: {
    sentence: (c) => `${image(c)} does not support this instance type`,
    hint: fixed("choose an instance type compatible with the image's architecture and boot mode."),
    parameter: "instanceType",
  },
  "InvalidDataDiskCategory.ValueNotSupported": {
    sentence: fixed("a data disk category is not supported for this instance type or zone"),
    hint: fixed("choose another data disk category."),
    parameter: "dataDisks",
  },
  "Forbidden.RAM": {
    sentence: fixed("the RAM user or role is not allowed to do this (a RAM policy may restrict ecs:ImageOwnerId)"),
    hint: fixed("grant the permission, or use an image whose owner the RAM policy allows."),
    // A RAM policy denying RunInstances is conditioned on the image's owner (ecs:ImageOwnerId).
    parameter: "imageId",
  },
  IncorrectInstanceStatus: {
    sentence: (c) => `${instance(c)} is not in a status that allows this operation`,
    hint: fixed("ReplaceSystemDisk needs the instance Stopped in standard (not economical) mode."),
    means: "instanceStatusWrong",
  },
  "InvalidSystemDiskSize.LessThanImageSize": {
    sentence: (c) => `the system disk size is smaller than ${image(c)}`,
    hint: fixed("raise systemDiskSize to at least the image size."),
    parameter: "systemDisk",
  },
  "InvalidSystemDiskSize.MoreThanMaxSize": {
    sentence: fixed("the system disk size is above the maximum for this category"),
    hint: fixed("lower systemDiskSize."),
    parameter: "systemDisk",
  },
  "InvalidSystemDiskSize.ImageNotSupportResize": {
    sentence: (c) => `${image(c)} does not support resizing the system disk`,
    hint: fixed("leave systemDiskSize unset."),
    parameter: "systemDisk",
  },
  InstanceLockedForSecurity: {
    sentence: (c) => `${instance(c)} is locked for security reasons`,
    hint: fixed("resolve the security lock in the console first."),
  },
  "InvalidKeyPairName.NotFound": {
    sentence: (c) =>
      c.keyPairName === undefined ? "the key pair does not exist" : `the key pair ${c.keyPairName} does not exist`,
    hint: fixed("check the key pair name and region."),
    parameter: "keyPairName",
  },
  "InvalidPasswordParam.Mismatch": {
    sentence: fixed("the password does not meet ECS rules or conflicts with the other credential settings"),
    hint: fixed("use 8-30 characters with three of: upper, lower, digits, special characters."),
  },
  "InvalidParameter.Conflict": {
    sentence: fixed("some parameters conflict with each other"),
    hint: fixed(
      "give one of password, key pair or PasswordInherit; PasswordInherit also needs an image with a preset " +
        "password (otherwise set password or keyPairName).",
    ),
  },
  "OperationDenied.InstanceCreating": {
    sentence: (c) => `${instance(c)} is still being created`,
    hint: fixed("wait until it is Running or Stopped."),
  },
  DiskCreatingSnapshot: {
    sentence: fixed("the system disk is creating a snapshot"),
    hint: fixed("wait for the snapshot to finish."),
  },
  ImageUsingByInstance: {
    sentence: (c) => `${image(c)} is used by instances`,
    hint: fixed("delete those instances first, or set force=true on delete."),
    means: "imageInUse",
  },
  ImageUseShared: {
    sentence: (c) => `${image(c)} is shared with other accounts`,
    hint: fixed("unshare it first, or set force=true on delete."),
    means: "imageInUse",
  },
  // Sharing (ModifyImageSharePermission): `accountIds` is the ImageShare input these codes are about.
  "InvalidAccount.NotFound": {
    sentence: (c) => `${accounts(c)} in accountIds does not exist`,
    hint: fixed("check accountIds: each must be the 16-digit id of an existing Alibaba Cloud account."),
    means: "accountNotFound",
  },
  "InvalidAccount.Forbbiden": {
    sentence: (c) =>
      `${image(c)} cannot be shared with ${accounts(c)} in accountIds: ECS forbids it (the owner's own account, say)`,
    hint: fixed("remove that account from accountIds."),
  },
  "QuotaExceed.ShareImageUser": {
    sentence: (c) => `${image(c)} would be shared with more than 50 accounts, the most ECS allows per image`,
    hint: fixed(
      "shorten accountIds; accounts shared outside Pulumi count too: unshare them, or set exclusive to true so the " +
        "share list is exactly accountIds.",
    ),
  },
  "QuotaExceed.ShareImage": {
    sentence: fixed("this account has reached its quota of shared images"),
    hint: fixed("unshare images that are no longer needed, or request a higher quota in the Quota Center."),
  },
  ImageIsImporting: {
    sentence: (c) => `${image(c)} is being imported`,
    hint: fixed("wait for the import to finish."),
  },
  ImageIsExporting: {
    sentence: (c) => `${image(c)} is being exported`,
    hint: fixed("wait for the export to finish."),
  },
  "InvalidInstanceId.NotFound": {
    sentence: (c) => `${instance(c)} does not exist`,
    hint: fixed("check the instance id and region; it may have been deleted outside Pulumi (run pulumi refresh)."),
    means: "instanceNotFound",
  },
  // A DryRun that passed every check ECS makes: ECS reports that success as this error.
  DryRunOperation: { means: "dryRunPassed" },
  "InvalidInstanceType.ValueNotSupported": { parameter: "instanceType" },
  // ECS's own words may not say where it looked; a vSwitch or security group of another region is the usual cause
  // once a fleet spans regions.
  "InvalidVSwitchId.NotFound": { parameter: "vSwitchId", hint: (c) => notInRegion("vSwitch", c) },
  "InvalidZoneId.NotFound": { parameter: "zoneId" },
  // The zone given does not match the vSwitch's zone.
  "InvalidParameter.Mismatch": { parameter: "vSwitchId" },
  "InvalidSecurityGroupId.NotFound": { parameter: "securityGroupIds", hint: (c) => notInRegion("security group", c) },
  "InvalidSystemDiskCategory.ValueNotSupported": { parameter: "systemDisk" },
  InvalidSystemDiskSize: { parameter: "systemDisk" },
  "InvalidDataDiskSize.ValueNotSupported": { parameter: "dataDisks" },
};

/** The entry of `code`, or undefined for a code we know nothing about. */
export function codeEntry(code: string): CodeEntry | undefined {
  return Object.hasOwn(CODES, code) ? CODES[code] : undefined;
}

/** The codes whose entry satisfies `test`, e.g. the codes of one retry class. */
export function codesWhere(test: (entry: CodeEntry) => boolean): ReadonlySet<string> {
  return new Set(Object.keys(CODES).filter((code) => test(CODES[code])));
}
