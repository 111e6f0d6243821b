// Login credentials the emulator keeps per instance (password, key pair) and how re-images change them.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import * as $Ecs from "@alicloud/ecs20140526";
import { EmulatorCore } from "../../emulator/emulator";
import { startServer } from "../../emulator/server";
import { DEMO, emulatorPerTest, startDemoEmulator, tempDirPerTest } from "../support/emulator";
import {
  adminCall,
  describeInstance,
  EXTRA_IMAGES,
  ecsClient,
  expectEcsError,
  runInstance,
  runRequest,
  stoppedInstance,
  systemDiskOf,
  worldWithExtraImages,
} from "../support/emulator-sdk";

const region = DEMO.region;
const FIRST_PASSWORD = "Fp9-first-Secret";
const SECOND_PASSWORD = "Sp8-second-Secret";

describe("emulator login credentials", () => {
  const emu = emulatorPerTest(() => ({ world: worldWithExtraImages() }));

  const workload = () => ecsClient(emu());
  const replace = (instanceId: string, req: Partial<$Ecs.ReplaceSystemDiskRequest>) =>
    workload().replaceSystemDisk(new $Ecs.ReplaceSystemDiskRequest({ instanceId, imageId: DEMO.images.plain, ...req }));

  it("knows the password given to RunInstances by its fingerprint", async () => {
    const id = await runInstance(emu(), { password: FIRST_PASSWORD });
    expect(emu().admin.credentials(id)).toEqual({ keyPairName: "", password: "set", fingerprintKnown: true });
    expect(emu().admin.hasPassword(id, FIRST_PASSWORD)).toBe(true);
    expect(emu().admin.hasPassword(id, SECOND_PASSWORD)).toBe(false);
  });

  it("knows the password given to CreateInstance", async () => {
    const res = await workload().createInstance(
      new $Ecs.CreateInstanceRequest({
        regionId: region,
        imageId: DEMO.images.plain,
        instanceType: "ecs.g7.large",
        vSwitchId: DEMO.workload.vSwitchId,
        securityGroupId: DEMO.workload.securityGroupId,
        password: FIRST_PASSWORD,
      }),
    );
    expect(emu().admin.hasPassword(res.body?.instanceId as string, FIRST_PASSWORD)).toBe(true);
  });

  it("reports no password for an instance created with a key pair only", async () => {
    const id = await runInstance(emu(), { keyPairName: DEMO.workload.keyPairName });
    expect(emu().admin.credentials(id)).toEqual({
      keyPairName: DEMO.workload.keyPairName,
      password: "none",
      fingerprintKnown: false,
    });
    expect(emu().admin.hasPassword(id, FIRST_PASSWORD)).toBe(false);
  });

  it("changes the password with ModifyInstanceAttribute", async () => {
    const id = await runInstance(emu(), { password: FIRST_PASSWORD });
    await workload().modifyInstanceAttribute(
      new $Ecs.ModifyInstanceAttributeRequest({ instanceId: id, password: SECOND_PASSWORD }),
    );
    expect(emu().admin.hasPassword(id, SECOND_PASSWORD)).toBe(true);
    expect(emu().admin.hasPassword(id, FIRST_PASSWORD)).toBe(false);
  });

  it("replaces the password with ReplaceSystemDisk and Password", async () => {
    const id = await stoppedInstance(emu(), { password: FIRST_PASSWORD });
    await replace(id, { password: SECOND_PASSWORD });
    expect(emu().admin.credentials(id)).toEqual({ keyPairName: "", password: "set", fingerprintKnown: true });
    expect(emu().admin.hasPassword(id, SECOND_PASSWORD)).toBe(true);
    expect(emu().admin.hasPassword(id, FIRST_PASSWORD)).toBe(false);
  });

  it("clears the password and sets the key pair with ReplaceSystemDisk and KeyPairName", async () => {
    const id = await stoppedInstance(emu(), { password: FIRST_PASSWORD });
    await replace(id, { keyPairName: DEMO.workload.keyPairName });
    expect(emu().admin.credentials(id)).toEqual({
      keyPairName: DEMO.workload.keyPairName,
      password: "none",
      fingerprintKnown: false,
    });
    expect(emu().admin.hasPassword(id, FIRST_PASSWORD)).toBe(false);
    expect((await describeInstance(emu(), id))?.keyPairName).toBe(DEMO.workload.keyPairName);
  });

  it("leaves neither password nor key pair after ReplaceSystemDisk without credentials", async () => {
    const id = await stoppedInstance(emu(), { password: FIRST_PASSWORD, keyPairName: DEMO.workload.keyPairName });
    await replace(id, {});
    expect(emu().admin.credentials(id)).toEqual({ keyPairName: "", password: "none", fingerprintKnown: false });
    expect(emu().admin.hasPassword(id, FIRST_PASSWORD)).toBe(false);
  });

  it("uses the image's preset password for ReplaceSystemDisk with PasswordInherit", async () => {
    const id = await stoppedInstance(emu(), { password: FIRST_PASSWORD, keyPairName: DEMO.workload.keyPairName });
    await replace(id, { imageId: EXTRA_IMAGES.preset, passwordInherit: true });
    expect(emu().admin.credentials(id)).toEqual({
      keyPairName: "",
      password: "imagePreset",
      presetImageId: EXTRA_IMAGES.preset,
      fingerprintKnown: false,
    });
    // The emulator never knows an image's preset password, so it cannot say whether a candidate is it.
    expect(emu().admin.hasPassword(id, FIRST_PASSWORD)).toBe("unknown");
  });

  it("uses the image's preset password for RunInstances with PasswordInherit", async () => {
    const id = await runInstance(emu(), { imageId: EXTRA_IMAGES.preset, passwordInherit: true });
    expect(emu().admin.credentials(id)).toMatchObject({ password: "imagePreset", presetImageId: EXTRA_IMAGES.preset });
    expect(emu().admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].instances[0]).toMatchObject({
      instanceId: id,
      hasPassword: true,
    });
  });

  it("refuses PasswordInherit on an image without a preset password and changes nothing", async () => {
    const id = await stoppedInstance(emu(), { password: FIRST_PASSWORD });
    const diskBefore = await systemDiskOf(emu(), id);
    const err = await expectEcsError(
      replace(id, { imageId: DEMO.images.paid, passwordInherit: true }),
      "InvalidParameter.Conflict",
      400,
    );
    expect(err.message).toContain("has no preset password");
    const inst = await describeInstance(emu(), id);
    expect(inst).toMatchObject({ status: "Stopped", imageId: DEMO.images.plain });
    expect(await systemDiskOf(emu(), id)).toMatchObject({ diskId: diskBefore?.diskId, imageId: DEMO.images.plain });
    expect(emu().admin.credentials(id)).toEqual({ keyPairName: "", password: "set", fingerprintKnown: true });
    expect(emu().admin.hasPassword(id, FIRST_PASSWORD)).toBe(true);
  });

  it.each([
    ["a shared custom image", DEMO.images.plain],
    ["a public image (public images carry no preset password)", DEMO.images.publicLinux],
  ])("refuses RunInstances with PasswordInherit on %s and creates nothing", async (_what, imageId) => {
    await expectEcsError(
      workload().runInstances(runRequest({ imageId, passwordInherit: true })),
      "InvalidParameter.Conflict",
      400,
    );
    await expectEcsError(
      workload().runInstances(runRequest({ imageId, passwordInherit: true, dryRun: true })),
      "InvalidParameter.Conflict",
      400,
    );
    expect(emu().admin.inventory(DEMO.workload.accountId)[DEMO.workload.accountId].instances).toEqual([]);
  });

  it("still refuses PasswordInherit together with Password or KeyPairName (InvalidPasswordParam.Mismatch)", async () => {
    for (const extra of [{ password: FIRST_PASSWORD }, { keyPairName: DEMO.workload.keyPairName }]) {
      await expectEcsError(
        workload().runInstances(runRequest({ imageId: EXTRA_IMAGES.preset, passwordInherit: true, ...extra })),
        "InvalidPasswordParam.Mismatch",
        400,
      );
    }
  });

  it("gives copies the preset password of their source", async () => {
    const copy = await workload().copyImage(
      new $Ecs.CopyImageRequest({
        regionId: region,
        imageId: EXTRA_IMAGES.preset,
        destinationImageName: "preset-copy",
      }),
    );
    const copyId = copy.body?.imageId as string;
    emu().admin.advanceClock(3_600_000);
    const id = await runInstance(emu(), { imageId: copyId, passwordInherit: true });
    expect(emu().admin.credentials(id)).toMatchObject({ password: "imagePreset", presetImageId: copyId });
  });

  it("reports IdempotentParameterMismatch for a ClientToken reused with another password", async () => {
    const first = await workload().runInstances(runRequest({ clientToken: "pw-token", password: FIRST_PASSWORD }));
    await expectEcsError(
      workload().runInstances(runRequest({ clientToken: "pw-token", password: SECOND_PASSWORD })),
      "IdempotentParameterMismatch",
      400,
    );
    const again = await workload().runInstances(runRequest({ clientToken: "pw-token", password: FIRST_PASSWORD }));
    expect(again.body?.instanceIdSets).toEqual(first.body?.instanceIdSets);
    const id = await stoppedInstance(emu());
    await replace(id, { clientToken: "replace-pw", password: FIRST_PASSWORD });
    await expectEcsError(
      replace(id, { clientToken: "replace-pw", password: SECOND_PASSWORD }),
      "IdempotentParameterMismatch",
      400,
    );
  });

  it("throws for an unknown instance, and answers 404 over HTTP", async () => {
    expect(() => emu().admin.credentials("i-nope")).toThrow("credentials: no instance i-nope");
    expect(() => emu().admin.hasPassword("i-nope", FIRST_PASSWORD)).toThrow("hasPassword: no instance i-nope");
    const res = await adminCall(emu(), "POST", "instances/password-check", {
      instanceId: "i-nope",
      password: FIRST_PASSWORD,
    });
    expect(res.status).toBe(404);
    expect(res.text).not.toContain(FIRST_PASSWORD);
    expect((await adminCall(emu(), "GET", "instances/credentials?instanceId=i-nope")).status).toBe(404);
  });

  it("checks passwords and reports credentials over HTTP without echoing the candidate", async () => {
    const id = await runInstance(emu(), { password: FIRST_PASSWORD });
    const yes = await adminCall(emu(), "POST", "instances/password-check", {
      instanceId: id,
      password: FIRST_PASSWORD,
    });
    expect({ status: yes.status, body: yes.body }).toEqual({ status: 200, body: { match: true } });
    const no = await adminCall(emu(), "POST", "instances/password-check", {
      instanceId: id,
      password: SECOND_PASSWORD,
    });
    expect(no.body).toEqual({ match: false });
    expect(yes.text + no.text).not.toMatch(/Secret/);
    expect((await adminCall(emu(), "POST", "instances/password-check", { instanceId: id })).status).toBe(400);
    const creds = await adminCall(emu(), "GET", `instances/credentials?instanceId=${id}`);
    expect(creds.body).toEqual({ keyPairName: "", password: "set", fingerprintKnown: true });
    expect(JSON.stringify(emu().admin.requests())).not.toMatch(/Secret/);
  });
});

describe("emulator login credentials across restarts", () => {
  const dir = tempDirPerTest("ecs-emu-creds-");

  it("never writes a password or its fingerprint to the state file, the request log or the inventory", async () => {
    const statePath = join(dir(), "state.json");
    const core = new EmulatorCore({ world: worldWithExtraImages(), statePath });
    const emu = await startServer({ statePath }, core);
    try {
      emu.admin.setThrottle({ enabled: false });
      const id = await stoppedInstance(emu, { password: FIRST_PASSWORD });
      await ecsClient(emu).modifyInstanceAttribute(
        new $Ecs.ModifyInstanceAttributeRequest({ instanceId: id, password: SECOND_PASSWORD }),
      );
      const fingerprints = [core.passwords.fingerprint(FIRST_PASSWORD), core.passwords.fingerprint(SECOND_PASSWORD)];
      expect(core.cloud.passwordFingerprints.get(id)).toBe(fingerprints[1]);
      emu.admin.save();
      const state = readFileSync(statePath, "utf8");
      expect(state).toContain(id);
      const logs = JSON.stringify(emu.admin.requests()) + JSON.stringify(emu.admin.inventory());
      for (const secret of [FIRST_PASSWORD, SECOND_PASSWORD, ...fingerprints]) {
        expect(state).not.toContain(secret);
        expect(logs).not.toContain(secret);
      }
    } finally {
      await emu.close();
    }
  });

  it("says the fingerprint is unknown after a restart from a state file", async () => {
    const statePath = join(dir(), "state.json");
    let emu = await startDemoEmulator({ statePath });
    const id = await runInstance(emu, { password: FIRST_PASSWORD });
    await emu.close();
    emu = await startDemoEmulator({ statePath });
    try {
      expect(emu.admin.credentials(id)).toEqual({ keyPairName: "", password: "set", fingerprintKnown: false });
      expect(emu.admin.hasPassword(id, FIRST_PASSWORD)).toBe("unknown");
      expect(emu.admin.hasPassword(id, SECOND_PASSWORD)).toBe("unknown");
    } finally {
      await emu.close();
    }
  });
});
