// The read-only ECS checks of what a new instance or a re-image will use (image visibility and approval, encryption,
// a RunInstances dry run per launch shape), at preview and again right before anything is made.
import { imageNotVisible } from "../common/rules";
import { EcsApi, type RunInstanceSpec } from "../ecs/api";
import { canonicalJson } from "../ecs/client-token";
import { EcsError, isDryRunPassed, runInstancesParameterOf } from "../ecs/errors";
import type { ImageView } from "../ecs/types";
import { evaluateImage, type PropertyFailure, RefusedError } from "../policy/approval";
import { Recent } from "../recent";
import type { InstanceFromSharedImageInputs } from "./args";
import { runInstancesRequest } from "./request";
import { encryptionFailures, imageHostNameFailures } from "./validate";

/** Keys that, when unknown during preview, make the ECS checks impossible until they are known. */
export const CLOUD_CHECKED = [
  "imageId",
  "region",
  "approval",
  "instanceType",
  "vSwitchId",
  "zoneId",
  "securityGroupIds",
  "systemDisk",
  "dataDisks",
  "keyPairName",
  "internetMaxBandwidthOut",
  "instanceChargeType",
] as const;

/** The user-visible message of an EcsError, plus ECS's own words when our sentence is generic. */
function ecsReason(err: EcsError): string {
  const own =
    err.serverMessage !== undefined && !err.message.includes(err.serverMessage)
      ? ` ECS says: ${err.serverMessage}`
      : "";
  return `${err.message}${own}`;
}

/**
 * Read-only ECS checks of what a new instance or a re-image will use (they run during preview, and again before
 * anything is made): the image's visibility, status and approval, the encryption rules, then for a new instance a
 * RunInstances dry run.
 */
export async function cloudCheck(
  news: InstanceFromSharedImageInputs,
  dryRun: boolean,
  imageMaxAgeMs?: number,
): Promise<{ failures: PropertyFailure[]; image?: ImageView }> {
  const api = EcsApi.forRegion(news.region, "check");
  const image = await api.recentImage(news.imageId, imageMaxAgeMs);
  if (image === undefined) {
    return {
      failures: [
        {
          property: "imageId",
          reason: imageNotVisible(news.imageId, api.regionId),
        },
      ],
    };
  }
  const failures = evaluateImage(image, news.approval).reasons.map((reason) => ({ property: "imageId", reason }));
  failures.push(...encryptionFailures(news, image.encrypted));
  failures.push(...imageHostNameFailures(image, news.hostName));
  if (failures.length > 0 || !dryRun) return { failures, image };
  const refused = await dryRunRefusal(api, runInstancesRequest({ ...news, imageEncrypted: image.encrypted }));
  if (refused !== undefined) failures.push(refused);
  return { failures, image };
}

/** Dry runs by connection and launch shape (see dryRunRefusal), shared by the checks of a provider process. */
const DRY_RUNS = new WeakMap<EcsApi, Recent<PropertyFailure | undefined>>();

/**
 * What a RunInstances dry run says of `request`: nothing when it would pass, else the input it refuses. A dry run
 * validates everything RunInstances would (network, type, key pair, KMS keys, RAM's ecs:ImageOwnerId, image
 * usability) without making anything. It is sent for the request's launch shape only, without the parameters that
 * differ from one instance of a group to the next (name, host name, description, tags), which validateInputs checks
 * in full: a fleet then costs one dry run per shape instead of one per instance. No password either (secret, and
 * checked locally), and no ClientToken: a dry run makes nothing, so there is nothing to deduplicate.
 */
function dryRunRefusal(api: EcsApi, request: RunInstanceSpec): Promise<PropertyFailure | undefined> {
  const shape: RunInstanceSpec = {
    ...request,
    securityGroupIds: [...request.securityGroupIds].sort(),
    name: undefined,
    hostName: undefined,
    description: undefined,
    tags: undefined,
  };
  let dryRuns = DRY_RUNS.get(api);
  if (dryRuns === undefined) {
    dryRuns = new Recent(60_000);
    DRY_RUNS.set(api, dryRuns);
  }
  return dryRuns.get(canonicalJson(shape), async () => {
    try {
      await api.runInstance({ ...shape, dryRun: true });
      return undefined;
    } catch (err) {
      if (isDryRunPassed(err)) return undefined;
      // The RunInstances parameters are named like the inputs they come from.
      const property = runInstancesParameterOf(err);
      if (property === undefined || !(err instanceof EcsError)) throw err;
      return { property, reason: ecsReason(err) };
    }
  });
}

/**
 * The image check again right before making an instance or re-imaging (approval may have changed since check, or
 * check saw no reason to look: a forced replacement). Returns the inputs with the image's encryption as ECS reports
 * it now, which is what the disks are made with.
 */
export async function requireApproved(
  inputs: InstanceFromSharedImageInputs,
  what: string,
): Promise<InstanceFromSharedImageInputs> {
  // Seen at most a few seconds ago: the creates of one wave share a lookup. (An image deprecated or unshared in those
  // seconds is refused by RunInstances itself.)
  const { failures, image } = await cloudCheck(inputs, false, 5_000);
  if (failures.length > 0 || image === undefined) throw new RefusedError(failures, what);
  return { ...inputs, imageEncrypted: image.encrypted };
}
