// SharedImageCopy's documented Args, the plain inputs and outputs the provider works on, and the timeouts the Args
// promise; and the inputs and outputs it shares with RegionalImageCopy, which the copy protocol of this folder uses.
import type * as pulumi from "@pulumi/pulumi";
import type { ImageStatus, Tags } from "../ecs/types";
import { DEFAULT_TIMEOUTS, resolveTimeouts, type Timeouts, type TimeoutsInput } from "../ecs/wait";
import type { ApprovalPolicy } from "../policy/approval";
import type { IdentityInput } from "../resource-identity";

/** What happens to the copy on `pulumi destroy` (or when it is replaced). */
export interface SharedImageCopyDeleteOptions {
  /**
   * DeleteImage with Force=true: delete the copy even when instances use it or it is shared with other accounts
   * (the instances keep running, but can no longer re-initialize their disks from it). Default false: such a copy
   * makes the delete fail with the reason. Changing it updates state only.
   */
  readonly force?: boolean;
  /**
   * Cancel a copy that is still running (CancelCopyImage) instead of waiting for it to finish before deleting it.
   * Default true. Changing it updates state only.
   */
  readonly cancelRunningCopy?: boolean;
}

/** The arguments both copy resources (SharedImageCopy, RegionalImageCopy) take the same way. */
export interface ImageCopyArgs {
  /**
   * Name of the copy: 2-128 characters, starting with a letter; letters, digits, ".", ":", "_" and "-"; not starting
   * with http://, https://, acs: or aliyun. Unique per account and region. Default: the resource's name. Changing it
   * renames the copy in place.
   */
  readonly name?: pulumi.Input<string>;
  /**
   * Description of the copy, at most 256 characters, not starting with http:// or https://. Default: ECS gives the
   * copy the source's description, and the description is then left as ECS has it. Changing it updates in place.
   */
  readonly description?: pulumi.Input<string>;
  /** Resource group of the copy. Default: the account's default group. Changing it replaces the copy. */
  readonly resourceGroupId?: pulumi.Input<string>;
  /** See SharedImageCopyDeleteOptions. Changing them updates state only. */
  readonly deleteOptions?: pulumi.Input<SharedImageCopyDeleteOptions>;
}

/** Arguments of a SharedImageCopy. */
export interface SharedImageCopyArgs extends ImageCopyArgs {
  /**
   * Id of the image to copy: an image another account shared with this one (ImageOwnerAlias "others"), Available,
   * not deprecated and approved by `approval`. Required. Changing it replaces the copy.
   */
  readonly sourceImageId: pulumi.Input<string>;
  /**
   * Region of the source image, and so of the copy: ECS copies an image shared by another account only within its
   * own region. Default: the stack's `alicloud:region` (else ALICLOUD_REGION / ALIBABA_CLOUD_REGION). Changing it
   * (also through the default) replaces the copy.
   */
  readonly region?: pulumi.Input<string>;
  /**
   * Encrypt the copy's snapshots (with `kmsKeyId`, else the ECS service key). Required (true) when the source is
   * encrypted. Default false. Changing it replaces the copy.
   */
  readonly encrypted?: pulumi.Input<boolean>;
  /** KMS key (of this account, in the region) to encrypt the copy with; needs `encrypted: true`. Default: the service key. Changing it replaces the copy. */
  readonly kmsKeyId?: pulumi.Input<string>;
  /**
   * Tags of the copy (at most 16: ECS allows 20, and the package keeps up to 4 of its own), managed exactly: keys
   * missing here are removed. Keys starting with "ecs-shared-images:" are reserved: the provider tags each copy with
   * its source (owner, image id and name) so the approval rule can trace the copy back to an approved image; those
   * tags are kept on the copy and never appear in `tags`. Default none. Changing them updates in place.
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * Which shared images may be copied (owner allow-list, optional id/name allow-lists, paid images). Required. It is
   * applied whenever a copy is made (create or replacement), at preview time; an existing copy is this account's own
   * image and stays as it is whatever later happens to the source. Changing it updates state only.
   */
  readonly approval: pulumi.Input<ApprovalPolicy>;
  /**
   * How long to wait: `create` for the copy to become Available (default 6h; also used when a later `pulumi up`
   * resumes waiting for a copy that timed out; the time a copy waits in the provider's queue behind 5 copies to the
   * same region is not counted), `update` for in-place changes (default 6h), `delete` (default 20m). Durations like
   * "45m", "2h", "1h30m" or milliseconds. Changing them updates state only.
   */
  readonly timeouts?: pulumi.Input<TimeoutsInput>;
}

/**
 * The inputs of the copy itself, as both copy resources (SharedImageCopy, RegionalImageCopy) have them after check():
 * `region` is where the copy is made, `name` resolved. The copy protocol of this folder works on these.
 */
export interface ImageCopyInputs {
  readonly identity: IdentityInput;
  readonly sourceImageId: string;
  readonly region: string;
  readonly name: string;
  readonly description?: string;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly tags?: Tags;
  readonly resourceGroupId?: string;
  readonly timeouts?: TimeoutsInput;
  readonly deleteOptions?: SharedImageCopyDeleteOptions;
}

/** Inputs as the provider sees them after check(): plain values, `region` and `name` resolved. */
export interface SharedImageCopyInputs extends ImageCopyInputs {
  readonly approval: ApprovalPolicy;
}

/** What ECS reports about a copy, and what is known of its original shared image: the outputs both copies have. */
export interface ImageCopyFacts {
  readonly imageId: string;
  readonly status: ImageStatus;
  /** 0-100; 100 once Available. */
  readonly progress: number;
  /** The account that owns (and shared) the original image. */
  readonly sourceOwnerId: string;
  readonly sourceImageName: string;
  /** The account that owns the copy (its ImageOwnerId as DescribeImages reports it); "" until ECS lists the copy. */
  readonly accountId: string;
  readonly name: string;
  readonly description: string;
  /** The copy's tags without the provider's own (provenance) tags. */
  readonly tags: Tags;
  /** Whether the copy's snapshots are encrypted, as ECS reports it. */
  readonly encrypted: boolean;
  /** The KMS key the copy was made with; "" = the service key or not encrypted. */
  readonly kmsKeyId: string;
  /** GiB. */
  readonly size: number;
  readonly isCopied: boolean;
  readonly creationTime?: string;
  readonly osType?: string;
  readonly platform?: string;
  readonly architecture?: string;
}

/** State of a copy: the inputs plus what ECS reports. Name, description, tags and encryption are read back. */
export interface SharedImageCopyOutputs extends SharedImageCopyInputs, ImageCopyFacts {
  readonly name: string;
  readonly description: string;
  readonly tags: Tags;
  readonly encrypted: boolean;
  readonly kmsKeyId: string;
}

export interface ImageCopyDiff {
  readonly changes: boolean;
  readonly replaces: string[];
  /** The properties that change in place (for tests and messages; the engine computes its own detail). */
  readonly updates: string[];
  readonly deleteBeforeReplace: boolean;
}

export const copyTimeoutDefaults: Timeouts = {
  create: DEFAULT_TIMEOUTS.imageCopy,
  update: DEFAULT_TIMEOUTS.imageCopy,
  delete: DEFAULT_TIMEOUTS.imageDelete,
};

export function timeoutsOf(inputs: Pick<ImageCopyInputs, "timeouts">): Timeouts {
  return resolveTimeouts(inputs.timeouts, copyTimeoutDefaults);
}

/** What is known about the original shared image of a copy (looked up at create time, kept in state). */
export interface SourceInfo {
  readonly ownerId?: string;
  readonly name?: string;
}
