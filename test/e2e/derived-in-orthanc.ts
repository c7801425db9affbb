import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { OrthancHandle } from '../helpers/orthanc.js';
import { readPart10, type Dataset } from '../../src/dicom/part10.js';

/** Output kinds a grayscale CT/MR series can get, and the SOP Class each one writes. */
export const GRAYSCALE_KINDS = {
  'sc-rgb': '1.2.840.10008.5.1.4.1.1.7',
  'mf-sc-rgb': '1.2.840.10008.5.1.4.1.1.7.4',
  'derived-grayscale': undefined, // the source's own class (CT or MR Image Storage)
} as const;

export interface KindRule {
  name: string;
  modality: string;
  output: string;
  windows?: string[];
}

/**
 * rules.yaml with one render-only rule per (modality, output kind), each `continue: true`, so one
 * series sent once gets every kind as its own derived series.
 */
export function kindRulesYaml(rules: KindRule[]): string {
  const lines = ['rules:'];
  for (const r of rules) {
    lines.push(
      `  - name: ${r.name}`,
      `    match: { modality: ${r.modality} }`,
      '    completion: { scope: series, quietSeconds: 1 }',
      `    actions: { windows: [${(r.windows ?? [r.modality === 'CT' ? 'soft-tissue' : 'file']).join(', ')}], enhance: none, output: ${r.output}, destinations: [pacs] }`,
      '    continue: true',
    );
  }
  lines.push('  - name: default', '    default: true', '    actions: { drop: true }', '');
  return lines.join('\n');
}

export interface OrthancInstance {
  id: string;
  dataset: Dataset;
  bytes: Buffer;
}

/** Every instance of a series as stored in Orthanc (REST: /tools/find, /instances/{id}/file). */
export async function seriesFromOrthanc(orthanc: OrthancHandle, seriesUid: string): Promise<OrthancInstance[]> {
  const found = await orthanc.post<Array<{ Instances: string[] }>>('/tools/find', { Level: 'Series', Query: { SeriesInstanceUID: seriesUid }, Expand: true });
  if (found.length === 0) return [];
  const out: OrthancInstance[] = [];
  for (const id of found[0]!.Instances) {
    const bytes = await orthanc.getBytes(`/instances/${id}/file`);
    out.push({ id, bytes, dataset: readPart10(bytes).dataset });
  }
  return out;
}

/** Writes instances into a folder (for dciodvfy / dcentvfy); returns the paths. */
export function writeInstances(dir: string, prefix: string, instances: OrthancInstance[]): string[] {
  return instances.map((i) => {
    const path = join(dir, `${prefix}-${i.id}.dcm`);
    writeFileSync(path, i.bytes);
    return path;
  });
}

/** Numbers of a multi-valued DS attribute. */
export function numbers(value: unknown): number[] {
  return (Array.isArray(value) ? value : String(value ?? '').split('\\')).filter((v) => v !== '').map(Number);
}

/** The first item of a sequence. */
export function firstItem(seq: unknown): Dataset {
  const item = Array.isArray(seq) ? (seq[0] as Dataset | undefined) : undefined;
  if (!item) throw new Error('empty sequence');
  return item;
}
