// What every resource class of this package does the same way: the type token, the serialized shim naming its entry
// module, the identity input and the outputs kept secret. A resource declares these once with defineDynamicResource.
import * as pulumi from "@pulumi/pulumi";
import { dynamicTypeToken, identityInput } from "../resource-identity";
import { thinProvider } from "../shim";

/** The Pulumi `module` of every type token of this package ("pulumi-nodejs:dynamic/ecs-shared-images:<type>"). */
export const TYPE_MODULE = "ecs-shared-images";

export interface DynamicResourceDefinition {
  /** The Pulumi `type` of the type token, e.g. "SharedImageCopy". */
  readonly type: string;
  /** The whole type token, as the engine and the identity input carry it. */
  readonly typeToken: string;
  /**
   * Package specifier of the entry module that exports `provider`, loaded by the shim at call time. Users' state
   * records it as `__provider`: it never changes.
   */
  readonly entryModule: string;
  /** Outputs kept secret in state, besides those the program asks for. */
  readonly secretOutputs: readonly string[];
}

export function defineDynamicResource(definition: {
  readonly type: string;
  readonly entryModule: string;
  readonly secretOutputs?: readonly string[];
}): DynamicResourceDefinition {
  return {
    type: definition.type,
    typeToken: dynamicTypeToken(TYPE_MODULE, definition.type),
    entryModule: definition.entryModule,
    secretOutputs: definition.secretOutputs ?? [],
  };
}

/** The base of every resource class: `props` plus the identity input, registered through the shim. */
export abstract class DynamicResource extends pulumi.dynamic.Resource {
  protected constructor(
    definition: DynamicResourceDefinition,
    name: string,
    props: pulumi.Inputs,
    opts?: pulumi.CustomResourceOptions,
  ) {
    const secret = definition.secretOutputs;
    super(
      thinProvider(definition.entryModule),
      name,
      { ...props, identity: identityInput(definition.typeToken, name, opts) },
      secret.length === 0
        ? opts
        : { ...opts, additionalSecretOutputs: [...(opts?.additionalSecretOutputs ?? []), ...secret] },
      TYPE_MODULE,
      definition.type,
    );
  }
}
