// World file: who may call the API. Account ids, access keys (root and RAM users'), RAM users with their policies,
// and STS tokens; they go to Callers, never to the persisted state.
import type { RamPolicy, RamStatement } from "../types";
import type { WorldContext } from "./context";
import { arr, fail, isStringOrStrings, type Json, obj, str } from "./schema";

const ACCOUNT_ID = /^[1-9]\d{15}$/;

/** First pass over the accounts: their ids, so that any account's images can be shared with any other. */
export function readAccountIds(ctx: WorldContext, accounts: unknown[]): void {
  accounts.forEach((a, i) => {
    const p = `world.accounts[${i}]`;
    const id = str(a as Json, "accountId", p, { pattern: ACCOUNT_ID, hint: "must be a 16-digit account id" });
    if (!Number.isSafeInteger(Number(id))) fail(`${p}.accountId`, "must be below 2^53 (ImageOwnerId is a JSON number)");
    if (ctx.accountIds.has(id)) fail(`${p}.accountId`, `duplicate account ${id}`);
    ctx.accountIds.add(id);
  });
}

/** An account's access keys, RAM users and STS tokens. */
export function readAccountCallers(ctx: WorldContext, o: Json, p: string, accountId: string): void {
  const { callers } = ctx;
  const unseen = (id: string, path: string) => {
    if (callers.accessKeys.has(id) || callers.stsTokens.has(id)) fail(path, `duplicate access key ${id}`);
  };
  const readKeys = (list: unknown[], lp: string, ramUser?: string) =>
    list.forEach((k, j) => {
      const kp = `${lp}[${j}]`;
      const ko = obj(k, kp, ["accessKeyId", "accessKeySecret"]);
      const id = str(ko, "accessKeyId", kp);
      unseen(id, `${kp}.accessKeyId`);
      callers.accessKeys.set(id, { secret: str(ko, "accessKeySecret", kp), accountId, ramUser });
    });
  readKeys(arr(o, "accessKeys", p), `${p}.accessKeys`);
  const ramUsers = new Set<string>();
  arr(o, "ramUsers", p).forEach((u, j) => {
    const up = `${p}.ramUsers[${j}]`;
    const uo = obj(u, up, ["name", "accessKeys", "policies"]);
    const name = str(uo, "name", up);
    ramUsers.add(name);
    callers.ramPolicies.set(
      `${accountId}/${name}`,
      arr(uo, "policies", up).map((pol, k) => readPolicy(pol, `${up}.policies[${k}]`)),
    );
    readKeys(arr(uo, "accessKeys", up), `${up}.accessKeys`, name);
  });
  arr(o, "stsTokens", p).forEach((t, j) => {
    const tp = `${p}.stsTokens[${j}]`;
    const to = obj(t, tp, ["accessKeyId", "accessKeySecret", "securityToken", "ramUser", "expiration"]);
    const id = str(to, "accessKeyId", tp, { pattern: /^STS\./, hint: "must start with STS." });
    unseen(id, `${tp}.accessKeyId`);
    const ramUser = str(to, "ramUser", tp, { optional: true }) || undefined;
    if (ramUser && !ramUsers.has(ramUser)) fail(`${tp}.ramUser`, `unknown RAM user ${ramUser}`);
    const expiration = str(to, "expiration", tp, { optional: true });
    const expiresAt = expiration ? Date.parse(expiration) : Number.POSITIVE_INFINITY;
    if (Number.isNaN(expiresAt)) fail(`${tp}.expiration`, "must be an ISO date");
    callers.stsTokens.set(id, {
      secret: str(to, "accessKeySecret", tp),
      securityToken: str(to, "securityToken", tp),
      accountId,
      ramUser,
      expiresAt,
    });
  });
}

/** A RAM policy document in the documented JSON shape. */
function readPolicy(value: unknown, path: string): RamPolicy {
  const p = obj(value, path, ["Version", "Statement"]);
  str(p, "Version", path);
  const statements = arr(p, "Statement", path, true).map((s, i): RamStatement => {
    const sp = `${path}.Statement[${i}]`;
    const st = obj(s, sp, ["Effect", "Action", "Resource", "Condition"]);
    str(st, "Effect", sp, { pattern: /^(Allow|Deny)$/, hint: "must be Allow or Deny" });
    if (!isStringOrStrings(st.Action)) fail(`${sp}.Action`, "must be a string or an array of strings");
    if (st.Condition !== undefined) {
      const cond = obj(st.Condition, `${sp}.Condition`, [
        "StringEquals",
        "StringNotEquals",
        "StringLike",
        "StringNotLike",
      ]);
      for (const [op, keys] of Object.entries(cond)) {
        if (typeof keys !== "object" || keys === null || Array.isArray(keys))
          fail(`${sp}.Condition.${op}`, "must be an object");
        for (const [k, v] of Object.entries(keys)) {
          if (!isStringOrStrings(v)) fail(`${sp}.Condition.${op}.${k}`, "must be a string or an array of strings");
        }
      }
    }
    return st as unknown as RamStatement;
  });
  return { Version: p.Version as string, Statement: statements };
}
