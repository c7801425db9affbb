"""Shrink onnxruntime's CUDA provider library for one GPU architecture, without relinking.

  /usr/bin/python3 bench/gpu/prune-fatbin.py libonnxruntime_providers_cuda.so out.so --arch 90 [--drop-llm-kernels]

The library's .nv_fatbin section holds one fat binary per CUDA compilation unit, each with a cubin per
SM architecture (75, 80, 86, 89, 90, 120 in com.github.asus4.onnxruntime.linux-x64-gpu@0.4.9). The
driver loads only the cubin of the GPU's own major architecture, so the payloads of the others can be
zeroed in place: the file keeps its size and layout, and the zeros compress to nothing. With
--drop-llm-kernels the cubins of compilation units whose every kernel belongs to the language-model
contrib operators (flash attention, cutlass fMHA, MoE GEMMs, int4/int8 weight GEMV) are zeroed too;
a U-Net graph never runs them. The file is then for that architecture only: any other GPU, or a
model that does use those operators, fails when the kernel is first loaded (CUDA lazy loading, the
default since CUDA 12.2, must stay on). This exists to carry the provider to a benchmark machine
under a transfer limit; a site installs the whole library (scripts/gpu/assemble-cuda-provider.sh).
"""
import argparse
import re
import struct
import subprocess

FATBIN_MAGIC = 0xBA55ED50
KIND_PTX, KIND_CUBIN = 1, 2
LLM_KERNELS = re.compile(rb"onnxruntime5flash|flash_fwd|flash_bwd|[Mm]oe|paged_attention|onnxruntime3llm|fpA_intB|int[48]_gemm|dispatcher_(?:bf16|fp16)_int|attention_kernel_batched_impl|AttentionKernel|fmha|_ZN7cutlass")
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def section(data: bytes, wanted: str):
    shoff = struct.unpack_from("<Q", data, 0x28)[0]
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 0x3A)
    headers = [struct.unpack_from("<IIQQQQ", data, shoff + i * shentsize) for i in range(shnum)]
    names = headers[shstrndx][4]
    for name, _type, _flags, _addr, offset, size in headers:
        end = data.index(b"\0", names + name)
        if data[names + name:end].decode() == wanted:
            return offset, offset + size
    raise SystemExit(f"no {wanted} section: not a CUDA library")


def fat_binaries(data: bytes, start: int, end: int):
    """Yields the entries (kind, arch, payload offset, payload size) of each fat binary."""
    pos = start
    while pos < end:
        magic, _version, header_size, fat_size = struct.unpack_from("<IHHQ", data, pos)
        if magic != FATBIN_MAGIC:
            pos += 8  # fat binaries are 8-byte aligned; skip padding
            continue
        entries, q, stop = [], pos + header_size, pos + header_size + fat_size
        while q < stop:
            kind, _unknown, entry_header, payload = struct.unpack_from("<HHIQ", data, q)
            arch = struct.unpack_from("<I", data, q + 28)[0]
            entries.append((kind, arch, q + entry_header, payload))
            q += entry_header + payload
        yield entries
        pos = stop


def cubin_symbols(payload: bytes) -> list:
    # zstd exits non-zero on the zero padding after the frame; the frame itself is decoded.
    raw = subprocess.run(["zstd", "-dc"], input=payload, capture_output=True).stdout \
        if payload.startswith(ZSTD_MAGIC) else payload
    return re.findall(rb"_Z\w{8,}", raw)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("src")
    ap.add_argument("dst")
    ap.add_argument("--arch", type=int, default=90, help="SM architecture to keep (90 = H100/H200)")
    ap.add_argument("--drop-llm-kernels", action="store_true")
    args = ap.parse_args()
    data = bytearray(open(args.src, "rb").read())
    start, end = section(data, ".nv_fatbin")
    major = args.arch // 10
    kept = zeroed = units = 0
    for entries in fat_binaries(data, start, end):
        units += 1
        native = [e for e in entries if e[0] == KIND_CUBIN and e[1] // 10 == major]
        drop_unit = False
        if args.drop_llm_kernels and native:
            symbols = [s for e in native for s in cubin_symbols(bytes(data[e[2]:e[2] + e[3]]))]
            drop_unit = bool(symbols) and all(LLM_KERNELS.search(s) for s in symbols)
        for kind, arch, offset, size in entries:
            keep = not drop_unit and ((kind == KIND_CUBIN and arch // 10 == major) or (kind == KIND_PTX and not native))
            if keep:
                kept += size
            else:
                data[offset:offset + size] = bytes(size)
                zeroed += size
    open(args.dst, "wb").write(data)
    print(f"{units} fat binaries: kept {kept} bytes of sm_{major}x code, zeroed {zeroed} bytes")


if __name__ == "__main__":
    main()
