/** A JSON text column as stored: parsed, null when empty, the raw text when it is not JSON. */
export function parseJsonColumn(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
