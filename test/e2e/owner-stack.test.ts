// The owner stack (stacks/ with `shares` in its config) end to end: the real CLI runs the shipped program against the
// in-process emulator as the owner account: it adopts the demo's shares, sees an unshare made by hand on refresh and
// restores it on up, refuses at preview what would pass ECS's 50 accounts, and destroys only what it manages. Then a
// workload stack of the same project on the same emulator: the owner's unshare is what its preview reports.
import * as fs from "node:fs";
import * as path from "node:path";
import type { RunningEmulator } from "../../emulator";
import { projectRoot } from "../../scripts/engine";
import { DEMO, emulatorConfigValues, startDemoEmulator } from "../support/emulator";
import { createLocalStack, type EngineStack, tempDir, writeConsumerProject } from "../support/engine";
import { extraAccounts, modifyShares, ownerSdk, sharedWith, shareWorld } from "../support/image-share";

const PROJECT = "ecs-shared-images";
const W = DEMO.workload.accountId;
const T = DEMO.thirdParty.accountId;

type Shares = Record<string, { imageId: string; accountIds: string[]; exclusive?: boolean }>;
const golden = (): Shares => ({
  "golden-base": { imageId: DEMO.images.plain, accountIds: [W] },
  "golden-paid": { imageId: DEMO.images.paid, accountIds: [W] },
});

describe("the owner stack through the Pulumi engine (emulator)", () => {
  const work = tempDir("owner-e2e");
  const projectDir = path.join(work.dir, "project");
  const backendDir = path.join(work.dir, "state");
  let emu: RunningEmulator;
  let owner: EngineStack;
  let output = "";

  const lastSeq = () => emu.admin.requests().at(-1)?.seq ?? 0;
  const sharesSince = (seq: number) =>
    emu.admin
      .requests({ action: "ModifyImageSharePermission", since: seq })
      .filter((r) => r.mutating)
      .map((r) => r.params);
  const setShares = (shares: Shares) => owner.stack.setConfig(`${PROJECT}:shares`, { value: JSON.stringify(shares) });
  const outputs = async () => (await owner.stack.outputs()).shares.value as Record<string, Record<string, string[]>>;
  /** The outputs of share `name` as the state holds them. */
  const stateOf = async (name: string) => {
    const { deployment } = await owner.stack.exportStack();
    const resources = deployment.resources as { urn: string; outputs?: Record<string, unknown> }[];
    return resources.find((r) => r.urn.endsWith(`:ImageShare::${name}`))?.outputs;
  };
  const onOutput = (text: string) => {
    output += text;
  };
  const failureOf = (run: Promise<unknown>) =>
    run.then(
      () => "",
      (err: Error) => err.message,
    );

  beforeAll(async () => {
    emu = await startDemoEmulator({ world: shareWorld(), timeScale: 200 });
    fs.mkdirSync(projectDir);
    const program = `require(${JSON.stringify(path.join(projectRoot, "dist", "stacks", "index.js"))});\n`;
    writeConsumerProject(projectDir, PROJECT, `module.exports = ${program}`);
    owner = await createLocalStack(projectDir, backendDir, "owner");
    for (const [key, value] of Object.entries(emulatorConfigValues(emu, { credentials: DEMO.owner }))) {
      await owner.stack.setConfig(key, { value, secret: key === "alicloud:secretKey" });
    }
    await setShares(golden());
  }, 120_000);

  afterAll(async () => {
    await emu?.close();
    work.cleanup();
  });

  it("adopts the shares the demo world made, with no share call", async () => {
    const mark = lastSeq();
    const up = await owner.stack.up({ onOutput });
    expect(up.summary.resourceChanges).toEqual({ create: 3 });
    expect(sharesSince(mark)).toEqual([]);
    const shares = await outputs();
    expect(shares["golden-base"]).toEqual({
      imageId: DEMO.images.plain,
      accountIds: [W],
      adoptedAccountIds: [W],
      missingAccountIds: [],
      unmanagedAccountIds: [],
    });
    // Only the stack's outputs: the fleet's are not declared by an owner stack.
    expect(Object.keys(up.outputs)).toEqual(["shares"]);
  });

  it("shares with one more account on up, and previews no change afterwards", async () => {
    await setShares({ ...golden(), "golden-base": { imageId: DEMO.images.plain, accountIds: [W, T] } });
    const mark = lastSeq();
    const up = await owner.stack.up({ onOutput });
    expect(up.summary.resourceChanges).toEqual({ same: 2, update: 1 });
    expect(sharesSince(mark)).toEqual([{ RegionId: DEMO.region, ImageId: DEMO.images.plain, "AddAccount.1": T }]);
    const quiet = lastSeq();
    expect((await owner.stack.preview()).changeSummary).toEqual({ same: 3 });
    expect(emu.admin.requests({ since: quiet }).filter((r) => r.mutating)).toEqual([]);
  });

  it("sees an unshare made by hand on refresh, previews the fix, and shares again on up", async () => {
    await modifyShares(ownerSdk(emu), { remove: [W] });
    const refresh = await owner.stack.refresh({ onOutput });
    expect(refresh.summary.resourceChanges).toEqual({ same: 2, update: 1 });
    // A refresh updates the resources' state (stack outputs change with the next up).
    expect(await stateOf("golden-base")).toEqual(expect.objectContaining({ accountIds: [T], missingAccountIds: [W] }));
    expect((await owner.stack.preview()).changeSummary).toEqual({ same: 2, update: 1 });
    const mark = lastSeq();
    await owner.stack.up({ onOutput });
    expect(sharesSince(mark)).toEqual([{ RegionId: DEMO.region, ImageId: DEMO.images.plain, "AddAccount.1": W }]);
    expect(await sharedWith(ownerSdk(emu))).toEqual([W, T]);
  });

  it("removes an account shared by hand on up, warning at preview what the account loses", async () => {
    await modifyShares(ownerSdk(emu), { add: [T] }, DEMO.images.paid);
    await owner.stack.refresh({ onOutput });
    let previewText = "";
    const preview = await owner.stack.preview({ onOutput: (text) => (previewText += text) });
    expect(preview.changeSummary).toEqual({ same: 2, update: 1 });
    expect(previewText).toContain(
      `stops sharing image ${DEMO.images.paid} with account ${T}: instances it created from the image keep running ` +
        "but can no longer re-initialize their system disks from it",
    );
    await owner.stack.up({ onOutput });
    expect(await sharedWith(ownerSdk(emu), DEMO.images.paid)).toEqual([W]);
  });

  it("refuses at preview, in ECS's terms, a share that would pass 50 accounts with the hand-made ones kept", async () => {
    for (let from = 1; from <= 41; from += 10) {
      await modifyShares(ownerSdk(emu), { add: extraAccounts(Math.min(10, 50 - from), from) }, DEMO.images.paid);
    }
    const paid = { imageId: DEMO.images.paid, accountIds: [W, T], exclusive: false };
    await setShares({
      ...golden(),
      "golden-base": { imageId: DEMO.images.plain, accountIds: [W, T] },
      "golden-paid": paid,
    });
    const mark = lastSeq();
    const failure = await failureOf(owner.stack.preview());
    expect(failure).toMatch(
      /ImageShare resource 'golden-paid': property accountIds value .* has a problem: would share image m-demogoldenpaid01 with 51 accounts; ECS allows at most 50 per image \(QuotaExceed.ShareImageUser\)\. 49 of them are shared outside Pulumi and kept \(exclusive: false\)/,
    );
    expect(sharesSince(mark)).toEqual([]);
  });

  it("destroys only what it manages: an account shared by hand stays", async () => {
    // Back to exclusive: after a refresh has seen the 49 accounts shared by hand, up removes them.
    await setShares({ ...golden(), "golden-base": { imageId: DEMO.images.plain, accountIds: [W, T] } });
    await owner.stack.refresh({ onOutput });
    await owner.stack.up({ onOutput });
    expect(await sharedWith(ownerSdk(emu), DEMO.images.paid)).toEqual([W]);
    await modifyShares(ownerSdk(emu), { add: extraAccounts(1, 55) });
    const destroy = await owner.stack.destroy({ onOutput });
    expect(destroy.summary.result).toBe("succeeded");
    expect(await sharedWith(ownerSdk(emu))).toEqual(extraAccounts(1, 55));
    expect(await sharedWith(ownerSdk(emu), DEMO.images.paid)).toEqual([]);
  });

  it("never wrote the owner's secret key to the state file or the output", () => {
    const state = fs.readFileSync(path.join(backendDir, ".pulumi", "stacks", PROJECT, "owner.json"), "utf8");
    expect(state).not.toContain(DEMO.owner.accessKeySecret);
    expect(output).not.toContain(DEMO.owner.accessKeySecret);
  });
});
