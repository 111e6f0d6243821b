// The SystemDiskReplacement resource class: its definition (type token, entry module, secret password and digest),
// outputs, and the delete-first default.
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, defineDynamicResource } from "../common/dynamic-resource";
import type { SystemDiskReplacementArgs } from "./args";

/** The entry module is providers/system-disk-replacement.ts. */
export const SYSTEM_DISK_REPLACEMENT = defineDynamicResource({
  type: "SystemDiskReplacement",
  entryModule: "pulumi-ecs-shared-images/providers/system-disk-replacement",
  secretOutputs: ["password", "passwordDigest"],
});

/**
 * Replaces the system disk of an existing instance with an approved (shared) image, with the declared credentials
 * (a key pair instance keeps its key pair), and returns it to the state it was in. Outputs: previousImageId,
 * previousSystemDiskId, newSystemDiskId, imageId, instanceStatus, interrupted.
 */
export class SystemDiskReplacement extends DynamicResource {
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly imageId: pulumi.Output<string>;
  declare readonly previousImageId: pulumi.Output<string>;
  declare readonly previousSystemDiskId: pulumi.Output<string>;
  declare readonly newSystemDiskId: pulumi.Output<string>;
  declare readonly instanceStatus: pulumi.Output<string>;
  declare readonly interrupted: pulumi.Output<boolean>;

  constructor(name: string, args: SystemDiskReplacementArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      SYSTEM_DISK_REPLACEMENT,
      name,
      {
        ...args,
        password: args.password === undefined ? undefined : pulumi.secret(args.password),
        passwordDigest: undefined,
        previousImageId: undefined,
        previousSystemDiskId: undefined,
        newSystemDiskId: undefined,
        instanceStatus: undefined,
        interrupted: undefined,
      },
      // A forced replacement (`pulumi up --replace`) asks no diff, so the provider's delete-first is an option here.
      { deleteBeforeReplace: true, ...opts },
    );
  }
}
