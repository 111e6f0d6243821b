// What the ImageShare tests share: a demo world with many more accounts (ECS allows 50 per image, and its calls take
// 10 at a time), the owner's inputs as check() passes them on, and the emulator-backed fixture of the provider tests.
import type Ecs from "@alicloud/ecs20140526";
import * as $Ecs from "@alicloud/ecs20140526";
import type { RunningEmulator, WorldSpec } from "../../emulator";
import { DEMO } from "../../emulator/demo-credentials";
import { provider } from "../../providers/image-share";
import { setProgressSink } from "../../providers/progress";
import type { IdentityInput } from "../../providers/resource-identity";
import type { ImageShareInputs, ImageShareOutputs } from "../../providers/share/args";
import { IMAGE_SHARE } from "../../providers/share/resource";
import { demoWorld, emulatorStackConfig, startDemoEmulator } from "./emulator";
import { ecsClient } from "./emulator-sdk";
import { resourceIdentity } from "./identity";

/** Account `i` (1-based) of the extra accounts: 16 digits, 4000000000000001 onwards. */
export const extraAccount = (i: number): string => String(4_000_000_000_000_000 + i);

/** `n` extra account ids, in order. */
export const extraAccounts = (n: number, from = 1): string[] =>
  Array.from({ length: n }, (_, i) => extraAccount(from + i));

/** The demo world with `n` extra accounts (no keys: they are only ever shared with). */
export function shareWorld(n = 60): WorldSpec {
  const world = demoWorld();
  world.accounts.push(...extraAccounts(n).map((accountId, i) => ({ accountId, name: `customer-${i + 1}` })));
  return world;
}

export function shareIdentity(name = "golden-share"): IdentityInput {
  return resourceIdentity(IMAGE_SHARE.typeToken, name, "proj", "owner");
}

export function shareInputs(over: Partial<ImageShareInputs> = {}): ImageShareInputs {
  return {
    identity: shareIdentity(),
    imageId: DEMO.images.plain,
    region: DEMO.region,
    accountIds: [DEMO.workload.accountId],
    exclusive: true,
    ...over,
  };
}

/** The real SDK as the owner account, for changes made outside Pulumi and for reading the share list back. */
export const ownerSdk = (emu: RunningEmulator): Ecs => ecsClient(emu, DEMO.owner);

/** Every account `imageId` is shared with, sorted (one page of 100 holds ECS's 50). */
export async function sharedWith(sdk: Ecs, imageId: string = DEMO.images.plain): Promise<string[]> {
  const response = await sdk.describeImageSharePermission(
    new $Ecs.DescribeImageSharePermissionRequest({ regionId: DEMO.region, imageId, pageSize: 100 }),
  );
  return (response.body?.accounts?.account ?? []).map((a) => a.aliyunId ?? "").sort();
}

/** Shares or unshares outside Pulumi, as the owner. */
export async function modifyShares(
  sdk: Ecs,
  change: { add?: string[]; remove?: string[] },
  imageId: string = DEMO.images.plain,
): Promise<void> {
  await sdk.modifyImageSharePermission(
    new $Ecs.ModifyImageSharePermissionRequest({
      regionId: DEMO.region,
      imageId,
      addAccount: change.add,
      removeAccount: change.remove,
    }),
  );
}

export interface ShareEmulator {
  emu: RunningEmulator;
  sdk: Ecs;
  /** Progress lines and warnings of the current test. */
  readonly progress: { urn: string; message: string; severity: string }[];
  /** The ModifyImageSharePermission requests of the current test: accounts added and removed, and DryRun. */
  modifyCalls(): { add: string[]; remove: string[]; dryRun: boolean }[];
  /** The actions of the current test's requests. */
  actions(): string[];
}

/** created() with its outputs typed. */
export async function created(news: ImageShareInputs): Promise<{ id: string; outs: ImageShareOutputs }> {
  const result = await provider.create(news);
  return { id: result.id, outs: result.outs as ImageShareOutputs };
}

/** Registers the jest hooks: one emulator per file, the share world loaded afresh and the provider configured as the owner before each test. */
export function useShareEmulator(): ShareEmulator {
  const env: ShareEmulator = {
    emu: undefined as unknown as RunningEmulator,
    sdk: undefined as unknown as Ecs,
    progress: [],
    modifyCalls: () =>
      env.emu.admin.requests({ action: "ModifyImageSharePermission" }).map((r) => {
        const list = (name: string) =>
          Object.entries(r.params)
            .filter(([k]) => k.startsWith(`${name}.`))
            .map(([, v]) => v);
        return { add: list("AddAccount"), remove: list("RemoveAccount"), dryRun: r.dryRun };
      }),
    actions: () => env.emu.admin.requests().map((r) => r.action),
  };
  beforeAll(async () => {
    env.emu = await startDemoEmulator({ world: shareWorld() });
    env.sdk = ownerSdk(env.emu);
  });
  afterAll(async () => {
    setProgressSink(undefined);
    await env.emu.close();
  });
  beforeEach(async () => {
    env.emu.admin.loadWorld(shareWorld());
    env.emu.admin.setThrottle({ enabled: false });
    env.emu.admin.clearRequests();
    env.progress.length = 0;
    setProgressSink((event) => env.progress.push(event));
    await provider.configure({ config: emulatorStackConfig(env.emu, { credentials: DEMO.owner }) });
  });
  return env;
}
