// Plain camelCase views of what ECS reports. The client maps wire shapes into these so that acceptors, approval
// rules and diffs never see PascalCase wire names or the SDK's model classes.

/** Image statuses as DescribeImages reports them (Status filter values). */
export type ImageStatus = "Creating" | "Waiting" | "Available" | "UnAvailable" | "CreateFailed" | "Deprecated";

/** Who owns an image relative to the calling account (ImageOwnerAlias). */
export type ImageOwnerAlias = "system" | "self" | "others" | "marketplace";

export type InstanceStatus = "Pending" | "Starting" | "Running" | "Stopping" | "Stopped";

export type Tags = Readonly<Record<string, string>>;

export interface ImageView {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  /** Owner account id as a string: 16-digit ids exceed Number.MAX_SAFE_INTEGER. */
  readonly ownerId: string;
  readonly ownerAlias: ImageOwnerAlias;
  readonly status: ImageStatus;
  /** 0-100 while a copy runs (ECS reports Progress as "NN%"); undefined when ECS reports none. */
  readonly progressPercent?: number;
  /** Set for paid (marketplace-derived) images: whoever runs them is billed. */
  readonly productCode?: string;
  readonly isCopied: boolean;
  /** GiB. */
  readonly size: number;
  readonly tags: Tags;
  readonly encrypted: boolean;
  readonly regionId?: string;
  readonly creationTime?: string;
  readonly osType?: string;
  readonly platform?: string;
  readonly architecture?: string;
}

export interface OperationLock {
  /** ECS LockReason, e.g. "financial", "security", "recycling". */
  readonly lockReason: string;
  readonly lockMsg?: string;
}

export interface InstanceView {
  readonly id: string;
  readonly status: InstanceStatus;
  readonly imageId: string;
  readonly regionId?: string;
  readonly zoneId: string;
  readonly instanceType: string;
  readonly name: string;
  readonly hostName: string;
  readonly description: string;
  readonly operationLocks: readonly OperationLock[];
  readonly keyPairName?: string;
  readonly vSwitchId?: string;
  readonly securityGroupIds?: readonly string[];
  readonly tags: Tags;
}
