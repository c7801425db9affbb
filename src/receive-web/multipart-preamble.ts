import { Readable } from 'node:stream';

/**
 * Drops a multipart body's preamble: whatever comes before the first `--boundary` (RFC 2046
 * §5.1.1 says to ignore it). Clients send one: dicomweb-client, for one, starts its STOW-RS body
 * with CRLF. Only `maxPreamble` bytes are looked through; a longer preamble is passed on as it is,
 * for the parser to refuse.
 */
export function skipPreamble(body: AsyncIterable<Uint8Array>, boundary: string, maxPreamble = 1024): Readable {
  const delimiter = Buffer.from(`--${boundary}`);
  async function* chunks(): AsyncGenerator<Buffer> {
    let head = Buffer.alloc(0);
    let found = false;
    for await (const chunk of body) {
      if (found) {
        yield Buffer.from(chunk);
        continue;
      }
      head = Buffer.concat([head, chunk]);
      const at = head.indexOf(delimiter);
      if (at >= 0) {
        found = true;
        yield head.subarray(at);
      } else if (head.length > maxPreamble + delimiter.length) {
        found = true;
        yield head;
      }
    }
    if (!found && head.length > 0) yield head;
  }
  return Readable.from(chunks());
}
