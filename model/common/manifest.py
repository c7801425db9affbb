"""Write model/<id>/manifest.yaml in the project's model contract (architecture.md, "Model contract")."""
import hashlib
from typing import Any, Dict

import yaml

from common.diffusion import BETA_END, BETA_START, T


def sha256_of(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_manifest(path: str, *, id: str, version: str, file: str, file_path: str, licence: str, source: str,
                   output: str, dtype: str = "float32", patch_size: int = 256,
                   training: Dict[str, Any] | None = None) -> Dict[str, Any]:
    manifest: Dict[str, Any] = {
        "id": id,
        "version": version,
        "file": file,
        "sha256": sha256_of(file_path),
        "licence": licence,
        "source": source,
        "inputRange": [-1, 1],
        "channels": 3,
        "patchSize": patch_size,
        "schedule": {"kind": "linear", "timesteps": T, "betaStart": BETA_START, "betaEnd": BETA_END},
        "output": output,
        "dtype": dtype,
        "timestepDtype": "int64",
        "inputNames": {"x": "x", "t": "t"},
        "outputName": "out",
        "dynamicAxes": ["batch", "height", "width"],
    }
    if training is not None:
        manifest["training"] = training
    with open(path, "w") as f:
        yaml.safe_dump(manifest, f, sort_keys=False, default_flow_style=None, width=100)
    return manifest
