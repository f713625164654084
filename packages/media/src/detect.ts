/**
 * The file's real type, read from its bytes (magic numbers, via the file-type package), never from what
 * the sender declared; undefined when the bytes match no known binary format. Plain text (a vCard, a
 * .txt document) has no magic number and is reported as text/plain when it is valid UTF-8 without NULs.
 */
export async function detectFileType(data: Buffer): Promise<string | undefined> {
  // Loaded on first use: a worker that never receives a file never loads the detector.
  const { fileTypeFromBuffer } = await import('file-type');
  const found = await fileTypeFromBuffer(data);
  if (found) return found.mime;
  if (data.length > 0 && !data.includes(0)) {
    const text = data.toString('utf8');
    if (!text.includes('\uFFFD')) return 'text/plain';
  }
  return undefined;
}
