// World file: an account's KMS keys (customer master keys), which encrypt images and disks.
import { regionOf, type WorldContext } from "./context";
import { arr, fail, type Json, obj, str } from "./schema";

export function readKmsKeys(ctx: WorldContext, o: Json, p: string, accountId: string): void {
  arr(o, "kmsKeys", p).forEach((k, j) => {
    const kp = `${p}.kmsKeys[${j}]`;
    const ko = obj(k, kp, ["keyId", "regionId", "state"]);
    const keyId = str(ko, "keyId", kp);
    if (ctx.state.kmsKeys[keyId]) fail(`${kp}.keyId`, `duplicate key ${keyId}`);
    const st = str(ko, "state", kp, {
      optional: true,
      pattern: /^(Enabled|Disabled)$/,
      hint: "must be Enabled or Disabled",
    });
    ctx.state.kmsKeys[keyId] = {
      keyId,
      ownerId: accountId,
      regionId: regionOf(ctx, ko, kp),
      state: (st || "Enabled") as "Enabled",
    };
  });
}
