// ImageShare's documented Args, the plain inputs and outputs the provider works on, and its timeouts: the types every
// other file of the folder is written against.
import type * as pulumi from "@pulumi/pulumi";
import { resolveTimeouts, type Timeouts, type TimeoutsInput } from "../ecs/wait";
import type { IdentityInput } from "../resource-identity";

/** Arguments of an ImageShare. */
export interface ImageShareArgs {
  /**
   * Id of the image to share: a custom image of this stack's account ("m-…"), Available. Required. Changing it
   * replaces the share (the new image is shared, then the old one's managed accounts are removed).
   */
  readonly imageId: pulumi.Input<string>;
  /**
   * Region of the image. Default: the stack's `alicloud:region` (else ALICLOUD_REGION / ALIBABA_CLOUD_REGION).
   * Changing it (also through the default) replaces the share.
   */
  readonly region?: pulumi.Input<string>;
  /**
   * The accounts to share the image with: 16-digit Alibaba Cloud account ids, no duplicates, not the image owner's
   * own account, at most 50 (ECS's limit per image, which counts accounts shared outside Pulumi too). May be empty.
   * Changing it adds and removes accounts in place; removing an account warns at preview: instances that account
   * created from the image can no longer re-initialize their system disks.
   */
  readonly accountIds: pulumi.Input<pulumi.Input<string>[]>;
  /**
   * Whether the image's share list is exactly `accountIds`. Default true: an account shared outside Pulumi shows in
   * `unmanagedAccountIds` after a refresh, and the next `pulumi up` removes it (warned at preview); on create, the
   * accounts already shared that are not listed are removed. false: such accounts are left alone. Either way,
   * deleting the resource removes only the accounts it manages. Two exclusive shares of one image would undo each
   * other: declare one ImageShare per image. Changing it updates in place.
   */
  readonly exclusive?: pulumi.Input<boolean>;
  /**
   * How long create, update and delete may wait out throttling or an unreachable endpoint (default 10m each).
   * Durations like "45m" or milliseconds. Changing them updates state only.
   */
  readonly timeouts?: pulumi.Input<TimeoutsInput>;
}

/** Inputs as the provider sees them after check(): plain values, `region` and `exclusive` resolved. */
export interface ImageShareInputs {
  readonly identity: IdentityInput;
  readonly imageId: string;
  readonly region: string;
  readonly accountIds: readonly string[];
  readonly exclusive: boolean;
  readonly timeouts?: TimeoutsInput;
}

/** State of a share: the inputs, with the accounts as ECS lists them. */
export interface ImageShareOutputs extends ImageShareInputs {
  /**
   * The accounts this resource manages that ECS lists as shared, sorted. After create and update: `accountIds`; after
   * a refresh, an account unshared outside Pulumi is missing (drift the next `pulumi up` restores).
   */
  readonly accountIds: readonly string[];
  /**
   * Accounts this resource manages that ECS no longer lists (unshared outside Pulumi), sorted; empty after create
   * and update. A refresh fills it, and the next `pulumi up` shares the image with them again.
   */
  readonly missingAccountIds: readonly string[];
  /** Accounts the image is shared with that this resource does not manage (shared outside Pulumi), sorted. */
  readonly unmanagedAccountIds: readonly string[];
  /** Accounts of `accountIds` that were already shared when the resource was created (adopted, no call made). */
  readonly adoptedAccountIds: readonly string[];
  /** The image owner's account (this stack's account). */
  readonly ownerAccountId: string;
  readonly imageName: string;
}

export const shareTimeoutDefaults: Timeouts = { create: 10 * 60_000, update: 10 * 60_000, delete: 10 * 60_000 };

export function timeoutsOf(inputs: Pick<ImageShareInputs, "timeouts"> | undefined): Timeouts {
  return resolveTimeouts(inputs?.timeouts, shareTimeoutDefaults);
}
