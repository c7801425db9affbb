"""Checks of the embedded prior's training plumbing that need no corpus (run by embedded-train.test.ts):
batches made ahead in workers equal those made in the loop, a changed crop size is made again,
a checkpoint survives split/join, a pack that is not the committed corpus is refused, an exported
ONNX file loads back into the network weight for weight (fine-tuning from the shipped prior), and
--low-t draws its share of timesteps below the bound while the default draw stays the old one."""
import json
import os
import sys
import tempfile

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "model"))
from embedded import checkpoint_parts, corpus  # noqa: E402
from embedded.data import Image  # noqa: E402
from common.diffusion import T  # noqa: E402
from common.onnx_export import export_onnx  # noqa: E402
from embedded.onnx_weights import load_onnx_weights  # noqa: E402
from embedded.train import CropSampler, Prefetcher, draw_timesteps  # noqa: E402
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
torch.manual_seed(2)
source = EmbeddedUNet()
with torch.no_grad():  # as after training: no two tensors equal (zero-initialised convolutions, GroupNorm 1/0)
    for p in source.parameters():
        p.add_(torch.randn_like(p) * 0.05)
with tempfile.TemporaryDirectory() as tmp:
    export_onnx(source, os.path.join(tmp, "m.onnx"))
    loaded = EmbeddedUNet()
    load_onnx_weights(loaded, os.path.join(tmp, "m.onnx"))
a_state, b_state = source.state_dict(), loaded.state_dict()
out["onnxWeightsLoadBack"] = all(torch.allclose(a_state[k], b_state[k], atol=0, rtol=0) for k in a_state)

draws = torch.cat([draw_timesteps(torch.Generator().manual_seed(s), 64, "cpu", (300, 0.7)) for s in range(50)])
out["lowTShare"] = round(float((draws < 300).float().mean()), 3)
g1, g2 = torch.Generator().manual_seed(9), torch.Generator().manual_seed(9)
out["defaultDrawUnchanged"] = torch.equal(draw_timesteps(g1, 16, "cpu", None), torch.randint(0, T, (16,), generator=g2))
print(json.dumps(out))
