// Equality of input and output values as the resources' diffs compare them: by content, whatever the key order, with
// absent and null alike (state drops undefined members, the engine may send null).
import { canonicalJson } from "../ecs/client-token";

export const same = (a: unknown, b: unknown): boolean => canonicalJson(a ?? null) === canonicalJson(b ?? null);
