// The fleet program, or for an owner stack (its config declares `shares`) the owner's program. Everything either
// declares comes from stack config (see README "Fleet config" and "The owner's side: ImageShare"); changing the fleet
// or the shares never needs an edit here.
import * as pulumi from "@pulumi/pulumi";
import { declareFleet } from "./fleet";
import { type ConfigSource, parseFleetConfig } from "./fleet-config";
import { declareOwner } from "./owner";
import { isOwnerStack, parseOwnerConfig } from "./owner-config";

const project = pulumi.getProject();
const config = new pulumi.Config();

/** The project's config namespace, with secrecy as the engine reports it (so plaintext passwords are refused). */
// @pulumi/pulumi 3.248 exports isConfigSecret from runtime/config at run time but not in its typings.
const { isConfigSecret } = pulumi.runtime as unknown as { isConfigSecret(key: string): boolean };
const isSecret = (key: string) => isConfigSecret(`${project}:${key}`);
/**
 * A plain config value: objects and lists arrive as JSON text, strings as they are. Parsed here rather than with
 * getObject, whose error quotes the value, which may be a password set without --secret (the checks then say so).
 */
function plainValue(key: string): unknown {
  const raw = config.get(key);
  if (raw === undefined) return undefined;
  try {
    return JSON.parse(raw);
  } catch (err) {
    if (err instanceof SyntaxError) return raw;
    throw err;
  }
}

const source: ConfigSource = {
  // Secret values are only read through requireSecret; validation needs to know they are set, not what they are.
  get: (key) => (isSecret(key) ? "[secret]" : plainValue(key)),
  isSecret,
  keys: () =>
    Object.keys(pulumi.runtime.allConfig())
      .filter((key) => key.startsWith(`${project}:`))
      .map((key) => key.slice(project.length + 1)),
};

/** The stack's region as the providers resolve it when a resource names none (see providers/ecs/client.ts). */
const stackRegion =
  new pulumi.Config("alicloud").get("region") ?? process.env.ALICLOUD_REGION ?? process.env.ALIBABA_CLOUD_REGION;

// The stack's outputs are the object its program declares: each stack shows only its own (an export left undefined
// would warn in every run).
export = isOwnerStack(source)
  ? declareOwner(parseOwnerConfig(source, stackRegion))
  : declareFleet(parseFleetConfig(source, stackRegion), (key) => config.requireSecret(key));
