// Matching rules shared by the Describe* filters, ListTagResources and RAM: `*` wildcards and Tag.N filters.
import type { Tags } from "./types";

/** A Tag.N filter: the key must be present; with a value, it must also equal it. */
export type TagFilter = { key: string; value?: string }[];

export function tagsMatch(tags: Tags, filter: TagFilter): boolean {
  return filter.every((t) => tags[t.key] !== undefined && (t.value === undefined || tags[t.key] === t.value));
}

/**
 * Whether `value` matches `pattern`, where `*` stands for any run of characters. Name filters (KeyPairName,
 * InstanceName) are case-sensitive and take `?` literally; RAM actions and StringLike conditions (`ram: true`) ignore
 * case and read `?` as any one character.
 */
export function wildcardMatch(pattern: string, value: string, options: { ram?: boolean } = {}): boolean {
  if (!options.ram && !pattern.includes("*")) return pattern === value;
  const special = options.ram ? /[.+^${}()|[\]\\]/g : /[.+?^${}()|[\]\\]/g;
  let source = pattern.replace(special, "\\$&").replace(/\*/g, ".*");
  if (options.ram) source = source.replace(/\?/g, ".");
  return new RegExp(`^${source}$`, options.ram ? "i" : "").test(value);
}
