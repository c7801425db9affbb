/**
 * bench/gpu/prune-fatbin.py on a small ELF file built here with a .nv_fatbin section of two fat
 * binaries: cubins of other architectures and of language-model kernels are zeroed in place, the
 * kept architecture's cubins stay byte for byte, the file keeps its size.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, REPO } from '../model/python-torch.js';

const FATBIN_MAGIC = 0xba55ed50;

/** One fat binary: header (16 bytes) + entries with a 64-byte header (arch at +28) each. */
function fatBinary(entries: Array<{ kind: number; arch: number; payload: Buffer }>): Buffer {
  const parts = entries.map((e) => {
    const h = Buffer.alloc(64);
    h.writeUInt16LE(e.kind, 0);
    h.writeUInt32LE(64, 4);
    h.writeBigUInt64LE(BigInt(e.payload.length), 8);
    h.writeUInt32LE(e.arch, 28);
    return Buffer.concat([h, e.payload]);
  });
  const body = Buffer.concat(parts);
  const header = Buffer.alloc(16);
  header.writeUInt32LE(FATBIN_MAGIC, 0);
  header.writeUInt16LE(1, 4);
  header.writeUInt16LE(16, 6);
  header.writeBigUInt64LE(BigInt(body.length), 8);
  return Buffer.concat([header, body]);
}

/** A minimal ELF64 file: the section data, then the names, then three section headers. */
function elfWith(section: Buffer): { file: Buffer; sectionOffset: number } {
  const names = Buffer.from('\0.nv_fatbin\0.shstrtab\0');
  const sectionOffset = 64;
  const namesOffset = sectionOffset + section.length;
  const shoff = namesOffset + names.length;
  const ehdr = Buffer.alloc(64);
  ehdr.write('\x7fELF', 0, 'latin1');
  ehdr.writeBigUInt64LE(BigInt(shoff), 0x28);
  ehdr.writeUInt16LE(64, 0x3a);
  ehdr.writeUInt16LE(3, 0x3c);
  ehdr.writeUInt16LE(2, 0x3e);
  const sh = (name: number, offset: number, size: number) => {
    const b = Buffer.alloc(64);
    b.writeUInt32LE(name, 0);
    b.writeBigUInt64LE(BigInt(offset), 24);
    b.writeBigUInt64LE(BigInt(size), 32);
    return b;
  };
  const file = Buffer.concat([ehdr, section, names, sh(0, 0, 0), sh(1, sectionOffset, section.length), sh(12, namesOffset, names.length)]);
  return { file, sectionOffset };
}

const dir = mkdtempSync(join(tmpdir(), 'prune-fatbin-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('prune-fatbin.py', () => {
  it('keeps the sm_90 cubins of ordinary kernels and zeroes the rest in place', () => {
    const ordinary90 = Buffer.from('_ZN11onnxruntime4cuda10ConvKernelE'.padEnd(96, 'A'));
    const ordinary80 = Buffer.alloc(96, 0x42);
    const llm90 = Buffer.from('_ZN11onnxruntime5flash16flash_fwd_kernelE'.padEnd(96, 'B'));
    const llm80 = Buffer.alloc(96, 0x43);
    const section = Buffer.concat([
      fatBinary([{ kind: 2, arch: 80, payload: ordinary80 }, { kind: 2, arch: 90, payload: ordinary90 }]),
      fatBinary([{ kind: 2, arch: 80, payload: llm80 }, { kind: 2, arch: 90, payload: llm90 }]),
    ]);
    const { file } = elfWith(section);
    writeFileSync(join(dir, 'in.so'), file);
    const r = spawnSync(PYTHON, ['bench/gpu/prune-fatbin.py', join(dir, 'in.so'), join(dir, 'out.so'), '--arch', '90', '--drop-llm-kernels'], { cwd: REPO, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/2 fat binaries: kept 96 bytes of sm_9x code/);
    const out = readFileSync(join(dir, 'out.so'));
    expect(out.length).toBe(file.length);
    expect(out.includes(ordinary90)).toBe(true);
    for (const gone of [ordinary80, llm80, llm90]) expect(out.includes(gone)).toBe(false);
    // headers untouched: only payload bytes changed
    expect(out.subarray(0, 64).equals(file.subarray(0, 64))).toBe(true);
  });

  it('refuses a file without a .nv_fatbin section', () => {
    const { file } = elfWith(Buffer.alloc(0));
    const plain = Buffer.from(file.toString('latin1').replace('.nv_fatbin', '.rodata\0\0\0'), 'latin1');
    writeFileSync(join(dir, 'plain.so'), plain);
    const r = spawnSync(PYTHON, ['bench/gpu/prune-fatbin.py', join(dir, 'plain.so'), join(dir, 'x.so')], { cwd: REPO, encoding: 'utf8' });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/no \.nv_fatbin section/);
  });
});
