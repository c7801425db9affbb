"""A training checkpoint as parts small enough to come back from a lent GPU machine, and back again.

  python3 model/embedded/checkpoint_parts.py split var/gpu-train/checkpoint.pt OUT   # on the GPU machine
  /usr/bin/python3 model/embedded/checkpoint_parts.py join PARTS var/gpu-train/checkpoint.pt

`split` writes the float32 weights of the trained and the EMA network, each in halves by parameter
name (so no file passes MAX_PART_BYTES), and the run's record (step, time, losses, phases,
arguments, config) as JSON. The optimizer's moments stay behind (twice the weights' size): a run
resumed from a joined checkpoint starts AdamW afresh, which train.py says when it resumes.
"""
import argparse
import json
import os

import torch

MAX_PART_BYTES = 15 * 2 ** 20
RECORD = "record.json"


def _halves(state: dict) -> list:
    keys = list(state)
    mid = len(keys) // 2
    return [{k: state[k].float().cpu() for k in keys[:mid]}, {k: state[k].float().cpu() for k in keys[mid:]}]


def split(checkpoint: str, out: str) -> list:
    ck = torch.load(checkpoint, map_location="cpu")
    os.makedirs(out, exist_ok=True)
    written = []
    for net in ("model", "ema"):
        for i, part in enumerate(_halves(ck[net])):
            path = os.path.join(out, f"{net}-{i}.pt")
            torch.save(part, path)
            if os.path.getsize(path) > MAX_PART_BYTES:
                raise SystemExit(f"{path} is {os.path.getsize(path)} bytes, over {MAX_PART_BYTES}")
            written.append(path)
    record = {k: ck[k] for k in ("step", "elapsed", "losses", "phases", "args", "config")}
    with open(os.path.join(out, RECORD), "w") as f:
        json.dump(record, f)
    return written + [os.path.join(out, RECORD)]


def join(parts: str, checkpoint: str) -> None:
    with open(os.path.join(parts, RECORD)) as f:
        ck = json.load(f)
    ck["phases"] = [tuple(p) for p in ck["phases"]]
    ck["losses"] = [tuple(l) for l in ck["losses"]]
    for net in ("model", "ema"):
        ck[net] = {}
        for i in range(2):
            ck[net].update(torch.load(os.path.join(parts, f"{net}-{i}.pt"), map_location="cpu"))
    os.makedirs(os.path.dirname(os.path.abspath(checkpoint)), exist_ok=True)
    torch.save(ck, checkpoint)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("command", choices=["split", "join"])
    ap.add_argument("source")
    ap.add_argument("target")
    a = ap.parse_args()
    if a.command == "split":
        for p in split(a.source, a.target):
            print(p, os.path.getsize(p))
    else:
        join(a.source, a.target)
        print("wrote", a.target)


if __name__ == "__main__":
    main()
