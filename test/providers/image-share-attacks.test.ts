// ImageShare as an operator changes it back and forth: an account removed from the list, shared again by hand while
// it is off the list, then put back in the list. Every step against the emulator through the real SDK.
import { provider } from "../../providers/image-share";
import type { ImageShareOutputs } from "../../providers/share/args";
import { DEMO } from "../support/emulator";
import {
  created,
  extraAccounts,
  modifyShares,
  sharedWith,
  shareInputs,
  useShareEmulator,
} from "../support/image-share";

const env = useShareEmulator();
const workload = DEMO.workload.accountId;
const [x] = extraAccounts(1);

describe("an account removed from an ImageShare and put back", () => {
  it("unshares it, then shares it again, and previews nothing afterwards", async () => {
    const both = shareInputs({ accountIds: [workload, x] });
    const { outs } = await created(both);
    const one = shareInputs({ accountIds: [workload] });
    expect(await provider.diff(DEMO.images.plain, outs, one)).toMatchObject({ changes: true, replaces: [] });
    const removed = ((await provider.update(DEMO.images.plain, outs, one)) as { outs: ImageShareOutputs }).outs;
    expect(await sharedWith(env.sdk)).toEqual([workload]);
    expect(removed).toMatchObject({ accountIds: [workload], missingAccountIds: [], unmanagedAccountIds: [] });

    // Shared by hand while off the list: refresh shows it as not managed; putting it back manages it, no call.
    await modifyShares(env.sdk, { add: [x] });
    const refreshed = (await provider.read(DEMO.images.plain, removed)).props as ImageShareOutputs;
    expect(refreshed.unmanagedAccountIds).toEqual([x]);
    env.emu.admin.clearRequests();
    const back = ((await provider.update(DEMO.images.plain, refreshed, both)) as { outs: ImageShareOutputs }).outs;
    expect(env.modifyCalls()).toEqual([]);
    expect(back).toMatchObject({ accountIds: [workload, x].sort(), missingAccountIds: [], unmanagedAccountIds: [] });
    expect((await provider.diff(DEMO.images.plain, back, both)).changes).toBe(false);

    // Removed once more: it is managed now, so it goes.
    await provider.update(DEMO.images.plain, back, one);
    expect(await sharedWith(env.sdk)).toEqual([workload]);
  });
});
