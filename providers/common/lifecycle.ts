// What every resource's provider does the same way around its own rules: take the stack config, and resolve the
// region a resource without one uses.
import { resolveSettings, type StackConfig, useStackConfig } from "../ecs/client";
import { EcsError, InvalidInputError } from "../ecs/errors";
import type { PropertyFailure } from "../policy/approval";

/** The provider's `configure`: the engine's first call into a provider process hands it the stack's config. */
export async function configure(req: { config: StackConfig }): Promise<void> {
  useStackConfig(req.config);
}

/**
 * check()'s region: the resource's own, else the stack's default (recorded in the inputs, so that a later change of
 * the default is seen as a change). A missing default is a failure on `region`; missing credentials are not, since
 * the ECS checks that need them report them.
 */
export function checkedRegion(
  region: string | undefined,
  step: string,
): { readonly region?: string; readonly failure?: PropertyFailure } {
  if (region !== undefined) return { region };
  try {
    return { region: resolveSettings(undefined, step).regionId };
  } catch (err) {
    if (err instanceof InvalidInputError && err.property === "region") {
      return { failure: { property: "region", reason: err.reason } };
    }
    if (err instanceof EcsError) return {};
    throw err;
  }
}
