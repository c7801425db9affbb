import { describe, expect, it } from 'vitest';
import type { ResolvedDestinationBase } from '../config/destination-kind.js';
import { describeDestination, destinationFiles, destinationKindOf, fromResolvedDestination, registerDestinationKind } from './destination-kinds.js';

const retry = { maxAttempts: 3, backoff: { initialSeconds: 2, maxSeconds: 30 } };
const dimse = { kind: 'dimse', name: 'pacs', aeTitle: 'PACS', host: '10.0.0.5', port: 104, callingAeTitle: 'NODE', transferSyntax: 'rle', verifyInDoubt: false, timeoutSeconds: 7, ...retry, tls: { cert: 'C', key: 'K', requireClientCert: false, files: { cert: '/t/c.pem', key: '/t/k.pem' } } };
const folder = { kind: 'folder', name: 'out', path: '/var/out', layout: 'flat', ...retry };
const web = { kind: 'dicomweb', name: 'web', url: 'https://pacs.example/dicom-web', maxInstancesPerRequest: 10, verifyInDoubt: true, timeoutSeconds: 60, ...retry, tls: { ca: 'CA', files: { ca: '/t/ca.pem' } } };

describe('destination kind registry', () => {
  it('maps each built-in kind to its export form: seconds to ms, the kind\'s own fields kept', () => {
    const backoff = { initialMs: 2000, maxMs: 30_000, jitter: 'equal' };
    expect(fromResolvedDestination(dimse as ResolvedDestinationBase)).toEqual({
      kind: 'dimse', name: 'pacs', maxAttempts: 3, backoff, aeTitle: 'PACS', host: '10.0.0.5', port: 104, callingAeTitle: 'NODE',
      tls: { cert: 'C', key: 'K', ca: undefined }, timeoutMs: 7000, transferSyntax: 'rle', verifyInDoubt: false,
    });
    expect(fromResolvedDestination(folder as ResolvedDestinationBase)).toEqual({ kind: 'folder', name: 'out', maxAttempts: 3, backoff, path: '/var/out', layout: 'flat' });
    expect(fromResolvedDestination(web as ResolvedDestinationBase)).toEqual({
      kind: 'dicomweb', name: 'web', maxAttempts: 3, backoff, url: 'https://pacs.example/dicom-web', tls: { ca: 'CA', cert: undefined, key: undefined },
      timeoutMs: 60_000, maxInstancesPerRequest: 10, verifyInDoubt: true,
    });
  });

  it('describes each kind as the API lists it, and names the files its settings came from', () => {
    expect(describeDestination(dimse as ResolvedDestinationBase)).toEqual({ address: 'PACS@10.0.0.5:104', tls: true });
    expect(describeDestination(folder as ResolvedDestinationBase)).toEqual({ address: '/var/out', tls: false });
    expect(describeDestination(web as ResolvedDestinationBase)).toEqual({ address: 'https://pacs.example/dicom-web', tls: true });
    expect(destinationFiles(dimse as ResolvedDestinationBase)).toEqual({ 'tls.cert': '/t/c.pem', 'tls.key': '/t/k.pem' });
    expect(destinationFiles(folder as ResolvedDestinationBase)).toEqual({});
    expect(destinationFiles(web as ResolvedDestinationBase)).toEqual({ 'tls.ca': '/t/ca.pem' });
  });

  it('names the query each transport answers the in-doubt question with', () => {
    expect(destinationKindOf('dicomweb').createTransport({}).holdsQuery).toBe('QIDO-RS');
    expect(destinationKindOf('folder').createTransport({}).holds).toBeUndefined();
  });

  it('refuses a second definition of a registered kind and an unknown kind', () => {
    expect(() => registerDestinationKind({ ...destinationKindOf('folder') })).toThrow(/'folder' is registered already/);
    expect(() => destinationKindOf('ftp')).toThrow(/no destination kind 'ftp'/);
  });
});
