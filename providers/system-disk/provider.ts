// SystemDiskReplacement's provider: the check/diff/create/read/update/delete wiring over the rules (validate.ts,
// diff.ts), the ECS checks (cloud-check.ts) and the sequence run (run.ts).
import type * as pulumi from "@pulumi/pulumi";
import { same } from "../common/equality";
import { checkedRegion, configure } from "../common/lifecycle";
import { EcsApi } from "../ecs/api";
import { resourceKey } from "../ecs/client-token";
import { announce, reimageNotice } from "../notices";
import { asOperations } from "../operation";
import { passwordDigest } from "../password";
import type { PropertyFailure } from "../policy/approval";
import { reportProgress } from "../progress";
import { quietErrors } from "../quiet-errors";
import { RESERVED_TAGS } from "../tags";
import { containsUnknown, dropUndefined, UNKNOWN } from "../wire-values";
import type { SystemDiskReplacementInputs, SystemDiskReplacementOutputs } from "./args";
import { CLOUD_CHECKED, cloudFailures, requireApproved } from "./cloud-check";
import { createReimageReasons, diffSystemDiskReplacement } from "./diff";
import { originOf, ownOrigin } from "./origin";
import { diskSettings, outputsOf, revert, runSequence } from "./run";
import { observeInstance } from "./sequence";
import { readMarker } from "./sequence-steps";
import { timeoutsOf, validateInputs } from "./validate";

export const provider: pulumi.dynamic.ResourceProvider = quietErrors(
  asOperations(timeoutsOf, {
    configure,

    async check(olds: Partial<SystemDiskReplacementInputs>, news: SystemDiskReplacementInputs) {
      const failures: PropertyFailure[] = [];
      const { region, failure } = checkedRegion(news.region, "check");
      if (failure !== undefined) failures.push(failure);
      const inputs = { ...news, region };
      failures.push(...validateInputs(inputs));
      // The image's encryption is the disk's default: known from the last check while the image stays, looked up
      // with the other ECS checks otherwise (unknown while the image id is).
      inputs.imageEncrypted =
        olds.instanceId !== undefined && same(olds.imageId, inputs.imageId) ? olds.imageEncrypted : undefined;
      const anyUnknown = CLOUD_CHECKED.some((key) => containsUnknown(inputs[key]));
      const changed = olds.instanceId === undefined || CLOUD_CHECKED.some((key) => !same(olds[key], inputs[key]));
      if (failures.length === 0 && !anyUnknown && changed) {
        const cloud = await cloudFailures(inputs, olds);
        failures.push(...cloud.failures);
        inputs.imageEncrypted = cloud.imageEncrypted;
      }
      // Not looked up because an input is unknown until an earlier resource is made: unknown, not absent, so a plan
      // saved by this preview accepts what the lookup finds when it runs for real.
      const encryption = inputs.imageEncrypted === undefined && anyUnknown && changed ? UNKNOWN : inputs.imageEncrypted;
      return { inputs: dropUndefined({ ...inputs, imageEncrypted: encryption }), failures };
    },

    async diff(_id: string, olds: SystemDiskReplacementOutputs, news: SystemDiskReplacementInputs) {
      const diff = diffSystemDiskReplacement(olds, news);
      if (diff.replaces.length === 0 && (diff.imageChanged || diff.reimage)) {
        const toImageId = news.imageId === UNKNOWN ? undefined : news.imageId;
        announce(
          news.identity?.urn,
          reimageNotice(news.instanceId, { fromImageId: olds.imageId, toImageId, because: diff.reasons }),
        );
      }
      // Always delete first: two replacements of one instance cannot coexist (the old one's delete may revert the
      // disk the new one just made). `pulumi up --replace` asks no diff: the resource option (see the class) covers it.
      return { changes: diff.changes, replaces: diff.replaces, deleteBeforeReplace: true };
    },

    async create(inputs: SystemDiskReplacementInputs) {
      const api = EcsApi.forRegion(inputs.region, "create");
      const observed = await observeInstance(api, inputs.instanceId);
      const reimage = createReimageReasons(observed, inputs).length > 0;
      if (reimage || observed.instance?.imageId !== inputs.imageId) await requireApproved(inputs);
      const outs = await runSequence(inputs, undefined, {
        timeoutMs: timeoutsOf(inputs).create,
        action: "create",
        reimage,
        mayReplace: true,
      });
      return { id: inputs.instanceId, outs };
    },

    async read(id: string, props: SystemDiskReplacementOutputs) {
      const api = EcsApi.forRegion(props.region, "read");
      const { instance, systemDisk } = await observeInstance(api, id);
      if (instance === undefined) return { id: "", props: {} };
      const outs: SystemDiskReplacementOutputs = {
        ...props,
        region: api.regionId,
        imageId: instance.imageId,
        newSystemDiskId: systemDisk?.id ?? "",
        previousImageId: ownOrigin(instance.tags, props.identity) ?? props.previousImageId,
        instanceStatus: instance.status,
        interrupted: readMarker(instance.tags) !== undefined,
      };
      return { id, props: dropUndefined(outs) };
    },

    async update(_id: string, olds: SystemDiskReplacementOutputs, news: SystemDiskReplacementInputs) {
      const diff = diffSystemDiskReplacement(olds, news);
      const announced = diff.imageChanged || diff.reimage;
      if (announced || diff.resume) {
        if (announced) await requireApproved(news);
        const outs = await runSequence(news, olds, {
          timeoutMs: timeoutsOf(news).update,
          action: "update",
          reimage: diff.reimage,
          mayReplace: announced,
        });
        return { outs };
      }
      // Nothing to do on the instance: every declared setting is what it has (a removed one is left as it is).
      const digest = passwordDigest(news.instanceId, news.password);
      return { outs: outputsOf(news, { settings: diskSettings(news), passwordDigest: digest }, olds) };
    },

    async delete(id: string, props: SystemDiskReplacementOutputs) {
      const api = EcsApi.forRegion(props.region, "delete");
      const instance = await api.getInstance(id);
      if (instance === undefined) return;
      const found = originOf(instance.tags);
      if (found?.owner !== undefined && found.owner !== resourceKey(props.identity)) {
        reportProgress(
          props.identity.urn,
          `${id}: another SystemDiskReplacement manages this instance now (a rename or a second resource); ` +
            "this one is deleted without touching it",
          { warning: true },
        );
        return;
      }
      const marker = readMarker(instance.tags);
      const origin = found?.imageId;
      const revertTo = props.revertOnDelete ? (origin ?? props.previousImageId) : undefined;
      // Without a revert, only an interrupted sequence is finished or wound back (never leave a running instance
      // stopped); the goal is then the image the instance is on, and nothing is replaced.
      const goal = revertTo ?? (marker !== undefined ? instance.imageId : undefined);
      if (goal !== undefined && (goal !== instance.imageId || marker !== undefined)) {
        await revert(api, id, props, instance, goal, revertTo !== undefined);
      }
      // Last: the origin goes with the resource (a revert that fails keeps it for the next try).
      if (origin !== undefined) {
        const now = (await api.getInstance(id))?.tags ?? {};
        if (now[RESERVED_TAGS.originImageId] !== undefined) {
          const { [RESERVED_TAGS.originImageId]: _dropped, ...rest } = now;
          await api.setTags("instance", id, now, rest);
        }
      }
    },
  }),
);
