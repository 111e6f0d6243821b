// Builds the emulator's starting state from a world file, part by part, in the order that lets later parts refer to
// earlier ones: places, catalogue, settings, account ids, then each account, then images, then throttling.
import type { ThrottleConfig } from "../../protocol/throttle";
import type { Callers, State } from "../types";
import { readAccountCallers, readAccountIds } from "./callers";
import type { WorldContext } from "./context";
import { customImageEntries, publicImageEntries, readImage } from "./images";
import { readKmsKeys } from "./kms";
import { readNetwork } from "./network";
import { readInstanceTypes, readRegions } from "./regions";
import { arr, bool, obj, str } from "./schema";
import { DEFAULT_SETTINGS, readSettings, readThrottle } from "./settings";

export { WorldValidationError } from "./schema";
export { DEFAULT_SETTINGS } from "./settings";
export type { AccountSpec, ImageSpec, WorldSpec } from "./spec";

export interface BuiltWorld {
  state: State;
  callers: Callers;
  throttle: Partial<ThrottleConfig>;
}

const ACCOUNT_KEYS = [
  "accountId",
  "name",
  "description",
  "inArrears",
  "accessKeys",
  "ramUsers",
  "stsTokens",
  "kmsKeys",
  "vSwitches",
  "securityGroups",
  "keyPairs",
  "images",
];

/** Validates a world (parsed JSON) and builds the initial state. Errors name the offending key's path. */
export function buildWorld(input: unknown, now: number): BuiltWorld {
  const root = obj(input, "world", [
    "$schema",
    "description",
    "regions",
    "instanceTypes",
    "publicImages",
    "accounts",
    "throttle",
    "settings",
  ]);
  const ctx: WorldContext = {
    state: {
      regions: [],
      instanceTypes: [],
      accounts: {},
      kmsKeys: {},
      vSwitches: {},
      securityGroups: {},
      keyPairs: [],
      images: {},
      instances: {},
      disks: {},
      idempotency: {},
      settings: { ...DEFAULT_SETTINGS },
    },
    callers: { accessKeys: new Map(), stsTokens: new Map(), ramPolicies: new Map() },
    iso: new Date(now).toISOString().replace(/\.\d{3}Z$/, "Z"),
    zones: new Map(),
    accountIds: new Set(),
  };
  readRegions(ctx, root);
  readInstanceTypes(ctx, root);
  ctx.state.settings = readSettings(root);

  const accounts = arr(root, "accounts", "world", true);
  readAccountIds(ctx, accounts);
  const images = publicImageEntries(root);
  accounts.forEach((a, i) => {
    const p = `world.accounts[${i}]`;
    const o = obj(a, p, ACCOUNT_KEYS);
    const accountId = o.accountId as string;
    ctx.state.accounts[accountId] = { accountId, name: str(o, "name", p), inArrears: bool(o, "inArrears", p) };
    readAccountCallers(ctx, o, p, accountId);
    readKmsKeys(ctx, o, p, accountId);
    readNetwork(ctx, o, p, accountId);
    images.push(...customImageEntries(o, p, accountId));
  });
  for (const entry of images) readImage(ctx, entry);

  return { state: ctx.state, callers: ctx.callers, throttle: readThrottle(root) };
}
