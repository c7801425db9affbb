/** Characters XML 1.0 cannot carry at all (C0 controls other than tab, CR, LF; lone surrogates; U+FFFE/U+FFFF). */
const NOT_XML = /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;

/**
 * Text safe inside an XML attribute value or element: markup characters escaped, characters XML
 * cannot carry replaced by U+FFFD (an audit message must stay well-formed whatever a peer sent).
 * Tab, CR and LF are written as character references so attribute normalization keeps them.
 */
export function xmlEscape(text: string): string {
  return text.replace(NOT_XML, '\uFFFD').replace(/[&<>"'\t\n\r]/g, (c) => `&#${c.charCodeAt(0)};`);
}
