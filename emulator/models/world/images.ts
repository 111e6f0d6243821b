// World file: public, marketplace and custom images, with their disk mappings (one system disk, optional data disks),
// encryption and shares. Read after every account, so images can name any account's KMS keys and accounts.
import { type DiskMappingRec, IMAGE_STATUSES, type ImageRec, type ImageStatus } from "../types";
import { regionOf, type WorldContext } from "./context";
import { arr, bool, fail, type Json, num, obj, str, stringMap } from "./schema";

/** An image entry of the world file, with where it was found and who owns it ("" for public images). */
export interface ImageEntry {
  spec: Json;
  path: string;
  ownerId: string;
  kind: ImageRec["kind"];
}

const IMAGE_KEYS = [
  "imageId",
  "regionId",
  "name",
  "description",
  "sizeGiB",
  "osType",
  "osName",
  "platform",
  "architecture",
  "status",
  "productCode",
  "imageFamily",
  "kmsKeyId",
  "dataDisks",
  "sharedWith",
  "tags",
  "supportsResize",
  "creationTime",
  "passwordPreset",
];

/** `world.publicImages`: system images, or marketplace images when they carry a productCode. */
export function publicImageEntries(root: Json): ImageEntry[] {
  const entries: ImageEntry[] = [];
  arr(root, "publicImages", "world").forEach((img, i) => {
    const o = img as Json;
    entries.push({
      spec: o,
      path: `world.publicImages[${i}]`,
      ownerId: "",
      kind: o?.productCode ? "marketplace" : "system",
    });
  });
  return entries;
}

export function customImageEntries(o: Json, p: string, accountId: string): ImageEntry[] {
  const entries: ImageEntry[] = [];
  arr(o, "images", p).forEach((img, j) => {
    entries.push({ spec: img as Json, path: `${p}.images[${j}]`, ownerId: accountId, kind: "custom" });
  });
  return entries;
}

export function readImage(ctx: WorldContext, { spec, path: p, ownerId, kind }: ImageEntry): void {
  const { state, iso } = ctx;
  const o = obj(spec, p, IMAGE_KEYS);
  const imageId = str(o, "imageId", p, {
    pattern: /^m-[a-z0-9]+$|^[a-z0-9_]+\.vhd$/,
    hint: "must look like m-xxxx (custom) or name.vhd (public)",
  });
  if (state.images[imageId]) fail(`${p}.imageId`, `duplicate image ${imageId}`);
  const regionId = regionOf(ctx, o, p);
  const sizeGiB = num(o, "sizeGiB", p, 1, 2048);
  const kmsKeyId = str(o, "kmsKeyId", p, { optional: true });
  if (kmsKeyId) {
    const key = state.kmsKeys[kmsKeyId];
    if (!key || key.ownerId !== ownerId || key.regionId !== regionId) {
      fail(`${p}.kmsKeyId`, `must name a KMS key of the owner in ${regionId}`);
    }
  }
  const status = (str(o, "status", p, { optional: true }) || "Available") as ImageStatus;
  if (!IMAGE_STATUSES.includes(status)) fail(`${p}.status`, `must be one of ${IMAGE_STATUSES.join(", ")}`);
  const sharedWith: Record<string, string> = {};
  arr(o, "sharedWith", p).forEach((acc, j) => {
    if (typeof acc !== "string" || !ctx.accountIds.has(acc))
      fail(`${p}.sharedWith[${j}]`, `unknown account ${JSON.stringify(acc)}`);
    if (acc === ownerId) fail(`${p}.sharedWith[${j}]`, "an image cannot be shared with its owner");
    sharedWith[acc] = iso;
  });
  if (kind !== "custom" && Object.keys(sharedWith).length > 0)
    fail(`${p}.sharedWith`, "public images cannot be shared");
  const diskMappings = readDiskMappings(o, p, imageId, sizeGiB, kmsKeyId);
  const creationTime = str(o, "creationTime", p, { optional: true }) || iso;
  if (Number.isNaN(Date.parse(creationTime))) fail(`${p}.creationTime`, "must be an ISO date");
  state.images[imageId] = {
    imageId,
    ownerId,
    regionId,
    kind,
    name: str(o, "name", p),
    description: str(o, "description", p, { optional: true }),
    sizeGiB,
    osType:
      str(o, "osType", p, { optional: true, pattern: /^(linux|windows)$/, hint: "must be linux or windows" }) ||
      "linux",
    osName: str(o, "osName", p, { optional: true }) || "Alibaba Cloud Linux 3.2104 LTS 64 bit",
    platform: str(o, "platform", p, { optional: true }) || "Aliyun",
    architecture:
      str(o, "architecture", p, {
        optional: true,
        pattern: /^(x86_64|arm64|i386)$/,
        hint: "must be x86_64, arm64 or i386",
      }) || "x86_64",
    status,
    productCode: str(o, "productCode", p, { optional: true }),
    imageFamily: str(o, "imageFamily", p, { optional: true }),
    creationTime,
    supportsResize: o.supportsResize === undefined ? true : bool(o, "supportsResize", p),
    isCopied: false,
    sharedWith,
    tags: stringMap(o, "tags", p),
    diskMappings,
    passwordPreset: bool(o, "passwordPreset", p),
    copy: null,
  };
}

/** The system disk (/dev/xvda) and the data disks (/dev/xvdb...), all encrypted with the image's key if it has one. */
function readDiskMappings(o: Json, p: string, imageId: string, sizeGiB: number, kmsKeyId: string): DiskMappingRec[] {
  const encrypted = kmsKeyId !== "";
  const snapshot = (n: number) => `s-${imageId.replace(/\W/g, "")}-${n}`;
  const mappings: DiskMappingRec[] = [
    { device: "/dev/xvda", sizeGiB, snapshotId: snapshot(0), type: "system", encrypted, kmsKeyId },
  ];
  arr(o, "dataDisks", p).forEach((d, j) => {
    const dp = `${p}.dataDisks[${j}]`;
    const dd = obj(d, dp, ["sizeGiB"]);
    mappings.push({
      device: `/dev/xvd${String.fromCharCode(98 + j)}`,
      sizeGiB: num(dd, "sizeGiB", dp, 1, 32768),
      snapshotId: snapshot(j + 1),
      type: "data",
      encrypted,
      kmsKeyId,
    });
  });
  return mappings;
}
