import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import { formatPath, type ConfigIssue } from './config-issue.js';

/** A parsed YAML file that can say where any value of it was written. */
export interface YamlSource {
  file: string;
  /** The plain JS value (aliases resolved); undefined for an empty file. */
  value: unknown;
  /** Line/column of the value at `segments`, or of its nearest parent that exists; `key` points at the key itself. */
  locate(segments: ReadonlyArray<string | number>, options?: { key?: boolean }): { line: number; column: number };
  /** An issue located at `segments`. */
  issue(segments: ReadonlyArray<string | number>, message: string, options?: { key?: boolean }): ConfigIssue;
}

/** Parses YAML text; syntax errors (and duplicate keys) come back as issues with their position. */
export function parseYamlSource(file: string, text: string): { source?: YamlSource; issues: ConfigIssue[] } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true, merge: false });
  const issues: ConfigIssue[] = doc.errors.map((e) => {
    const pos = e.linePos?.[0] ?? lineCounter.linePos(e.pos[0]);
    return { file, line: pos.line, column: pos.col, path: '', message: e.message.split('\n')[0] ?? e.message };
  });
  if (issues.length > 0) return { issues };
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
  const source: YamlSource = {
    file,
    value,
    locate: (segments, options = {}) => locate(doc, lineCounter, segments, options.key ?? false),
    issue(segments, message, options) {
      const { line, column } = this.locate(segments, options);
      return { file, line, column, path: formatPath(segments), message };
    },
  };
  return { source, issues };
}

function locate(
  doc: Document.Parsed,
  lineCounter: LineCounter,
  segments: ReadonlyArray<string | number>,
  wantKey: boolean,
): { line: number; column: number } {
  let node: Node | null | undefined = doc.contents;
  let offset = node?.range?.[0] ?? 0;
  for (let i = 0; i < segments.length && node; i++) {
    const seg = segments[i];
    const last = i === segments.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      const keyNode = pair.key as Node;
      if (last && wantKey) {
        offset = keyNode.range?.[0] ?? offset;
        break;
      }
      node = pair.value as Node | null;
      // `key:` with no value: point at the key.
      offset = node?.range?.[0] ?? keyNode.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof seg === 'number') {
      const item = node.items[seg] as Node | undefined;
      if (!item) break;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  const pos = lineCounter.linePos(offset);
  return { line: pos.line, column: pos.col };
}
