// The system disk replacements' validation: instances the stack does not own (in the stack's region), re-imaged from
// a catalogue entry with the credentials the operator chose.
import type { Checker, ConfigSource, Json } from "./checker";
import { imageRef } from "./groups";
import type { CatalogueImage } from "./types";

const INSTANCE_ID = /^i-[a-z0-9-]+$/;
const KEYS = [
  "instanceId",
  "image",
  "credentials",
  "systemDiskSize",
  "encrypted",
  "kmsKeyId",
  "restart",
  "revertOnDelete",
];

/** Validates `systemDiskReplacements` against the catalogue; returns them as written. */
export function parseReplacements(
  c: Checker,
  config: ConfigSource,
  catalogue: Readonly<Record<string, CatalogueImage>>,
): Json {
  const replacements = c.map(config.get("systemDiskReplacements"), "systemDiskReplacements");
  for (const [name, entry] of Object.entries(replacements)) {
    const path = `systemDiskReplacements.${name}`;
    const r = c.object(entry, path, KEYS, ["instanceId", "image"]);
    if (!r) continue;
    c.string(r.instanceId, `${path}.instanceId`, INSTANCE_ID, 'an instance id like "i-bp1..."');
    if (r.image !== undefined) imageRef(c, catalogue, r.image, `${path}.image`);
    if (r.credentials !== undefined && r.credentials !== "keep" && r.credentials !== "imagePreset") {
      const creds = c.object(r.credentials, `${path}.credentials`, ["keyPairName", "passwordKey"]);
      if (creds) {
        if ((creds.keyPairName === undefined) === (creds.passwordKey === undefined)) {
          c.fail(`${path}.credentials`, 'must be "keep", "imagePreset", { keyPairName } or { passwordKey }');
        }
        c.string(creds.keyPairName, `${path}.credentials.keyPairName`);
        if (creds.passwordKey !== undefined) c.secretKey(config, creds.passwordKey, `${path}.credentials.passwordKey`);
      }
    }
    c.integer(r.systemDiskSize, `${path}.systemDiskSize`, 20, 2048);
    c.boolean(r.encrypted, `${path}.encrypted`);
    c.string(r.kmsKeyId, `${path}.kmsKeyId`);
    if (r.kmsKeyId !== undefined && r.encrypted !== true) {
      c.fail(`${path}.kmsKeyId`, "needs encrypted: true (a KMS key only applies to an encrypted disk)");
    }
    c.oneOf(r.restart, `${path}.restart`, ["previous", "running", "stopped"]);
    c.boolean(r.revertOnDelete, `${path}.revertOnDelete`);
    if (r.revertOnDelete === true && r.credentials === "imagePreset") {
      c.fail(
        `${path}.revertOnDelete`,
        'cannot be combined with credentials "imagePreset": the revert makes a disk from the previous image, whose ' +
          "preset password is not this image's; use { keyPairName } or { passwordKey }",
      );
    }
  }
  return replacements;
}
