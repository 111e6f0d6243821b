// Assertions shared by the test folders: they fail naming the item or path at fault, where a bare boolean would say
// only "false".
/**
 * Asserts that `items` is not empty and that every item has the `expected` fields; a failure shows the items that
 * differ (unlike `.every(...)).toBe(true)`, which says only "false" and passes on an empty list).
 */
export function expectEach<T>(items: readonly T[] | undefined, expected: Partial<T>): void {
  expect(items?.length ?? 0).toBeGreaterThan(0);
  expect(items).toEqual(items?.map(() => expect.objectContaining(expected)));
}

/** Paths of undefined values anywhere inside `value` (the engine's Struct encoding rejects them). */
export function undefinedPaths(value: unknown, path = "$"): string[] {
  if (value === undefined) return [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => undefinedPaths(item, `${path}[${i}]`));
  if (typeof value === "object" && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => undefinedPaths(item, `${path}.${key}`));
  }
  return [];
}
