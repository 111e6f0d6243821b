// InstanceFromSharedImage's update: finish a half-made create, re-image the system disk in place (the resumable
// system disk sequence) when the image changes so, then set attributes and tags from what ECS has now.

import { same } from "../common/equality";
import { EcsApi } from "../ecs/api";
import { clientToken } from "../ecs/client-token";
import type { InstanceView } from "../ecs/types";
import { forPartialState } from "../partial";
import { passwordDigest } from "../password";
import {
  type DiskCredentials,
  observeInstance,
  runSystemDiskSequence,
  SystemDiskSequenceError,
} from "../system-disk/sequence";
import { readMarker } from "../system-disk/sequence-steps";
import { createTagValue, RESERVED_TAGS, readCreateTag, userTags } from "../tags";
import { dropUndefined } from "../wire-values";
import { type InstanceFromSharedImageInputs, type InstanceFromSharedImageOutputs, timeoutsOf } from "./args";
import { requireApproved } from "./cloud-check";
import { handOver, waitRunning } from "./create";
import { diffInstance } from "./diff";
import { outputsOf, partial, systemDiskIdOf } from "./outputs";
import { createFingerprint, effectiveDisks } from "./request";

/**
 * The credentials an in-place image change gives the new system disk: the declared ones, else the key pair the
 * instance has (ECS drops it otherwise), else none (check() refused removing a password in the same change).
 */
function reimageCredentials(inputs: InstanceFromSharedImageInputs, instance: InstanceView): DiskCredentials {
  if (inputs.keyPairName !== undefined) return { kind: "keyPair", keyPairName: inputs.keyPairName };
  if (inputs.password !== undefined) return { kind: "password", password: inputs.password };
  if (instance.keyPairName) return { kind: "keyPair", keyPairName: instance.keyPairName };
  return { kind: "none" };
}

/**
 * What the state says after a failed system disk sequence, from what ECS shows now: the image the instance is on,
 * with the disk settings of the change once the instance is on its image, and the new password only if the run set
 * it. When ECS could not be asked, the change is assumed made: the next diff then announces a re-image that may turn
 * out unnecessary, never the other way round.
 */
function afterFailedSequence(
  olds: InstanceFromSharedImageOutputs,
  news: InstanceFromSharedImageInputs,
  seen: InstanceView | undefined,
  passwordSet: boolean,
): InstanceFromSharedImageInputs & { passwordDigest?: string } {
  const passwordDigestNow = passwordSet ? passwordDigest(news.identity.urn, news.password) : olds.passwordDigest;
  if (seen === undefined || seen.imageId === news.imageId) return { ...news, passwordDigest: passwordDigestNow };
  return {
    ...news,
    imageId: seen.imageId,
    systemDisk: olds.systemDisk,
    imageEncrypted: olds.imageEncrypted,
    passwordDigest: passwordDigestNow,
  };
}

export async function update(
  id: string,
  olds: InstanceFromSharedImageOutputs,
  news: InstanceFromSharedImageInputs,
): Promise<{ outs: InstanceFromSharedImageOutputs }> {
  const api = EcsApi.forRegion(news.region, "update");
  const urn = news.identity.urn;
  const timeoutMs = timeoutsOf(news).update;
  const diff = diffInstance(olds, news);
  const digest = passwordDigest(urn, news.password);

  let instance = await api.getInstance(id);
  if (instance === undefined) {
    throw new Error(
      `Instance ${id} no longer exists in ${api.regionId} (deleted outside Pulumi); run pulumi refresh, then pulumi up.`,
    );
  }
  let systemDiskId = olds.systemDiskId;
  try {
    // A create that failed after RunInstances left partial state: finish it first.
    if (readCreateTag(instance.tags)?.state === "pending") {
      // Update is called only for what the engine holds: it is handed over, whatever happens next.
      await handOver(api, instance);
      instance = await waitRunning(api, id, { urn, timeoutMs });
    }
  } catch (err) {
    throw partial(err, id, news, outputsOf({ ...news, imageId: olds.imageId }, instance, { ...olds, instanceId: id }));
  }

  let passwordSet = false;
  if (diff.reimage || readMarker(instance.tags) !== undefined) {
    const target = diff.reimage ? await requireApproved(news, `Re-imaging ${id} with image ${news.imageId}`) : news;
    const credentials = reimageCredentials(news, instance);
    const disks = effectiveDisks(target);
    try {
      const result = await runSystemDiskSequence({
        api,
        instanceId: id,
        imageId: news.imageId,
        systemDiskSize: news.systemDisk?.size,
        credentials,
        encrypted: disks.systemDisk?.encrypted,
        kmsKeyId: disks.systemDisk?.kmsKeyId,
        restart: "previous",
        // A disk an interrupted run made from this image is kept (its password is set again); a new one only when
        // the preview announced the re-image.
        mayReplace: diff.reimage,
        recordedDiskId: olds.passwordDigest === digest ? olds.systemDiskId || undefined : undefined,
        clientToken: clientToken(news.identity, "ReplaceSystemDisk", {
          instanceId: id,
          imageId: news.imageId,
          systemDisk: disks.systemDisk,
          credentials: credentials.kind,
          keyPairName: credentials.kind === "keyPair" ? credentials.keyPairName : undefined,
        }),
        timeoutMs,
        urn,
      });
      systemDiskId = result.newSystemDiskId;
      passwordSet = result.passwordSet;
    } catch (err) {
      if (err instanceof SystemDiskSequenceError && err.unfinished) {
        const seen = await forPartialState(() => observeInstance(api, id));
        const state = afterFailedSequence(olds, news, seen?.instance, err.passwordSet);
        throw partial(
          err,
          id,
          news,
          outputsOf(state, seen?.instance, {
            instanceId: id,
            systemDiskId: seen?.systemDisk?.id ?? olds.systemDiskId,
            passwordDigest: state.passwordDigest,
          }),
        );
      }
      throw err;
    }
  }

  const attributes = diff.attributes.filter(
    (key) => !(key === "password" && (passwordSet || news.password === undefined)),
  );
  if (attributes.length > 0) {
    await api.modifyInstanceAttribute(id, {
      name: attributes.includes("name") ? news.name : undefined,
      description: attributes.includes("description") ? news.description : undefined,
      hostName: attributes.includes("hostName") ? news.hostName : undefined,
      password: attributes.includes("password") ? news.password : undefined,
    });
  }
  // Tags go from what ECS has now (drift included) to the inputs; the sequence may just have rewritten them. The
  // create tag follows the replacing inputs an in-place change altered (the image), so that a later replacement
  // knows this instance as the one it replaces.
  const fresh = (await api.getInstance(id)) ?? instance;
  const current: Record<string, string> = userTags(fresh.tags);
  const wanted: Record<string, string> = { ...(news.tags ?? {}) };
  const tag = readCreateTag(fresh.tags);
  if (tag !== undefined) {
    current[RESERVED_TAGS.create] = fresh.tags[RESERVED_TAGS.create];
    wanted[RESERVED_TAGS.create] = createTagValue({ ...tag, state: "done", fingerprint: createFingerprint(news) });
  }
  if (!same(current, wanted)) await api.setTags("instance", id, current, wanted);
  const final = (await api.getInstance(id)) ?? fresh;
  if (!systemDiskId) systemDiskId = await systemDiskIdOf(api, id);
  return { outs: dropUndefined(outputsOf(news, final, { instanceId: id, systemDiskId, passwordDigest: digest })) };
}
