// Bounded parallelism for fan-out reads/deletes (list of N sessions, purge of
// N markers): at most `limit` requests in flight, so a large list does not
// open hundreds of sockets at once.

/** Maps `items` through `fn` with at most `limit` calls running; results keep input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Default fan-out of the substrate stores. */
export const FAN_OUT = 16;
