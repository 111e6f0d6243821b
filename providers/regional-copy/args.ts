// RegionalImageCopy's documented Args and the plain inputs and outputs its provider works on. The copy itself is
// described by the types both copy resources share (../copy/args.ts); this adds where the source lives.
import type * as pulumi from "@pulumi/pulumi";
import type { ImageCopyArgs, ImageCopyFacts, ImageCopyInputs } from "../copy/args";
import type { Tags } from "../ecs/types";
import type { TimeoutsInput } from "../ecs/wait";

/** Arguments of a RegionalImageCopy. */
export interface RegionalImageCopyArgs extends ImageCopyArgs {
  /**
   * Id of the image to copy: an image of this account in `sourceRegion`, Available (typically a SharedImageCopy's
   * `imageId`). An image another account shared must first be copied in its own region (SharedImageCopy): ECS copies
   * a shared image only within its region. Required. Changing it replaces the copy.
   */
  readonly sourceImageId: pulumi.Input<string>;
  /**
   * Region of the source image. Default: the stack's `alicloud:region` (else ALICLOUD_REGION / ALIBABA_CLOUD_REGION).
   * Changing it (also through the default) replaces the copy.
   */
  readonly sourceRegion?: pulumi.Input<string>;
  /** Region of the copy: a region ECS knows, other than `sourceRegion`. Required. Changing it replaces the copy. */
  readonly region: pulumi.Input<string>;
  /**
   * Encrypt the copy's snapshots (with `kmsKeyId`, else the ECS service key of `region`). Required (true) when the
   * source is encrypted. Default false. Changing it replaces the copy.
   */
  readonly encrypted?: pulumi.Input<boolean>;
  /**
   * KMS key of this account in the destination `region` (a key of the source's region does not work there); needs
   * `encrypted: true`. Default: the service key. Changing it replaces the copy.
   */
  readonly kmsKeyId?: pulumi.Input<string>;
  /**
   * Tags of the copy (at most 16), managed exactly: keys missing here are removed. Keys starting with
   * "ecs-shared-images:" are reserved: the copy carries its source's provenance tags (owner, id and name of the
   * original shared image), so the approval rule trusts it as it trusts its source; they never appear in `tags`.
   * Default none. Changing them updates in place.
   */
  readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
  /**
   * How long to wait: `create` for the copy to become Available once the provider started it (default 6h; the time
   * it waits in the provider's queue behind 5 copies to the same region is not counted; also used when a later
   * `pulumi up` resumes waiting for a copy that timed out), `update` (default 6h), `delete` (default 20m). Durations like "45m", "2h", "1h30m" or milliseconds. Changing them updates state only.
   */
  readonly timeouts?: pulumi.Input<TimeoutsInput>;
}

/** Inputs as the provider sees them after check(): plain values, `sourceRegion` and `name` resolved. */
export interface RegionalImageCopyInputs extends ImageCopyInputs {
  readonly sourceRegion: string;
}

/** State of a regional copy: the inputs plus what ECS reports; sourceOwnerId and sourceImageName name the original. */
export interface RegionalImageCopyOutputs extends RegionalImageCopyInputs, ImageCopyFacts {
  readonly name: string;
  readonly description: string;
  readonly tags: Tags;
  readonly encrypted: boolean;
  readonly kmsKeyId: string;
}
