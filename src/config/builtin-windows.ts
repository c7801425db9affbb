import type { WindowDefinition } from './types.js';

/**
 * Windows every node knows. CT presets in HU (common radiology values: soft tissue L40/W400,
 * lung L−600/W1500, bone L400/W1800, brain L40/W80). `file` uses the instance's own
 * Window Center/Width (PS3.3 C.11.2), falling back to `auto`; `auto` is a robust percentile window.
 * node.yaml may redefine the four CT presets and add its own; `file` and `auto` are computed from
 * the image and cannot be redefined.
 */
export const BUILTIN_WINDOWS: Readonly<Record<string, WindowDefinition>> = {
  'soft-tissue': { source: 'preset', center: 40, width: 400, voiLutFunction: 'LINEAR' },
  lung: { source: 'preset', center: -600, width: 1500, voiLutFunction: 'LINEAR' },
  bone: { source: 'preset', center: 400, width: 1800, voiLutFunction: 'LINEAR' },
  brain: { source: 'preset', center: 40, width: 80, voiLutFunction: 'LINEAR' },
  file: { source: 'file' },
  auto: { source: 'auto' },
};

export const COMPUTED_WINDOWS: readonly string[] = ['file', 'auto'];
