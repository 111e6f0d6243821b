// RAM policy evaluation for RAM users: Allow and Deny statements with String* conditions.
import { ForbiddenRAM } from "./errors";
import { wildcardMatch } from "./match";
import type { Principal, RamStatement } from "./types";

function list(v: string | string[] | undefined): string[] {
  if (v === undefined) return [];
  return Array.isArray(v) ? v : [v];
}

/**
 * Evaluates a statement's Condition block. Like RAM (and IAM), a negated operator whose key is absent from the
 * request context matches, so a Deny + StringNotEquals on ecs:ImageOwnerId also denies requests with no owner.
 */
function conditionsMatch(st: RamStatement, context: Record<string, string>): boolean {
  for (const [op, keys] of Object.entries(st.Condition ?? {})) {
    for (const [key, expected] of Object.entries(keys)) {
      const actual =
        context[key] ?? context[Object.keys(context).find((k) => k.toLowerCase() === key.toLowerCase()) ?? ""];
      const values = list(expected);
      let ok: boolean;
      switch (op) {
        case "StringEquals":
          ok = actual !== undefined && values.includes(actual);
          break;
        case "StringNotEquals":
          ok = actual === undefined || !values.includes(actual);
          break;
        case "StringLike":
          ok = actual !== undefined && values.some((v) => wildcardMatch(v, actual, { ram: true }));
          break;
        case "StringNotLike":
          ok = actual === undefined || !values.some((v) => wildcardMatch(v, actual, { ram: true }));
          break;
        default:
          ok = false;
      }
      if (!ok) return false;
    }
  }
  return true;
}

/**
 * RAM authorization: root credentials may do everything; a RAM user needs an Allow and no matching Deny
 * (explicit Deny wins, no Allow = implicit deny). Resources are not modelled: every statement applies to "*".
 */
export function authorize(principal: Principal, action: string, context: Record<string, string> = {}): void {
  if (principal.ramUser === undefined) return;
  const ramAction = `ecs:${action}`;
  let allowed = false;
  for (const policy of principal.policies) {
    for (const st of policy.Statement) {
      if (!list(st.Action).some((a) => wildcardMatch(a, ramAction, { ram: true }))) continue;
      if (!conditionsMatch(st, context)) continue;
      if (st.Effect === "Deny") {
        throw new ForbiddenRAM(
          `User not authorized to operate on the specified resource: RAM user ${principal.ramUser} is denied ${ramAction} by policy.`,
        );
      }
      allowed = true;
    }
  }
  if (!allowed) {
    throw new ForbiddenRAM(
      `User not authorized to operate on the specified resource: no policy of RAM user ${principal.ramUser} allows ${ramAction}.`,
    );
  }
}
