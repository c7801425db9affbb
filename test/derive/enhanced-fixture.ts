import { decimalString } from '../../src/dicom/decimal-string.js';
import type { Dataset } from '../../src/dicom/part10.js';
import { createPhantomSeries, hashUid, phantomPixels } from '../../src/dicom/phantom.js';

export const ENHANCED_CT = '1.2.840.10008.5.1.4.1.1.2.1';
export const ENHANCED_MR = '1.2.840.10008.5.1.4.1.1.4.1';

export interface EnhancedFixtureOptions {
  frames: number;
  rows: number;
  columns: number;
  /** Slice spacing along the normal, mm. */
  spacing?: number;
  seed?: number;
}

/**
 * An Enhanced CT or Enhanced MR Image (PS3.3 A.38.1 / A.36.2) as a scanner writes one: ORIGINAL
 * frames of one axial stack of the synthetic phantom, with the functional groups and modules the
 * IOD requires of original frames (Frame Content times, CT acquisition/reconstruction/exposure
 * macros, MR timing/echo/coil macros and MR Pulse Sequence module, Frame Anatomy, Irradiation
 * Event). pydicom 2.3 ships no Enhanced CT/MR file, so the tests make their own; it passes
 * dciodvfy without an Error (checked in test/derive/enhanced-grayscale.test.ts).
 */

export function enhancedSource(modality: 'CT' | 'MR', o: EnhancedFixtureOptions): Dataset {
  const spacing = o.spacing ?? 2.5;
  const seed = o.seed ?? 1;
  const phantom = createPhantomSeries({ slices: o.frames, rows: o.rows, columns: o.columns, sliceThickness: spacing, seed });
  const key = ['enhanced-fixture', modality, seed, o.frames, o.rows, o.columns, spacing];
  const study = hashUid(...key, 'study');
  const series = hashUid(...key, 'series');
  const pixelSpacing = 400 / Math.max(o.rows, o.columns);
  const isCt = modality === 'CT';
  const pixels = new Uint16Array(o.frames * o.rows * o.columns);
  for (let f = 0; f < o.frames; f++) {
    const stored = phantomPixels(phantom, f); // HU + 1024
    for (let i = 0; i < stored.length; i++) {
      const v = Math.max(0, stored[i]!);
      pixels[f * stored.length + i] = isCt ? Math.min(4095, v) : Math.min(4095, Math.round(v / 2));
    }
  }
  const dt = (s: number) => `20240301101500.${String(s).padStart(6, '0')}`;
  const x0 = -(o.columns / 2) * pixelSpacing + pixelSpacing / 2;
  const y0 = -(o.rows / 2) * pixelSpacing + pixelSpacing / 2;
  const frameType = ['ORIGINAL', 'PRIMARY', 'VOLUME', 'NONE'];
  const descriptors: Dataset = { PixelPresentation: 'MONOCHROME', VolumetricProperties: 'VOLUME', VolumeBasedCalculationTechnique: 'NONE' };
  const mrDescriptors: Dataset = isCt ? {} : { ComplexImageComponent: 'MAGNITUDE', AcquisitionContrast: 'T1' };
  const code = (value: string, scheme: string, meaning: string) => ({ CodeValue: value, CodingSchemeDesignator: scheme, CodeMeaning: meaning });
  const dimension = hashUid(...key, 'dimension');

  const shared: Dataset = {
    PixelMeasuresSequence: [{ PixelSpacing: [decimalString(pixelSpacing), decimalString(pixelSpacing)], SliceThickness: String(spacing) }],
    PlaneOrientationSequence: [{ ImageOrientationPatient: ['1', '0', '0', '0', '1', '0'] }],
    FrameAnatomySequence: [{ FrameLaterality: 'U', AnatomicRegionSequence: [code('51185008', 'SCT', 'Chest')] }],
    PixelValueTransformationSequence: [isCt ? { RescaleIntercept: '-1024', RescaleSlope: '1', RescaleType: 'HU' } : { RescaleIntercept: '0', RescaleSlope: '1', RescaleType: 'US' }],
    FrameVOILUTSequence: [isCt ? { WindowCenter: '40', WindowWidth: '400', WindowCenterWidthExplanation: 'SOFT_TISSUE' } : { WindowCenter: '600', WindowWidth: '1200' }],
    [isCt ? 'CTImageFrameTypeSequence' : 'MRImageFrameTypeSequence']: [{ FrameType: frameType, ...descriptors, ...mrDescriptors }],
  };
  if (isCt) {
    Object.assign(shared, {
      IrradiationEventIdentificationSequence: [{ IrradiationEventUID: hashUid(...key, 'irradiation') }],
      CTAcquisitionTypeSequence: [{ AcquisitionType: 'SPIRAL', ConstantVolumeFlag: 'NO', FluoroscopyFlag: 'NO' }],
      CTAcquisitionDetailsSequence: [
        { RotationDirection: 'CW', RevolutionTime: '0.5', SingleCollimationWidth: '0.625', TotalCollimationWidth: '40', TableHeight: '150', GantryDetectorTilt: '0', DataCollectionDiameter: '500' },
      ],
      CTTableDynamicsSequence: [{ TableSpeed: '80', TableFeedPerRotation: '40', SpiralPitchFactor: '1' }],
      CTGeometrySequence: [{ DistanceSourceToDetector: '1040', DistanceSourceToDataCollectionCenter: '570' }],
      CTReconstructionSequence: [
        {
          ReconstructionAlgorithm: 'FILTER_BACK_PROJ',
          ConvolutionKernel: 'STANDARD',
          ConvolutionKernelGroup: 'SOFT_TISSUE',
          ReconstructionDiameter: '400',
          ReconstructionPixelSpacing: [decimalString(pixelSpacing), decimalString(pixelSpacing)],
          ReconstructionAngle: '360',
          ImageFilter: 'NONE',
        },
      ],
      CTExposureSequence: [{ ExposureTimeInms: 500, XRayTubeCurrentInmA: 200, ExposureInmAs: 100, ExposureModulationType: 'NONE', CTDIvol: 10, CTDIPhantomTypeCodeSequence: [code('113691', 'DCM', 'IEC Body Dosimetry Phantom')] }],
      CTXRayDetailsSequence: [{ KVP: '120', FocalSpots: ['1.2'], FilterType: 'BODY', FilterMaterial: ['ALUMINUM'] }],
    });
  } else {
    Object.assign(shared, {
      MRTimingAndRelatedParametersSequence: [
        {
          RepetitionTime: 500,
          FlipAngle: 90,
          EchoTrainLength: 1,
          RFEchoTrainLength: 1,
          GradientEchoTrainLength: 0,
          SpecificAbsorptionRateSequence: [{ SpecificAbsorptionRateDefinition: 'IEC_WHOLE_BODY', SpecificAbsorptionRateValue: 0.5 }],
          GradientOutputType: 'DB_DT',
          GradientOutput: 10,
          OperatingModeSequence: [{ OperatingModeType: 'STATIC FIELD', OperatingMode: 'IEC_NORMAL' }],
        },
      ],
      MRFOVGeometrySequence: [
        {
          InPlanePhaseEncodingDirection: 'ROW',
          MRAcquisitionFrequencyEncodingSteps: o.columns,
          MRAcquisitionPhaseEncodingStepsInPlane: o.rows,
          PercentSampling: 100,
          PercentPhaseFieldOfView: 100,
        },
      ],
      MREchoSequence: [{ EffectiveEchoTime: 15 }],
      MRModifierSequence: [
        {
          InversionRecovery: 'NO',
          FlowCompensation: 'NONE',
          T2Preparation: 'NO',
          SpectrallySelectedExcitation: 'NONE',
          SpatialPresaturation: 'NONE',
          PartialFourier: 'NO',
          ParallelAcquisition: 'NO',
        },
      ],
      MRImagingModifierSequence: [{ MagnetizationTransfer: 'NONE', BloodSignalNulling: 'NO', Tagging: 'NONE', TransmitterFrequency: 63.9, PixelBandwidth: 130 }],
      MRReceiveCoilSequence: [{ ReceiveCoilName: 'BODY', ReceiveCoilManufacturerName: '', ReceiveCoilType: 'BODY', QuadratureReceiveCoil: 'YES' }],
      MRTransmitCoilSequence: [{ TransmitCoilName: 'BODY', TransmitCoilManufacturerName: '', TransmitCoilType: 'BODY' }],
      MRAveragesSequence: [{ NumberOfAverages: 1 }],
    });
  }

  const dataset: Dataset = {
    SpecificCharacterSet: 'ISO_IR 100',
    ImageType: frameType,
    SOPClassUID: isCt ? ENHANCED_CT : ENHANCED_MR,
    SOPInstanceUID: hashUid(...key, 'instance'),
    StudyDate: '20240301',
    SeriesDate: '20240301',
    ContentDate: '20240301',
    AcquisitionDateTime: dt(0),
    StudyTime: '101500',
    SeriesTime: '101500',
    ContentTime: '101500',
    AccessionNumber: `ENH-${modality}-${seed}`,
    Modality: modality,
    Manufacturer: 'Synthetic Scanner Co',
    ManufacturerModelName: `SYN-${modality}`,
    DeviceSerialNumber: `SN-${modality}-1`,
    SoftwareVersions: '1.0',
    ReferringPhysicianName: '',
    StudyDescription: `Synthetic Enhanced ${modality}`,
    SeriesDescription: `Enhanced ${modality} axial`,
    PatientName: `Enhanced^${modality}`,
    PatientID: `ENH-${modality}-${seed}`,
    PatientBirthDate: '',
    PatientSex: 'O',
    BodyPartExamined: 'CHEST',
    PatientPosition: 'HFS',
    StudyInstanceUID: study,
    SeriesInstanceUID: series,
    StudyID: '1',
    SeriesNumber: 5,
    InstanceNumber: 1,
    AcquisitionNumber: 1,
    AcquisitionDuration: 10,
    FrameOfReferenceUID: hashUid(...key, 'frame-of-reference'),
    PositionReferenceIndicator: '',
    ...descriptors,
    ...mrDescriptors,
    ContentQualification: 'PRODUCT',
    SamplesPerPixel: 1,
    PhotometricInterpretation: 'MONOCHROME2',
    Rows: o.rows,
    Columns: o.columns,
    NumberOfFrames: o.frames,
    BitsAllocated: 16,
    BitsStored: 12,
    HighBit: 11,
    PixelRepresentation: 0,
    BurnedInAnnotation: 'NO',
    LossyImageCompression: '00',
    PresentationLUTShape: 'IDENTITY',
    AcquisitionContextSequence: [],
    DimensionOrganizationSequence: [{ DimensionOrganizationUID: dimension }],
    DimensionOrganizationType: '3D',
    DimensionIndexSequence: [
      { DimensionOrganizationUID: dimension, DimensionIndexPointer: 0x00209056, FunctionalGroupPointer: 0x00209111, DimensionDescriptionLabel: 'Stack ID' },
      { DimensionOrganizationUID: dimension, DimensionIndexPointer: 0x00209057, FunctionalGroupPointer: 0x00209111, DimensionDescriptionLabel: 'In-Stack Position Number' },
    ],
    SharedFunctionalGroupsSequence: [shared],
    // Head first: frame f at z = −f × spacing, so In-Stack Position (ascending along the normal) runs backwards.
    PerFrameFunctionalGroupsSequence: Array.from({ length: o.frames }, (_, f) => ({
      FrameContentSequence: [
        {
          FrameAcquisitionNumber: 1,
          FrameReferenceDateTime: dt(f * 1000),
          FrameAcquisitionDateTime: dt(f * 1000),
          FrameAcquisitionDuration: 500,
          StackID: '1',
          InStackPositionNumber: o.frames - f,
          DimensionIndexValues: [1, o.frames - f],
        },
      ],
      PlanePositionSequence: [{ ImagePositionPatient: [decimalString(x0), decimalString(y0), decimalString(-f * spacing)] }],
      ...(isCt
        ? { CTPositionSequence: [{ TablePosition: -f * spacing + 0, DataCollectionCenterPatient: [0, 0, -f * spacing + 0], ReconstructionTargetCenterPatient: [0, 0, -f * spacing + 0] }] }
        : {}),
    })),
    PixelData: [pixels.buffer],
    _vrMap: { PixelData: 'OW' },
  };
  if (!isCt) {
    Object.assign(dataset, {
      ResonantNucleus: '1H',
      KSpaceFiltering: 'NONE',
      MagneticFieldStrength: 1.5,
      ApplicableSafetyStandardAgency: 'IEC',
      PulseSequenceName: 'SE',
      MRAcquisitionType: '2D',
      EchoPulseSequence: 'SPIN',
      MultipleSpinEcho: 'NO',
      MultiPlanarExcitation: 'YES',
      PhaseContrast: 'NO',
      TimeOfFlightContrast: 'NO',
      SteadyStatePulseSequence: 'NONE',
      EchoPlanarPulseSequence: 'NO',
      SaturationRecovery: 'NO',
      SpectrallySelectedSuppression: 'NONE',
      OversamplingPhase: 'NONE',
      GeometryOfKSpaceTraversal: 'RECTILINEAR',
      RectilinearPhaseEncodeReordering: 'LINEAR',
      SegmentedKSpaceTraversal: 'SINGLE',
      NumberOfKSpaceTrajectories: 1,
    });
  }
  return dataset;
}
