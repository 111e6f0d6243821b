/** Persisted resource state (JSON-serialisable). Credentials are never part of it: they live in `Callers`. */

export type Tags = Record<string, string>;

export interface RegionRec {
  regionId: string;
  localName: string;
  zones: { zoneId: string; localName: string }[];
}

export interface InstanceTypeRec {
  instanceTypeId: string;
  cpu: number;
  memoryGiB: number;
  /** Zones offering the type; empty = every zone. */
  zones: string[];
}

export interface AccountRec {
  accountId: string;
  name: string;
  inArrears: boolean;
}

export interface KmsKeyRec {
  keyId: string;
  ownerId: string;
  regionId: string;
  state: "Enabled" | "Disabled";
}

export interface VSwitchRec {
  vSwitchId: string;
  ownerId: string;
  regionId: string;
  zoneId: string;
  vpcId: string;
  cidrBlock: string;
  nextHost: number;
}

export interface SecurityGroupRec {
  securityGroupId: string;
  ownerId: string;
  regionId: string;
  vpcId: string;
  name: string;
  description: string;
  creationTime: string;
  tags: Tags;
}

export interface KeyPairRec {
  keyPairName: string;
  ownerId: string;
  regionId: string;
  fingerprint: string;
  creationTime: string;
  tags: Tags;
}

export interface DiskMappingRec {
  device: string;
  sizeGiB: number;
  snapshotId: string;
  type: "system" | "data";
  encrypted: boolean;
  kmsKeyId: string;
}

export const IMAGE_STATUSES = [
  "Creating",
  "Waiting",
  "Available",
  "UnAvailable",
  "CreateFailed",
  "Deprecated",
] as const;
export type ImageStatus = (typeof IMAGE_STATUSES)[number];
/** An image in a copy under way (transient); Available and Deprecated images are settled, the others are not usable. */
export const COPYING_IMAGE_STATUSES: readonly ImageStatus[] = ["Creating", "Waiting"];
export const SETTLED_IMAGE_STATUSES: readonly ImageStatus[] = ["Available", "Deprecated"];
export type ImageKind = "system" | "custom" | "marketplace";

export interface CopyTask {
  sourceImageId: string;
  sourceRegionId: string;
  sourceOwnerId: string;
  queuedAt: number;
  startedAt: number | null;
  durationMs: number;
  /** When the copy ended CreateFailed (its progress stays where it was); null while it runs or once it finished. */
  failedAt?: number | null;
}

export interface ImageRec {
  imageId: string;
  ownerId: string;
  regionId: string;
  kind: ImageKind;
  name: string;
  description: string;
  sizeGiB: number;
  osType: string;
  osName: string;
  platform: string;
  architecture: string;
  status: ImageStatus;
  productCode: string;
  imageFamily: string;
  creationTime: string;
  supportsResize: boolean;
  isCopied: boolean;
  /** accountId -> SharedTime (ISO). */
  sharedWith: Record<string, string>;
  tags: Tags;
  diskMappings: DiskMappingRec[];
  /** The image carries a preset login password (what PasswordInherit=true uses). Copies inherit it. */
  passwordPreset: boolean;
  /** The CopyImage task that made this image: kept after a failure, dropped when the copy finishes. */
  copy: CopyTask | null;
}

export type DiskStatus = "Creating" | "In_use" | "Available";

export interface DiskRec {
  diskId: string;
  ownerId: string;
  regionId: string;
  zoneId: string;
  instanceId: string;
  type: "system" | "data";
  category: string;
  sizeGiB: number;
  encrypted: boolean;
  kmsKeyId: string;
  imageId: string;
  snapshotId: string;
  status: DiskStatus;
  readyAt: number;
  device: string;
  deleteWithInstance: boolean;
  creationTime: string;
  tags: Tags;
}

export const INSTANCE_STATUSES = ["Pending", "Starting", "Running", "Stopping", "Stopped"] as const;
export type InstanceStatus = (typeof INSTANCE_STATUSES)[number];

/**
 * Where the instance's login password comes from: none, one the caller set (Password), or the one preset in the image
 * (PasswordInherit=true). The password itself is never stored; see Cloud.passwordFingerprints.
 */
export type PasswordSource = "none" | "set" | "imagePreset";

export interface InstanceRec {
  instanceId: string;
  ownerId: string;
  regionId: string;
  zoneId: string;
  instanceType: string;
  imageId: string;
  name: string;
  description: string;
  hostName: string;
  status: InstanceStatus;
  /** Future automatic transitions in emulated time, oldest first. */
  transitions: { status: InstanceStatus; at: number }[];
  vSwitchId: string;
  vpcId: string;
  privateIp: string;
  securityGroupIds: string[];
  keyPairName: string;
  password: PasswordSource;
  /** The image whose preset password the instance uses (password "imagePreset"), else "". */
  passwordPresetImageId: string;
  creationTime: string;
  startTime: string;
  stoppedMode: "" | "KeepCharging" | "StopCharging";
  deletionProtection: boolean;
  /** OperationLocks LockReason values, e.g. "financial", "security". */
  locks: string[];
  osName: string;
  osType: string;
  internetChargeType: string;
  instanceChargeType: string;
  tags: Tags;
}

export interface IdempotencyRecord {
  fingerprint: string;
  response: Record<string, unknown>;
  at: number;
}

export interface State {
  regions: RegionRec[];
  instanceTypes: InstanceTypeRec[];
  accounts: Record<string, AccountRec>;
  kmsKeys: Record<string, KmsKeyRec>;
  vSwitches: Record<string, VSwitchRec>;
  securityGroups: Record<string, SecurityGroupRec>;
  keyPairs: KeyPairRec[];
  images: Record<string, ImageRec>;
  instances: Record<string, InstanceRec>;
  disks: Record<string, DiskRec>;
  idempotency: Record<string, IdempotencyRecord>;
  settings: Settings;
}

export interface Settings {
  /** Copy throughput in GiB per emulated minute (copies take size / rate, at least 30 s). */
  copyGiBPerMinute: number;
  /** Concurrent copies per account and destination region; further copies wait (status Waiting). */
  maxConcurrentCopies: number;
  maxCustomImagesPerRegion: number;
  /** Emulated durations of instance transitions, in ms. */
  pendingMs: number;
  startingMs: number;
  stoppingMs: number;
  diskCreatingMs: number;
}

/** RAM policy document in the documented JSON shape. */
export interface RamPolicy {
  Version: string;
  Statement: RamStatement[];
}
export interface RamStatement {
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource?: string | string[];
  Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Principal {
  accountId: string;
  accessKeyId: string;
  /** RAM user name; undefined for the account's root credentials. */
  ramUser?: string;
  policies: RamPolicy[];
}

/** Who may call the API: access keys, STS tokens and RAM users' policies; loaded from the world, never persisted. */
export interface Callers {
  accessKeys: Map<string, { secret: string; accountId: string; ramUser?: string }>;
  stsTokens: Map<
    string,
    { secret: string; securityToken: string; accountId: string; ramUser?: string; expiresAt: number }
  >;
  ramPolicies: Map<string, RamPolicy[]>;
}
