// The resource identity every provider test builds (type token, name, URN), written once so the URN shape is the
// engine's in all of them.
import type { IdentityInput } from "../../providers/resource-identity";

/** The identity of resource `name` of type `type` ("InstanceFromSharedImage", …) in `project`/`stack`. */
export function resourceIdentity(type: string, name: string, project = "p", stack = "test"): IdentityInput {
  const token = type.includes(":") ? type : `pulumi-nodejs:dynamic/ecs-shared-images:${type}`;
  return { project, stack, type: token, name, urn: `urn:pulumi:${stack}::${project}::${token}::${name}` };
}
