// The RAM policy document that enforces the approval allow-list in the cloud.
import { ramPolicyDocument } from "../../providers/policy/ram-policy";

const A = "1234567890123456";
const B = "6543210987654321";
const SELF = "1111222233334444";

describe("ramPolicyDocument", () => {
  it("matches the documented shape for one owner, as a single string", () => {
    expect(JSON.stringify(ramPolicyDocument({ approvedOwners: [A] }))).toBe(
      `{"Version":"1","Statement":[{"Action":["ecs:RunInstances","ecs:CreateInstance"],"Effect":"Deny",` +
        `"Resource":"*","Condition":{"StringNotEquals":{"ecs:ImageOwnerId":"${A}"}}}]}`,
    );
  });

  it.each([
    ["several owners as a list", [A, B], undefined, [A, B]],
    ["the own account added for our copies", [A], SELF, [A, SELF]],
    ["duplicates once", [A, B, A], B, [A, B]],
    ["the own account alone when it is the only owner", [SELF], SELF, SELF],
  ])("writes %s", (_label, approvedOwners, selfAccountId, expected) => {
    const doc = ramPolicyDocument({ approvedOwners }, { selfAccountId });
    expect(doc.Statement[0].Condition.StringNotEquals["ecs:ImageOwnerId"]).toEqual(expected);
  });

  it.each([[""], ["123"], ["1111222233334444 "]])(
    "refuses a selfAccountId that is not 16 digits: %j",
    (selfAccountId) => {
      expect(() => ramPolicyDocument({ approvedOwners: [A] }, { selfAccountId })).toThrow(
        `ramPolicyDocument: options.selfAccountId must be a 16-digit account id, got ${JSON.stringify(selfAccountId)}`,
      );
    },
  );

  it("puts the own account in the StringNotEquals list, so instances from the stack's copies are not denied", () => {
    const doc = ramPolicyDocument({ approvedOwners: [A, B] }, { selfAccountId: SELF });
    expect(doc.Statement).toEqual([
      {
        Action: ["ecs:RunInstances", "ecs:CreateInstance"],
        Effect: "Deny",
        Resource: "*",
        Condition: { StringNotEquals: { "ecs:ImageOwnerId": [A, B, SELF] } },
      },
    ]);
  });

  it("refuses an empty owner list, which would deny every image", () => {
    expect(() => ramPolicyDocument({ approvedOwners: [] })).toThrow(
      "ramPolicyDocument: approvedOwners is empty, so the policy would deny every image",
    );
  });
});
