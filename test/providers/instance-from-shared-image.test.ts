// InstanceFromSharedImage's create against the in-process emulator (fresh world, port 0), through the real SDK inside
// EcsApi. The pure rules (validation, encryption, request, diff) are table-tested in test/unit/instance-rules.test.ts.
import { EcsApi } from "../../providers/ecs/api";
import { resourceKey } from "../../providers/ecs/client-token";
import { EcsError } from "../../providers/ecs/errors";
import type { InstanceFromSharedImageInputs } from "../../providers/instance/args";
import { createFingerprint, createRequest } from "../../providers/instance/request";
import { passwordDigest } from "../../providers/password";
import { createTagValue, RESERVED_TAGS, readCreateTag, userTags } from "../../providers/tags";
import { DEMO } from "../support/emulator";
import {
  callsSince,
  check,
  checkedCreate,
  configure,
  create,
  disksOf,
  emu,
  emuInstance,
  expectWireSafe,
  IMAGES,
  inputs,
  inventory,
  lastSeq,
  OWNER,
  PASSWORD,
  p,
  progress,
  useInstanceEmulator,
  WORKLOAD,
} from "../support/instance-emulator";
import { rejection } from "../support/requests";

useInstanceEmulator();

describe("create", () => {
  it("runs one instance, waits for Running with progress, and outputs no password", async () => {
    const since = lastSeq();
    const { id, outs } = await checkedCreate(
      inputs({ name: "web-1", tags: { team: "web" }, password: PASSWORD, description: "front end" }),
    );
    expect(outs).toMatchObject({ instanceId: id, status: "Running", name: "web-1", tags: { team: "web" } });
    expect(outs.zoneId).toBe("cn-hangzhou-h");
    expect(outs.systemDiskId).toMatch(/^d-/);
    expect(JSON.stringify(outs)).not.toContain(PASSWORD);
    expect(outs.passwordDigest).toMatch(/^[0-9a-f]{64}$/);
    const inst = emuInstance(id);
    expect(inst).toMatchObject({ status: "Running", name: "web-1", hasPassword: true, imageId: IMAGES.plain });
    // The user's tags, and the create marked done.
    expect(userTags(inst?.tags ?? {})).toEqual({ team: "web" });
    expect(readCreateTag(inst?.tags ?? {})?.state).toBe("done");
    expectWireSafe(outs);
    const run = callsSince(since, "RunInstances").filter((r) => r.params.DryRun !== "true");
    expect(run).toHaveLength(1);
    expect(run[0].params).toMatchObject({
      Amount: "1",
      ClientToken: expect.stringMatching(/^psi1-/),
      Password: "******",
    });
    expect(progress.some((l) => l.message.includes(`${id}: created from image ${IMAGES.plain}`))).toBe(true);
    expect(JSON.stringify(progress)).not.toContain(PASSWORD);
  });

  it("encrypts every disk of an encrypted shared image with this account's key", async () => {
    const { id } = await checkedCreate(
      inputs({
        imageId: IMAGES.encrypted,
        systemDisk: { kmsKeyId: DEMO.workload.kmsKeyId },
        dataDisks: [{ size: 50 }],
      }),
    );
    const disks = disksOf(id);
    expect(disks.length).toBe(3); // system, the image's data disk, ours
    for (const disk of disks) expect(disk.encrypted).toBe(true);
    expect(disks.find((d) => d.type === "system")?.kmsKeyId).toBe(DEMO.workload.kmsKeyId);
    expect(disks.find((d) => d.sizeGiB === 50)?.kmsKeyId).toBe(DEMO.workload.kmsKeyId);
  });

  it("encrypts with the service key when no key is given", async () => {
    const { id } = await checkedCreate(inputs({ imageId: IMAGES.encrypted, dataDisks: [{ size: 50 }] }));
    for (const disk of disksOf(id)) expect(disk).toMatchObject({ encrypted: true, kmsKeyId: "" });
  });

  it.each([
    [
      "InvalidImageId.NotFound when the owner revoked the share",
      () => emu.admin.revokeShare(IMAGES.revoked, WORKLOAD),
      { imageId: IMAGES.revoked },
      /refused; nothing was made or changed: imageId: image m-ifsirevoked01 is not visible to this account in cn-hangzhou: it does not exist there, or its owner has not shared it with this account \(or revoked the share\)/,
    ],
    [
      "OperationDenied.ImageNotValid when the owner's KMS key is disabled",
      () => emu.admin.disableKmsKey(DEMO.ownerKmsKeyId),
      { imageId: IMAGES.encrypted },
      /the image m-demogoldenenc01 can no longer be used: .*disabled its key \(OperationDenied.ImageNotValid, HTTP 403/,
    ],
    [
      "a deprecated image, refused before RunInstances",
      () => undefined,
      { imageId: IMAGES.deprecated },
      /refused; nothing was made or changed: imageId: image m-demogoldenold01 .*of owner 1111111111111111 is deprecated/,
    ],
    [
      "a KMS key without encryption, refused before RunInstances",
      () => undefined,
      { systemDisk: { kmsKeyId: DEMO.workload.kmsKeyId } },
      /refused; nothing was made or changed: systemDisk.kmsKeyId: is set .* but the disk is not encrypted/,
    ],
    [
      "InvalidVSwitchId.NotFound with ECS's sentence",
      () => undefined,
      { vSwitchId: "vsw-missing" },
      /RunInstances failed: The specified VSwitchId "vsw-missing" does not exist in cn-hangzhou\. \(InvalidVSwitchId.NotFound, HTTP 404/,
    ],
    [
      "InvalidSecurityGroupId.NotFound with ECS's sentence",
      () => undefined,
      { securityGroupIds: ["sg-missing"] },
      /SecurityGroupId "sg-missing" does not exist .*\(InvalidSecurityGroupId.NotFound, HTTP 404/,
    ],
    [
      "InvalidInstanceType.ValueNotSupported with ECS's sentence",
      () => undefined,
      { instanceType: "ecs.x9.huge" },
      /instance type "ecs.x9.huge" is not available in cn-hangzhou-h\. \(InvalidInstanceType.ValueNotSupported, HTTP 400/,
    ],
    [
      "InvalidZoneId.NotFound with ECS's sentence",
      () => undefined,
      { zoneId: "cn-hangzhou-z" },
      /ZoneId "cn-hangzhou-z" does not exist in cn-hangzhou\. \(InvalidZoneId.NotFound, HTTP 404/,
    ],
  ])("reports %s (creating nothing)", async (_name, arrange, patch, message) => {
    arrange();
    try {
      const before = inventory().instances.length;
      const err = await rejection(create(inputs(patch as Partial<InstanceFromSharedImageInputs>)));
      expect(err.message).toMatch(message);
      expect(err.id).toBeUndefined();
      expect(inventory().instances.length).toBe(before);
    } finally {
      emu.admin.enableKmsKey(DEMO.ownerKmsKeyId);
    }
  });

  it("reports Forbidden.RAM for the demo RAM user creating from another owner's image", async () => {
    await configure(DEMO.deployer);
    // The stack approves the third party; the RAM policy of the account does not.
    const thirdParty = { approvedOwners: [OWNER, DEMO.thirdParty.accountId] };
    const err = await rejection(create(inputs({ imageId: IMAGES.unapproved, approval: thirdParty })));
    expect(err.message).toMatch(
      /RunInstances failed: the RAM user or role is not allowed to do this \(a RAM policy may restrict ecs:ImageOwnerId\) \(Forbidden.RAM, HTTP 403, RequestId [0-9A-F-]+\)/,
    );
  });

  it("lets the demo RAM user create from the approved owner's image", async () => {
    await configure(DEMO.deployer);
    const { outs } = await create(inputs());
    expect(outs.status).toBe("Running");
  });

  it("reports IdempotentParameterMismatch with what to do, and does not retry it", async () => {
    const since = lastSeq();
    emu.admin.addFault({ action: "RunInstances", kind: "error", code: "IdempotentParameterMismatch", httpStatus: 400 });
    const err = await rejection(create(inputs()));
    expect(err.message).toMatch(
      /the ClientToken of this operation was already used with different parameters \(IdempotentParameterMismatch, HTTP 400.*Fix: ECS remembers this token/,
    );
    expect(callsSince(since, "RunInstances")).toHaveLength(1);
  });

  it("retries throttling with the same ClientToken and creates one instance", async () => {
    const since = lastSeq();
    emu.admin.addFault({ action: "RunInstances", kind: "error", code: "Throttling.User", httpStatus: 400, count: 2 });
    const { id } = await create(inputs());
    const calls = callsSince(since, "RunInstances");
    expect(calls.map((c) => c.code ?? "OK")).toEqual(["Throttling.User", "Throttling.User", "OK"]);
    expect(new Set(calls.map((c) => c.params.ClientToken)).size).toBe(1);
    expect(emuInstance(id)?.status).toBe("Running");
  });

  it("gets the same instance back when the answer to RunInstances was lost (connection dropped after commit)", async () => {
    const before = inventory().instances.length;
    emu.admin.addFault({ action: "RunInstances", kind: "commitThenDrop", count: 1 });
    const i = inputs();
    const { id } = await create(i);
    expect(inventory().instances.length).toBe(before + 1);
    expect(emuInstance(id)?.status).toBe("Running");
  });

  it("re-running an interrupted create returns the instance the first run made (no duplicate)", async () => {
    const i = (await check(inputs({ name: "resumed" }))).inputs;
    // The first run got as far as RunInstances, then the process died; the engine recorded nothing.
    const api = EcsApi.forRegion(undefined, "test");
    const first = await api.runInstance(createRequest(i, createFingerprint(i), "run1.7"));
    const before = inventory().instances.length;
    const since = lastSeq();
    const { id } = await create(i);
    expect(id).toBe(first);
    expect(inventory().instances.length).toBe(before);
    expect(callsSince(since, "RunInstances")).toEqual([]);
    expect(userTags(emuInstance(id)?.tags ?? {})).toEqual({});
    expect(readCreateTag(emuInstance(id)?.tags ?? {})?.state).toBe("done");
  });

  it("a create interrupted after RunInstances and retried with other in-place settings adopts its instance and applies them", async () => {
    const given = inputs({ name: "before", tags: { team: "a" }, password: PASSWORD });
    const first = (await check(given)).inputs;
    // The first run got as far as RunInstances, then the process died; the engine recorded nothing.
    const api = EcsApi.forRegion(first.region, "test");
    const earlier = await api.runInstance({
      ...createRequest(first, createFingerprint(first), "run1.7"),
      password: PASSWORD,
    });
    // Edited before the next up; the engine passes the same (no) previous inputs to check.
    const edited = (
      await check({
        ...given,
        name: "after",
        description: "now described",
        hostName: "web-after",
        tags: { team: "b" },
        password: "Changed-Pass-99",
      })
    ).inputs;
    const before = inventory().instances.length;
    const since = lastSeq();
    const { id, outs } = await create(edited);
    expect(id).toBe(earlier);
    expect(inventory().instances.length).toBe(before);
    expect(emuInstance(id)).toMatchObject({
      status: "Running",
      name: "after",
      description: "now described",
      hostName: "web-after",
      tags: { team: "b" },
    });
    expect(outs).toMatchObject({ name: "after", description: "now described", tags: { team: "b" } });
    expect(outs.passwordDigest).toBe(passwordDigest(edited.identity.urn, "Changed-Pass-99"));
    // Found by its create tag, not made again, and brought up to date.
    expect(callsSince(since, "RunInstances")).toEqual([]);
    const modify = callsSince(since, "ModifyInstanceAttribute");
    expect(modify).toHaveLength(1);
    expect(modify[0].params).toMatchObject({ InstanceName: "after", HostName: "web-after", Password: "******" });
  });

  it("deletes an instance an interrupted run of the same resource made with other replacing inputs (no leak)", async () => {
    const first = (await check(inputs({ name: "edited-after-crash" }))).inputs;
    // The first run got as far as RunInstances, then the process died; then the instance type was edited.
    const api = EcsApi.forRegion(first.region, "test");
    const orphan = await api.runInstance(createRequest(first, createFingerprint(first), "run1.7"));
    const edited = (await check({ ...first, instanceType: "ecs.g7.xlarge" })).inputs;
    const { id } = await create(edited);
    expect(id).not.toBe(orphan);
    expect(emuInstance(orphan)).toBeUndefined();
    expect(emuInstance(id)).toMatchObject({ status: "Running", instanceType: "ecs.g7.xlarge" });
    expect(progress.some((l) => l.warning && l.message.includes(`deleting ${orphan}`))).toBe(true);
  });

  it("gives a forced replacement with identical inputs a NEW instance (the replaced one finished its create)", async () => {
    const given = inputs({ name: "replaced" });
    const one = await checkedCreate(given);
    const replacement = await check(given, one.inputs);
    expect(replacement.inputs).toEqual(one.inputs);
    const two = await create(replacement.inputs);
    expect(two.id).not.toBe(one.id);
    expect(emuInstance(one.id)?.status).toBe("Running");
    expect(emuInstance(two.id)?.status).toBe("Running");
  });

  it("destroy and re-create of the same resource costs one RunInstances each cycle, and never returns a deleted instance", async () => {
    const given = inputs({ name: "ephemeral" });
    const seen = new Set<string>();
    for (let cycle = 1; cycle <= 7; cycle++) {
      const since = lastSeq();
      const made = await checkedCreate(given);
      expect(seen.has(made.id)).toBe(false);
      seen.add(made.id);
      const runs = callsSince(since, "RunInstances").filter((r) => r.params.DryRun !== "true");
      expect(runs.map((r) => r.code ?? "OK")).toEqual(["OK"]);
      await p.delete(made.id, made.outs);
    }
  });

  it("hands a half-made instance to the engine with the partial state (its create tag marked done)", async () => {
    emu.admin.addFault({
      action: "UntagResources",
      kind: "error",
      code: "InvalidParameter",
      httpStatus: 400,
      count: 1,
    });
    const i = inputs({ name: "handed-over" });
    const err = await rejection(create(i));
    expect(err.message).toMatch(/^UntagResources failed: /);
    const tags = emuInstance(err.id as string)?.tags ?? {};
    expect(tags[RESERVED_TAGS.create]).toBe(
      createTagValue({ state: "done", resourceKey: resourceKey(i.identity), fingerprint: createFingerprint(i) }),
    );
    expect(tags[RESERVED_TAGS.launch]).toBeUndefined();
    expect(readCreateTag(tags)?.state).toBe("done");
  });

  it("does not hand over an instance it cannot even mark, and the next create adopts and finishes it", async () => {
    // Both the create's tagging and the hand-over of the partial state fail: no partial state, the tag stays pending.
    emu.admin.addFault({
      action: "UntagResources",
      kind: "error",
      code: "InvalidParameter",
      httpStatus: 400,
      count: 2,
    });
    const i = inputs({ name: "half-made", password: PASSWORD });
    const since = lastSeq();
    const err = await rejection(create(i));
    expect(err.message).toMatch(/^UntagResources failed: .*\(InvalidParameter, HTTP 400/);
    expect(err.message).toMatch(/could not be marked as handed over to Pulumi, so Pulumi does not record it/);
    expect(err.id).toBeUndefined();
    expect(err.message).not.toContain(PASSWORD);
    const [run] = callsSince(since, "RunInstances").filter((c) => c.params.DryRun !== "true");
    const instanceId = inventory().instances.find((x) => x.name === "half-made")?.instanceId as string;
    expect(run).toBeDefined();
    expect(readCreateTag(emuInstance(instanceId)?.tags ?? {})).toEqual({
      state: "pending",
      resourceKey: resourceKey(i.identity),
      fingerprint: createFingerprint(i),
    });
    const { id, outs } = await create(i);
    expect(id).toBe(instanceId);
    expect(callsSince(since, "RunInstances").filter((c) => c.params.DryRun !== "true")).toHaveLength(1);
    expect(outs.status).toBe("Running");
    expect(outs.systemDiskId).toBe(disksOf(id).find((d) => d.type === "system")?.diskId);
    expectWireSafe(outs);
    expect(readCreateTag(emuInstance(id)?.tags ?? {})?.state).toBe("done");
  });

  it("rethrows a programmer error met while observing the instance for partial state", async () => {
    const api = EcsApi.forRegion(undefined, "test");
    let tagFailed = false;
    const getInstance = api.getInstance.bind(api);
    const observe = jest.spyOn(api, "getInstance").mockImplementation(async (id) => {
      if (tagFailed) throw new TypeError("a bug in the observation");
      return getInstance(id);
    });
    const tag = jest.spyOn(api, "removeInstanceTag").mockImplementation(async () => {
      tagFailed = true;
      throw new EcsError({
        action: "UntagResources",
        code: "InternalError",
        sentence: "ECS reported an internal error",
      });
    });
    try {
      const err = await rejection(create(inputs()));
      expect(err).toBeInstanceOf(TypeError);
      expect(err.message).toBe("a bug in the observation");
    } finally {
      observe.mockRestore();
      tag.mockRestore();
    }
  });
});
