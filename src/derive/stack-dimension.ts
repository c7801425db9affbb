import type { Dataset } from '../dicom/part10.js';
import { deriveUid } from '../dicom/uid.js';

/**
 * The stack dimension of a multi-frame object (PS3.3 C.7.6.17, C.7.6.16.2.2): frames indexed by
 * Stack ID and In-Stack Position Number in their Frame Content functional group, described by
 * one Dimension Organization with those two indices.
 */

/** Dimension pointers (PS3.3 C.7.6.17): Stack ID and In-Stack Position Number in Frame Content. */
const STACK_ID_TAG = 0x00209056;
const IN_STACK_POSITION_TAG = 0x00209057;
const FRAME_CONTENT_SEQUENCE_TAG = 0x00209111;

const DIMENSION_NAMESPACE = 'unimie-pacs-node:dimension-organization:v1';

/** Where one frame sits: its stack, its place in that stack (1-based). */
export interface StackPlace {
  stackId: string;
  inStackPosition: number;
}

/** A frame's plane: position and orientation (Patient), as numbers. */
export interface FramePlane {
  imagePositionPatient?: readonly number[];
  imageOrientationPatient?: readonly number[];
}

/**
 * Rank of each frame along the normal of the first frame's plane (1 = lowest), ties in the given
 * order; without a plane for every frame, the given order.
 */
export function stackRanks(frames: readonly FramePlane[]): number[] {
  const planes = frames.length > 0 && frames.every((f) => f.imagePositionPatient?.length === 3 && f.imageOrientationPatient?.length === 6);
  if (!planes) return frames.map((_, i) => i + 1);
  const iop = frames[0]!.imageOrientationPatient!;
  const n = [iop[1]! * iop[5]! - iop[2]! * iop[4]!, iop[2]! * iop[3]! - iop[0]! * iop[5]!, iop[0]! * iop[4]! - iop[1]! * iop[3]!];
  const d = frames.map((f, i) => ({ i, d: f.imagePositionPatient!.reduce((s, p, k) => s + p * n[k]!, 0) }));
  d.sort((a, b) => a.d - b.d || a.i - b.i);
  const ranks = new Array<number>(frames.length);
  d.forEach((e, r) => (ranks[e.i] = r + 1));
  return ranks;
}

/** The Dimension Organization UID of an object: derived from its SOP Instance UID. */
export function dimensionOrganizationUid(sopInstanceUid: string): string {
  return deriveUid(DIMENSION_NAMESPACE, sopInstanceUid);
}

/** Dimension Index Values of each frame: the stack's index (order of first appearance), its position. */
export function stackIndexValues(places: readonly StackPlace[]): [number, number][] {
  const stacks = new Map<string, number>();
  for (const p of places) if (!stacks.has(p.stackId)) stacks.set(p.stackId, stacks.size + 1);
  return places.map((p) => [stacks.get(p.stackId)!, p.inStackPosition]);
}

/** Frame Content attributes of one frame that carry its stack place and dimension index. */
export function stackFrameContent(place: StackPlace, indexValues: [number, number]): Dataset {
  return { StackID: place.stackId, InStackPositionNumber: place.inStackPosition, DimensionIndexValues: [...indexValues] };
}

/** Multi-frame Dimension module (C.7.6.17) indexing Stack ID and In-Stack Position Number. */
export function stackDimensionModule(organizationUid: string, type?: '3D'): Dataset {
  const module: Dataset = {
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: organizationUid }],
    DimensionIndexSequence: [
      {
        DimensionOrganizationUID: organizationUid,
        DimensionIndexPointer: STACK_ID_TAG,
        FunctionalGroupPointer: FRAME_CONTENT_SEQUENCE_TAG,
        DimensionDescriptionLabel: 'Stack ID',
      },
      {
        DimensionOrganizationUID: organizationUid,
        DimensionIndexPointer: IN_STACK_POSITION_TAG,
        FunctionalGroupPointer: FRAME_CONTENT_SEQUENCE_TAG,
        DimensionDescriptionLabel: 'In-Stack Position Number',
      },
    ],
  };
  if (type) module.DimensionOrganizationType = type;
  return module;
}
