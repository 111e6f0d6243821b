// The fleet every chaos scenario brings up: three groups (one per catalogue image: a plain copy, an encrypted copy,
// the shared image itself), two copies, and one system disk replacement of an instance the stack does not own (with
// revertOnDelete, so a destroy must put its original image back). Pure: the stack config file is derived from the
// demo stack's (stacks/Pulumi.local.yaml), keeping its encrypted secrets and salt.
import * as yaml from "js-yaml";
import { DEMO } from "../../emulator/demo-credentials";
import type { ExpectedFleet } from "./figures";

export interface FleetSize {
  readonly web: number;
  readonly api: number;
  readonly batch: number;
}

/** About 30 instances, as the issue asks. */
export const FULL_FLEET: FleetSize = { web: 12, api: 10, batch: 8 };

export const COPY_NAMES = { "golden-copy": "chaos-golden-copy", "golden-encrypted": "chaos-golden-encrypted" } as const;
const NAMESPACE = "ecs-shared-images";
const network = {
  instanceType: "ecs.g7.large",
  zoneId: "cn-hangzhou-h",
  vSwitchId: DEMO.workload.vSwitchId,
  securityGroupIds: [DEMO.workload.securityGroupId],
};

export const fleetInstances = (size: FleetSize): number => size.web + size.api + size.batch;

/** The fleet's config keys (in the project namespace) for `size`, replacing the system disk of `legacyInstanceId`. */
export function fleetConfig(size: FleetSize, legacyInstanceId: string): Record<string, unknown> {
  return {
    approval: { approvedOwners: [DEMO.owner.accountId], acceptPaidImages: false },
    images: {
      golden: { imageId: DEMO.images.plain },
      "golden-copy": { imageId: DEMO.images.plain, copy: { name: COPY_NAMES["golden-copy"] } },
      "golden-encrypted": {
        imageId: DEMO.images.encrypted,
        copy: { name: COPY_NAMES["golden-encrypted"], encrypted: true, kmsKeyId: DEMO.workload.kmsKeyId },
      },
    },
    groups: {
      web: { count: size.web, image: "golden-copy", ...network, keyPairName: DEMO.workload.keyPairName },
      api: { count: size.api, image: "golden-encrypted", ...network, keyPairName: DEMO.workload.keyPairName },
      // The demo stack's secret batchPassword; in-place image changes, as in the demo.
      batch: {
        count: size.batch,
        image: "golden",
        ...network,
        passwordKey: "batchPassword",
        onImageChange: "replaceSystemDisk",
      },
    },
    systemDiskReplacements: {
      legacy: { instanceId: legacyInstanceId, image: "golden-copy", credentials: "keep", revertOnDelete: true },
    },
  };
}

/** What a converged `up` of that fleet leaves in the account. */
export function expectedFleet(size: FleetSize, legacyInstanceId: string): ExpectedFleet {
  return {
    groups: {
      web: { count: size.web, image: "golden-copy" },
      api: { count: size.api, image: "golden-encrypted" },
      batch: { count: size.batch, image: "golden" },
    },
    copyNames: Object.values(COPY_NAMES),
    replacement: { instanceId: legacyInstanceId, image: "golden-copy" },
  };
}

/** The image id a catalogue name resolves to, given the account's copies (name -> id). */
export function catalogueImage(name: string, copies: ReadonlyMap<string, string>): string | undefined {
  if (name === "golden") return DEMO.images.plain;
  const copyName = COPY_NAMES[name as keyof typeof COPY_NAMES];
  return copyName === undefined ? undefined : copies.get(copyName);
}

/**
 * The stack config file of a scenario: the demo stack's file (`localYaml`: region, credentials, the encrypted
 * secrets and their salt) with the endpoint at `port` and the fleet above.
 */
export function stackConfigYaml(localYaml: string, port: number, size: FleetSize, legacyInstanceId: string): string {
  const doc = yaml.load(localYaml) as { config: Record<string, unknown> };
  const config = Object.fromEntries(
    Object.entries(doc.config).filter(([key]) => !key.startsWith(`${NAMESPACE}:`) || isSecure(doc.config[key])),
  );
  config["ecsSharedImages:endpoint"] = `http://127.0.0.1:${port}`;
  for (const [key, value] of Object.entries(fleetConfig(size, legacyInstanceId))) {
    config[`${NAMESPACE}:${key}`] = value;
  }
  return `# Written by the reliability suite (scripts/chaos.ts) for one scenario.\n${yaml.dump(
    { ...doc, config },
    { lineWidth: 120 },
  )}`;
}

const isSecure = (value: unknown): boolean => typeof value === "object" && value !== null && "secure" in value;
