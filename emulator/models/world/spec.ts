// The shape of a world file (JSON): what the emulator starts from. Validated by buildWorld, documented in
// emulator/README.md ("Worlds").
import type { ThrottleConfig } from "../../protocol/throttle";
import type { ImageStatus, RamPolicy, Settings } from "../types";

/** A world file: the regions, catalogue and accounts the emulator starts from. */
export interface WorldSpec {
  regions: { regionId: string; localName?: string; zones: { zoneId: string; localName?: string }[] }[];
  instanceTypes: { instanceTypeId: string; cpu: number; memoryGiB: number; zones?: string[] }[];
  /** Public images (ImageOwnerAlias system) or, with productCode, marketplace images. */
  publicImages?: ImageSpec[];
  accounts: AccountSpec[];
  throttle?: Partial<ThrottleConfig>;
  settings?: Partial<Settings>;
}

export interface AccountSpec {
  accountId: string;
  name: string;
  inArrears?: boolean;
  accessKeys?: { accessKeyId: string; accessKeySecret: string }[];
  ramUsers?: {
    name: string;
    accessKeys?: { accessKeyId: string; accessKeySecret: string }[];
    policies?: RamPolicy[];
  }[];
  stsTokens?: {
    accessKeyId: string;
    accessKeySecret: string;
    securityToken: string;
    ramUser?: string;
    /** ISO time; default: never expires. */
    expiration?: string;
  }[];
  kmsKeys?: { keyId: string; regionId: string; state?: "Enabled" | "Disabled" }[];
  vSwitches?: { vSwitchId: string; regionId: string; zoneId: string; vpcId: string; cidrBlock?: string }[];
  securityGroups?: { securityGroupId: string; regionId: string; vpcId: string; name?: string; description?: string }[];
  keyPairs?: { keyPairName: string; regionId: string; fingerprint?: string }[];
  images?: ImageSpec[];
}

export interface ImageSpec {
  imageId: string;
  regionId: string;
  name: string;
  description?: string;
  sizeGiB: number;
  osType?: string;
  osName?: string;
  platform?: string;
  architecture?: string;
  status?: ImageStatus;
  productCode?: string;
  imageFamily?: string;
  /** Encrypts every disk mapping with this KMS key of the owner. */
  kmsKeyId?: string;
  dataDisks?: { sizeGiB: number }[];
  sharedWith?: string[];
  tags?: Record<string, string>;
  supportsResize?: boolean;
  creationTime?: string;
  /**
   * The image carries a preset login password, which PasswordInherit=true uses (default false: public images carry
   * none, and a custom image only when its creator left one in it). The password itself is never in a world.
   */
  passwordPreset?: boolean;
}
