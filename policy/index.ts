// The ecs-shared-images policy pack (Pulumi CrossGuard): the organisation's rules for the resources of this package,
// run by `pulumi preview --policy-pack policy` and `pulumi policy analyze`. The rules are in rules.ts; this file
// gives them names, enforcement levels and configuration (`--policy-pack-config FILE.json`, validated by the
// engine against each policy's configSchema). policy/package.json points Pulumi at the compiled file.
//
// Resource policies see a resource's checked inputs before anything is made or changed, so a mandatory violation
// stops the preview and the update before the resource. Required tags is a stack policy: it sees what the state
// holds as outputs (what ECS reported at the last create, update or refresh), so a tag removed in the console
// shows after a refresh; in a preview the outputs of what changes are its inputs (dynamic providers have no preview
// of their own), so a preview checks the declared tags as well.
import { PolicyPack, type ReportViolation, type ResourceValidationPolicy, UnknownValueError } from "@pulumi/policy";
import {
  describe,
  encryptionFindings,
  type Finding,
  instanceTypeFindings,
  ownerFindings,
  type Props,
  paidImageFindings,
  type TagKeys,
  tagFindings,
} from "./rules";

const ACCOUNT_ID = { type: "string", pattern: "^[0-9]{16}$" } as const;
const NAMES = { type: "array", items: { type: "string", minLength: 1 }, uniqueItems: true } as const;

function report(findings: readonly Finding[], reportViolation: ReportViolation): void {
  if (findings.length > 0) reportViolation(describe(findings));
}

/**
 * A resource policy that runs `rule` on every resource with the policy's configuration. With `whileUnknown`, a rule
 * that meets a value unknown during preview marks itself not applicable, for that reason, instead of the SDK's
 * advisory "can't run policy during preview".
 */
function resourcePolicy<C extends object>(
  policy: Omit<ResourceValidationPolicy, "validateResource">,
  rule: (type: string, props: Props, config: C) => Finding[],
  whileUnknown?: string,
): ResourceValidationPolicy {
  return {
    ...policy,
    validateResource: (args, reportViolation) => {
      let findings: Finding[];
      try {
        findings = rule(args.type, args.props, args.getConfig<C>());
      } catch (err) {
        if (whileUnknown !== undefined && err instanceof UnknownValueError) args.notApplicable(whileUnknown);
        throw err;
      }
      report(findings, reportViolation);
    },
  };
}

new PolicyPack("ecs-shared-images", {
  description: "Organisation rules for Alibaba Cloud ECS shared images used through pulumi-ecs-shared-images.",
  policies: [
    resourcePolicy<{ owners: string[] }>(
      {
        name: "approved-image-owners",
        description: "Images come only from approved owner accounts (the resources' approval lists are within ours).",
        enforcementLevel: "mandatory",
        configSchema: {
          properties: { owners: { ...NAMES, items: ACCOUNT_ID, minItems: 1 } },
          required: ["owners"],
        },
      },
      (type, props, config) => ownerFindings(type, props, config.owners),
    ),
    resourcePolicy<Record<string, never>>(
      {
        name: "encryption-kept",
        description: "Instances and system disks made from an encrypted image are encrypted.",
        enforcementLevel: "mandatory",
      },
      (type, props) => encryptionFindings(type, props),
      // The image's encryption is unknown during a preview that also makes the image (a new copy): the policy
      // applies when the resource is made, where the engine runs it again with the value known.
      "the image's encryption is known once the image is made; checked again before the resource is made",
    ),
    resourcePolicy<{ acceptPaidImages?: boolean }>(
      {
        name: "paid-images-accepted",
        description: "Resources accept paid images (acceptPaidImages) only when the organisation does.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { acceptPaidImages: { type: "boolean", default: false } } },
      },
      (type, props, config) => paidImageFindings(type, props, config.acceptPaidImages === true),
    ),
    resourcePolicy<{ instanceTypes: string[] }>(
      {
        name: "allowed-instance-types",
        description: "Instances use only the allowed instance types.",
        enforcementLevel: "mandatory",
        configSchema: { properties: { instanceTypes: { ...NAMES, minItems: 1 } }, required: ["instanceTypes"] },
      },
      (type, props, config) => instanceTypeFindings(type, props, config.instanceTypes),
    ),
    {
      name: "required-tags",
      description: "Instances and image copies carry the required tags, as declared and as ECS reports them.",
      enforcementLevel: "mandatory",
      configSchema: {
        properties: { instanceTags: { ...NAMES, default: [] }, imageCopyTags: { ...NAMES, default: [] } },
      },
      validateStack: (args, reportViolation) => {
        const config = args.getConfig<Partial<TagKeys>>();
        const keys: TagKeys = { instanceTags: config.instanceTags ?? [], imageCopyTags: config.imageCopyTags ?? [] };
        for (const resource of args.resources) {
          const findings = tagFindings(resource.type, resource.props, keys);
          // With its URN, the engine lists the violation under the resource, as for a resource policy.
          if (findings.length > 0) reportViolation(describe(findings), resource.urn);
        }
      },
    },
  ],
});
