"""Prints the ADM-256 architecture's state-dict keys and shapes as JSON, built on the meta device
(no weights allocated), for test/model/adm-architecture.test.ts."""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "model"))
from adm.adm_unet import ADM256_UNCOND, ADMUNet  # noqa: E402

model = ADMUNet(**ADM256_UNCOND, device="meta")
state = model.state_dict()
print(json.dumps({
    "keys": [[k, "x".join(str(d) for d in v.shape), str(v.dtype).replace("torch.", "")] for k, v in state.items()],
    "parameters": sum(p.numel() for p in model.parameters()),
}))
