// The InstanceFromSharedImage resource class: the type token, the serialized shim that loads the provider by its
// package path at run time, the identity input and the secret password and digest.
import * as pulumi from "@pulumi/pulumi";
import { dynamicTypeToken, identityInput } from "../resource-identity";
import { thinProvider } from "../shim";
import type { DiskInput, InstanceFromSharedImageArgs } from "./args";

const MODULE = "ecs-shared-images";
const TYPE = "InstanceFromSharedImage";
/**
 * Package specifier of the entry module (providers/instance-from-shared-image.ts), resolved at call time by the
 * serialized shim. Users' state records it as `__provider`: it never changes.
 */
const MODULE_ID = "pulumi-ecs-shared-images/providers/instance-from-shared-image";

/**
 * An ECS instance from an approved shared image (or this account's copy of one). Outputs: instanceId, status,
 * zoneId, systemDiskId, interrupted and ECS's current name, host name, description and tags.
 */
export class InstanceFromSharedImage extends pulumi.dynamic.Resource {
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
    const identity = identityInput(dynamicTypeToken(MODULE, TYPE), name, opts);
    super(
      thinProvider(MODULE_ID),
      name,
      {
        ...args,
        identity,
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
      { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "passwordDigest"] },
      MODULE,
      TYPE,
    );
  }
}
