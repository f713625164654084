import { AppError } from '../errors.ts';

// JSON can carry strings PostgreSQL text cannot hold faithfully: a NUL character, or half of a UTF-16
// surrogate pair ("\udfff") that is no character at all. Schemas check types and lengths, not this,
// so every route's params, query and body are checked here before validation and refused with a 400
// naming the field, rather than stored mangled or failing deep in the database driver.
// eslint-disable-next-line no-control-regex
const ILL_FORMED = /\u0000|\p{Cs}/u;
const MAX_DEPTH = 32;

/** The path (`body/notes`, `query/q`) of the first string that is not valid text, if any. */
export function illFormedTextAt(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return ILL_FORMED.test(value) ? path : undefined;
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return undefined;
  for (const [key, inner] of Object.entries(value)) {
    if (ILL_FORMED.test(key)) return `${path}/${key.replace(ILL_FORMED, '\ufffd')}`;
    const found = illFormedTextAt(inner, `${path}/${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

export async function refuseIllFormedText(request: {
  params: unknown;
  query: unknown;
  body: unknown;
}): Promise<void> {
  const at =
    illFormedTextAt(request.params, 'params') ??
    illFormedTextAt(request.query, 'query') ??
    illFormedTextAt(request.body, 'body');
  if (at) {
    throw new AppError(
      'VALIDATION_ERROR',
      `${at}: not valid text (a NUL character or a lone UTF-16 surrogate)`,
    );
  }
}
