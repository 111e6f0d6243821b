// InstanceFromSharedImage's update, read and delete against the in-process emulator, and status reads batched across
// resources in one provider process.
import * as $Ecs from "@alicloud/ecs20140526";
import { EcsApi } from "../../providers/ecs/api";
import { ecsClient, resolveSettings } from "../../providers/ecs/client";
import { diffInstance } from "../../providers/instance/diff";
import { createFingerprint } from "../../providers/instance/request";
import { RESERVED_TAGS, readCreateTag, userTags } from "../../providers/tags";
import { DEMO, emulatorStackConfig } from "../support/emulator";
import { expectEach } from "../support/expect";
import {
  callsSince,
  check,
  checkedCreate,
  create,
  emu,
  emuInstance,
  expectWireSafe,
  IMAGES,
  inputs,
  inventory,
  lastSeq,
  type Outputs,
  PASSWORD,
  p,
  progress,
  read,
  update,
  useInstanceEmulator,
} from "../support/instance-emulator";
import { rejection } from "../support/requests";

useInstanceEmulator();

describe("update, read and delete", () => {
  it("updates name, description, host name, tags and password in place", async () => {
    const made = await checkedCreate(inputs({ name: "before", tags: { a: "1", b: "2" }, password: PASSWORD }));
    const news = {
      ...made.inputs,
      name: "after",
      description: "now described",
      hostName: "web-after",
      tags: { a: "1", c: "3" },
      password: "Changed-Pass-99",
    };
    const diff = await p.diff(made.id, made.outs, news);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const since = lastSeq();
    const { outs } = await update(made.id, made.outs, news);
    expect(outs).toMatchObject({
      name: "after",
      description: "now described",
      hostName: "web-after",
      tags: { a: "1", c: "3" },
    });
    expect(outs.passwordDigest).not.toBe(made.outs.passwordDigest);
    expect(userTags(emuInstance(made.id)?.tags ?? {})).toEqual({ a: "1", c: "3" });
    expectWireSafe(outs);
    const modify = callsSince(since, "ModifyInstanceAttribute");
    expect(modify).toHaveLength(1);
    expect(modify[0].params.Password).toBe("******");
    expect(JSON.stringify(outs)).not.toContain("Changed-Pass-99");
    expect(await p.diff(made.id, outs, news)).toEqual({ changes: false, replaces: [], deleteBeforeReplace: false });
  });

  it("replaces the system disk in place on an image change with onImageChange replaceSystemDisk", async () => {
    const made = await checkedCreate(inputs({ onImageChange: "replaceSystemDisk", password: PASSWORD }));
    const checked = await check({ ...made.inputs, imageId: IMAGES.other }, made.inputs);
    expect(checked.failures).toEqual([]);
    const diff = await p.diff(made.id, made.outs, checked.inputs);
    expect(diff).toEqual({ changes: true, replaces: [], deleteBeforeReplace: false });
    const { outs } = await update(made.id, made.outs, checked.inputs);
    expect(outs).toMatchObject({ instanceId: made.id, imageId: IMAGES.other, status: "Running" });
    expect(outs.systemDiskId).not.toBe(made.outs.systemDiskId);
    const inst = emuInstance(made.id);
    expect(inst).toMatchObject({ imageId: IMAGES.other, status: "Running", hasPassword: true });
    expect(userTags(inst?.tags ?? {})).toEqual({});
    expect(Object.keys(inst?.tags ?? {})).toEqual([RESERVED_TAGS.create]);
    // The create tag follows the new image, so a later replacement knows this instance as the one it replaces.
    expect(readCreateTag(inst?.tags ?? {})).toMatchObject({
      state: "done",
      fingerprint: createFingerprint(checked.inputs),
    });
    const since = lastSeq();
    const replacement = await check({ ...checked.inputs, instanceType: "ecs.g7.xlarge" }, checked.inputs);
    const next = await create(replacement.inputs);
    expect(next.id).not.toBe(made.id);
    // The replaced instance is the engine's to delete: create never touched it.
    expect(callsSince(since, "DeleteInstance")).toEqual([]);
    expect(emuInstance(made.id)?.status).toBe("Running");
  });

  it("read reports ECS's current values (drift), a stopped instance, and deletion", async () => {
    const made = await checkedCreate(inputs({ name: "drifty", tags: { team: "a" } }));
    emu.admin.modifyInstance(made.id, {
      name: "renamed-by-hand",
      tags: { team: "b", extra: "x" },
      status: "Stopped",
    });
    const { id, props } = await read(made.id, made.outs);
    expect(id).toBe(made.id);
    expect(props).toMatchObject({ name: "renamed-by-hand", tags: { team: "b", extra: "x" }, status: "Stopped" });
    expect(progress.some((l) => l.warning && l.message.includes(`${made.id} is Stopped`))).toBe(true);
    const diff = diffInstance(props, made.inputs);
    expect(diff).toMatchObject({ changes: true, replaces: [], attributes: ["name"], tags: true });
    emu.admin.deleteInstance(made.id);
    expect(await read(made.id, made.outs)).toEqual({ id: "", props: {} });
  });

  it("read after the key pair was detached outside Pulumi returns values the engine can encode and shows the drift", async () => {
    const made = await checkedCreate(inputs({ keyPairName: DEMO.workload.keyPairName }));
    expect(made.outs.keyPairName).toBe(DEMO.workload.keyPairName);
    const client = ecsClient(resolveSettings(undefined, "test"));
    await client.detachKeyPair(
      new $Ecs.DetachKeyPairRequest({
        regionId: DEMO.region,
        keyPairName: DEMO.workload.keyPairName,
        instanceIds: JSON.stringify([made.id]),
      }),
    );
    expect(emuInstance(made.id)?.keyPairName).toBe("");
    const { id, props } = await read(made.id, made.outs);
    expect(id).toBe(made.id);
    expectWireSafe(props);
    expect(Object.keys(props)).not.toContain("keyPairName");
    expect(diffInstance(props, made.inputs).replaces).toEqual(["keyPairName"]);
  });

  it("reads, diffs and deletes in the region recorded at create after the stack's region setting changed", async () => {
    const given = inputs({ name: "regional" });
    const made = await checkedCreate(given);
    expect(made.outs.region).toBe(DEMO.region);
    await p.configure({ config: emulatorStackConfig(emu, { region: DEMO.otherRegion }) } as never);
    const { id, props } = await read(made.id, made.outs);
    expect(id).toBe(made.id);
    expect(props).toMatchObject({ region: DEMO.region, status: "Running", name: "regional" });
    const rechecked = await check(given, made.inputs);
    expect(rechecked.inputs.region).toBe(DEMO.otherRegion);
    const diff = await p.diff(made.id, props, rechecked.inputs);
    expect(diff.replaces).toContain("region");
    await p.delete(made.id, props);
    expect(emuInstance(made.id)).toBeUndefined();
  });

  it("read fills in a system disk id that is missing (a create that failed before reading it)", async () => {
    const made = await checkedCreate(inputs());
    const { props } = await read(made.id, { ...made.outs, systemDiskId: "" });
    expect(props.systemDiskId).toBe(made.outs.systemDiskId);
    expect(props.systemDiskId).toMatch(/^d-/);
  });

  it("delete force-deletes, waits until gone, and treats an already deleted instance as success", async () => {
    const made = await checkedCreate(inputs());
    const since = lastSeq();
    await p.delete(made.id, made.outs);
    expect(emuInstance(made.id)).toBeUndefined();
    expect(callsSince(since, "DeleteInstance")[0].params.Force).toBe("true");
    await expect(p.delete(made.id, made.outs)).resolves.toBeUndefined();
  });

  it("deletes made together go out as one DeleteInstances, and one instance already gone does not fail the others", async () => {
    const made = await Promise.all([1, 2, 3, 4].map(() => checkedCreate(inputs())));
    emu.admin.deleteInstance(made[2].id);
    const since = lastSeq();
    await Promise.all(made.map((m) => p.delete(m.id, m.outs)));
    for (const m of made) expect(emuInstance(m.id)).toBeUndefined();
    const [batch, ...others] = callsSince(since, "DeleteInstances");
    expect(others).toEqual([]);
    expect(batch.params).toMatchObject({ Force: "true", "InstanceId.1": made[0].id, "InstanceId.4": made[3].id });
    // Refused as a whole for the one that is gone, then each alone (the gone one counts as deleted).
    expect(callsSince(since, "DeleteInstance").map((c) => c.params.InstanceId)).toEqual(made.map((m) => m.id));
  });

  it("update of an instance deleted behind Pulumi's back says to refresh", async () => {
    const made = await checkedCreate(inputs());
    emu.admin.deleteInstance(made.id);
    const err = await rejection(update(made.id, made.outs, { ...made.inputs, name: "x-1" }));
    expect(err.message).toMatch(/no longer exists .*run pulumi refresh/);
  });
});

describe("status batching across resources in one provider process", () => {
  const N = 150;
  let made: { id: string; outs: Outputs }[] = [];

  it(`${N} concurrent creates share DescribeInstances calls (100 ids each)`, async () => {
    const since = lastSeq();
    const api = EcsApi.forRegion(undefined, "test");
    const observe = jest.spyOn(api, "getInstance");
    let observations = 0;
    try {
      made = await Promise.all(Array.from({ length: N }, () => create(inputs())));
      observations = observe.mock.calls.length;
    } finally {
      observe.mockRestore();
    }
    const describeCalls = callsSince(since, "DescribeInstances").length;
    // Unbatched, every observation would be a call; batched, the creates looking at about the same time share one.
    expect(observations).toBeGreaterThanOrEqual(N);
    // Everything but RunInstances is shared: the image's check, handing over (one UntagResources per 50), and the
    // system disks (one listing per launch tag value), so an instance costs little more than its RunInstances.
    const calls = callsSince(since);
    expect(calls.filter((c) => c.action === "RunInstances")).toHaveLength(N);
    // (Bounds loose enough for a loaded machine, where the creates reach Running spread over more batch windows.)
    expect(calls.filter((c) => c.action === "UntagResources").length).toBeLessThanOrEqual(N / 3);
    expect(calls.filter((c) => c.action === "DescribeDisks").length).toBeLessThanOrEqual(N / 5);
    expect(calls.filter((c) => c.action === "TagResources")).toEqual([]);
    expect(describeCalls).toBeLessThanOrEqual(N / 3);
    const [byId, byTag] = [
      callsSince(since, "DescribeInstances").filter((c) => c.params.InstanceIds !== undefined),
      callsSince(since, "DescribeInstances").filter((c) => c.params.InstanceIds === undefined),
    ];
    for (const call of byId) expect(JSON.parse(call.params.InstanceIds).length).toBeLessThanOrEqual(100);
    // Looking for instances an earlier run of each create left (by the create tag) is a listing per batch window
    // for all of them, not a call per create.
    expect(byTag.length).toBeLessThanOrEqual(5);
    expectEach(byTag, { params: expect.objectContaining({ "Tag.1.Key": RESERVED_TAGS.create }) });
  }, 120_000);

  it(`${N} concurrent reads cost ceil(N/100) DescribeInstances calls, and one listing by the create tag`, async () => {
    const since = lastSeq();
    const results = await Promise.all(made.map((m) => read(m.id, m.outs)));
    expectEach(results, { props: expect.objectContaining({ status: "Running" }) });
    const calls = callsSince(since, "DescribeInstances");
    expect(calls.filter((c) => c.params.InstanceIds !== undefined)).toHaveLength(Math.ceil(N / 100));
    // The look for instances interrupted runs left (refresh names them): at most one listing, page by page, for all
    // reads (none when a read earlier in this process listed within the minute).
    const listing = calls.filter((c) => c.params.InstanceIds === undefined);
    // May be empty (see above), so each listing is checked by key rather than with expectEach.
    expect(listing.map((c) => c.params["Tag.1.Key"])).toEqual(listing.map(() => RESERVED_TAGS.create));
    expect(listing.length).toBeLessThanOrEqual(Math.ceil(inventory().instances.length / 100));
  });
});
