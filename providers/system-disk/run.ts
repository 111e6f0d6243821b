// Running the sequence for SystemDiskReplacement: the credentials, ClientToken and origin of a run, the outputs it
// stores, partial state when it is interrupted, and the revert on delete.
import { EcsApi } from "../ecs/api";
import { clientToken, resourceKey } from "../ecs/client-token";
import type { InstanceView } from "../ecs/types";
import { forPartialState, partialState } from "../partial";
import { passwordDigest } from "../password";
import { RefusedError } from "../policy/approval";
import { RESERVED_TAGS } from "../tags";
import { dropUndefined } from "../wire-values";
import type { SystemDiskReplacementInputs, SystemDiskReplacementOutputs } from "./args";
import { credentialsOf, passwordInstanceReason } from "./credentials";
import { diskAccepted, diskEncrypted } from "./diff";
import { originOf, originValue } from "./origin";
import {
  observeInstance,
  runSystemDiskSequence,
  type SystemDiskReplacementResult,
  SystemDiskSequenceError,
} from "./sequence";
import { timeoutsOf } from "./validate";

/** The disk settings of `from` (what the instance has when `from` was applied). */
export function diskSettings(from: Partial<SystemDiskReplacementInputs> | undefined) {
  return {
    systemDiskSize: from?.systemDiskSize,
    keyPairName: from?.keyPairName,
    passwordInherit: from?.passwordInherit,
    encrypted: from?.encrypted,
    imageEncrypted: from?.imageEncrypted,
    kmsKeyId: from?.kmsKeyId,
  };
}

export function outputsOf(
  inputs: SystemDiskReplacementInputs,
  applied: {
    readonly settings: ReturnType<typeof diskSettings>;
    readonly passwordDigest: string | undefined;
  },
  result: Omit<SystemDiskReplacementResult, "finalStatus" | "replaced" | "passwordSet"> & {
    instanceStatus: string;
    interrupted: boolean;
  },
): SystemDiskReplacementOutputs {
  // The password is kept (the engine stores it as a secret, like the input) only for a revert on delete to use.
  const { password, ...rest } = inputs;
  return dropUndefined({
    ...rest,
    ...(inputs.revertOnDelete === true ? { password } : {}),
    ...applied.settings,
    passwordDigest: applied.passwordDigest,
    previousImageId: result.previousImageId,
    previousSystemDiskId: result.previousSystemDiskId,
    newSystemDiskId: result.newSystemDiskId,
    imageId: result.imageId,
    instanceStatus: result.instanceStatus,
    interrupted: result.interrupted,
  });
}

/**
 * Runs the sequence for `inputs` and returns the outputs. An unfinished failure becomes partial state from what ECS
 * shows then: the settings of this run only once its ReplaceSystemDisk was accepted (else those of before, so the
 * next diff still asks for them), the image the instance is on, and `interrupted`, so the next update finishes or
 * winds back the run. When ECS cannot be asked, the replacement is assumed made: the next diff then announces a
 * re-image that may prove unnecessary, never the other way round.
 */
export async function runSequence(
  inputs: SystemDiskReplacementInputs,
  before: SystemDiskReplacementOutputs | undefined,
  options: { timeoutMs: number; action: string; reimage: boolean; mayReplace: boolean },
): Promise<SystemDiskReplacementOutputs> {
  const api = EcsApi.forRegion(inputs.region, options.action);
  const instance = await api.getInstance(inputs.instanceId);
  if (instance === undefined) {
    throw new Error(
      `Instance ${inputs.instanceId} does not exist in ${api.regionId} (deleted outside Pulumi?); ` +
        "run pulumi refresh, then pulumi up.",
    );
  }
  // Only a run that may replace the disk needs credentials for it: finishing or winding back an interrupted run
  // (the disk already replaced, or never to be) must work for an instance whose login cannot be carried over.
  const credentials = credentialsOf(inputs, instance) ?? (options.mayReplace ? undefined : { kind: "none" as const });
  if (credentials === undefined) {
    throw new RefusedError(
      [{ property: "password", reason: passwordInstanceReason(inputs.instanceId, "a system disk replacement") }],
      `Replacing the system disk of ${inputs.instanceId}`,
    );
  }
  const token = clientToken(inputs.identity, "ReplaceSystemDisk", {
    instanceId: inputs.instanceId,
    imageId: inputs.imageId,
    systemDiskSize: inputs.systemDiskSize,
    credentials: credentials.kind,
    keyPairName: credentials.kind === "keyPair" ? credentials.keyPairName : undefined,
    encrypted: diskEncrypted(inputs) || undefined,
    kmsKeyId: inputs.kmsKeyId,
  });
  const digest = passwordDigest(inputs.instanceId, inputs.password);
  // What the instance had before this resource first touched it: the origin tag (kept on the instance through any
  // interruption), else what the state recorded. A run on top of an earlier one must not take the image that run
  // put there as "previous", or a revert would go to an intermediate image (perhaps deleted since).
  const key = resourceKey(inputs.identity);
  const found = originOf(instance.tags);
  if (found !== undefined && found.owner !== undefined && found.owner !== key) {
    // Another SystemDiskReplacement of this instance recorded it (a rename makes the new resource before it deletes
    // the old one): this one manages the instance from now on, and the old one's delete leaves it alone.
    const { tags } = instance;
    await api.setTags("instance", inputs.instanceId, tags, {
      ...tags,
      [RESERVED_TAGS.originImageId]: originValue(found.imageId, key),
    });
  }
  const origin = found?.imageId;
  const previous = (run: { imageId: string; systemDiskId: string }) => ({
    previousImageId: origin ?? before?.previousImageId ?? run.imageId,
    previousSystemDiskId: before?.previousSystemDiskId ?? run.systemDiskId,
  });
  try {
    const result = await runSystemDiskSequence({
      api,
      instanceId: inputs.instanceId,
      imageId: inputs.imageId,
      systemDiskSize: inputs.systemDiskSize,
      credentials,
      encrypted: diskEncrypted(inputs) || undefined,
      kmsKeyId: inputs.kmsKeyId,
      restart: inputs.restart ?? "previous",
      reimage: options.reimage,
      mayReplace: options.mayReplace,
      acceptsDisk: (disk, inst) => diskAccepted(disk, inst, inputs),
      recordedDiskId: before?.passwordDigest === digest ? before?.newSystemDiskId || undefined : undefined,
      clientToken: token,
      timeoutMs: options.timeoutMs,
      urn: inputs.identity.urn,
      origin: originValue(origin ?? before?.previousImageId ?? instance.imageId, key),
    });
    // Done: the instance has every declared setting (a removed one is left as the instance has it, unrecorded).
    return outputsOf(
      inputs,
      { settings: diskSettings(inputs), passwordDigest: digest },
      {
        ...result,
        ...previous({ imageId: result.previousImageId, systemDiskId: result.previousSystemDiskId }),
        instanceStatus: result.finalStatus,
        interrupted: false,
      },
    );
  } catch (err) {
    if (!(err instanceof SystemDiskSequenceError && err.unfinished && err.marker !== undefined)) throw err;
    // An unobserved instance is recorded as replaced (see above).
    const seen = await forPartialState(() => observeInstance(api, inputs.instanceId));
    const madeNow = seen === undefined || err.replaceIssued;
    const outputs = outputsOf(
      inputs,
      {
        settings: diskSettings(madeNow ? inputs : before),
        passwordDigest: err.passwordSet || (madeNow && inputs.password !== undefined) ? digest : before?.passwordDigest,
      },
      {
        ...previous({ imageId: err.marker.priorImageId, systemDiskId: err.marker.priorSystemDiskId }),
        newSystemDiskId: seen?.systemDisk?.id ?? "",
        imageId: seen?.instance?.imageId ?? inputs.imageId,
        instanceStatus: seen?.instance?.status ?? "",
        interrupted: true,
      },
    );
    throw partialState(err, inputs.instanceId, inputs, outputs as unknown as Record<string, unknown>);
  }
}

/** Puts the instance on `goal` (the revert on delete, or finishing an interrupted run without replacing). */
export async function revert(
  api: EcsApi,
  id: string,
  props: SystemDiskReplacementOutputs,
  instance: InstanceView,
  goal: string,
  mayReplace: boolean,
): Promise<void> {
  const credentials = credentialsOf(props, instance) ?? { kind: "none" };
  await runSystemDiskSequence({
    api,
    instanceId: id,
    imageId: goal,
    credentials,
    restart: "previous",
    mayReplace,
    clientToken: clientToken(props.identity, "RevertSystemDisk", {
      instanceId: id,
      imageId: goal,
      credentials: credentials.kind,
    }),
    timeoutMs: timeoutsOf(props).delete,
    urn: props.identity.urn,
  });
}
