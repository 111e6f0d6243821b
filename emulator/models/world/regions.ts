// World file: regions with their zones, and the instance types each zone offers.
import type { WorldContext } from "./context";
import { arr, fail, type Json, num, obj, str } from "./schema";

export function readRegions(ctx: WorldContext, root: Json): void {
  const { state, zones } = ctx;
  arr(root, "regions", "world", true).forEach((r, i) => {
    const p = `world.regions[${i}]`;
    const o = obj(r, p, ["regionId", "localName", "zones"]);
    const regionId = str(o, "regionId", p, { pattern: /^[a-z]{2}-[a-z0-9-]+$/, hint: "must look like cn-hangzhou" });
    if (state.regions.some((x) => x.regionId === regionId)) fail(`${p}.regionId`, `duplicate region ${regionId}`);
    const zs = arr(o, "zones", p, true).map((z, j) => {
      const zp = `${p}.zones[${j}]`;
      const zo = obj(z, zp, ["zoneId", "localName"]);
      const zoneId = str(zo, "zoneId", zp, {
        pattern: new RegExp(`^${regionId}-[a-z0-9]+$`),
        hint: `must start with ${regionId}-`,
      });
      zones.set(zoneId, regionId);
      return { zoneId, localName: str(zo, "localName", zp, { optional: true }) || zoneId };
    });
    if (zs.length === 0) fail(`${p}.zones`, "must list at least one zone");
    state.regions.push({ regionId, localName: str(o, "localName", p, { optional: true }) || regionId, zones: zs });
  });
  if (state.regions.length === 0) fail("world.regions", "must list at least one region");
}

export function readInstanceTypes(ctx: WorldContext, root: Json): void {
  arr(root, "instanceTypes", "world", true).forEach((t, i) => {
    const p = `world.instanceTypes[${i}]`;
    const o = obj(t, p, ["instanceTypeId", "cpu", "memoryGiB", "zones"]);
    const tz = arr(o, "zones", p).map((z, j) => {
      if (typeof z !== "string" || !ctx.zones.has(z)) fail(`${p}.zones[${j}]`, `unknown zone ${JSON.stringify(z)}`);
      return z;
    });
    ctx.state.instanceTypes.push({
      instanceTypeId: str(o, "instanceTypeId", p, {
        pattern: /^ecs\.[a-z0-9-]+\.[a-z0-9]+$/,
        hint: "must look like ecs.g7.large",
      }),
      cpu: num(o, "cpu", p, 1, 1024),
      memoryGiB: num(o, "memoryGiB", p, 0.5, 24576),
      zones: tz,
    });
  });
}
