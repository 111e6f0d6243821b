// The approval rule's owner allow-list as a RAM policy, so the cloud enforces it too (for people and tools that do
// not go through this stack). Shape as documented for ECS: deny instance creation unless ecs:ImageOwnerId matches.
// The keys are RAM's own wire names. Only owners can be expressed: RAM has no condition on image name or paid status.
import type { ApprovalPolicy } from "./approval";

export interface RamPolicyStatement {
  readonly Action: readonly string[];
  readonly Effect: "Deny";
  readonly Resource: "*";
  readonly Condition: { readonly StringNotEquals: { readonly "ecs:ImageOwnerId": string | readonly string[] } };
}

export interface RamPolicyDocument {
  readonly Version: "1";
  readonly Statement: readonly RamPolicyStatement[];
}

export interface RamPolicyOptions {
  /**
   * The workload account itself (16 digits; e.g. a SharedImageCopy's `accountId` output). Copies made by
   * SharedImageCopy are owned by it, so without it in the list the policy would deny instances from those copies.
   * Note that RAM then allows every image of the account, not only copies: the approval rule (evaluateImage) is what
   * tells copies of approved images from the rest. Public (system) images are denied either way, as intended.
   */
  readonly selfAccountId?: string;
}

/** One owner is written as a string and several as a list, as in the product documentation. */
export function ramPolicyDocument(policy: ApprovalPolicy, options: RamPolicyOptions = {}): RamPolicyDocument {
  // An empty or mistyped id (e.g. a copy's accountId before ECS listed it) would silently leave our copies denied.
  if (options.selfAccountId !== undefined && !/^\d{16}$/.test(options.selfAccountId)) {
    throw new RangeError(
      `ramPolicyDocument: options.selfAccountId must be a 16-digit account id, got ${JSON.stringify(options.selfAccountId)}`,
    );
  }
  const owners = [
    ...new Set([...policy.approvedOwners, ...(options.selfAccountId === undefined ? [] : [options.selfAccountId])]),
  ];
  if (owners.length === 0) {
    throw new RangeError("ramPolicyDocument: approvedOwners is empty, so the policy would deny every image");
  }
  return {
    Version: "1",
    Statement: [
      {
        Action: ["ecs:RunInstances", "ecs:CreateInstance"],
        Effect: "Deny",
        Resource: "*",
        Condition: { StringNotEquals: { "ecs:ImageOwnerId": owners.length === 1 ? owners[0] : owners } },
      },
    ],
  };
}
