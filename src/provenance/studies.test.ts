import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { useTempDb } from '../../test/helpers/provenance-db.js';
import type { StudyAttributes } from '../dicom/study-attributes.js';
import { openDatabase, type Db } from './database.js';
import { setInstanceStatus } from './instances.js';
import { migrations } from './migrations.js';
import { arriveInStudy, NO_STUDY_ATTRIBUTES } from '../../test/helpers/study-arrival.js';
import { getStudy, oneFilePerStudy, recordStudyAttributes, searchStudies } from './studies.js';

const getDb = useTempDb('studies');
let db: Db;
beforeEach(() => (db = getDb()));

function arrive(study: string, series: string, modality: string, at: number, attrs: Partial<StudyAttributes> = {}, sop = `${series}.1`) {
  arriveInStudy(db, { study, series, modality, at, attrs, sop });
}

function seedThree() {
  arrive('1.1', '1.1.1', 'CT', 1000, { patientName: 'Doe^John', patientId: 'PID-1', accessionNumber: 'ACC1', studyDate: '20240105', studyDescription: 'CT Abdomen' });
  arrive('1.1', '1.1.2', 'SR', 1100);
  arrive('1.2', '1.2.1', 'MR', 2000, { patientName: 'MÜLLER^Jörg', patientId: 'PID-2', accessionNumber: 'ACC2', studyDate: '20240210', studyDescription: 'MR Brain 100%' });
  arrive('1.3', '1.3.1', 'CT', 3000, { patientName: 'Dodd^Anna', patientId: 'pid-3', accessionNumber: 'ACC3', studyDate: '20240301', studyDescription: 'CT Chest' });
}

const uids = (q: Parameters<typeof searchStudies>[1]) => searchStudies(db, q).map((s) => s.studyUid);

describe('studies repository', () => {
  it('keeps a row per study from its arrivals: attributes, modalities of its series, counts and times', () => {
    seedThree();
    expect(getStudy(db, '1.1')).toEqual({
      studyUid: '1.1',
      patientName: 'Doe^John',
      patientId: 'PID-1',
      patientBirthDate: null,
      accessionNumber: 'ACC1',
      studyDate: '20240105',
      studyTime: null,
      studyDescription: 'CT Abdomen',
      referringPhysicianName: null,
      modalities: ['CT', 'SR'],
      seriesCount: 2,
      instanceCount: 2,
      ownOutputSeries: 0,
      firstReceivedAt: 1000,
      lastReceivedAt: 1100,
    });
    expect(getStudy(db, '9.9')).toBeUndefined();
  });

  it('keeps earlier values an instance leaves out, and takes a corrected value', () => {
    seedThree();
    recordStudyAttributes(db, '1.1', { ...NO_STUDY_ATTRIBUTES, studyDescription: 'CT Abdomen w/ contrast' });
    expect(getStudy(db, '1.1')).toMatchObject({ patientName: 'Doe^John', studyDescription: 'CT Abdomen w/ contrast' });
  });

  it('writes the row only when a value changes (every slice of a series says the same)', () => {
    seedThree();
    const changes = (): number => (db.prepare('SELECT total_changes() AS n').get() as { n: number }).n;
    const same = { ...NO_STUDY_ATTRIBUTES, patientName: 'Doe^John', studyDescription: 'CT Abdomen' };
    recordStudyAttributes(db, '1.1', same);
    const before = changes();
    recordStudyAttributes(db, '1.1', same);
    recordStudyAttributes(db, '1.1', NO_STUDY_ATTRIBUTES);
    expect(changes()).toBe(before);
    recordStudyAttributes(db, '1.1', { ...same, patientId: 'P-7' });
    expect(changes()).toBe(before + 1);
    expect(getStudy(db, '1.1')).toMatchObject({ patientName: 'Doe^John', patientId: 'P-7', studyDescription: 'CT Abdomen' });
  });

  it('lists most recently active first and pages', () => {
    seedThree();
    expect(uids({})).toEqual(['1.3', '1.2', '1.1']);
    expect(uids({ limit: 1, offset: 1 })).toEqual(['1.2']);
  });

  it('finds by patient name with C-FIND wildcards, case ignored in every script, and by given name', () => {
    seedThree();
    expect(uids({ patientName: 'DO*' })).toEqual(['1.3', '1.1']);
    expect(uids({ patientName: 'doe*' })).toEqual(['1.1']);
    expect(uids({ patientName: 'doe^john' })).toEqual(['1.1']);
    expect(uids({ patientName: 'doe' })).toEqual([]);
    expect(uids({ patientName: 'jö*' })).toEqual(['1.2']);
    expect(uids({ patientName: 'müller*' })).toEqual(['1.2']);
    expect(uids({ patientName: 'D?DD*' })).toEqual(['1.3']);
    expect(uids({ patientName: '%' })).toEqual([]);
  });

  it('finds by patient ID exactly or by wildcard (case kept), by accession exactly', () => {
    seedThree();
    expect(uids({ patientId: 'PID-1' })).toEqual(['1.1']);
    expect(uids({ patientId: 'PID' })).toEqual([]);
    expect(uids({ patientId: 'PID-*' })).toEqual(['1.2', '1.1']);
    expect(uids({ accessionNumber: 'ACC2' })).toEqual(['1.2']);
    expect(uids({ accessionNumber: 'ACC' })).toEqual([]);
  });

  it('finds by study date range, modality among the series and description text', () => {
    seedThree();
    expect(uids({ studyDate: { from: '20240201', to: '20240301' } })).toEqual(['1.3', '1.2']);
    expect(uids({ studyDate: { to: '20240105' } })).toEqual(['1.1']);
    expect(uids({ modality: 'SR' })).toEqual(['1.1']);
    expect(uids({ modality: 'C' })).toEqual([]);
    expect(uids({ description: 'ct ' })).toEqual(['1.3', '1.1']);
    expect(uids({ description: '100%' })).toEqual(['1.2']);
    expect(uids({ description: '0%' })).toEqual(['1.2']);
    expect(uids({ description: '_' })).toEqual([]);
    expect(uids({ modality: 'CT', patientName: 'dodd*', studyDate: { from: '20240101' } })).toEqual(['1.3']);
  });

  it('follows its series when retention deletes them: modalities shrink, the last one takes the study row', () => {
    seedThree();
    db.prepare('DELETE FROM series WHERE series_uid = ?').run('1.1.2');
    expect(getStudy(db, '1.1')?.modalities).toEqual(['CT']);
    db.prepare('DELETE FROM series WHERE series_uid = ?').run('1.1.1');
    expect(getStudy(db, '1.1')).toBeUndefined();
  });

  it('names one current, unpurged file per study for a reindex', () => {
    seedThree();
    arrive('1.2', '1.2.1', 'MR', 2500, {}, '1.2.1.2');
    db.prepare('UPDATE instances SET purged_at = 1 WHERE sop_instance_uid = ?').run('1.3.1.1');
    const replaced = (db.prepare('SELECT id FROM instances WHERE sop_instance_uid = ?').get('1.2.1.2') as { id: number }).id;
    setInstanceStatus(db, replaced, 'replaced', 'test');
    expect(oneFilePerStudy(db)).toEqual([
      { studyUid: '1.1', path: '/spool/1.1.2.1.dcm' },
      { studyUid: '1.2', path: '/spool/1.2.1.1.dcm' },
    ]);
  });
});

describe('studies migration', () => {
  it('gives the studies of an existing database rows (no patient attributes yet) with their modalities and times', () => {
    const dir = mkdtempSync(join(tmpdir(), 'studies-mig-'));
    try {
      const file = join(dir, 'node.sqlite');
      const version = migrations.find((m) => m.sql.includes('CREATE TABLE studies'))!.version;
      const old = openDatabase(file, migrations.filter((m) => m.version < version));
      const series = (uid: string, study: string, modality: string, at: number) =>
        old.prepare('INSERT INTO series (series_uid, study_uid, modality, first_received_at, last_received_at) VALUES (?, ?, ?, ?, ?)').run(uid, study, modality, at, at + 5);
      series('2.1.1', '2.1', 'MR', 10);
      series('2.1.2', '2.1', 'CT', 20);
      series('2.1.3', '2.1', 'CT', 30);
      old.close();
      const upgraded = openDatabase(file);
      expect(getStudy(upgraded, '2.1')).toMatchObject({ patientName: null, modalities: ['CT', 'MR'], seriesCount: 3, firstReceivedAt: 10, lastReceivedAt: 35 });
      upgraded.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
