// The typed fleet config the program declares resources from, as parseFleetConfig returns it once it is valid (see
// README "Fleet config" for the keys as an operator writes them).
import type { ApprovalPolicy } from "pulumi-ecs-shared-images";

/** A copy of a catalogue entry in another region (the second hop: a copy of our own copy). */
export interface RegionalCopyConfig {
  /** This account's KMS key in that region; required when the entry's copy names one (keys are regional). */
  readonly kmsKeyId?: string;
}

export interface CatalogueImage {
  /** The shared image (or an image of our own), in the stack's region. */
  readonly imageId: string;
  /** Copy it into this account first, so instances outlive the owner unsharing or deleting it. */
  readonly copy?: {
    readonly name?: string;
    readonly description?: string;
    readonly encrypted?: boolean;
    readonly kmsKeyId?: string;
    readonly tags?: Readonly<Record<string, string>>;
  };
  /**
   * The other regions it must exist in, each copied from `copy` (ECS copies a shared image only within its region).
   * Written as a list of region ids or a map region -> options; typed as the map, without the stack's own region.
   */
  readonly regions?: Readonly<Record<string, RegionalCopyConfig>>;
}

export interface DiskConfig {
  readonly category?: string;
  readonly size?: number;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
}

export interface InstanceGroup {
  readonly count: number;
  /** A name from `images`; the group uses that entry's image in the group's region. */
  readonly image: string;
  /** Where the group runs; default: the stack's region. */
  readonly region?: string;
  readonly instanceType: string;
  readonly zoneId?: string;
  readonly vSwitchId: string;
  readonly securityGroupIds: readonly string[];
  readonly systemDisk?: DiskConfig;
  /** Each needs a size (validated). */
  readonly dataDisks?: readonly (DiskConfig & { readonly size: number })[];
  readonly keyPairName?: string;
  /** Name of a *secret* config key holding the instances' password. */
  readonly passwordKey?: string;
  readonly internetMaxBandwidthOut?: number;
  /** Pay-as-you-go only: subscription instances cannot be deleted on demand, which a declarative fleet needs. */
  readonly chargeType?: "PostPaid";
  readonly tags?: Readonly<Record<string, string>>;
  readonly onImageChange?: "replace" | "replaceSystemDisk";
}

/**
 * What the new system disk logs in with: "keep" (a key pair instance keeps its key pair; refused for an instance
 * without one), "imagePreset" (the image's preset password), a key pair, or the password in a secret config key.
 */
export type ReplacementCredentials =
  | "keep"
  | "imagePreset"
  | { readonly keyPairName: string }
  | { readonly passwordKey: string };

export interface SystemDiskReplacementConfig {
  readonly instanceId: string;
  /** A name from `images`. */
  readonly image: string;
  readonly credentials?: ReplacementCredentials;
  readonly systemDiskSize?: number;
  /** Encrypt the new system disk (required for an encrypted image); `kmsKeyId` needs it. */
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly restart?: "previous" | "running" | "stopped";
  readonly revertOnDelete?: boolean;
}

export interface FleetConfig {
  /**
   * The stack's region (alicloud:region): where the catalogue's shared images are copied and groups run unless they
   * name another. Undefined when the providers take it from the environment and nothing names a region.
   */
  readonly region?: string;
  readonly approval: ApprovalPolicy;
  readonly images: Readonly<Record<string, CatalogueImage>>;
  readonly groups: Readonly<Record<string, InstanceGroup>>;
  readonly systemDiskReplacements: Readonly<Record<string, SystemDiskReplacementConfig>>;
}
