/**
 * Paging that ends. The SDK's paginators ask for the next page while a response carries a token,
 * and ask again with a token they have already sent if the service returns it: a service (an
 * emulator, a proxy) that keeps answering with one token would keep the scan asking forever, and
 * stopping there would take a partial list for the whole one. A token met twice is an
 * incomplete response instead: a gap, the data it carried unknown.
 */
import { IncompleteResponseError } from './errors.js';

/** The token a page gives for the next one, whatever the service calls it. */
function nextTokenOf(page: unknown): string | undefined {
  if (typeof page !== 'object' || page === null) return undefined;
  const { NextToken, NextMarker, Marker } = page as Record<string, unknown>;
  for (const token of [NextToken, NextMarker, Marker]) if (typeof token === 'string' && token) return token;
  return undefined;
}

/** Every page of `pages`, throwing `IncompleteResponseError` when a page token comes back a second time. */
export async function* everyPage<T>(
  pages: AsyncIterable<T>,
  operation: string,
): AsyncGenerator<T, void, undefined> {
  const seen = new Set<string>();
  for await (const page of pages) {
    yield page;
    const token = nextTokenOf(page);
    if (token === undefined) continue;
    if (seen.has(token))
      throw new IncompleteResponseError(
        `${operation} returned a page token it had already returned: its pages never end`,
      );
    seen.add(token);
  }
}
