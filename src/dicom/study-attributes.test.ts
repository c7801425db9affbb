import { describe, expect, it } from 'vitest';
import { studyAttributesOf } from './study-attributes.js';

describe('studyAttributesOf', () => {
  it('reads the worklist attributes of a naturalized data set', () => {
    expect(
      studyAttributesOf({
        PatientName: [{ Alphabetic: 'Yamada^Tarou', Ideographic: '山田^太郎', Phonetic: 'やまだ^たろう' }],
        PatientID: 'PID-7 ',
        PatientBirthDate: '19700101',
        AccessionNumber: 'ACC42',
        StudyDate: '20240131',
        StudyTime: '101500.000000',
        StudyDescription: ['CT ABDOMEN '],
        ReferringPhysicianName: [{ Alphabetic: 'Who^Doctor' }],
      }),
    ).toEqual({
      patientName: 'Yamada^Tarou=山田^太郎=やまだ^たろう',
      patientId: 'PID-7',
      patientBirthDate: '19700101',
      accessionNumber: 'ACC42',
      studyDate: '20240131',
      studyTime: '101500.000000',
      studyDescription: 'CT ABDOMEN',
      referringPhysicianName: 'Who^Doctor',
    });
  });

  it('gives null for absent or empty values and joins multiple values with a backslash', () => {
    const a = studyAttributesOf({ PatientName: [{ Alphabetic: '' }], AccessionNumber: '', PatientID: ['A', 'B'] });
    expect(a.patientName).toBeNull();
    expect(a.accessionNumber).toBeNull();
    expect(a.studyDate).toBeNull();
    expect(a.patientId).toBe('A\\B');
  });
});
