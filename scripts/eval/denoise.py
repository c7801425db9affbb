"""Classical denoising baseline, run by src/eval/classical-denoise.ts (one process, many images).

  /usr/bin/python3 scripts/eval/denoise.py [--table scripts/eval/denoiser-table.json]

stdin, per image: one JSON line {"width": W, "height": H, "channels": 1 | 3}, then W*H*C bytes
(uint8, row-major, channels interleaved). stdout, per image in the same order: one JSON line
{"sigma": s, "method": m, "params": {...}, "maxSigma": bin upper edge or null}, then the denoised
bytes in the same layout. sigma is skimage's estimate_sigma on [0, 1] intensities; the denoiser and
its parameters come from the tuned table (tune-denoisers.py).
"""
import argparse
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_TABLE = os.path.join(HERE, "denoiser-table.json")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--table", default=DEFAULT_TABLE)
    args = ap.parse_args()
    try:
        import numpy as np
        sys.path.insert(0, HERE)
        from classical_denoisers import denoise_tuned
    except ImportError as e:  # the TS side turns this exit code into a clear error
        print(f"missing Python module: {e.name} (install python3-skimage python3-pywt python3-scipy)", file=sys.stderr)
        return 3
    with open(args.table) as f:
        table = json.load(f)
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        line = stdin.readline()
        if not line:
            return 0
        if not line.strip():
            continue
        head = json.loads(line)
        w, h, c = int(head["width"]), int(head["height"]), int(head["channels"])
        if c not in (1, 3) or w <= 0 or h <= 0:
            print(f"bad frame header {head}", file=sys.stderr)
            return 2
        raw = stdin.read(w * h * c)
        if len(raw) != w * h * c:
            print(f"frame truncated: {len(raw)} of {w * h * c} bytes", file=sys.stderr)
            return 2
        img = np.frombuffer(raw, np.uint8).reshape((h, w) if c == 1 else (h, w, c)).astype(np.float64) / 255
        out, sigma, b = denoise_tuned(img, table)
        cand = b["candidate"]
        meta = {"sigma": sigma, "method": cand["method"], "params": {k: v for k, v in cand.items() if k != "method"},
                "maxSigma": b["maxSigma"]}
        stdout.write((json.dumps(meta) + "\n").encode())
        stdout.write(np.round(out * 255).astype(np.uint8).tobytes())
        stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
