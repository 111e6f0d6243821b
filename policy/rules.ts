// The rules of the ecs-shared-images policy pack, as pure functions of a resource's type and properties: what
// `pulumi preview --policy-pack` and `pulumi policy analyze` check, testable without the engine. Each finding names
// the property (the path as the resource's Args write it) and says what is allowed.
import { dynamicTypeToken } from "../providers/resource-identity";

/** The engine's type tokens of the four resources of this package. */
export const TYPES = {
  instance: dynamicTypeToken("ecs-shared-images", "InstanceFromSharedImage"),
  copy: dynamicTypeToken("ecs-shared-images", "SharedImageCopy"),
  regionalCopy: dynamicTypeToken("ecs-shared-images", "RegionalImageCopy"),
  replacement: dynamicTypeToken("ecs-shared-images", "SystemDiskReplacement"),
} as const;

const OURS: readonly string[] = Object.values(TYPES);

export interface Finding {
  readonly property: string;
  readonly reason: string;
}

/** What a resource holds: its checked inputs (resource policies) or its outputs (stack policies, analyze). */
export type Props = Readonly<Record<string, unknown>>;

const quote = (value: unknown) => JSON.stringify(value);
const list = (values: readonly string[]) => (values.length === 0 ? "none" : values.join(", "));
const record = (value: unknown): Props | undefined =>
  typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Props) : undefined;

/**
 * Approved owners: the accounts the resource's own `approval` lets images come from must all be on the
 * organisation's list. The provider's check refuses, at preview, an image whose owner is not in `approval`, so
 * together the image's owner is on the list. (The image's owner is in no resource's inputs: a copy records its
 * source's owner as an output only.)
 */
export function ownerFindings(type: string, props: Props, owners: readonly string[]): Finding[] {
  if (!OURS.includes(type)) return [];
  const findings: Finding[] = [];
  const declared = record(props.approval)?.approvedOwners;
  if (Array.isArray(declared)) {
    declared.forEach((owner, i) => {
      if (!owners.includes(owner)) {
        findings.push({
          property: `approval.approvedOwners[${i}]`,
          reason: `account ${quote(owner)} is not an approved image owner (allowed: ${list(owners)})`,
        });
      }
    });
  }
  return findings;
}

/**
 * Encryption kept: what is made from an encrypted image stays encrypted. Check sets `imageEncrypted` from what ECS
 * says of the image; a disk may then leave `encrypted` unset (ECS encrypts it) but never set it to false.
 */
export function encryptionFindings(type: string, props: Props): Finding[] {
  if (props.imageEncrypted !== true) return [];
  const reason = "must not be false: the image is encrypted, so everything made from it stays encrypted";
  if (type === TYPES.replacement) {
    return props.encrypted === false ? [{ property: "encrypted", reason }] : [];
  }
  if (type !== TYPES.instance) return [];
  const findings: Finding[] = [];
  if (record(props.systemDisk)?.encrypted === false) findings.push({ property: "systemDisk.encrypted", reason });
  const dataDisks = Array.isArray(props.dataDisks) ? props.dataDisks : [];
  dataDisks.forEach((disk, i) => {
    if (record(disk)?.encrypted === false) findings.push({ property: `dataDisks[${i}].encrypted`, reason });
  });
  return findings;
}

/**
 * Paid images only when accepted: a resource may accept paid images (`approval.acceptPaidImages`, which the
 * provider requires for an image with a product code) only when the organisation accepts them.
 */
export function paidImageFindings(type: string, props: Props, acceptPaidImages: boolean): Finding[] {
  if (!OURS.includes(type) || acceptPaidImages || record(props.approval)?.acceptPaidImages !== true) return [];
  return [
    {
      property: "approval.acceptPaidImages",
      reason: "must not be true: paid images (billed to whoever runs them) are not accepted by this policy pack",
    },
  ];
}

/** Allowed instance types: an instance's `instanceType` must be on the list. */
export function instanceTypeFindings(type: string, props: Props, allowed: readonly string[]): Finding[] {
  if (type !== TYPES.instance || typeof props.instanceType !== "string" || allowed.includes(props.instanceType)) {
    return [];
  }
  return [
    {
      property: "instanceType",
      reason: `${quote(props.instanceType)} is not an allowed instance type (allowed: ${list(allowed)})`,
    },
  ];
}

export interface TagKeys {
  /** Keys every InstanceFromSharedImage must carry with a non-empty value. */
  readonly instanceTags: readonly string[];
  /** Keys every SharedImageCopy and RegionalImageCopy must carry with a non-empty value. */
  readonly imageCopyTags: readonly string[];
}

/** Required tags: the keys of the resource's kind are present in `tags`, each with a non-empty value. */
export function tagFindings(type: string, props: Props, keys: TagKeys): Finding[] {
  const copy = type === TYPES.copy || type === TYPES.regionalCopy;
  const required = type === TYPES.instance ? keys.instanceTags : copy ? keys.imageCopyTags : [];
  const tags = record(props.tags) ?? {};
  return required
    .filter((key) => typeof tags[key] !== "string" || tags[key] === "")
    .map((key) => ({
      property: `tags.${key}`,
      reason:
        tags[key] === undefined
          ? `is missing (required tag keys: ${list(required)})`
          : `must not be empty (required tag keys: ${list(required)})`,
    }));
}

/** One line per finding, as a policy violation's message shows it. */
export function describe(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.property}: ${f.reason}`).join("\n");
}
