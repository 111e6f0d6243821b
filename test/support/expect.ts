// Assertions shared by the test folders that fail with the item at fault, where a bare boolean would say only "false".
/**
 * Asserts that `items` is not empty and that every item has the `expected` fields; a failure shows the items that
 * differ (unlike `.every(...)).toBe(true)`, which says only "false" and passes on an empty list).
 */
export function expectEach<T>(items: readonly T[] | undefined, expected: Partial<T>): void {
  expect(items?.length ?? 0).toBeGreaterThan(0);
  expect(items).toEqual(items?.map(() => expect.objectContaining(expected)));
}
