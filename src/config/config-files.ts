import path from 'node:path';
import type { ConfigIssue } from './config-issue.js';
import type { YamlSource } from './yaml-source.js';

type At = Array<string | number>;

/** The files a config file names (TLS material, secrets, CAs), read relative to its folder. */
export interface ConfigFiles {
  /** The absolute path of a path written in the config file. */
  abs(p: string): string;
  /** The file's text, or undefined with an issue at `at` saying why it cannot be read. */
  read(p: string, at: At): string | undefined;
  /** Like read, and undefined with an issue when the text is not PEM. */
  readPem(p: string, at: At): string | undefined;
}

/** A reader whose failures become issues of `source` (pushed onto `issues`). */
export function configFiles(source: YamlSource, readText: (absolutePath: string) => string, issues: ConfigIssue[]): ConfigFiles {
  const base = path.dirname(path.resolve(source.file));
  const abs = (p: string) => path.resolve(base, p);
  const read = (p: string, at: At): string | undefined => {
    try {
      return readText(abs(p));
    } catch (err) {
      issues.push(source.issue(at, `cannot read ${abs(p)}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`));
      return undefined;
    }
  };
  const readPem = (p: string, at: At): string | undefined => {
    const text = read(p, at);
    if (text === undefined || text.includes('-----BEGIN')) return text;
    issues.push(source.issue(at, `${abs(p)} is not a PEM file`));
    return undefined;
  };
  return { abs, read, readPem };
}
