// SystemDiskReplacement's public shape: the documented Args a program passes, and the plain Inputs the provider
// receives and Outputs it stores (the state format, so fields are only ever added).
import type * as pulumi from "@pulumi/pulumi";
import type { TimeoutsInput } from "../ecs/wait";
import type { ApprovalPolicy } from "../policy/approval";
import type { IdentityInput } from "../resource-identity";

export type RestartMode = "previous" | "running" | "stopped";

export interface SystemDiskReplacementArgs {
  /** The existing instance whose system disk is replaced (not managed by this stack). Changing it replaces the resource. */
  readonly instanceId: pulumi.Input<string>;
  /**
   * The image for the new system disk: a shared image (or this account's copy of one). Changing it replaces the disk
   * again (everything on the system disk is lost; data disks stay). The preview says so.
   */
  readonly imageId: pulumi.Input<string>;
  /**
   * Region of the instance; default `alicloud:region`, then ALICLOUD_REGION / ALIBABA_CLOUD_REGION, resolved when the
   * resource is checked and recorded in state. Changing it (or the default it was resolved from) replaces the resource.
   */
  readonly region?: pulumi.Input<string>;
  /** Which shared images may be used: the image must pass it at preview time. Changing it re-checks the image only. */
  readonly approval: pulumi.Input<ApprovalPolicy>;
  /**
   * New system disk size in GiB (20-2048, at least the image size and the current disk size). Default: ECS picks
   * max(current, image size). A new value re-images the system disk from `imageId` (everything on it is lost), even
   * when the image is unchanged; removing it changes nothing on the instance.
   */
  readonly systemDiskSize?: pulumi.Input<number>;
  /**
   * Login password of the new system disk (8-30 characters, three of upper, lower, digits, specials). Stored only as a
   * secret, never in plain outputs. Give at most one of password, keyPairName and passwordInherit. With none of them,
   * a key pair instance keeps its key pair; an instance without a key pair (it logs in with a password) is refused at
   * preview: ECS cannot carry a password over to a new system disk, so declare the one it should have. A new value
   * re-images the system disk from `imageId` (everything on it is lost), even when the image is unchanged; removing
   * it changes nothing on the instance.
   */
  readonly password?: pulumi.Input<string>;
  /**
   * Key pair bound to the new disk. See `password`. A new value re-images the system disk from `imageId` (everything
   * on it is lost), even when the image is unchanged; removing it keeps the current credentials and changes nothing.
   */
  readonly keyPairName?: pulumi.Input<string>;
  /**
   * Give the new system disk the password preset in the image (ECS PasswordInherit). The image must have one, or ECS
   * refuses the replacement. See `password`. Setting it re-images the system disk, even when the image is unchanged.
   */
  readonly passwordInherit?: pulumi.Input<boolean>;
  /**
   * Encrypt the new system disk. Default: as the image is (an encrypted image gives an encrypted disk; the preview
   * shows `imageEncrypted: true`); false is refused for an encrypted image. Changing it re-images the system disk
   * from `imageId`.
   */
  readonly encrypted?: pulumi.Input<boolean>;
  /**
   * KMS key for the encrypted disk (requires encrypted: true, or an encrypted image); default the service key.
   * Changing it re-images the system disk from `imageId`.
   */
  readonly kmsKeyId?: pulumi.Input<string>;
  /** State after the replacement: "previous" (default: as it was before), "running" or "stopped". Updates in place. */
  readonly restart?: pulumi.Input<RestartMode>;
  /**
   * On delete, replace the disk back to `previousImageId` with the declared password or key pair (with none, the
   * key pair the instance has; not with passwordInherit, which is refused with it). Default false: delete leaves
   * the instance as it is. Updates in place.
   */
  readonly revertOnDelete?: pulumi.Input<boolean>;
  /** Deadlines of the whole sequence, e.g. { create: "45m" }; default 30m each. Updates in place. */
  readonly timeouts?: pulumi.Input<TimeoutsInput>;
}

/** What the provider receives (resolved Args plus the identity set by the class). */
export interface SystemDiskReplacementInputs {
  readonly identity: IdentityInput;
  readonly instanceId: string;
  readonly imageId: string;
  /** Resolved by check() (input, else stack config / environment); absent only in states of older versions. */
  readonly region?: string;
  readonly approval: ApprovalPolicy;
  readonly systemDiskSize?: number;
  readonly password?: string;
  readonly keyPairName?: string;
  readonly passwordInherit?: boolean;
  readonly encrypted?: boolean;
  /** Set by check() from the image: whether it is encrypted (unknown while the image id is). */
  readonly imageEncrypted?: boolean;
  readonly kmsKeyId?: string;
  readonly restart?: RestartMode;
  readonly revertOnDelete?: boolean;
  readonly timeouts?: TimeoutsInput;
}

/**
 * What the provider stores. The disk settings (size, key pair, passwordInherit, encryption, key) and the password
 * digest are those the instance has, as far as this resource made them: after an interrupted run they are the ones
 * of before, so the next diff still asks for the change. `password` is kept (a secret, like the input) only with
 * revertOnDelete, which needs it to give the reverted disk the instance's password.
 */
export interface SystemDiskReplacementOutputs extends SystemDiskReplacementInputs {
  /** HMAC of the password keyed by the instance id, so a password change is visible to diff. Secret output. */
  readonly passwordDigest?: string;
  /**
   * The image (and disk) the instance had before this resource first replaced its disk; kept through later image
   * changes, and on the instance itself (a reserved tag) until the resource is deleted, so an interruption that loses
   * it from state cannot make a revert go anywhere else.
   */
  readonly previousImageId: string;
  readonly previousSystemDiskId: string;
  readonly newSystemDiskId: string;
  readonly instanceStatus: string;
  /** The instance carries an unfinished sequence (interrupted run): the next update finishes it or winds it back. */
  readonly interrupted: boolean;
}
