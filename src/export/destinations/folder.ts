import { Type, type Static } from '@sinclair/typebox';
import { access, constants, mkdir } from 'node:fs/promises';
import { deliveryRetryFields } from '../../config/node-schema.js';
import { Defaulted, Name, OneOf, Strict } from '../../config/schema-helpers.js';
import { errorMessage } from '../../shared/errors.js';
import type { FolderExportDestination } from '../destination.js';
import type { DestinationKind } from '../destination-kind.js';
import { createFolderTransport } from '../transports/folder.js';

export const FolderDestinationSchema = Strict({
  kind: Type.Literal('folder'),
  /** Output folder, relative to the config file. */
  path: Name,
  /** Sub-folders per study and series (StudyInstanceUID/SeriesInstanceUID/SOPInstanceUID.dcm). */
  layout: Defaulted(OneOf(['study-series', 'flat'] as const), 'study-series'),
  ...deliveryRetryFields,
});

export type ResolvedFolderDestination = Static<typeof FolderDestinationSchema> & { name: string };

/** A folder (local disk, mounted share) receiving Part-10 files; the test is a create-and-write check. */
export const folderDestination: DestinationKind<typeof FolderDestinationSchema, ResolvedFolderDestination, FolderExportDestination> = {
  kind: 'folder',
  schema: FolderDestinationSchema,
  resolve: (d, ctx) => ({ ...d, name: ctx.name, path: ctx.abs(d.path) }),
  toExport: (d, common) => ({ ...common, kind: 'folder', path: d.path, layout: d.layout }),
  createTransport: () => createFolderTransport(),
  async echo(dest) {
    const started = Date.now();
    try {
      await mkdir(dest.path, { recursive: true });
      await access(dest.path, constants.W_OK);
      return { ok: true, ms: Date.now() - started };
    } catch (err) {
      return { ok: false, error: errorMessage(err), ms: Date.now() - started };
    }
  },
  describe: (d) => ({ address: d.path, tls: false }),
};

/** Whether a configured destination is a folder (retention cleans only those). */
export function isFolderDestination(d: { readonly kind: string } | undefined): d is ResolvedFolderDestination {
  return d?.kind === 'folder';
}
