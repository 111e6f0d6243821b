/**
 * One error class per ECS wire code. Models throw these; the protocol layer renders them into Alibaba's envelope
 * `{RequestId, HostId, Code, Message, Recommend}` with `httpStatus`.
 */
export class EcsError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
  ) {
    super(message);
    this.name = "EcsError";
  }
}

export type EcsErrorClass = (new (
  message?: string,
) => EcsError) & { readonly code: string; readonly httpStatus: number };

function define(code: string, httpStatus: number, defaultMessage: string): EcsErrorClass {
  const cls = class extends EcsError {
    static readonly code = code;
    static readonly httpStatus = httpStatus;
    constructor(message: string = defaultMessage) {
      super(code, httpStatus, message);
    }
  };
  Object.defineProperty(cls, "name", { value: code.replace(/[^A-Za-z0-9]/g, "") });
  return cls;
}

// ---- Parameters (messages always name the parameter) ----
export class MissingParameter extends EcsError {
  constructor(readonly parameter: string) {
    super(
      "MissingParameter",
      400,
      `The input parameter "${parameter}" that is mandatory for processing this request is not supplied.`,
    );
  }
}
export class InvalidParameter extends EcsError {
  constructor(
    readonly parameter: string,
    detail?: string,
  ) {
    super(
      "InvalidParameter",
      400,
      `The specified parameter "${parameter}" is not valid${detail ? `: ${detail}` : "."}`,
    );
  }
}
export class UnsupportedParameter extends EcsError {
  constructor(
    readonly parameter: string,
    action: string,
  ) {
    super(
      "InvalidParameter",
      400,
      `The parameter "${parameter}" is not recognized for ${action} (the emulator rejects parameters it does not model).`,
    );
  }
}

// ---- Protocol / authentication ----
export const SignatureDoesNotMatch = define(
  "SignatureDoesNotMatch",
  400,
  "Specified signature is not matched with our calculation.",
);
export const IncompleteSignature = define(
  "IncompleteSignature",
  400,
  "The request signature does not conform to Aliyun standards.",
);
export const InvalidAccessKeyIdNotFound = define(
  "InvalidAccessKeyId.NotFound",
  404,
  "Specified access key is not found.",
);
export const SignatureNonceUsed = define("SignatureNonceUsed", 400, "Specified signature nonce was used already.");
export const InvalidTimeStampExpired = define(
  "InvalidTimeStamp.Expired",
  400,
  "Specified time stamp or date value is expired.",
);
export const InvalidTimeStampFormat = define(
  "InvalidTimeStamp.Format",
  400,
  "Specified time stamp or date value is not well formatted.",
);
export const InvalidSecurityTokenExpired = define(
  "InvalidSecurityToken.Expired",
  400,
  "Specified SecurityToken is expired.",
);
export const InvalidSecurityTokenMalformed = define(
  "InvalidSecurityToken.Malformed",
  400,
  "Specified SecurityToken is malformed.",
);
export const InvalidSecurityTokenMismatchWithAccessKey = define(
  "InvalidSecurityToken.MismatchWithAccessKey",
  400,
  "Specified SecurityToken mismatch with the AccessKey.",
);
export const MissingSecurityToken = define("MissingSecurityToken", 400, "SecurityToken is mandatory for this action.");
export const InvalidActionNotFound = define(
  "InvalidAction.NotFound",
  404,
  "Specified api is not found, please check your url and method.",
);
export const InvalidVersion = define("InvalidVersion", 400, "Specified parameter Version is not valid.");
export const UnsupportedHTTPMethod = define("UnsupportedHTTPMethod", 400, "This http method is not supported.");
export const ThrottlingUser = define("Throttling.User", 400, "Request was denied due to user flow control.");
export const ForbiddenRAM = define(
  "Forbidden.RAM",
  403,
  "User not authorized to operate on the specified resource, or this API doesn't support RAM.",
);
export const DryRunOperation = define(
  "DryRunOperation",
  400,
  "Request validation has been passed with DryRun flag set.",
);
export const IdempotentParameterMismatch = define(
  "IdempotentParameterMismatch",
  400,
  "The request uses the same client token as a previous, but non-identical request.",
);
export const InternalError = define(
  "InternalError",
  500,
  "The request processing has failed due to some unknown error.",
);
export const ServiceUnavailable = define(
  "ServiceUnavailable",
  503,
  "The request has failed due to a temporary failure of the server.",
);

// ---- Regions, zones, network ----
export const InvalidRegionIdNotFound = define(
  "InvalidRegionId.NotFound",
  404,
  "The specified RegionId does not exist.",
);
export const InvalidZoneIdNotFound = define("InvalidZoneId.NotFound", 404, "The specified zone does not exist.");
export const InvalidVSwitchIdNotFound = define(
  "InvalidVSwitchId.NotFound",
  404,
  "The specified VSwitchId does not exist.",
);
export const InvalidSecurityGroupIdNotFound = define(
  "InvalidSecurityGroupId.NotFound",
  404,
  "The specified SecurityGroupId does not exist.",
);
export const InvalidParameterMismatch = define(
  "InvalidParameter.Mismatch",
  400,
  "The specified parameters do not match each other.",
);
export const InvalidInstanceTypeValueNotSupported = define(
  "InvalidInstanceType.ValueNotSupported",
  400,
  "The specified InstanceType does not exist or beyond the permitted range.",
);
export const InvalidResourceTypeNotSupported = define(
  "InvalidResourceType.NotSupported",
  400,
  "The specified ResourceType is not supported.",
);
export const InvalidResourceIdNotFound = define(
  "InvalidResourceId.NotFound",
  404,
  "The specified ResourceId does not exist.",
);
export const InvalidTagKeyMalformed = define("InvalidTagKey.Malformed", 400, "The specified Tag.n.Key is not valid.");
export const InvalidTagValueMalformed = define(
  "InvalidTagValue.Malformed",
  400,
  "The specified Tag.n.Value is not valid.",
);
export const DuplicateTagKey = define("Duplicate.TagKey", 400, "The Tag.N.Key contain duplicate key.");
export const NumberExceedTags = define("NumberExceed.Tags", 400, "The Tags parameter's number is exceed , Valid : 20");
export const OperationDeniedQuotaExceed = define(
  "OperationDenied.QuotaExceed",
  400,
  "The quota of tags on resource is beyond permitted range.",
);

// ---- Images ----
export const InvalidImageIdNotFound = define("InvalidImageId.NotFound", 404, "The specified ImageId does not exist.");
// ECS documents IncorrectImageStatus as 400 for CopyImage, CancelCopyImage and RunInstances alike.
export const IncorrectImageStatus = define(
  "IncorrectImageStatus",
  400,
  "The current status of the image does not support this operation.",
);
export const OperationDeniedImageCopying = define("OperationDenied.ImageCopying", 403, "The image is being copied.");
export const OperationDeniedSameRegionOnly = define(
  "OperationDenied.SameRegionOnly",
  403,
  "A shared image can only be copied within the region where it resides.",
);
export const OperationDeniedImageNotValid = define(
  "OperationDenied.ImageNotValid",
  403,
  "The specified image is not valid.",
);
export const OperationDeniedNotCopyable = define(
  "OperationDenied",
  403,
  "Public and marketplace images cannot be copied.",
);
export const OperationDeniedEncryptedSnapshot = define(
  "OperationDeined.EncryptedSnapshot",
  403,
  "An encrypted shared image can only be copied as an encrypted image (set Encrypted=true).",
);
export const QuotaExceedImage = define(
  "QuotaExceed.Image",
  403,
  "The maximum number of custom images in this region is exceeded.",
);
export const InvalidImageNameDuplicated = define(
  "InvalidImageName.Duplicated",
  400,
  "The specified custom image name already exists.",
);
export const InvalidImageNameMalformed = define(
  "InvalidImageName.Malformed",
  400,
  "The specified image name is not valid.",
);
export const InvalidDescriptionMalformed = define(
  "InvalidDescription.Malformed",
  400,
  "The specified description is not valid.",
);
export const IncorrectDestinationRegion = define(
  "IncorrectDestinationRegion",
  400,
  "The specified DestinationRegionId is not valid.",
);
export const ImageCreatedNotFromCopy = define(
  "ImageCreatedNotFromCopy",
  400,
  "The specified image was not created by CopyImage.",
);
export const ImageUsingByInstance = define("ImageUsingByInstance", 403, "The specified image is in use by instances.");
export const ImageUseShared = define("ImageUseShared", 403, "The specified image has been shared to other accounts.");
export const InvalidAccountNotFound = define("InvalidAccount.NotFound", 404, "The specified account does not exist.");
export const InvalidAccountForbbiden = define(
  "InvalidAccount.Forbbiden",
  403,
  "The specified account cannot be shared with.",
);
export const QuotaExceedShareImageUser = define(
  "QuotaExceed.ShareImageUser",
  403,
  "An image can be shared with at most 50 accounts.",
);
export const InvalidParameterEncryptedIllegal = define(
  "InvalidParameter.EncryptedIllegal",
  400,
  "KMSKeyId can only be specified together with Encrypted=true.",
);
export const EncryptedOptionConflict = define(
  "EncryptedOption.Conflict",
  400,
  "The image is encrypted; disks created from it must be encrypted (Encrypted=true).",
);
export const InvalidParameterKMSKeyIdNotFound = define(
  "InvalidParameter.KMSKeyId.NotFound",
  404,
  "The specified KMSKeyId does not exist.",
);
export const InvalidParameterKMSKeyIdCMKNotEnabled = define(
  "InvalidParameter.KMSKeyId.CMKNotEnabled",
  400,
  "The specified KMS key is not enabled.",
);

// ---- Instances and disks ----
export const InvalidInstanceIdNotFound = define(
  "InvalidInstanceId.NotFound",
  404,
  "The specified InstanceId does not exist.",
);
export const IncorrectInstanceStatus = define(
  "IncorrectInstanceStatus",
  403,
  "The current status of the resource does not support this operation.",
);
export const IncorrectInstanceStatusInitializing = define(
  "IncorrectInstanceStatus.Initializing",
  403,
  "The specified instance is initializing.",
);
export const OperationDeniedInstanceCreating = define(
  "OperationDenied.InstanceCreating",
  403,
  "The instance is being created.",
);
export const InstanceNotReady = define("InstanceNotReady", 403, "The specified instance is not ready for use.");
export const IncorrectDiskStatus = define(
  "IncorrectDiskStatus",
  403,
  "The current disk status does not support this operation.",
);
export const InstanceLockedForSecurity = define(
  "InstanceLockedForSecurity",
  403,
  "The instance is locked for security reasons.",
);
export const InstanceExpiredOrInArrears = define(
  "InstanceExpiredOrInArrears",
  403,
  "The specified operation is denied as your instance is expired or in arrears.",
);
export const InvalidOperationDeletionProtection = define(
  "InvalidOperation.DeletionProtection",
  403,
  "The instance has deletion protection enabled.",
);
export const InvalidKeyPairNameNotFound = define(
  "InvalidKeyPairName.NotFound",
  404,
  "The specified KeyPairName does not exist.",
);
export const InvalidPasswordMalformed = define(
  "InvalidPassword.Malformed",
  400,
  "The password must be 8 to 30 characters and contain three of: uppercase, lowercase, digits, special characters.",
);
export const DependencyViolationWindowsInstance = define(
  "DependencyViolation.WindowsInstance",
  403,
  "The instance creating is window, cannot use ssh key pair to login.",
);
export const InvalidPasswordParamMismatch = define(
  "InvalidPasswordParam.Mismatch",
  400,
  "Password and KeyPairName cannot be specified together with PasswordInherit=true.",
);
export const InvalidParameterConflict = define(
  "InvalidParameter.Conflict",
  400,
  "The specified parameters conflict with each other.",
);
export const InvalidSystemDiskCategoryValueNotSupported = define(
  "InvalidSystemDiskCategory.ValueNotSupported",
  400,
  "The specified SystemDisk.Category is not supported.",
);
export const InvalidDataDiskCategoryValueNotSupported = define(
  "InvalidDataDiskCategory.ValueNotSupported",
  400,
  "The specified DataDisk.n.Category is not supported.",
);
export const InvalidDataDiskSizeValueNotSupported = define(
  "InvalidDataDiskSize.ValueNotSupported",
  400,
  "The specified DataDisk.n.Size is beyond the permitted range.",
);
export const InvalidSystemDiskSize = define(
  "InvalidSystemDiskSize",
  400,
  "The specified SystemDisk.Size is not valid.",
);
export const InvalidSystemDiskSizeLessThanImageSize = define(
  "InvalidSystemDiskSize.LessThanImageSize",
  400,
  "The specified SystemDisk.Size is less than the image size.",
);
export const InvalidSystemDiskSizeMoreThanMaxSize = define(
  "InvalidSystemDiskSize.MoreThanMaxSize",
  400,
  "The specified SystemDisk.Size is more than the maximum size.",
);
export const InvalidSystemDiskSizeImageNotSupportResize = define(
  "InvalidSystemDiskSize.ImageNotSupportResize",
  400,
  "The specified image does not support resizing the system disk.",
);
