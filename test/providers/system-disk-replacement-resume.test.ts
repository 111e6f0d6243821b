// SystemDiskReplacement against the in-process emulator: an interrupted run finished by the next one, and changes
// without a new image that re-image the system disk.
import { clientToken } from "../../providers/ecs/client-token";
import { passwordDigest } from "../../providers/password";
import { diffSystemDiskReplacement } from "../../providers/system-disk/diff";
import { runSystemDiskSequence } from "../../providers/system-disk/sequence";
import {
  provider,
  type SystemDiskReplacementInputs,
  type SystemDiskReplacementOutputs,
} from "../../providers/system-disk-replacement";
import { DEMO } from "../support/emulator";
import { undefinedPaths } from "../support/expect";
import { rejection } from "../support/requests";
import { inputs, PASSWORD } from "../support/system-disk";
import {
  api,
  check,
  create,
  emu,
  emuInstance,
  hasMarker,
  IMAGES,
  lastSeq,
  mutatingSince,
  newInstance,
  systemDisks,
  useSystemDiskEmulator,
} from "../support/system-disk-emulator";

useSystemDiskEmulator();

describe("interrupted runs are finished by the next run", () => {
  it("survives ReplaceSystemDisk committed with its response dropped (same ClientToken, one new disk)", async () => {
    const instanceId = await newInstance();
    emu.admin.addFault({ action: "ReplaceSystemDisk", kind: "commitThenDrop", count: 1 });
    const since = lastSeq();
    const { outs } = await create(inputs(instanceId));
    const calls = emu.admin.requests({ since, action: "ReplaceSystemDisk" });
    expect(calls).toHaveLength(2);
    expect(calls[0].params.ClientToken).toBe(calls[1].params.ClientToken);
    expect(calls.map((c) => c.fault)).toEqual(["commitThenDrop", undefined]);
    expect(systemDisks(instanceId).map((d) => d.diskId)).toEqual([outs.newSystemDiskId]);
    expect(emuInstance(instanceId).status).toBe("Running");
  });

  it("survives StopInstance and StartInstance committed with their responses dropped", async () => {
    const instanceId = await newInstance();
    emu.admin.addFault({ action: "StopInstance", kind: "commitThenDrop", count: 1 });
    emu.admin.addFault({ action: "StartInstance", kind: "commitThenDrop", count: 1 });
    const { outs } = await create(inputs(instanceId));
    expect(outs.instanceStatus).toBe("Running");
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
  });

  it("reports partial state when StartInstance fails after the replacement, and update restarts the instance", async () => {
    const instanceId = await newInstance();
    emu.admin.addFault({ action: "StartInstance", kind: "error", code: "Forbidden.RAM", httpStatus: 403, count: 1 });
    const news = inputs(instanceId);
    const err = await rejection(create(news));
    expect(err.id).toBe(instanceId);
    expect(err.message).toContain("will be finished (and started again) by the next pulumi up");
    const partial = err.properties as unknown as SystemDiskReplacementOutputs;
    expect(partial).toMatchObject({ interrupted: true, previousImageId: IMAGES.base });
    expect(undefinedPaths(partial)).toEqual([]);
    expect(emuInstance(instanceId)).toMatchObject({ status: "Stopped", imageId: IMAGES.plain });
    expect(hasMarker(instanceId)).toBe(true);

    const diff = await (provider.diff as NonNullable<typeof provider.diff>)(instanceId, partial, news);
    expect(diff).toMatchObject({ changes: true, replaces: [] });
    const since = lastSeq();
    const { outs } = (await (provider.update as NonNullable<typeof provider.update>)(instanceId, partial, news)) as {
      outs: SystemDiskReplacementOutputs;
    };
    expect(mutatingSince(since)).toEqual(["StartInstance", "UntagResources"]);
    expect(outs).toMatchObject({ instanceStatus: "Running", interrupted: false, previousImageId: IMAGES.base });
    expect(emuInstance(instanceId).status).toBe("Running");
    expect(hasMarker(instanceId)).toBe(false);
  });

  it.each([
    ["after StopInstance", "stopInstance"],
    ["after ReplaceSystemDisk committed", "replaceSystemDisk"],
    ["after StartInstance", "startInstance"],
  ] as const)("a run killed %s is finished by a new create", async (_when, method) => {
    const instanceId = await newInstance();
    const originalDisk = systemDisks(instanceId)[0].diskId;
    // The provider process dies right after this call reached ECS: nothing after it runs, no state is written.
    const crashing = new Proxy(api, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== method) return typeof value === "function" ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          throw new Error("simulated crash");
        };
      },
    });
    const news = inputs(instanceId);
    const token = clientToken(news.identity, "ReplaceSystemDisk", { instanceId });
    const err = await rejection(
      runSystemDiskSequence({
        api: crashing,
        instanceId,
        imageId: IMAGES.plain,
        credentials: { kind: "keyPair", keyPairName: DEMO.workload.keyPairName },
        restart: "previous",
        clientToken: token,
        timeoutMs: 30_000,
        urn: news.identity.urn,
      }),
    );
    expect(err.message).toContain("simulated crash");
    expect(hasMarker(instanceId)).toBe(true);

    const { outs } = await create(news);
    expect(outs).toMatchObject({
      previousImageId: IMAGES.base,
      previousSystemDiskId: originalDisk,
      imageId: IMAGES.plain,
      instanceStatus: "Running",
    });
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
    expect(systemDisks(instanceId)).toHaveLength(1);
    expect(hasMarker(instanceId)).toBe(false);
  });

  it("a run that timed out while the instance was stopping is finished by the next run", async () => {
    const instanceId = await newInstance();
    const err = await rejection(create(inputs(instanceId, { timeouts: { create: "100ms" } })));
    expect(err.message).toMatch(/^Timed out after 100ms waiting for /);
    expect(err.id).toBe(instanceId);
    const { outs } = await create(inputs(instanceId));
    expect(outs.instanceStatus).toBe("Running");
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
  });
});

describe("changes without a new image re-image the system disk", () => {
  const OTHER_PASSWORD = "Sdr-Rotated-Pass-7y";
  const update = (id: string, olds: SystemDiskReplacementOutputs, next: SystemDiskReplacementInputs) =>
    (provider.update as NonNullable<typeof provider.update>)(id, olds, next) as Promise<{
      outs: SystemDiskReplacementOutputs;
    }>;
  const replaceCalls = (since: number) => emu.admin.requests({ since, action: "ReplaceSystemDisk" });

  /** An instance on IMAGES.plain through create, with `extra` inputs. */
  async function replaced(extra: Partial<SystemDiskReplacementInputs> = {}) {
    const instanceId = await newInstance();
    const news = inputs(instanceId, extra);
    const since = lastSeq();
    const { outs } = await create(news);
    const [createCall] = replaceCalls(since);
    return { instanceId, news, outs, createToken: createCall.params.ClientToken };
  }

  it("a new password alone: one ReplaceSystemDisk from the same image with the new password, and a new disk", async () => {
    const { instanceId, news, outs, createToken } = await replaced({ password: PASSWORD });
    const next = { ...news, password: OTHER_PASSWORD };
    expect(diffSystemDiskReplacement(outs, next)).toMatchObject({ imageChanged: false, reimage: true });
    const since = lastSeq();
    const result = await update(instanceId, outs, next);
    const calls = replaceCalls(since);
    expect(calls).toHaveLength(1);
    expect(calls[0].params).toMatchObject({ ImageId: IMAGES.plain, Password: "******" });
    expect(calls[0].params).not.toHaveProperty("PasswordInherit");
    expect(calls[0].params.ClientToken).not.toBe(createToken);
    expect(mutatingSince(since)).toEqual([
      "TagResources",
      "StopInstance",
      "ReplaceSystemDisk",
      "StartInstance",
      "UntagResources",
    ]);
    const [disk] = systemDisks(instanceId);
    expect(disk.diskId).not.toBe(outs.newSystemDiskId);
    expect(result.outs).toMatchObject({
      imageId: IMAGES.plain,
      previousImageId: IMAGES.base,
      previousSystemDiskId: outs.previousSystemDiskId,
      newSystemDiskId: disk.diskId,
      passwordDigest: passwordDigest(instanceId, OTHER_PASSWORD),
      instanceStatus: "Running",
      interrupted: false,
    });
    expect(JSON.stringify(result.outs)).not.toContain(OTHER_PASSWORD);
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain, hasPassword: true });
    expect(hasMarker(instanceId)).toBe(false);
    expect(diffSystemDiskReplacement(result.outs, next)).toMatchObject({ changes: false });
  });

  it("a new size alone: one ReplaceSystemDisk from the same image with the new size", async () => {
    const { instanceId, news, outs } = await replaced();
    const since = lastSeq();
    const result = await update(instanceId, outs, { ...news, systemDiskSize: 60 });
    const calls = replaceCalls(since);
    expect(calls).toHaveLength(1);
    expect(calls[0].params).toMatchObject({
      ImageId: IMAGES.plain,
      "SystemDisk.Size": "60",
      KeyPairName: DEMO.workload.keyPairName,
    });
    const [disk] = systemDisks(instanceId);
    expect(disk).toMatchObject({ sizeGiB: 60 });
    expect(disk.diskId).not.toBe(outs.newSystemDiskId);
    expect(result.outs).toMatchObject({ systemDiskSize: 60, newSystemDiskId: disk.diskId, instanceStatus: "Running" });
  });

  it("removing the password only updates what is stored (the instance keeps its password)", async () => {
    const { instanceId, news, outs } = await replaced({ password: PASSWORD });
    const since = lastSeq();
    const result = await update(instanceId, outs, { ...news, password: undefined });
    expect(mutatingSince(since)).toEqual([]);
    expect(result.outs).not.toHaveProperty("passwordDigest");
    expect(result.outs.newSystemDiskId).toBe(outs.newSystemDiskId);
  });

  it("a re-image interrupted after ReplaceSystemDisk is finished by the next update without replacing twice", async () => {
    const { instanceId, news, outs } = await replaced({ password: PASSWORD });
    const next = { ...news, password: OTHER_PASSWORD };
    emu.admin.addFault({ action: "StartInstance", kind: "error", code: "Forbidden.RAM", httpStatus: 403, count: 1 });
    const since = lastSeq();
    const err = await rejection(update(instanceId, outs, next));
    expect(err.id).toBe(instanceId);
    const partial = err.properties as unknown as SystemDiskReplacementOutputs;
    expect(partial).toMatchObject({ interrupted: true, imageId: IMAGES.plain });
    expect(undefinedPaths(partial)).toEqual([]);
    expect(emuInstance(instanceId).status).toBe("Stopped");
    const newDisk = systemDisks(instanceId)[0].diskId;
    expect(newDisk).not.toBe(outs.newSystemDiskId);

    // The partial state records the new disk with the new password: nothing is left but to start the instance.
    expect(diffSystemDiskReplacement(partial, next)).toMatchObject({ reimage: false, resume: true });
    const resumed = lastSeq();
    const result = await update(instanceId, partial, next);
    expect(mutatingSince(resumed)).toEqual(["StartInstance", "UntagResources"]);
    expect(replaceCalls(since)).toHaveLength(1);
    expect(result.outs).toMatchObject({
      previousSystemDiskId: outs.previousSystemDiskId,
      newSystemDiskId: newDisk,
      instanceStatus: "Running",
      interrupted: false,
    });
    expect(hasMarker(instanceId)).toBe(false);
  });

  it("a re-image whose process died right after ReplaceSystemDisk is finished by the next update, not repeated", async () => {
    const { instanceId, news, outs } = await replaced({ password: PASSWORD });
    const crashing = new Proxy(api, {
      get(target, key, receiver) {
        const value = Reflect.get(target, key, receiver);
        if (key !== "replaceSystemDisk") return typeof value === "function" ? value.bind(target) : value;
        return async (...args: unknown[]) => {
          await (value as (...a: unknown[]) => Promise<unknown>).apply(target, args);
          throw new Error("simulated crash");
        };
      },
    });
    const since = lastSeq();
    await rejection(
      runSystemDiskSequence({
        api: crashing,
        instanceId,
        imageId: IMAGES.plain,
        credentials: { kind: "password", password: OTHER_PASSWORD },
        restart: "previous",
        reimage: true,
        clientToken: clientToken(news.identity, "ReplaceSystemDisk", { instanceId }),
        timeoutMs: 30_000,
        urn: news.identity.urn,
      }),
    );
    expect(hasMarker(instanceId)).toBe(true);
    // No partial state reached Pulumi: the next update starts from the old outputs.
    const result = await update(instanceId, outs, { ...news, password: OTHER_PASSWORD });
    expect(replaceCalls(since)).toHaveLength(1);
    expect(systemDisks(instanceId)).toHaveLength(1);
    expect(result.outs).toMatchObject({
      previousSystemDiskId: outs.previousSystemDiskId,
      newSystemDiskId: systemDisks(instanceId)[0].diskId,
      instanceStatus: "Running",
    });
    expect(hasMarker(instanceId)).toBe(false);
  });

  it("a re-image whose answer was lost is retried with the same ClientToken: one new disk", async () => {
    const { instanceId, news, outs } = await replaced();
    emu.admin.addFault({ action: "ReplaceSystemDisk", kind: "commitThenDrop", count: 1 });
    const since = lastSeq();
    const result = await update(instanceId, outs, { ...news, systemDiskSize: 50 });
    const calls = replaceCalls(since);
    expect(calls).toHaveLength(2);
    expect(calls[0].params.ClientToken).toBe(calls[1].params.ClientToken);
    expect(systemDisks(instanceId).map((d) => d.diskId)).toEqual([result.outs.newSystemDiskId]);
    expect(result.outs.newSystemDiskId).not.toBe(outs.newSystemDiskId);
  });

  it("a refused re-image leaves the instance as it was (no second replacement while undoing)", async () => {
    const { instanceId, news, outs } = await replaced();
    const since = lastSeq();
    const err = await rejection(update(instanceId, outs, { ...news, keyPairName: "no-such-key" }));
    expect(err.message).toContain("InvalidKeyPairName.NotFound");
    // Refused either by the provider's own checks before anything happened, or by ECS, then undone.
    expect(err.message).toMatch(/Nothing was replaced|nothing was made or changed/);
    expect(err.id).toBeUndefined();
    expect(replaceCalls(since)).toHaveLength(1);
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain });
    expect(systemDisks(instanceId)[0].diskId).toBe(outs.newSystemDiskId);
    expect(hasMarker(instanceId)).toBe(false);
  });
});

it("refuses at check an instance without room for the marker and origin tags (ECS allows 20 tags)", async () => {
  const instanceId = await newInstance();
  const tags = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`team-${i}`, "x"]));
  await api.setTags("instance", instanceId, emuInstance(instanceId).tags, { ...emuInstance(instanceId).tags, ...tags });
  const { failures } = await check({}, inputs(instanceId));
  expect(failures).toEqual([
    {
      property: "instanceId",
      reason: expect.stringMatching(/has 17 tags, .* records 4 more \(ECS allows 20\): remove 1 of its tags first/),
    },
  ]);
});
