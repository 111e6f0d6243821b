// World file: an account's network (vSwitches, security groups) and key pairs. The emulator only reads them: no API
// creates or changes them.
import { regionOf, type WorldContext } from "./context";
import { arr, fail, type Json, obj, str } from "./schema";

const DEFAULT_FINGERPRINT = "ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89";

export function readNetwork(ctx: WorldContext, o: Json, p: string, accountId: string): void {
  const { state, iso } = ctx;
  arr(o, "vSwitches", p).forEach((v, j) => {
    const vp = `${p}.vSwitches[${j}]`;
    const vo = obj(v, vp, ["vSwitchId", "regionId", "zoneId", "vpcId", "cidrBlock"]);
    const regionId = regionOf(ctx, vo, vp);
    const zoneId = str(vo, "zoneId", vp);
    if (ctx.zones.get(zoneId) !== regionId) fail(`${vp}.zoneId`, `zone ${zoneId} is not in region ${regionId}`);
    const id = str(vo, "vSwitchId", vp, { pattern: /^vsw-/, hint: "must start with vsw-" });
    const cidrBlock =
      str(vo, "cidrBlock", vp, {
        optional: true,
        pattern: /^\d+\.\d+\.\d+\.0\/24$/,
        hint: "must be an a.b.c.0/24 block",
      }) || `172.16.${j}.0/24`;
    state.vSwitches[id] = {
      vSwitchId: id,
      ownerId: accountId,
      regionId,
      zoneId,
      vpcId: str(vo, "vpcId", vp, { pattern: /^vpc-/, hint: "must start with vpc-" }),
      cidrBlock,
      nextHost: 10,
    };
  });
  arr(o, "securityGroups", p).forEach((s, j) => {
    const sp = `${p}.securityGroups[${j}]`;
    const so = obj(s, sp, ["securityGroupId", "regionId", "vpcId", "name", "description"]);
    const id = str(so, "securityGroupId", sp, { pattern: /^sg-/, hint: "must start with sg-" });
    state.securityGroups[id] = {
      securityGroupId: id,
      ownerId: accountId,
      regionId: regionOf(ctx, so, sp),
      vpcId: str(so, "vpcId", sp),
      name: str(so, "name", sp, { optional: true }) || id,
      description: str(so, "description", sp, { optional: true }),
      creationTime: iso,
      tags: {},
    };
  });
  arr(o, "keyPairs", p).forEach((k, j) => {
    const kp = `${p}.keyPairs[${j}]`;
    const ko = obj(k, kp, ["keyPairName", "regionId", "fingerprint"]);
    state.keyPairs.push({
      keyPairName: str(ko, "keyPairName", kp),
      ownerId: accountId,
      regionId: regionOf(ctx, ko, kp),
      fingerprint: str(ko, "fingerprint", kp, { optional: true }) || DEFAULT_FINGERPRINT,
      creationTime: iso,
      tags: {},
    });
  });
}
