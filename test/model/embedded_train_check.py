"""Checks of the embedded prior's training plumbing that need no corpus (run by embedded-train.test.ts):
batches made ahead in workers equal those made in the loop, a changed crop size is made again,
a checkpoint survives split/join, and a pack that is not the committed corpus is refused."""
import json
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "model"))
from embedded import checkpoint_parts, corpus  # noqa: E402
from embedded.data import Image  # noqa: E402
from embedded.train import CropSampler, Prefetcher  # noqa: E402
from embedded.unet import EmbeddedUNet  # noqa: E402

out = {}
rng = np.random.default_rng(0)
images = [Image(f"i{k}", rng.random((96, 80, 3), dtype=np.float32), kind) for k, kind in
          enumerate(["medical", "medical", "natural", "phantom"])]
sampler = CropSampler(images)
inline, ahead = Prefetcher(sampler, 5, 0, 0), Prefetcher(sampler, 5, 2, 4)
a = [inline.get(s, 32, 3) for s in range(6)]
b = [ahead.get(s, 32, 3) for s in range(3)] + [ahead.get(s, 48, 2) for s in range(3, 6)]
inline.close()
ahead.close()
out["workersEqualInline"] = all(torch.equal(x, y) for x, y in zip(a[:3], b[:3]))
out["resizedRequestMadeAgain"] = list(b[3].shape) == [2, 3, 48, 48]
out["stepsDiffer"] = not torch.equal(a[0], a[1])

torch.manual_seed(1)
model, ema = EmbeddedUNet(), EmbeddedUNet()
ck = dict(model=model.state_dict(), ema=ema.state_dict(), opt={}, step=7, elapsed=12.5, losses=[(7, 64, 0.5, 12.5)],
          phases=[(64, 16, 7)], args={"seed": 1}, config=model.config)
with tempfile.TemporaryDirectory() as tmp:
    torch.save(ck, os.path.join(tmp, "checkpoint.pt"))
    parts = checkpoint_parts.split(os.path.join(tmp, "checkpoint.pt"), os.path.join(tmp, "parts"))
    out["largestPart"] = max(os.path.getsize(p) for p in parts)
    checkpoint_parts.join(os.path.join(tmp, "parts"), os.path.join(tmp, "joined.pt"))
    j = torch.load(os.path.join(tmp, "joined.pt"))
    out["joinedWeightsEqual"] = all(torch.equal(ck["ema"][k], j["ema"][k]) for k in ck["ema"]) and \
        all(torch.equal(ck["model"][k], j["model"][k]) for k in ck["model"])
    out["joinedHasNoOptimizer"] = "opt" not in j
    out["joinedPhases"] = j["phases"] == [(64, 16, 7)] and j["step"] == 7

    pack = os.path.join(tmp, "pack")
    os.makedirs(pack)
    with open(os.path.join(pack, corpus.PACK_INDEX), "w") as f:
        f.write("index\tkind\tsha256\tname\n0\tmedical\t" + "0" * 64 + "\tx\n")
    try:
        corpus.read_pack(pack)
        out["foreignPackRefused"] = False
    except SystemExit as e:
        out["foreignPackRefused"] = "is not the corpus" in str(e)
print(json.dumps(out))
