// SystemDiskReplacement's create against the in-process emulator (fresh world, port 0), through the real SDK inside
// EcsApi: a replaced system disk, and the message a user sees when ECS refuses, with the instance back as it was.
import * as $Ecs from "@alicloud/ecs20140526";
import { ecsClient, resolveSettings } from "../../providers/ecs/client";
import { diffSystemDiskReplacement } from "../../providers/system-disk/diff";
import type { SystemDiskReplacementInputs } from "../../providers/system-disk-replacement";
import { DEMO } from "../support/emulator";
import { undefinedPaths } from "../support/expect";
import { rejection } from "../support/requests";
import { inputs, PASSWORD } from "../support/system-disk";
import {
  check,
  configure,
  create,
  emu,
  emuInstance,
  hasMarker,
  IMAGES,
  INITIAL_PASSWORD,
  lastSeq,
  mutatingSince,
  NO_REPLACE_USER,
  newInstance,
  OWNER,
  progressLines,
  REGION,
  systemDisks,
  useSystemDiskEmulator,
  waitFor,
} from "../support/system-disk-emulator";

useSystemDiskEmulator();

describe("create", () => {
  it("stops, replaces, keeps the key pair and starts a Running instance again", async () => {
    const instanceId = await newInstance();
    const oldDisk = systemDisks(instanceId)[0].diskId;
    progressLines.length = 0;
    const since = lastSeq();
    const { id, outs } = await create(inputs(instanceId));
    expect(id).toBe(instanceId);
    const inst = emuInstance(instanceId);
    expect(inst).toMatchObject({ status: "Running", imageId: IMAGES.plain, keyPairName: DEMO.workload.keyPairName });
    expect(hasMarker(instanceId)).toBe(false);
    const [disk] = systemDisks(instanceId);
    expect(outs).toMatchObject({
      previousImageId: IMAGES.base,
      previousSystemDiskId: oldDisk,
      newSystemDiskId: disk.diskId,
      imageId: IMAGES.plain,
      instanceStatus: "Running",
      interrupted: false,
    });
    expect(disk.diskId).not.toBe(oldDisk);
    const replace = emu.admin.requests({ since, action: "ReplaceSystemDisk" });
    expect(replace).toHaveLength(1);
    expect(replace[0].params).toMatchObject({
      KeyPairName: DEMO.workload.keyPairName,
      ClientToken: expect.any(String),
    });
    expect(replace[0].params).not.toHaveProperty("PasswordInherit");
    expect(emu.admin.requests({ since, action: "StopInstance" })[0].params.StoppedMode).toBe("KeepCharging");
    expect(progressLines.some((l) => l.includes("replacing the system disk"))).toBe(true);
    expect(progressLines.some((l) => l.includes("starting again"))).toBe(true);
  });

  it("refuses at preview to re-image a password instance without a declared password, saying what to set", async () => {
    const instanceId = await newInstance({ password: true });
    const since = lastSeq();
    const { failures } = await check({}, inputs(instanceId));
    expect(failures).toEqual([
      {
        property: "password",
        reason: expect.stringMatching(
          /has no key pair, so it logs in with a password .*ECS cannot carry a password over to a new system disk\. Set password .*passwordInherit: true .*keyPairName/,
        ),
      },
    ]);
    // And create, should the preview have been skipped, refuses before touching the instance.
    const err = await rejection(create(inputs(instanceId)));
    expect(err.message).toMatch(/refused; nothing was made or changed: password: instance .* has no key pair/);
    expect(mutatingSince(since)).toEqual([]);
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.base, hasPassword: true });
  });

  it("gives a password instance its declared password again, never PasswordInherit unless asked", async () => {
    const instanceId = await newInstance({ password: true });
    const since = lastSeq();
    await create(inputs(instanceId, { password: INITIAL_PASSWORD }));
    const [replace] = emu.admin.requests({ since, action: "ReplaceSystemDisk" });
    expect(replace.params).toMatchObject({ Password: "******" });
    expect(replace.params).not.toHaveProperty("PasswordInherit");
    expect(emuInstance(instanceId)).toMatchObject({ status: "Running", imageId: IMAGES.plain, hasPassword: true });
  });

  it("leaves a Stopped instance Stopped (restart: previous) without calling StopInstance", async () => {
    const instanceId = await newInstance({ stopped: true });
    const since = lastSeq();
    const { outs } = await create(inputs(instanceId));
    expect(outs.instanceStatus).toBe("Stopped");
    expect(emuInstance(instanceId).status).toBe("Stopped");
    expect(mutatingSince(since)).toEqual(["TagResources", "ReplaceSystemDisk", "UntagResources"]);
  });

  it("starts a Stopped instance when restart is running", async () => {
    const instanceId = await newInstance({ stopped: true });
    const { outs } = await create(inputs(instanceId, { restart: "running" }));
    expect(outs.instanceStatus).toBe("Running");
    expect(emuInstance(instanceId).status).toBe("Running");
  });

  it("sets a new password, which never reaches outputs, progress or the request log", async () => {
    const instanceId = await newInstance();
    const since = lastSeq();
    progressLines.length = 0;
    const { outs } = await create(inputs(instanceId, { password: PASSWORD, systemDiskSize: 60 }));
    // Not even as the secret a revert on delete would need: this resource does not revert.
    expect(JSON.stringify(outs)).not.toContain(PASSWORD);
    expect(outs.passwordDigest).toMatch(/^[0-9a-f]{64}$/);
    expect(progressLines.join("\n")).not.toContain(PASSWORD);
    const [replace] = emu.admin.requests({ since, action: "ReplaceSystemDisk" });
    expect(replace.params).toMatchObject({ Password: "******", "SystemDisk.Size": "60" });
    expect(emuInstance(instanceId)).toMatchObject({ keyPairName: "", hasPassword: true });
    expect(systemDisks(instanceId)[0].sizeGiB).toBe(60);
  });

  it("encrypts the new disk of an encrypted shared image with the given key", async () => {
    const instanceId = await newInstance();
    await create(inputs(instanceId, { imageId: IMAGES.encrypted, encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId }));
    expect(systemDisks(instanceId)[0]).toMatchObject({ encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId });
  });

  it("encrypts the new disk of an encrypted image without encrypted: true, as InstanceFromSharedImage does", async () => {
    const instanceId = await newInstance();
    const declared = inputs(instanceId, { imageId: IMAGES.encrypted, kmsKeyId: DEMO.workload.kmsKeyId });
    const checked = await check({}, declared);
    expect(checked.failures).toEqual([]);
    const { outs } = await create(checked.inputs as SystemDiskReplacementInputs);
    expect(systemDisks(instanceId)[0]).toMatchObject({ encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId });
    // The next preview: same inputs, nothing to do, no ECS call.
    const since = lastSeq();
    const again = await check(checked.inputs as SystemDiskReplacementInputs, declared);
    expect(diffSystemDiskReplacement(outs, again.inputs as SystemDiskReplacementInputs).changes).toBe(false);
    expect(emu.admin.requests({ since })).toEqual([]);
  });

  it("returns outputs without undefined values", async () => {
    const instanceId = await newInstance();
    const { outs } = await create(
      inputs(instanceId, { password: undefined, keyPairName: undefined, systemDiskSize: undefined }),
    );
    expect(undefinedPaths(outs)).toEqual([]);
  });

  it("does nothing to an instance already on the image (no re-imaging)", async () => {
    const instanceId = await newInstance();
    const since = lastSeq();
    const { outs } = await create(inputs(instanceId, { imageId: IMAGES.base, approval: { approvedOwners: [OWNER] } }));
    expect(mutatingSince(since)).toEqual([]);
    expect(outs).toMatchObject({ previousImageId: IMAGES.base, imageId: IMAGES.base, instanceStatus: "Running" });
  });
});

describe("ECS refusals: the message a user sees, and the instance is back as it was", () => {
  async function refused(
    patch: Partial<SystemDiskReplacementInputs>,
    options: { expectStopped?: boolean; before?: (id: string) => Promise<void> | void } = {},
  ) {
    const instanceId = await newInstance();
    await options.before?.(instanceId);
    const err = await rejection(create(inputs(instanceId, patch)));
    expect(err.id).toBeUndefined(); // nothing changed, so no partial state
    const inst = emuInstance(instanceId);
    expect(inst.status).toBe(options.expectStopped ? "Stopped" : "Running");
    expect(inst.imageId).toBe(IMAGES.base);
    expect(hasMarker(instanceId)).toBe(false);
    // Refused either by the provider's own checks before anything happened, or by ECS, then undone.
    expect(err.message).toMatch(/Nothing was replaced|nothing was made or changed/);
    return err.message;
  }

  it("InvalidKeyPairName.NotFound", async () => {
    expect(await refused({ keyPairName: "no-such-key" })).toMatch(
      /^ReplaceSystemDisk failed: the key pair no-such-key does not exist \(InvalidKeyPairName\.NotFound, HTTP 404, RequestId [\w-]+\)\. Fix: check the key pair name and region\./,
    );
  });

  it("a size below the image's, refused before anything happens", async () => {
    expect(await refused({ systemDiskSize: 30 })).toContain(
      `systemDiskSize: 30 GiB is smaller than image ${IMAGES.plain} (40 GiB)`,
    );
  });

  it("InvalidSystemDiskSize.MoreThanMaxSize", async () => {
    expect(await refused({ systemDiskSize: 4000 })).toContain(
      "the system disk size is above the maximum for this category (InvalidSystemDiskSize.MoreThanMaxSize",
    );
  });

  it("InvalidSystemDiskSize.ImageNotSupportResize", async () => {
    expect(await refused({ imageId: IMAGES.noResize, systemDiskSize: 60 })).toContain(
      `the image ${IMAGES.noResize} does not support resizing the system disk (InvalidSystemDiskSize.ImageNotSupportResize`,
    );
  });

  it("a share revoked after the preview, refused before anything happens", async () => {
    const message = await refused(
      { imageId: IMAGES.revoked },
      { before: () => emu.admin.revokeShare(IMAGES.revoked, DEMO.workload.accountId) },
    );
    expect(message).toContain(
      `imageId: image ${IMAGES.revoked} is not visible to this account in ${REGION}: it does not exist there, or its owner has not shared it with this account (or revoked the share)`,
    );
  });

  it("OperationDenied.ImageNotValid when the owner is in arrears", async () => {
    try {
      const message = await refused({}, { before: () => emu.admin.setArrears(OWNER, true) });
      expect(message).toContain("can no longer be used: the owner may be in arrears");
      expect(message).toContain("OperationDenied.ImageNotValid");
    } finally {
      emu.admin.setArrears(OWNER, false);
    }
  });

  it("an unencrypted disk from an encrypted image, refused before anything happens", async () => {
    expect(await refused({ imageId: IMAGES.encrypted, encrypted: false })).toContain(
      `encrypted: image ${IMAGES.encrypted} is encrypted, so the new system disk must be too`,
    );
  });

  it("a KMS key for a plain image without encryption, refused before anything happens", async () => {
    expect(await refused({ kmsKeyId: DEMO.workload.kmsKeyId })).toContain("kmsKeyId: is set");
  });

  it("InvalidParameter.EncryptedIllegal for a KMS key with encryption off (check bypassed)", async () => {
    expect(await refused({ kmsKeyId: DEMO.workload.kmsKeyId, encrypted: false })).toContain(
      "(InvalidParameter.EncryptedIllegal",
    );
  });

  it("IncorrectInstanceStatus for an instance stopped in economical mode", async () => {
    const message = await refused(
      {},
      {
        expectStopped: true,
        before: async (id) => {
          const client = ecsClient(resolveSettings(REGION, "test"));
          await client.stopInstance(new $Ecs.StopInstanceRequest({ instanceId: id, stoppedMode: "StopCharging" }));
          await waitFor(id, "Stopped");
        },
      },
    );
    expect(message).toContain("is not in a status that allows this operation (IncorrectInstanceStatus");
    expect(message).toContain("Fix: ReplaceSystemDisk needs the instance Stopped in standard (not economical) mode.");
  });

  it("Forbidden.RAM for a RAM user denied ReplaceSystemDisk", async () => {
    try {
      const message = await refused(
        {},
        {
          before: () => configure(NO_REPLACE_USER),
        },
      );
      expect(message).toContain("the RAM user or role is not allowed to do this");
      expect(message).toContain("(Forbidden.RAM, HTTP 403");
    } finally {
      await configure();
    }
  });

  it("refuses a security-locked instance before touching it", async () => {
    const instanceId = await newInstance();
    emu.admin.modifyInstance(instanceId, { locks: ["security"] });
    const since = lastSeq();
    const err = await rejection(create(inputs(instanceId)));
    expect(err.message).toBe(`Cannot replace the system disk of ${instanceId}: the instance is locked (security).`);
    expect(mutatingSince(since)).toEqual([]);
    emu.admin.modifyInstance(instanceId, { locks: [] });
  });

  it("never puts the password in an error message", async () => {
    const instanceId = await newInstance();
    emu.admin.addFault({
      action: "ReplaceSystemDisk",
      kind: "error",
      code: "InvalidPasswordParam.Mismatch",
      httpStatus: 400,
      message: `The password ${PASSWORD} is not allowed.`,
      count: 1,
    });
    const err = await rejection(create(inputs(instanceId, { password: PASSWORD })));
    expect(err.message).toContain("InvalidPasswordParam.Mismatch");
    expect(err.message).not.toContain(PASSWORD);
    expect(emuInstance(instanceId).status).toBe("Running");
  });
});
