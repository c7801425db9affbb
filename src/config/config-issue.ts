import path from 'node:path';
import { ConfigError } from '../shared/errors.js';

/** One problem in a config file, with where it is. */
export interface ConfigIssue {
  /** The file as given to the loader. */
  file: string;
  /** 1-based; 0 when the problem has no place in the file (e.g. the file is missing). */
  line: number;
  column: number;
  /** Where in the document, as `rules[2].match.tags[0]`; empty for the whole document. */
  path: string;
  message: string;
}

/** `config/rules.yaml:14:7: rules[2].match.tags[0]: must have one of equals|regex|range`. */
export function formatIssue(issue: ConfigIssue): string {
  const where = issue.line > 0 ? `${displayPath(issue.file)}:${issue.line}:${issue.column}` : displayPath(issue.file);
  return issue.path ? `${where}: ${issue.path}: ${issue.message}` : `${where}: ${issue.message}`;
}

/** Files under the working directory are shown relative to it, like a compiler does. */
export function displayPath(file: string): string {
  if (!path.isAbsolute(file)) return file;
  const rel = path.relative(process.cwd(), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : file;
}

/** Formats `["rules", 2, "match"]` as `rules[2].match`. */
export function formatPath(segments: ReadonlyArray<string | number>): string {
  let out = '';
  for (const s of segments) {
    if (typeof s === 'number') out += `[${s}]`;
    else if (/^[A-Za-z_][A-Za-z0-9_-]*$/.test(s)) out += out ? `.${s}` : s;
    else out += `[${JSON.stringify(s)}]`;
  }
  return out;
}

/**
 * The config was rejected. `issues` lists every problem found (sorted by file and line); the
 * message is their formatted lines, and `file`/`line` name the first.
 */
export class ConfigValidationError extends ConfigError {
  readonly issues: readonly ConfigIssue[];
  readonly file: string;
  readonly line: number;
  readonly column: number;

  constructor(issues: ConfigIssue[]) {
    const sorted = [...issues].sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column);
    const first = sorted[0] ?? { file: '', line: 0, column: 0, path: '', message: 'invalid configuration' };
    super(sorted.map(formatIssue).join('\n') || 'invalid configuration', {
      file: first.file,
      line: first.line,
      details: { issues: sorted },
    });
    this.issues = sorted;
    this.file = first.file;
    this.line = first.line;
    this.column = first.column;
  }
}
