// Who a dynamic resource is, sent as an input because dynamic provider methods never see the URN (only properties):
// deterministic ClientTokens are derived from it, and progress lines are attached to the resource through its URN.
import * as pulumi from "@pulumi/pulumi";
import type { ResourceIdentity } from "./ecs/client-token";

/** The `identity` input every resource of this package carries. Never secret, never changes for a resource. */
export interface IdentityInput extends ResourceIdentity {
  /** The resource's URN, so provider log lines show against it in `pulumi up`. */
  readonly urn: string;
}

/** The engine's type token of a dynamic resource declared with `module` and `type`. */
export function dynamicTypeToken(module: string, type: string): string {
  return `pulumi-nodejs:dynamic/${module}:${type}`;
}

/**
 * Builds the identity of the resource being constructed. The URN is computed the way the engine does: a child's type
 * is qualified by its parent's (`parent$child`) unless the parent is the stack itself.
 */
export function identityInput(
  typeToken: string,
  name: string,
  opts: pulumi.CustomResourceOptions | undefined,
): pulumi.Output<IdentityInput> {
  const project = pulumi.getProject();
  const stack = pulumi.getStack();
  const parentUrn: pulumi.Input<string | undefined> = opts?.parent ? opts.parent.urn : undefined;
  return pulumi.output(parentUrn).apply((parent) => {
    let qualified = typeToken;
    if (parent) {
      const parentType = parent.split("::")[2] ?? "";
      if (parentType !== "pulumi:pulumi:Stack") qualified = `${parentType}$${typeToken}`;
    }
    return { project, stack, type: typeToken, name, urn: `urn:pulumi:${stack}::${project}::${qualified}::${name}` };
  });
}

/** Validates the identity input in `check()`; returns a reason or undefined. */
export function identityProblem(value: unknown): string | undefined {
  const v = value as Partial<IdentityInput> | undefined;
  const fields = ["project", "stack", "type", "name", "urn"] as const;
  if (!v || typeof v !== "object" || fields.some((f) => typeof v[f] !== "string" || v[f] === "")) {
    return `must be set by the resource class (fields ${fields.join(", ")}); construct the resource through its class`;
  }
  return undefined;
}
