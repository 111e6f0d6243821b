// Everything the providers know about ECS wire codes, one entry per code: the sentence and hint a user reads, how
// retries treat it, the request parameter it points at, and what it means to our operations. retry.ts, errors.ts and
// the resources derive their sets, messages and predicates from this table, so a code is described in one place.
import type { ErrorContext } from "./errors";

/** The stack config key that points the providers at another ECS endpoint (an emulator, a VPC endpoint). */
export const ENDPOINT_CONFIG_KEY = "ecsSharedImages:endpoint";

/** Where credentials are looked up, in order; shared by the client factory, its error and the hints below. */
export const CREDENTIAL_SOURCES =
  "the stack config (alicloud:accessKey and alicloud:secretKey, optionally alicloud:securityToken, or alicloud:profile), " +
  "the environment (ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY or ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET), " +
  "or the Alibaba Cloud credentials chain (~/.aliyun/config.json, ~/.alibabacloud/credentials, OIDC, ECS RAM role)";

/**
 * Codes we assign to failures that never reached an ECS response. All but EndpointNotFound and TlsHandshakeFailed
 * are transient: a host that does not resolve, or an https client talking to a plain http server, fails the same way
 * on every attempt, so retrying them only delays the one sentence that says what to fix.
 */
export const NETWORK_CODES = {
  network: "NetworkError",
  timeout: "RequestTimeout",
  malformedResponse: "MalformedResponse",
  endpointNotFound: "EndpointNotFound",
  tls: "TlsHandshakeFailed",
} as const;

/**
 * How retries treat a code (retry.ts). Without one, by HTTP status: 5xx is retried, the rest never.
 * - throttling: too many calls; retried, and until the deadline when there is one;
 * - network: no answer at all (the endpoint is down or unreachable for now); retried like throttling;
 * - transient: passes by itself; retried a few times;
 * - never: whatever the status (repeating cannot succeed and may hide a ClientToken reuse bug).
 */
export type RetryClass = "throttling" | "network" | "transient" | "never";

/** The RunInstances parameters (RunInstanceRequest fields) that validation errors of RunInstances are about. */
export type RunInstancesParameter =
  | "imageId"
  | "instanceType"
  | "vSwitchId"
  | "zoneId"
  | "securityGroupIds"
  | "keyPairName"
  | "systemDisk"
  | "dataDisks";

/** What a code tells our operations: one predicate each in errors.ts (documented there), so callers outside ecs/ name
 * no wire codes. */
export type Meaning =
  | "imageNotFound"
  | "copyNoLongerCancellable"
  | "imageNameTaken"
  | "imageInUse"
  | "instanceStatusWrong"
  | "instanceNotFound"
  | "accountNotFound"
  | "dryRunPassed";

type Describe = (c: ErrorContext, action: string) => string;

export interface CodeEntry {
  /** What went wrong, completing "<action> failed: ..."; without one, the server's own message is shown. */
  readonly sentence?: Describe;
  /** What the user can do about it; given with every sentence. */
  readonly hint?: Describe;
  readonly retry?: RetryClass;
  /** The RunInstances parameter the code is about, so a preview's DryRun failure can name the input. */
  readonly parameter?: RunInstancesParameter;
  readonly means?: Meaning;
}

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
const endpoint = (c: ErrorContext) =>
  c.endpoint === undefined ? "the ECS endpoint" : `the ECS endpoint ${c.endpoint}`;
const CHECK_ENDPOINT =
  `check that ${ENDPOINT_CONFIG_KEY} (or, without it, the region) names the right host and port, that the emulator ` +
  "or the network to that host is up, and that the scheme matches what it serves (http:// for the local emulator, " +
  "https:// for Alibaba Cloud)";
const fixed =
  (text: string): Describe =>
  () =>
    text;
const notInRegion = (what: string, c: ErrorContext) =>
  `a ${what} belongs to one region and one account: name one of this account's in ${c.regionId ?? "the resource's region"}, ` +
  `or set the resource's region (a fleet group's region) to the ${what}'s.`;
const CHECK_CREDENTIALS = fixed(`check the credentials in ${CREDENTIAL_SOURCES}.`);

const THROTTLED: CodeEntry = {
  sentence: fixed("ECS throttled the request (too many calls to this API)"),
  hint: fixed("retry later, or run fewer resources in parallel (pulumi up --parallel)."),
  retry: "throttling",
};
const IDEMPOTENT_MISMATCH: CodeEntry = {
  sentence: fixed("the ClientToken of this operation was already used with different parameters"),
  hint: fixed(
    "ECS remembers this token from an earlier request with other parameters; run pulumi refresh, then pulumi up " +
      "(creates draw a new token on every run). If it persists, report it as a bug with the RequestId.",
  ),
  retry: "never",
};
const STILL_PROCESSING: CodeEntry = {
  sentence: fixed("an earlier request with the same ClientToken is still being processed"),
  hint: fixed("retry later."),
  retry: "transient",
};

/** The codes our operations can meet (the error codes of ECS's API reference), and ours for failures below HTTP. */
const CODES: Readonly<Record<string, CodeEntry>> = {
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
  Throttling: THROTTLED,
  "Throttling.User": THROTTLED,
  "Throttling.ConcurrentLimitExceeded": THROTTLED,
  "Rejected.Throttling": THROTTLED,
  // No sentence of ours: the server's own message is shown.
  "Throttling.Api": { retry: "throttling" },
  ServiceUnavailable: {
    sentence: fixed("ECS is temporarily unavailable"),
    hint: fixed("retry later."),
    retry: "transient",
  },
  InternalError: {
    sentence: fixed("ECS reported an internal error"),
    hint: fixed("retry later; report the RequestId to Alibaba Cloud support if it persists."),
    retry: "transient",
  },
  IdempotentParameterMismatch: IDEMPOTENT_MISMATCH,
  "InvalidIdempotenceParameter.Mismatch": IDEMPOTENT_MISMATCH,
  IdempotentProcessing: STILL_PROCESSING,
  LastTokenProcessing: STILL_PROCESSING,
  InvalidAccessKeyId: {
    sentence: fixed("the AccessKey id is not valid"),
    hint: CHECK_CREDENTIALS,
  },
  "InvalidAccessKeyId.NotFound": {
    sentence: fixed("the AccessKey id does not exist"),
    hint: CHECK_CREDENTIALS,
  },
  SignatureDoesNotMatch: {
    sentence: fixed("the request signature does not match (the AccessKey secret is probably wrong)"),
    hint: CHECK_CREDENTIALS,
  },
  [NETWORK_CODES.network]: {
    sentence: (c) => `the connection to ${endpoint(c)} failed before any answer`,
    hint: fixed(`${CHECK_ENDPOINT}.`),
    retry: "network",
  },
  [NETWORK_CODES.timeout]: {
    sentence: (c) => `${endpoint(c)} did not answer in time`,
    hint: fixed(`${CHECK_ENDPOINT}.`),
    retry: "network",
  },
  [NETWORK_CODES.malformedResponse]: {
    sentence: fixed("the endpoint answered with something that is not an ECS JSON response (a proxy or gateway?)"),
    hint: fixed("check the endpoint setting and any proxy in between."),
    retry: "transient",
  },
  [NETWORK_CODES.endpointNotFound]: {
    sentence: (c) => `the host name of ${endpoint(c)} could not be resolved`,
    hint: fixed(`check ${ENDPOINT_CONFIG_KEY} (or, without it, the region) and this machine's DNS.`),
  },
  [NETWORK_CODES.tls]: {
    sentence: (c) => `the TLS handshake with ${endpoint(c)} failed`,
    hint: fixed(
      `if the endpoint serves plain http (the local emulator does), write it as http://HOST:PORT in ${ENDPOINT_CONFIG_KEY}; ` +
        "otherwise check its certificate and any proxy in between.",
    ),
  },
  // Codes with no sentence of ours (the server's own message is shown) that still matter.
  UnknownError: { retry: "transient" },
  OperationConflict: { retry: "transient" },
  "InvalidOperation.Conflict": { retry: "transient" },
  "IncorrectInstanceStatus.Initializing": { retry: "transient" },
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
