// The SystemDiskReplacement resource class: its type token, and the thin shim that names the entry module
// (providers/system-disk-replacement.ts) which every user's state refers to.
import * as pulumi from "@pulumi/pulumi";
import { dynamicTypeToken, identityInput } from "../resource-identity";
import { thinProvider } from "../shim";
import type { SystemDiskReplacementArgs } from "./args";

export const MODULE = "ecs-shared-images";
export const TYPE = "SystemDiskReplacement";
/** Package specifier of the entry module (exports `provider`), resolved at call time by the serialized shim. */
export const MODULE_ID = "pulumi-ecs-shared-images/providers/system-disk-replacement";

/**
 * Replaces the system disk of an existing instance with an approved (shared) image, with the declared credentials
 * (a key pair instance keeps its key pair), and returns it to the state it was in. Outputs: previousImageId,
 * previousSystemDiskId, newSystemDiskId, imageId, instanceStatus, interrupted.
 */
export class SystemDiskReplacement extends pulumi.dynamic.Resource {
  declare readonly instanceId: pulumi.Output<string>;
  declare readonly imageId: pulumi.Output<string>;
  declare readonly previousImageId: pulumi.Output<string>;
  declare readonly previousSystemDiskId: pulumi.Output<string>;
  declare readonly newSystemDiskId: pulumi.Output<string>;
  declare readonly instanceStatus: pulumi.Output<string>;
  declare readonly interrupted: pulumi.Output<boolean>;

  constructor(name: string, args: SystemDiskReplacementArgs, opts?: pulumi.CustomResourceOptions) {
    const identity = identityInput(dynamicTypeToken(MODULE, TYPE), name, opts);
    super(
      thinProvider(MODULE_ID),
      name,
      {
        ...args,
        identity,
        password: args.password === undefined ? undefined : pulumi.secret(args.password),
        passwordDigest: undefined,
        previousImageId: undefined,
        previousSystemDiskId: undefined,
        newSystemDiskId: undefined,
        instanceStatus: undefined,
        interrupted: undefined,
      },
      {
        // A forced replacement (`pulumi up --replace`) asks no diff, so the provider's delete-first is an option here.
        deleteBeforeReplace: true,
        ...opts,
        additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), "password", "passwordDigest"],
      },
      MODULE,
      TYPE,
    );
  }
}
