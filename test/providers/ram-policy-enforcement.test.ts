// The RAM policy the library generates, enforced by the emulator's RAM model: a deployer restricted by it can create
// instances from approved owners' images and from the account's own copies, and nothing else.
import type { RamPolicy, RunningEmulator } from "../../emulator";
import { EcsApi, type RunInstanceRequest } from "../../providers/ecs/api";
import { useStackConfig } from "../../providers/ecs/client";
import { EcsError } from "../../providers/ecs/errors";
import { imageAvailable, poll } from "../../providers/ecs/wait";
import { type RamPolicyDocument, ramPolicyDocument } from "../../providers/policy/ram-policy";
import { DEMO, demoWorld, emulatorStackConfig, startDemoEmulator } from "../support/emulator";

const approval = { approvedOwners: [DEMO.owner.accountId] };
const allowAll = { Version: "1", Statement: [{ Effect: "Allow", Action: "ecs:*", Resource: "*" }] };
const deployers = {
  withCopies: { accessKeyId: "LTAI-fleet-deployer", accessKeySecret: "fleet-deployer-secret" },
  ownersOnly: { accessKeyId: "LTAI-owners-only", accessKeySecret: "owners-only-secret" },
};

let emu: RunningEmulator;
let copyId: string;

function as(creds: { accessKeyId: string; accessKeySecret: string }): EcsApi {
  useStackConfig(emulatorStackConfig(emu, { credentials: creds }));
  return EcsApi.forRegion(DEMO.region, "test");
}

const run = (imageId: string, token: string): RunInstanceRequest => ({
  imageId,
  instanceType: "ecs.g7.large",
  vSwitchId: DEMO.workload.vSwitchId,
  securityGroupIds: [DEMO.workload.securityGroupId],
  clientToken: token,
});

async function code(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (err) {
    if (err instanceof EcsError) return err.code;
    throw err;
  }
}

beforeAll(async () => {
  process.env.ECS_SHARED_IMAGES_POLL_INTERVAL = "20ms";
  const world = demoWorld();
  const workload = world.accounts.find((a) => a.accountId === DEMO.workload.accountId);
  // The emulator reads policies in the documented JSON shape; the library's document is that shape.
  const policy = (doc: RamPolicyDocument) => doc as unknown as RamPolicy;
  const allow = allowAll as unknown as RamPolicy;
  workload?.ramUsers?.push(
    {
      name: "fleet-deployer",
      accessKeys: [deployers.withCopies],
      policies: [allow, policy(ramPolicyDocument(approval, { selfAccountId: DEMO.workload.accountId }))],
    },
    {
      name: "owners-only",
      accessKeys: [deployers.ownersOnly],
      policies: [allow, policy(ramPolicyDocument(approval))],
    },
  );
  emu = await startDemoEmulator({ world, timeScale: 1000 });
  const workloadApi = as(DEMO.workload);
  copyId = await workloadApi.copyImage({
    sourceImageId: DEMO.images.plain,
    name: "ram-test-copy",
    clientToken: "ram-copy",
  });
  await poll({
    describe: () => workloadApi.getImage(copyId),
    acceptor: imageAvailable(),
    what: "the copy",
    timeoutMs: 60_000,
    minDelayMs: 20,
    maxDelayMs: 100,
  });
});

afterAll(async () => {
  await emu.close();
  delete process.env.ECS_SHARED_IMAGES_POLL_INTERVAL;
});

describe("the generated RAM policy, enforced", () => {
  it("allows an approved owner's shared image", async () => {
    expect(await code(as(deployers.withCopies).runInstance(run(DEMO.images.plain, "ram-1")))).toBe("ok");
  });

  it("denies an unapproved third party's shared image with Forbidden.RAM", async () => {
    expect(await code(as(deployers.withCopies).runInstance(run(DEMO.images.unapproved, "ram-2")))).toBe(
      "Forbidden.RAM",
    );
  });

  it("allows the account's own copy when the policy names the account", async () => {
    expect(await code(as(deployers.withCopies).runInstance(run(copyId, "ram-3")))).toBe("ok");
  });

  it("denies the copy under a policy without the account (why the stack passes selfAccountId)", async () => {
    expect(await code(as(deployers.ownersOnly).runInstance(run(copyId, "ram-4")))).toBe("Forbidden.RAM");
  });
});
