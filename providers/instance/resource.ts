// The InstanceFromSharedImage resource class: its definition (type token, entry module, secret digest) and outputs.
import * as pulumi from "@pulumi/pulumi";
import { DynamicResource, defineDynamicResource } from "../common/dynamic-resource";
import type { DiskInput, InstanceFromSharedImageArgs } from "./args";

/** The entry module is providers/instance-from-shared-image.ts. */
export const INSTANCE_FROM_SHARED_IMAGE = defineDynamicResource({
  type: "InstanceFromSharedImage",
  entryModule: "pulumi-ecs-shared-images/providers/instance-from-shared-image",
  secretOutputs: ["passwordDigest"],
});

/**
 * An ECS instance from an approved shared image (or this account's copy of one). Outputs: instanceId, status,
 * zoneId, systemDiskId, interrupted and ECS's current name, host name, description and tags.
 */
export class InstanceFromSharedImage extends DynamicResource {
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly status: pulumi.Output<string>;
  declare readonly imageId: pulumi.Output<string>;
  declare readonly instanceType: pulumi.Output<string>;
  declare readonly zoneId: pulumi.Output<string>;
  declare readonly name: pulumi.Output<string>;
  declare readonly hostName: pulumi.Output<string>;
  declare readonly description: pulumi.Output<string>;
  declare readonly tags: pulumi.Output<Record<string, string>>;
  declare readonly systemDiskId: pulumi.Output<string>;
  declare readonly systemDisk: pulumi.Output<DiskInput | undefined>;
  declare readonly dataDisks: pulumi.Output<DiskInput[] | undefined>;
  declare readonly imageEncrypted: pulumi.Output<boolean | undefined>;
  /** An interrupted in-place image change is on the instance (see InstanceFromSharedImageOutputs.interrupted). */
  declare readonly interrupted: pulumi.Output<boolean>;

  constructor(name: string, args: InstanceFromSharedImageArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      INSTANCE_FROM_SHARED_IMAGE,
      name,
      {
        ...args,
        password: args.password === undefined ? undefined : pulumi.secret(args.password),
        imageEncrypted: undefined,
        instanceId: undefined,
        status: undefined,
        zoneId: args.zoneId,
        name: args.name,
        hostName: args.hostName,
        description: args.description,
        tags: args.tags,
        systemDiskId: undefined,
        passwordDigest: undefined,
        interrupted: undefined,
      },
      opts,
    );
  }
}
