// InstanceFromSharedImage's provider: check (local rules, then the ECS checks of what will be made), diff, read and
// delete wired here; create and update live in their own files. The entry module exports this object.
import type * as pulumi from "@pulumi/pulumi";
import { noteCheck, noteDiff, recentScan, unclaimedBesides, unclaimedNotice } from "../adoption";
import { same } from "../common/equality";
import { checkedRegion, configure } from "../common/lifecycle";
import { EcsApi } from "../ecs/api";
import { resourceKey } from "../ecs/client-token";
import { instanceGone, poll } from "../ecs/wait";
import { servingOneRun } from "../engine-watch";
import { announce, reimageNotice, replaceNotice } from "../notices";
import { asOperations } from "../operation";
import type { PropertyFailure } from "../policy/approval";
import { reportProgress } from "../progress";
import { quietErrors } from "../quiet-errors";
import { readMarker } from "../system-disk/sequence-steps";
import { containsUnknown, dropUndefined, UNKNOWN } from "../wire-values";
import { type InstanceFromSharedImageInputs, type InstanceFromSharedImageOutputs, timeoutsOf } from "./args";
import { CLOUD_CHECKED, cloudCheck } from "./cloud-check";
import { create, createTagged, deleteInstance, lockstep } from "./create";
import { diffInstance } from "./diff";
import { outputsOf, systemDiskIdOf } from "./outputs";
import { update } from "./update";
import { encryptionFailures, reimageCredentialFailures, validateInputs } from "./validate";

async function check(olds: Partial<InstanceFromSharedImageInputs>, given: InstanceFromSharedImageInputs) {
  const failures: PropertyFailure[] = [];
  const { region, failure } = checkedRegion(given.region, "check");
  if (failure !== undefined) failures.push(failure);
  const news: InstanceFromSharedImageInputs = { ...given, region };
  failures.push(...validateInputs(news));
  const isNew = olds.identity === undefined;
  if (typeof news.identity?.urn === "string") noteCheck(news.identity.urn, !isNew);
  // Sticky until the instance is replaced (the engine checks a replacement again without old inputs).
  const passwordGiven = news.password !== undefined || (!isNew && (olds.passwordGiven ?? olds.password !== undefined));
  let imageEncrypted = !isNew && same(olds.imageId, news.imageId) ? olds.imageEncrypted : undefined;
  // ECS is asked only about what will be made: a new instance (create or replacement), or a re-imaged system disk.
  // An unchanged instance, or one whose tags or name change, is never refused for what happened to its image since.
  const diff = isNew ? undefined : diffInstance(olds as Partial<InstanceFromSharedImageOutputs>, news);
  const makesInstance = diff === undefined || diff.replaces.length > 0;
  const reimage = diff?.reimage === true;
  const anyUnknown = CLOUD_CHECKED.some((key) => containsUnknown(news[key]));
  if (reimage && !containsUnknown(news.password))
    failures.push(...reimageCredentialFailures({ ...news, passwordGiven }));
  if (failures.length === 0 && !anyUnknown && (makesInstance || reimage)) {
    const result = await cloudCheck(news, makesInstance);
    failures.push(...result.failures);
    imageEncrypted = result.image?.encrypted ?? imageEncrypted;
  } else if (imageEncrypted !== undefined && failures.length === 0) {
    failures.push(...encryptionFailures(news, imageEncrypted));
  }
  // Not asked yet because an input is unknown until an earlier resource is made: the image's encryption is unknown
  // too, not absent, so a plan saved by this preview accepts what the check finds when it runs for real.
  const encryption =
    imageEncrypted === undefined && anyUnknown && (makesInstance || reimage) ? UNKNOWN : imageEncrypted;
  const inputs = { ...news, imageEncrypted: encryption, passwordGiven: passwordGiven || undefined };
  return { inputs: dropUndefined(inputs), failures };
}

export const provider: pulumi.dynamic.ResourceProvider = quietErrors(
  asOperations(timeoutsOf, {
    configure,

    check,

    async diff(id: string, olds: InstanceFromSharedImageOutputs, news: InstanceFromSharedImageInputs) {
      const diff = diffInstance(olds, news);
      const urn = news.identity?.urn ?? olds.identity?.urn;
      if (urn !== undefined) noteDiff(urn, id, diff.replaces.length > 0);
      const imageUnknown = news.imageId === UNKNOWN;
      if (diff.replaces.length > 0) {
        announce(urn, replaceNotice(id, diff.replaces, imageUnknown && diff.replaces.join() === "imageId"));
      } else if (diff.reimage) {
        const toImageId = imageUnknown ? undefined : news.imageId;
        announce(urn, reimageNotice(id, { fromImageId: olds.imageId ?? "", toImageId }));
      }
      return { changes: diff.changes, replaces: diff.replaces, deleteBeforeReplace: false };
    },

    create,

    async read(id: string, props: InstanceFromSharedImageOutputs) {
      const api = EcsApi.forRegion(props.region, "read");
      const listed = await recentScan(`instances:${api.regionId}`, () => createTagged(api));
      // Under the engine the reads of one refresh are served by that one listing (instances this package made carry
      // the create tag); otherwise, and for an instance without the tag, ECS is asked about this one.
      const instance = (servingOneRun() ? listed.find((i) => i.id === id) : undefined) ?? (await api.getInstance(id));
      if (instance === undefined) return { id: "", props: {} };
      const marked = readMarker(instance.tags) !== undefined;
      if (instance.status === "Stopped" && props.status !== "Stopped" && props.identity?.urn) {
        const why = marked
          ? "an interrupted system disk replacement left it so; the next pulumi up finishes it or winds it back"
          : "stopped outside Pulumi; Pulumi leaves it stopped";
        reportProgress(props.identity.urn, `${id} is Stopped (${why})`, { warning: true });
      }
      if (props.identity?.urn) {
        const key = resourceKey(props.identity);
        for (const other of unclaimedBesides(id, key, listed)) {
          reportProgress(props.identity.urn, unclaimedNotice(other), { warning: true });
        }
      }
      const { passwordDigest: digest, systemDiskId, ...rest } = props;
      // Missing after a create that failed before reading it; stale when the image changed outside Pulumi (a system
      // disk replacement gives a new disk id).
      const diskId = systemDiskId && instance.imageId === props.imageId ? systemDiskId : await systemDiskIdOf(api, id);
      // The region found is recorded: state written before check() recorded it lacks it.
      const stored = { ...rest, region: api.regionId } as InstanceFromSharedImageInputs;
      const outs = outputsOf(stored, instance, { instanceId: id, systemDiskId: diskId, passwordDigest: digest });
      // Optional inputs the user did not set stay unset, so ECS's defaults never look like drift.
      return { id, props: dropUndefined(outs) };
    },

    update,

    async delete(id: string, props: InstanceFromSharedImageOutputs) {
      const api = EcsApi.forRegion(props.region, "delete");
      await deleteInstance(api, id);
      const urn = props.identity?.urn ?? id;
      await poll({
        describe: () => api.getInstance(id),
        acceptor: instanceGone,
        what: `instance ${id} to be deleted`,
        timeoutMs: timeoutsOf(props).delete,
        ...lockstep(),
        onProgress: (p) => reportProgress(urn, `${id}: ${p.reason}`, { ephemeral: true }),
      });
    },
  }),
);
