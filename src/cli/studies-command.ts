import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { readPart10 } from '../dicom/part10.js';
import { studyAttributesOf } from '../dicom/study-attributes.js';
import type { Db } from '../provenance/database.js';
import { oneFilePerStudy, recordStudyAttributes } from '../provenance/studies.js';
import { openNodeDatabase, print } from './cli-context.js';

/** What a reindex did: studies looked at, set from a file, and those whose file could not be read. */
export interface ReindexReport {
  studies: number;
  updated: number;
  unreadable: number;
}

/**
 * Sets the worklist attributes of every study from one of its stored files (the newest current
 * one): for a database from before the studies table, whose rows start without them. Safe beside
 * a running node: a value an arrival set meanwhile is only replaced by the same study's own data.
 */
export async function reindexStudies(db: Db): Promise<ReindexReport> {
  const files = oneFilePerStudy(db);
  const report: ReindexReport = { studies: files.length, updated: 0, unreadable: 0 };
  for (const { studyUid, path } of files) {
    let header;
    try {
      header = readPart10(await readFile(path), { untilPixelData: true }).dataset;
    } catch {
      report.unreadable++;
      continue;
    }
    recordStudyAttributes(db, studyUid, studyAttributesOf(header));
    report.updated++;
  }
  return report;
}

/** `studies reindex`: fills the studies list's patient and study attributes from the stored files. */
export function registerStudiesCommand(program: Command): void {
  program
    .command('studies')
    .description('the study list: `studies reindex` sets patient and study attributes from one stored file per study (after an upgrade)')
    .argument('<action>', 'reindex')
    .action(async (action: string) => {
      if (action !== 'reindex') throw new Error(`unknown action "${action}" (reindex)`);
      const db = openNodeDatabase(program);
      try {
        const report = await reindexStudies(db);
        print(program, report, () => `${report.updated} of ${report.studies} studies set from a stored file; ${report.unreadable} unreadable`);
        if (report.unreadable > 0) process.exitCode = 1;
      } finally {
        db.close();
      }
    });
}
