// Pins what the providers know about every ECS wire code: its retry class, the RunInstances parameter it points at,
// the predicate that recognises it, and the message it produces. Computed from the four tables that codes.ts replaced,
// so the one-table rewrite is proven identical.
import { codesWhere } from "../../providers/ecs/codes";
import {
  EcsError,
  fromSdkError,
  isAccountNotFound,
  isCopyNoLongerCancellable,
  isDryRunPassed,
  isImageInUse,
  isImageNameTaken,
  isImageNotFound,
  isIncorrectInstanceStatus,
  isInstanceNotFound,
  runInstancesParameterOf,
} from "../../providers/ecs/errors";
import { isNetworkFailure, isRetryable, isThrottling } from "../../providers/ecs/retry";

/** "retry class, RunInstances parameter, predicate" per code ("-": none). Two codes in no table show the defaults. */
const CLASSIFICATION: Readonly<Record<string, string>> = {
  CancelNotSupported: "status - isCopyNoLongerCancellable",
  DiskCreatingSnapshot: "status - -",
  DryRunOperation: "status - isDryRunPassed",
  "EncryptedOption.Conflict": "status dataDisks -",
  EndpointNotFound: "status - -",
  "Forbidden.RAM": "status imageId -",
  IdempotentParameterMismatch: "never - -",
  IdempotentProcessing: "transient - -",
  ImageCreatedNotFromCopy: "status - -",
  ImageIsExporting: "status - -",
  ImageIsImporting: "status - -",
  ImageNotSupportInstanceType: "status instanceType -",
  ImageUseShared: "status - isImageInUse",
  ImageUsingByInstance: "status - isImageInUse",
  IncorrectDestinationRegion: "status - -",
  IncorrectImageStatus: "status imageId isCopyNoLongerCancellable",
  IncorrectInstanceStatus: "status - isIncorrectInstanceStatus",
  "IncorrectInstanceStatus.Initializing": "transient - -",
  InstanceLockedForSecurity: "status - -",
  InternalError: "transient - -",
  InvalidAccessKeyId: "status - -",
  "InvalidAccessKeyId.NotFound": "status - -",
  "InvalidAccount.Forbbiden": "status - -",
  "InvalidAccount.NotFound": "status - isAccountNotFound",
  "InvalidDataDiskCategory.ValueNotSupported": "status dataDisks -",
  "InvalidDataDiskSize.ValueNotSupported": "status dataDisks -",
  "InvalidIdempotenceParameter.Mismatch": "never - -",
  "InvalidImageId.NotFound": "status imageId isImageNotFound",
  "InvalidImageName.Duplicated": "status - isImageNameTaken",
  "InvalidInstanceId.NotFound": "status - isInstanceNotFound",
  "InvalidInstanceType.ValueNotSupported": "status instanceType -",
  "InvalidKeyPairName.NotFound": "status keyPairName -",
  "InvalidOperation.Conflict": "transient - -",
  "InvalidParameter.Conflict": "status - -",
  "InvalidParameter.Encrypted.KmsNotEnabled": "status systemDisk -",
  "InvalidParameter.EncryptedIllegal": "status systemDisk -",
  "InvalidParameter.EncryptedNotSupported": "status systemDisk -",
  "InvalidParameter.KMSKeyId.CMKNotEnabled": "status systemDisk -",
  "InvalidParameter.KMSKeyId.KMSUnauthorized": "status systemDisk -",
  "InvalidParameter.KMSKeyId.NotFound": "status systemDisk -",
  "InvalidParameter.Mismatch": "status vSwitchId -",
  "InvalidPasswordParam.Mismatch": "status - -",
  "InvalidSecurityGroupId.NotFound": "status securityGroupIds -",
  "InvalidSystemDiskCategory.ValueNotSupported": "status systemDisk -",
  InvalidSystemDiskSize: "status systemDisk -",
  "InvalidSystemDiskSize.ImageNotSupportResize": "status systemDisk -",
  "InvalidSystemDiskSize.LessThanImageSize": "status systemDisk -",
  "InvalidSystemDiskSize.MoreThanMaxSize": "status systemDisk -",
  "InvalidVSwitchId.NotFound": "status vSwitchId -",
  "InvalidZoneId.NotFound": "status zoneId -",
  LastTokenProcessing: "transient - -",
  MalformedResponse: "transient - -",
  NetworkError: "network - -",
  OperationConflict: "transient - -",
  "OperationDeined.EncryptedSnapshot": "status - -",
  "OperationDenied.ImageCopying": "status - -",
  "OperationDenied.ImageNotValid": "status imageId -",
  "OperationDenied.InstanceCreating": "status - -",
  "OperationDenied.QuotaExceed": "status - -",
  "OperationDenied.SameRegionOnly": "status - -",
  "QuotaExceed.Image": "status - -",
  "QuotaExceed.ShareImage": "status - -",
  "QuotaExceed.ShareImageUser": "status - -",
  "QuotaExceed.Snapshot": "status - -",
  RegionNotSupportCopy: "status - -",
  "Rejected.Throttling": "throttling - -",
  RequestTimeout: "network - -",
  ServiceUnavailable: "transient - -",
  SignatureDoesNotMatch: "status - -",
  "SizeExceed.Image": "status - -",
  SomeOtherCode: "status - -",
  Throttling: "throttling - -",
  "Throttling.Api": "throttling - -",
  "Throttling.ConcurrentLimitExceeded": "throttling - -",
  "Throttling.NewVariant": "throttling - -",
  "Throttling.User": "throttling - -",
  TlsHandshakeFailed: "status - -",
  UnknownError: "transient - -",
};

const context = {
  imageId: "m-1",
  accountIds: ["4000000000000001", "4000000000000002"],
  instanceId: "i-1",
  regionId: "cn-hangzhou",
  kmsKeyId: "key-1",
  keyPairName: "kp-1",
  endpoint: "http://127.0.0.1:1",
};

/** The message of an HTTP 400 answer with each code to CopyImage, every context field given. */
const MESSAGES: Readonly<Record<string, string>> = {
  CancelNotSupported:
    "CopyImage failed: the copy of the image m-1 can no longer be cancelled (CancelNotSupported, HTTP 400, RequestId R-1). Fix: wait for it to finish, then delete the image.",
  DiskCreatingSnapshot:
    "CopyImage failed: the system disk is creating a snapshot (DiskCreatingSnapshot, HTTP 400, RequestId R-1). Fix: wait for the snapshot to finish.",
  DryRunOperation: "CopyImage failed: the server's own words (DryRunOperation, HTTP 400, RequestId R-1).",
  "EncryptedOption.Conflict":
    "CopyImage failed: the encryption settings conflict with the image's encryption (EncryptedOption.Conflict, HTTP 400, RequestId R-1). Fix: disks made from an encrypted shared image must be encrypted: set encrypted=true.",
  EndpointNotFound:
    "CopyImage failed: the host name of the ECS endpoint http://127.0.0.1:1 could not be resolved (EndpointNotFound, HTTP 400, RequestId R-1). Fix: check ecsSharedImages:endpoint (or, without it, the region) and this machine's DNS.",
  "Forbidden.RAM":
    "CopyImage failed: the RAM user or role is not allowed to do this (a RAM policy may restrict ecs:ImageOwnerId) (Forbidden.RAM, HTTP 400, RequestId R-1). Fix: grant the permission, or use an image whose owner the RAM policy allows.",
  IdempotentParameterMismatch:
    "CopyImage failed: the ClientToken of this operation was already used with different parameters (IdempotentParameterMismatch, HTTP 400, RequestId R-1). Fix: ECS remembers this token from an earlier request with other parameters; run pulumi refresh, then pulumi up (creates draw a new token on every run). If it persists, report it as a bug with the RequestId.",
  IdempotentProcessing:
    "CopyImage failed: an earlier request with the same ClientToken is still being processed (IdempotentProcessing, HTTP 400, RequestId R-1). Fix: retry later.",
  ImageCreatedNotFromCopy:
    "CopyImage failed: the image m-1 was not created by a copy, so there is no copy to cancel (ImageCreatedNotFromCopy, HTTP 400, RequestId R-1). Fix: delete the image instead.",
  ImageIsExporting:
    "CopyImage failed: the image m-1 is being exported (ImageIsExporting, HTTP 400, RequestId R-1). Fix: wait for the export to finish.",
  ImageIsImporting:
    "CopyImage failed: the image m-1 is being imported (ImageIsImporting, HTTP 400, RequestId R-1). Fix: wait for the import to finish.",
  ImageNotSupportInstanceType:
    "CopyImage failed: the image m-1 does not support this instance type (ImageNotSupportInstanceType, HTTP 400, RequestId R-1). Fix: choose an instance type compatible with the image's architecture and boot mode.",
  ImageUseShared:
    "CopyImage failed: the image m-1 is shared with other accounts (ImageUseShared, HTTP 400, RequestId R-1). Fix: unshare it first, or set force=true on delete.",
  ImageUsingByInstance:
    "CopyImage failed: the image m-1 is used by instances (ImageUsingByInstance, HTTP 400, RequestId R-1). Fix: delete those instances first, or set force=true on delete.",
  IncorrectDestinationRegion:
    "CopyImage failed: the destination region is not valid for this copy (IncorrectDestinationRegion, HTTP 400, RequestId R-1). Fix: use a region where ECS is available to this account.",
  IncorrectImageStatus:
    "CopyImage failed: the image m-1 is not in a status that allows this operation (it must be Available) (IncorrectImageStatus, HTTP 400, RequestId R-1). Fix: wait until the image is Available, or ask the owner why it is not.",
  IncorrectInstanceStatus:
    "CopyImage failed: the instance i-1 is not in a status that allows this operation (IncorrectInstanceStatus, HTTP 400, RequestId R-1). Fix: ReplaceSystemDisk needs the instance Stopped in standard (not economical) mode.",
  "IncorrectInstanceStatus.Initializing":
    "CopyImage failed: the server's own words (IncorrectInstanceStatus.Initializing, HTTP 400, RequestId R-1).",
  InstanceLockedForSecurity:
    "CopyImage failed: the instance i-1 is locked for security reasons (InstanceLockedForSecurity, HTTP 400, RequestId R-1). Fix: resolve the security lock in the console first.",
  InternalError:
    "CopyImage failed: ECS reported an internal error (InternalError, HTTP 400, RequestId R-1). Fix: retry later; report the RequestId to Alibaba Cloud support if it persists.",
  InvalidAccessKeyId:
    "CopyImage failed: the AccessKey id is not valid (InvalidAccessKeyId, HTTP 400, RequestId R-1). Fix: check the credentials in the stack config (alicloud:accessKey and alicloud:secretKey, optionally alicloud:securityToken, or alicloud:profile), the environment (ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY or ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET), or the Alibaba Cloud credentials chain (~/.aliyun/config.json, ~/.alibabacloud/credentials, OIDC, ECS RAM role).",
  "InvalidAccessKeyId.NotFound":
    "CopyImage failed: the AccessKey id does not exist (InvalidAccessKeyId.NotFound, HTTP 400, RequestId R-1). Fix: check the credentials in the stack config (alicloud:accessKey and alicloud:secretKey, optionally alicloud:securityToken, or alicloud:profile), the environment (ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY or ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET), or the Alibaba Cloud credentials chain (~/.aliyun/config.json, ~/.alibabacloud/credentials, OIDC, ECS RAM role).",
  "InvalidAccount.Forbbiden":
    "CopyImage failed: the image m-1 cannot be shared with one of the accounts 4000000000000001, 4000000000000002 in accountIds: ECS forbids it (the owner's own account, say) (InvalidAccount.Forbbiden, HTTP 400, RequestId R-1). Fix: remove that account from accountIds.",
  "InvalidAccount.NotFound":
    "CopyImage failed: one of the accounts 4000000000000001, 4000000000000002 in accountIds does not exist (InvalidAccount.NotFound, HTTP 400, RequestId R-1). Fix: check accountIds: each must be the 16-digit id of an existing Alibaba Cloud account.",
  "InvalidDataDiskCategory.ValueNotSupported":
    "CopyImage failed: a data disk category is not supported for this instance type or zone (InvalidDataDiskCategory.ValueNotSupported, HTTP 400, RequestId R-1). Fix: choose another data disk category.",
  "InvalidDataDiskSize.ValueNotSupported":
    "CopyImage failed: the server's own words (InvalidDataDiskSize.ValueNotSupported, HTTP 400, RequestId R-1).",
  "InvalidIdempotenceParameter.Mismatch":
    "CopyImage failed: the ClientToken of this operation was already used with different parameters (InvalidIdempotenceParameter.Mismatch, HTTP 400, RequestId R-1). Fix: ECS remembers this token from an earlier request with other parameters; run pulumi refresh, then pulumi up (creates draw a new token on every run). If it persists, report it as a bug with the RequestId.",
  "InvalidImageId.NotFound":
    "CopyImage failed: the image m-1 no longer exists or is no longer shared with this account (InvalidImageId.NotFound, HTTP 400, RequestId R-1). Fix: ask the image owner to share it with this account again, or choose another approved image.",
  "InvalidImageName.Duplicated":
    "CopyImage failed: an image with this name already exists in this account and region (InvalidImageName.Duplicated, HTTP 400, RequestId R-1). Fix: choose another name, or adopt the existing image.",
  "InvalidInstanceId.NotFound":
    "CopyImage failed: the instance i-1 does not exist (InvalidInstanceId.NotFound, HTTP 400, RequestId R-1). Fix: check the instance id and region; it may have been deleted outside Pulumi (run pulumi refresh).",
  "InvalidInstanceType.ValueNotSupported":
    "CopyImage failed: the server's own words (InvalidInstanceType.ValueNotSupported, HTTP 400, RequestId R-1).",
  "InvalidKeyPairName.NotFound":
    "CopyImage failed: the key pair kp-1 does not exist (InvalidKeyPairName.NotFound, HTTP 400, RequestId R-1). Fix: check the key pair name and region.",
  "InvalidOperation.Conflict":
    "CopyImage failed: the server's own words (InvalidOperation.Conflict, HTTP 400, RequestId R-1).",
  "InvalidParameter.Conflict":
    "CopyImage failed: some parameters conflict with each other (InvalidParameter.Conflict, HTTP 400, RequestId R-1). Fix: give one of password, key pair or PasswordInherit; PasswordInherit also needs an image with a preset password (otherwise set password or keyPairName).",
  "InvalidParameter.Encrypted.KmsNotEnabled":
    "CopyImage failed: KMS is not activated for this account (InvalidParameter.Encrypted.KmsNotEnabled, HTTP 400, RequestId R-1). Fix: activate Key Management Service in this region.",
  "InvalidParameter.EncryptedIllegal":
    "CopyImage failed: a KMS key was given without enabling encryption, or encryption is required and was not enabled (InvalidParameter.EncryptedIllegal, HTTP 400, RequestId R-1). Fix: set encrypted=true whenever a KMS key is set; encrypted shared images need encrypted disks.",
  "InvalidParameter.EncryptedNotSupported":
    "CopyImage failed: encryption is not supported for this disk category or instance type (InvalidParameter.EncryptedNotSupported, HTTP 400, RequestId R-1). Fix: choose a disk category that supports encryption (e.g. cloud_essd).",
  "InvalidParameter.KMSKeyId.CMKNotEnabled":
    "CopyImage failed: the KMS key key-1 is not enabled (InvalidParameter.KMSKeyId.CMKNotEnabled, HTTP 400, RequestId R-1). Fix: enable the key in KMS or choose another key.",
  "InvalidParameter.KMSKeyId.KMSUnauthorized":
    "CopyImage failed: ECS is not authorized to use the KMS key key-1 (InvalidParameter.KMSKeyId.KMSUnauthorized, HTTP 400, RequestId R-1). Fix: grant the ECS service role access to the key (AliyunECSDiskEncryptDefaultRole).",
  "InvalidParameter.KMSKeyId.NotFound":
    "CopyImage failed: the KMS key key-1 does not exist in this region (InvalidParameter.KMSKeyId.NotFound, HTTP 400, RequestId R-1). Fix: check the key id and region.",
  "InvalidParameter.Mismatch":
    "CopyImage failed: the server's own words (InvalidParameter.Mismatch, HTTP 400, RequestId R-1).",
  "InvalidPasswordParam.Mismatch":
    "CopyImage failed: the password does not meet ECS rules or conflicts with the other credential settings (InvalidPasswordParam.Mismatch, HTTP 400, RequestId R-1). Fix: use 8-30 characters with three of: upper, lower, digits, special characters.",
  "InvalidSecurityGroupId.NotFound":
    "CopyImage failed: the server's own words (InvalidSecurityGroupId.NotFound, HTTP 400, RequestId R-1). Fix: a security group belongs to one region and one account: name one of this account's in cn-hangzhou, or set the resource's region (a fleet group's region) to the security group's.",
  "InvalidSystemDiskCategory.ValueNotSupported":
    "CopyImage failed: the server's own words (InvalidSystemDiskCategory.ValueNotSupported, HTTP 400, RequestId R-1).",
  InvalidSystemDiskSize: "CopyImage failed: the server's own words (InvalidSystemDiskSize, HTTP 400, RequestId R-1).",
  "InvalidSystemDiskSize.ImageNotSupportResize":
    "CopyImage failed: the image m-1 does not support resizing the system disk (InvalidSystemDiskSize.ImageNotSupportResize, HTTP 400, RequestId R-1). Fix: leave systemDiskSize unset.",
  "InvalidSystemDiskSize.LessThanImageSize":
    "CopyImage failed: the system disk size is smaller than the image m-1 (InvalidSystemDiskSize.LessThanImageSize, HTTP 400, RequestId R-1). Fix: raise systemDiskSize to at least the image size.",
  "InvalidSystemDiskSize.MoreThanMaxSize":
    "CopyImage failed: the system disk size is above the maximum for this category (InvalidSystemDiskSize.MoreThanMaxSize, HTTP 400, RequestId R-1). Fix: lower systemDiskSize.",
  "InvalidVSwitchId.NotFound":
    "CopyImage failed: the server's own words (InvalidVSwitchId.NotFound, HTTP 400, RequestId R-1). Fix: a vSwitch belongs to one region and one account: name one of this account's in cn-hangzhou, or set the resource's region (a fleet group's region) to the vSwitch's.",
  "InvalidZoneId.NotFound":
    "CopyImage failed: the server's own words (InvalidZoneId.NotFound, HTTP 400, RequestId R-1).",
  LastTokenProcessing:
    "CopyImage failed: an earlier request with the same ClientToken is still being processed (LastTokenProcessing, HTTP 400, RequestId R-1). Fix: retry later.",
  MalformedResponse:
    "CopyImage failed: the endpoint answered with something that is not an ECS JSON response (a proxy or gateway?) (MalformedResponse, HTTP 400, RequestId R-1). Fix: check the endpoint setting and any proxy in between.",
  NetworkError:
    "CopyImage failed: the connection to the ECS endpoint http://127.0.0.1:1 failed before any answer (NetworkError, HTTP 400, RequestId R-1). Fix: check that ecsSharedImages:endpoint (or, without it, the region) names the right host and port, that the emulator or the network to that host is up, and that the scheme matches what it serves (http:// for the local emulator, https:// for Alibaba Cloud).",
  OperationConflict: "CopyImage failed: the server's own words (OperationConflict, HTTP 400, RequestId R-1).",
  "OperationDeined.EncryptedSnapshot":
    "CopyImage failed: the image m-1 is backed by encrypted snapshots that cannot be copied this way (OperationDeined.EncryptedSnapshot, HTTP 400, RequestId R-1). Fix: copy with encrypted=true and a KMS key this account can use.",
  "OperationDenied.ImageCopying":
    "CopyImage failed: the image m-1 is being copied (OperationDenied.ImageCopying, HTTP 400, RequestId R-1). Fix: wait for the copy to finish or cancel it (CancelCopyImage) first.",
  "OperationDenied.ImageNotValid":
    "CopyImage failed: the image m-1 can no longer be used: the owner may be in arrears, may have revoked the share or disabled its key (OperationDenied.ImageNotValid, HTTP 400, RequestId R-1). Fix: ask the image owner to restore the image, or choose another approved image.",
  "OperationDenied.InstanceCreating":
    "CopyImage failed: the instance i-1 is still being created (OperationDenied.InstanceCreating, HTTP 400, RequestId R-1). Fix: wait until it is Running or Stopped.",
  "OperationDenied.QuotaExceed":
    "CopyImage failed: the resource would carry more than 20 tags (OperationDenied.QuotaExceed, HTTP 400, RequestId R-1). Fix: remove tags added to it outside Pulumi; this package keeps up to 4 of the 20 for itself, so give it at most 16.",
  "OperationDenied.SameRegionOnly":
    "CopyImage failed: the image m-1 is shared by another account and can only be copied within its own region (OperationDenied.SameRegionOnly, HTTP 400, RequestId R-1). Fix: copy it in the image's region (set region to the source region).",
  "QuotaExceed.Image":
    "CopyImage failed: this account has reached its custom image quota in this region (QuotaExceed.Image, HTTP 400, RequestId R-1). Fix: delete unused images or request a higher quota in the Quota Center.",
  "QuotaExceed.ShareImage":
    "CopyImage failed: this account has reached its quota of shared images (QuotaExceed.ShareImage, HTTP 400, RequestId R-1). Fix: unshare images that are no longer needed, or request a higher quota in the Quota Center.",
  "QuotaExceed.ShareImageUser":
    "CopyImage failed: the image m-1 would be shared with more than 50 accounts, the most ECS allows per image (QuotaExceed.ShareImageUser, HTTP 400, RequestId R-1). Fix: shorten accountIds; accounts shared outside Pulumi count too: unshare them, or set exclusive to true so the share list is exactly accountIds.",
  "QuotaExceed.Snapshot":
    "CopyImage failed: this account has reached its snapshot quota (a copy creates snapshots) (QuotaExceed.Snapshot, HTTP 400, RequestId R-1). Fix: delete unused snapshots or request a higher quota.",
  RegionNotSupportCopy:
    "CopyImage failed: image copy is not supported in this region (RegionNotSupportCopy, HTTP 400, RequestId R-1). Fix: copy in another region.",
  "Rejected.Throttling":
    "CopyImage failed: ECS throttled the request (too many calls to this API) (Rejected.Throttling, HTTP 400, RequestId R-1). Fix: retry later, or run fewer resources in parallel (pulumi up --parallel).",
  RequestTimeout:
    "CopyImage failed: the ECS endpoint http://127.0.0.1:1 did not answer in time (RequestTimeout, HTTP 400, RequestId R-1). Fix: check that ecsSharedImages:endpoint (or, without it, the region) names the right host and port, that the emulator or the network to that host is up, and that the scheme matches what it serves (http:// for the local emulator, https:// for Alibaba Cloud).",
  ServiceUnavailable:
    "CopyImage failed: ECS is temporarily unavailable (ServiceUnavailable, HTTP 400, RequestId R-1). Fix: retry later.",
  SignatureDoesNotMatch:
    "CopyImage failed: the request signature does not match (the AccessKey secret is probably wrong) (SignatureDoesNotMatch, HTTP 400, RequestId R-1). Fix: check the credentials in the stack config (alicloud:accessKey and alicloud:secretKey, optionally alicloud:securityToken, or alicloud:profile), the environment (ALICLOUD_ACCESS_KEY/ALICLOUD_SECRET_KEY or ALIBABA_CLOUD_ACCESS_KEY_ID/ALIBABA_CLOUD_ACCESS_KEY_SECRET), or the Alibaba Cloud credentials chain (~/.aliyun/config.json, ~/.alibabacloud/credentials, OIDC, ECS RAM role).",
  "SizeExceed.Image":
    "CopyImage failed: the image m-1 is larger than ECS allows for this operation (SizeExceed.Image, HTTP 400, RequestId R-1). Fix: use a smaller image.",
  SomeOtherCode: "CopyImage failed: the server's own words (SomeOtherCode, HTTP 400, RequestId R-1).",
  Throttling:
    "CopyImage failed: ECS throttled the request (too many calls to this API) (Throttling, HTTP 400, RequestId R-1). Fix: retry later, or run fewer resources in parallel (pulumi up --parallel).",
  "Throttling.Api": "CopyImage failed: the server's own words (Throttling.Api, HTTP 400, RequestId R-1).",
  "Throttling.ConcurrentLimitExceeded":
    "CopyImage failed: ECS throttled the request (too many calls to this API) (Throttling.ConcurrentLimitExceeded, HTTP 400, RequestId R-1). Fix: retry later, or run fewer resources in parallel (pulumi up --parallel).",
  "Throttling.NewVariant": "CopyImage failed: the server's own words (Throttling.NewVariant, HTTP 400, RequestId R-1).",
  "Throttling.User":
    "CopyImage failed: ECS throttled the request (too many calls to this API) (Throttling.User, HTTP 400, RequestId R-1). Fix: retry later, or run fewer resources in parallel (pulumi up --parallel).",
  TlsHandshakeFailed:
    "CopyImage failed: the TLS handshake with the ECS endpoint http://127.0.0.1:1 failed (TlsHandshakeFailed, HTTP 400, RequestId R-1). Fix: if the endpoint serves plain http (the local emulator does), write it as http://HOST:PORT in ecsSharedImages:endpoint; otherwise check its certificate and any proxy in between.",
  UnknownError: "CopyImage failed: the server's own words (UnknownError, HTTP 400, RequestId R-1).",
};

/** The message to DescribeImages without context, for the codes whose text depends on the action or the context. */
const MESSAGES_WITHOUT_CONTEXT: Readonly<Record<string, string>> = {
  "InvalidAccount.NotFound":
    "DescribeImages failed: an account in accountIds does not exist (InvalidAccount.NotFound, HTTP 400, RequestId R-1). Fix: check accountIds: each must be the 16-digit id of an existing Alibaba Cloud account.",
  CancelNotSupported:
    "DescribeImages failed: the copy of the image can no longer be cancelled (CancelNotSupported, HTTP 400, RequestId R-1). Fix: wait for it to finish, then delete the image.",
  EndpointNotFound:
    "DescribeImages failed: the host name of the ECS endpoint could not be resolved (EndpointNotFound, HTTP 400, RequestId R-1). Fix: check ecsSharedImages:endpoint (or, without it, the region) and this machine's DNS.",
  ImageCreatedNotFromCopy:
    "DescribeImages failed: the image was not created by a copy, so there is no copy to cancel (ImageCreatedNotFromCopy, HTTP 400, RequestId R-1). Fix: delete the image instead.",
  ImageIsExporting:
    "DescribeImages failed: the image is being exported (ImageIsExporting, HTTP 400, RequestId R-1). Fix: wait for the export to finish.",
  ImageIsImporting:
    "DescribeImages failed: the image is being imported (ImageIsImporting, HTTP 400, RequestId R-1). Fix: wait for the import to finish.",
  ImageNotSupportInstanceType:
    "DescribeImages failed: the image does not support this instance type (ImageNotSupportInstanceType, HTTP 400, RequestId R-1). Fix: choose an instance type compatible with the image's architecture and boot mode.",
  ImageUseShared:
    "DescribeImages failed: the image is shared with other accounts (ImageUseShared, HTTP 400, RequestId R-1). Fix: unshare it first, or set force=true on delete.",
  ImageUsingByInstance:
    "DescribeImages failed: the image is used by instances (ImageUsingByInstance, HTTP 400, RequestId R-1). Fix: delete those instances first, or set force=true on delete.",
  IncorrectImageStatus:
    "DescribeImages failed: the image is not in a status that allows this operation (it must be Available) (IncorrectImageStatus, HTTP 400, RequestId R-1). Fix: wait until the image is Available, or ask the owner why it is not.",
  IncorrectInstanceStatus:
    "DescribeImages failed: the instance is not in a status that allows this operation (IncorrectInstanceStatus, HTTP 400, RequestId R-1). Fix: ReplaceSystemDisk needs the instance Stopped in standard (not economical) mode.",
  InstanceLockedForSecurity:
    "DescribeImages failed: the instance is locked for security reasons (InstanceLockedForSecurity, HTTP 400, RequestId R-1). Fix: resolve the security lock in the console first.",
  "InvalidImageId.NotFound":
    "DescribeImages failed: the image does not exist in this region (InvalidImageId.NotFound, HTTP 400, RequestId R-1). Fix: check the image id and region.",
  "InvalidInstanceId.NotFound":
    "DescribeImages failed: the instance does not exist (InvalidInstanceId.NotFound, HTTP 400, RequestId R-1). Fix: check the instance id and region; it may have been deleted outside Pulumi (run pulumi refresh).",
  "InvalidKeyPairName.NotFound":
    "DescribeImages failed: the key pair does not exist (InvalidKeyPairName.NotFound, HTTP 400, RequestId R-1). Fix: check the key pair name and region.",
  "InvalidParameter.KMSKeyId.CMKNotEnabled":
    "DescribeImages failed: the KMS key is not enabled (InvalidParameter.KMSKeyId.CMKNotEnabled, HTTP 400, RequestId R-1). Fix: enable the key in KMS or choose another key.",
  "InvalidParameter.KMSKeyId.KMSUnauthorized":
    "DescribeImages failed: ECS is not authorized to use the KMS key (InvalidParameter.KMSKeyId.KMSUnauthorized, HTTP 400, RequestId R-1). Fix: grant the ECS service role access to the key (AliyunECSDiskEncryptDefaultRole).",
  "InvalidParameter.KMSKeyId.NotFound":
    "DescribeImages failed: the KMS key does not exist in this region (InvalidParameter.KMSKeyId.NotFound, HTTP 400, RequestId R-1). Fix: check the key id and region.",
  "InvalidSystemDiskSize.ImageNotSupportResize":
    "DescribeImages failed: the image does not support resizing the system disk (InvalidSystemDiskSize.ImageNotSupportResize, HTTP 400, RequestId R-1). Fix: leave systemDiskSize unset.",
  "InvalidSystemDiskSize.LessThanImageSize":
    "DescribeImages failed: the system disk size is smaller than the image (InvalidSystemDiskSize.LessThanImageSize, HTTP 400, RequestId R-1). Fix: raise systemDiskSize to at least the image size.",
  NetworkError:
    "DescribeImages failed: the connection to the ECS endpoint failed before any answer (NetworkError, HTTP 400, RequestId R-1). Fix: check that ecsSharedImages:endpoint (or, without it, the region) names the right host and port, that the emulator or the network to that host is up, and that the scheme matches what it serves (http:// for the local emulator, https:// for Alibaba Cloud).",
  "OperationDeined.EncryptedSnapshot":
    "DescribeImages failed: the image is backed by encrypted snapshots that cannot be copied this way (OperationDeined.EncryptedSnapshot, HTTP 400, RequestId R-1). Fix: copy with encrypted=true and a KMS key this account can use.",
  "OperationDenied.ImageCopying":
    "DescribeImages failed: the image is being copied (OperationDenied.ImageCopying, HTTP 400, RequestId R-1). Fix: wait for the copy to finish or cancel it (CancelCopyImage) first.",
  "OperationDenied.ImageNotValid":
    "DescribeImages failed: the image can no longer be used: the owner may be in arrears, may have revoked the share or disabled its key (OperationDenied.ImageNotValid, HTTP 400, RequestId R-1). Fix: ask the image owner to restore the image, or choose another approved image.",
  "OperationDenied.InstanceCreating":
    "DescribeImages failed: the instance is still being created (OperationDenied.InstanceCreating, HTTP 400, RequestId R-1). Fix: wait until it is Running or Stopped.",
  "OperationDenied.SameRegionOnly":
    "DescribeImages failed: the image is shared by another account and can only be copied within its own region (OperationDenied.SameRegionOnly, HTTP 400, RequestId R-1). Fix: copy it in the image's region (set region to the source region).",
  RequestTimeout:
    "DescribeImages failed: the ECS endpoint did not answer in time (RequestTimeout, HTTP 400, RequestId R-1). Fix: check that ecsSharedImages:endpoint (or, without it, the region) names the right host and port, that the emulator or the network to that host is up, and that the scheme matches what it serves (http:// for the local emulator, https:// for Alibaba Cloud).",
  "SizeExceed.Image":
    "DescribeImages failed: the image is larger than ECS allows for this operation (SizeExceed.Image, HTTP 400, RequestId R-1). Fix: use a smaller image.",
  TlsHandshakeFailed:
    "DescribeImages failed: the TLS handshake with the ECS endpoint failed (TlsHandshakeFailed, HTTP 400, RequestId R-1). Fix: if the endpoint serves plain http (the local emulator does), write it as http://HOST:PORT in ecsSharedImages:endpoint; otherwise check its certificate and any proxy in between.",
};

const PREDICATES = {
  isImageNotFound,
  isCopyNoLongerCancellable,
  isImageNameTaken,
  isImageInUse,
  isIncorrectInstanceStatus,
  isInstanceNotFound,
  isDryRunPassed,
  isAccountNotFound,
};

/** How retry.ts treats `code` at HTTP 400, 500 and below HTTP, as one name. */
function retryClass(code: string): string {
  const at = (httpStatus: number | undefined) => {
    const err = new EcsError({ action: "DescribeImages", code, httpStatus, sentence: "x" });
    if (isThrottling(err)) return "throttling";
    if (isNetworkFailure(err)) return isRetryable(err) ? "network" : "unretried network";
    return isRetryable(err) ? "transient" : "never";
  };
  const [clientError, serverError, noAnswer] = [at(400), at(500), at(undefined)];
  if (clientError === "never" && serverError === "transient" && noAnswer === "never") return "status";
  return clientError === serverError && serverError === noAnswer
    ? clientError
    : `${clientError}/${serverError}/${noAnswer}`;
}

function classification(code: string): string {
  const err = new EcsError({ action: "RunInstances", code, sentence: "x" });
  const predicates = Object.entries(PREDICATES)
    .filter(([, is]) => is(err))
    .map(([name]) => name);
  return `${retryClass(code)} ${runInstancesParameterOf(err) ?? "-"} ${predicates.join(",") || "-"}`;
}

function message(action: string, code: string, given: typeof context | Record<string, never>): string {
  const sdkError = { code, statusCode: 400, requestId: "R-1", data: { Message: "the server's own words" } };
  return fromSdkError(action, sdkError, given).message;
}

describe("ECS wire codes", () => {
  it("pins every code in codes.ts", () => {
    const pinned = Object.keys(CLASSIFICATION);
    expect([...codesWhere(() => true)].filter((code) => !pinned.includes(code))).toEqual([]);
  });

  it.each(Object.keys(CLASSIFICATION))("classifies %s as before", (code) => {
    expect(classification(code)).toBe(CLASSIFICATION[code]);
  });

  it.each(Object.keys(MESSAGES))("words %s as before", (code) => {
    expect(message("CopyImage", code, context)).toBe(MESSAGES[code]);
  });

  it.each(Object.keys(MESSAGES_WITHOUT_CONTEXT))("words %s without context as before", (code) => {
    expect(message("DescribeImages", code, {})).toBe(MESSAGES_WITHOUT_CONTEXT[code]);
  });
});
