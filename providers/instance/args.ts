// InstanceFromSharedImage's documented Args, the plain inputs and outputs the provider handles, and the defaults they
// name: what a user reads to write a program, kept apart from the code that acts on it.
import type * as pulumi from "@pulumi/pulumi";
import { DEFAULT_TIMEOUTS, resolveTimeouts, type Timeouts, type TimeoutsInput } from "../ecs/wait";
import type { ApprovalPolicy } from "../policy/approval";
import type { IdentityInput } from "../resource-identity";

export type OnImageChange = "replace" | "replaceSystemDisk";

export interface SystemDiskArgs {
  /** Disk category: cloud, cloud_efficiency, cloud_ssd, cloud_essd (default), cloud_auto or cloud_essd_entry. */
  readonly category?: pulumi.Input<string>;
  /** GiB, 20-2048; default the image size (at least 20). */
  readonly size?: pulumi.Input<number>;
  /**
   * Encrypt the disk. An encrypted image encrypts every disk of the instance whatever this says (the preview shows
   * `imageEncrypted: true`); false is refused for such an image.
   */
  readonly encrypted?: pulumi.Input<boolean>;
  /** KMS key of this account for the encryption; default the service key. Needs encryption (explicit or forced). */
  readonly kmsKeyId?: pulumi.Input<string>;
}

export interface DataDiskArgs extends SystemDiskArgs {
  /** GiB, 20-32768. Required. */
  readonly size: pulumi.Input<number>;
}

export interface InstanceFromSharedImageArgs {
  /**
   * The image: a shared image (approved by `approval`) or this account's copy of one. Changing it replaces the
   * instance (all its disks are deleted with it), or, when `onImageChange` is "replaceSystemDisk", re-images its
   * system disk in place: everything on the system disk is lost, data disks stay. The preview says which.
   */
  readonly imageId: pulumi.Input<string>;
  /** Region; default `alicloud:region`, then ALICLOUD_REGION / ALIBABA_CLOUD_REGION. Changing it replaces. */
  readonly region?: pulumi.Input<string>;
  /** Which shared images may be used, checked at preview time. Changing it only re-checks the image. */
  readonly approval: pulumi.Input<ApprovalPolicy>;
  /** Instance type, e.g. "ecs.g7.large". Changing it replaces. */
  readonly instanceType: pulumi.Input<string>;
  /** vSwitch the instance is attached to (its zone decides the instance's zone). Changing it replaces. */
  readonly vSwitchId: pulumi.Input<string>;
  /** Zone; default the vSwitch's zone (must match it when set). Changing it replaces. */
  readonly zoneId?: pulumi.Input<string>;
  /** 1-5 security groups of the vSwitch's VPC. Changing them replaces. */
  readonly securityGroupIds: pulumi.Input<pulumi.Input<string>[]>;
  /** Instance name (2-128 characters, starting with a letter); default ECS's (the instance id). Updates in place. */
  readonly name?: pulumi.Input<string>;
  /** Host name (2-64 characters); default ECS's. Updates in place (the OS sees it after the next restart). */
  readonly hostName?: pulumi.Input<string>;
  /** Description, up to 256 characters. Updates in place. */
  readonly description?: pulumi.Input<string>;
  /**
   * System disk; default cloud_essd of the image's size. Changing it replaces the instance, except with an in-place
   * image change (onImageChange), which carries a larger size, the encryption and the key to the new system disk.
   */
  readonly systemDisk?: pulumi.Input<SystemDiskArgs>;
  /** Extra data disks, at most 16. Changing them replaces the instance; an in-place image change never touches them. */
  readonly dataDisks?: pulumi.Input<pulumi.Input<DataDiskArgs>[]>;
  /**
   * Login password (8-30 characters, three of: lower, upper, digits, specials). Stored only as a secret input, never
   * in outputs or logs. At most one of password and keyPairName. Updates in place (ECS applies it on restart). An
   * in-place image change gives the new system disk this password, so it cannot be removed in the same change.
   */
  readonly password?: pulumi.Input<string>;
  /**
   * Key pair to log in with. At most one of password and keyPairName. Changing it replaces. An in-place image change
   * binds it to the new system disk again (ECS would drop it otherwise).
   */
  readonly keyPairName?: pulumi.Input<string>;
  /** Public bandwidth in Mbit/s, 0-100; default 0 (no public IP). Changing it replaces. */
  readonly internetMaxBandwidthOut?: pulumi.Input<number>;
  /**
   * Instance tags, at most 16 (ECS allows 20 per instance; this package keeps up to 4 keys starting with
   * "ecs-shared-images:" for itself). Updates in place; tags added outside Pulumi are removed on the next update.
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * "PostPaid" (pay-as-you-go, the default and the only supported value: subscription instances need a period and
   * cannot be released by DeleteInstance). Changing it replaces.
   */
  readonly instanceChargeType?: pulumi.Input<"PostPaid">;
  /**
   * What an image change does: "replace" (default) recreates the instance; "replaceSystemDisk" stops it, replaces
   * its system disk with the new image (with the declared password or key pair; data disks stay) and brings it back
   * to the state it was in. Updates in place.
   */
  readonly onImageChange?: pulumi.Input<OnImageChange>;
  /** Deadlines, e.g. { create: "30m" }; defaults: create 20m, update 30m, delete 20m. Updates in place. */
  readonly timeouts?: pulumi.Input<TimeoutsInput>;
}

export interface DiskInput {
  readonly category?: string;
  readonly size?: number;
  readonly encrypted?: boolean;
  readonly kmsKeyId?: string;
}

/** What the provider receives: resolved Args, the identity set by the class, and what check() derived. */
export interface InstanceFromSharedImageInputs {
  readonly identity: IdentityInput;
  readonly imageId: string;
  /**
   * The region. check() resolves the default (stack config, then environment) and records it here, so reads and
   * deletes look where the instance is even after the stack's region setting changed, and that change replaces.
   * Only state written before the region was recorded lacks it.
   */
  readonly region?: string;
  readonly approval: ApprovalPolicy;
  readonly instanceType: string;
  readonly vSwitchId: string;
  readonly zoneId?: string;
  readonly securityGroupIds: string[];
  readonly name?: string;
  readonly hostName?: string;
  readonly description?: string;
  readonly systemDisk?: DiskInput;
  readonly dataDisks?: DiskInput[];
  readonly password?: string;
  readonly keyPairName?: string;
  readonly internetMaxBandwidthOut?: number;
  readonly tags?: Record<string, string>;
  readonly instanceChargeType?: "PostPaid";
  readonly onImageChange?: OnImageChange;
  readonly timeouts?: TimeoutsInput;
  /**
   * Set by check(): the image is encrypted, so every disk is made encrypted (carried over while the image does not
   * change). The disk inputs stay as declared: switching between a plain and an encrypted image in place changes no
   * disk input.
   */
  readonly imageEncrypted?: boolean;
  /**
   * Set by check(): the instance was given a password, declared now or at some time since it was made. ECS cannot
   * show a password and gives a new system disk only the credentials sent with it, so this is how an in-place image
   * change knows that, without declared credentials, it would leave the instance without a login.
   */
  readonly passwordGiven?: boolean;
}

/**
 * What the provider stores: the inputs without the password, with ECS's current values for what ECS decides or
 * can change behind Pulumi's back (name, host name, description, zone, tags, type, image, network), plus facts.
 */
export interface InstanceFromSharedImageOutputs extends Omit<InstanceFromSharedImageInputs, "password"> {
  readonly instanceId: string;
  /** Pending, Starting, Running, Stopping or Stopped, as of the last create/update/refresh. */
  readonly status: string;
  readonly zoneId: string;
  readonly name: string;
  readonly hostName: string;
  readonly description: string;
  readonly tags: Record<string, string>;
  readonly systemDiskId: string;
  /** HMAC of the password keyed by the resource's URN, so a password change is visible to diff. Secret output. */
  readonly passwordDigest?: string;
  /**
   * The instance carries the marker of an unfinished system disk sequence (an interrupted in-place image change):
   * it may be Stopped; the next update finishes the change or, when the image was set back, winds it back.
   */
  readonly interrupted: boolean;
}

export const DISK_CATEGORIES = [
  "cloud",
  "cloud_efficiency",
  "cloud_ssd",
  "cloud_essd",
  "cloud_auto",
  "cloud_essd_entry",
];
export const ON_IMAGE_CHANGE: readonly OnImageChange[] = ["replace", "replaceSystemDisk"];

export const TIMEOUT_DEFAULTS: Timeouts = {
  create: DEFAULT_TIMEOUTS.instanceCreate,
  update: DEFAULT_TIMEOUTS.systemDiskReplacement,
  delete: DEFAULT_TIMEOUTS.instanceDelete,
};

/** The deadlines of one operation: the declared ones over TIMEOUT_DEFAULTS. */
export function timeoutsOf(inputs: { timeouts?: TimeoutsInput }): Timeouts {
  return resolveTimeouts(inputs.timeouts, TIMEOUT_DEFAULTS);
}
