import { describe, expect, it } from 'vitest';
import { dimensionOrganizationUid, stackDimensionModule, stackFrameContent, stackIndexValues, stackRanks } from './stack-dimension.js';

const axial = [1, 0, 0, 0, 1, 0];

describe('stack dimension', () => {
  it('ranks frames along the normal of the first plane, ties in the given order', () => {
    const at = (z: number) => ({ imagePositionPatient: [0, 0, z], imageOrientationPatient: axial });
    expect(stackRanks([at(5), at(-5), at(0), at(0)])).toEqual([4, 1, 2, 3]);
  });

  it('keeps the given order when a frame has no plane', () => {
    expect(stackRanks([{ imagePositionPatient: [0, 0, 5], imageOrientationPatient: axial }, {}])).toEqual([1, 2]);
  });

  it('indexes stacks by first appearance and keeps each in-stack position', () => {
    const places = [
      { stackId: 'B', inStackPosition: 2 },
      { stackId: 'A', inStackPosition: 1 },
      { stackId: 'B', inStackPosition: 1 },
    ];
    expect(stackIndexValues(places)).toEqual([
      [1, 2],
      [2, 1],
      [1, 1],
    ]);
    expect(stackFrameContent(places[0]!, [1, 2])).toEqual({ StackID: 'B', InStackPositionNumber: 2, DimensionIndexValues: [1, 2] });
  });

  it('describes one organization with the Stack ID and In-Stack Position indices, 3D only when asked', () => {
    const uid = dimensionOrganizationUid('2.25.1');
    expect(uid).toBe(dimensionOrganizationUid('2.25.1'));
    expect(uid).not.toBe(dimensionOrganizationUid('2.25.2'));
    const module = stackDimensionModule(uid, '3D');
    expect(module.DimensionOrganizationType).toBe('3D');
    expect((module.DimensionIndexSequence as { DimensionIndexPointer: number; DimensionOrganizationUID: string }[]).map((d) => [d.DimensionIndexPointer, d.DimensionOrganizationUID])).toEqual([
      [0x00209056, uid],
      [0x00209057, uid],
    ]);
    expect(stackDimensionModule(uid).DimensionOrganizationType).toBeUndefined();
  });
});
