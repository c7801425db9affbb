"""ONNX external data: read tensors stored outside the graph file, and rewrite a model so that all
its weights live in ONE data file next to it (an ONNX file cannot exceed 2 GB, ADM-256 in float32
is 2.2 GB; torch writes one file per tensor)."""
import os
from typing import Dict

from common import onnx_proto as P

TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION = 13, 14
EXTERNAL = 1
ENTRY_KEY, ENTRY_VALUE = 1, 2


def external_entries(tensor: P.Message) -> Dict[str, str]:
    out = {}
    for v in P.get(tensor, TENSOR_EXTERNAL_DATA):
        e = P.parse(v)
        out[P.string(P.first(e, ENTRY_KEY))] = P.string(P.first(e, ENTRY_VALUE, b""))
    return out


def is_external(tensor: P.Message) -> bool:
    return P.first(tensor, TENSOR_DATA_LOCATION, 0) == EXTERNAL


def tensor_bytes(tensor: P.Message, base_dir: str) -> bytes | None:
    """The raw little-endian data of a tensor, from raw_data or its external file; None otherwise."""
    if is_external(tensor):
        e = external_entries(tensor)
        with open(os.path.join(base_dir, e["location"]), "rb") as f:
            f.seek(int(e.get("offset", 0)))
            return f.read(int(e["length"])) if "length" in e else f.read()
    return P.first(tensor, P.TENSOR_RAW_DATA)


def with_raw_data(tensor: P.Message, data: bytes) -> P.Message:
    out = [f for f in tensor if f[0] not in (TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION, P.TENSOR_RAW_DATA)]
    return out + [[P.TENSOR_RAW_DATA, 2, data]]


def consolidate(src: str, dst: str, min_bytes: int = 1024) -> str:
    """Writes `dst` (graph) and `dst + ".data"` (every initializer of at least min_bytes, 64-byte aligned).

    `src` may keep its weights inline or in external files of its own folder. Returns the data path."""
    src_dir = os.path.dirname(os.path.abspath(src))
    data_name = os.path.basename(dst) + ".data"
    data_path = os.path.join(os.path.dirname(os.path.abspath(dst)), data_name)
    model = P.parse(open(src, "rb").read())
    graph = P.parse(P.first(model, P.MODEL_GRAPH))
    offset = 0
    with open(data_path, "wb") as data_file:
        for field in graph:
            if field[0] != P.GRAPH_INITIALIZER:
                continue
            tensor = P.parse(field[2])
            raw = tensor_bytes(tensor, src_dir)
            if raw is None or len(raw) < min_bytes:
                if raw is not None and is_external(tensor):
                    field[2] = P.serialize(with_raw_data(tensor, raw))
                continue
            pad = (-offset) % 64
            data_file.write(b"\0" * pad + raw)
            offset += pad
            entries = [("location", data_name), ("offset", str(offset)), ("length", str(len(raw)))]
            offset += len(raw)
            tensor = [f for f in tensor if f[0] not in (TENSOR_EXTERNAL_DATA, TENSOR_DATA_LOCATION, P.TENSOR_RAW_DATA)]
            tensor += [[TENSOR_EXTERNAL_DATA, 2, P.serialize([[ENTRY_KEY, 2, k.encode()], [ENTRY_VALUE, 2, v.encode()]])]
                       for k, v in entries]
            tensor += [[TENSOR_DATA_LOCATION, 0, EXTERNAL]]
            field[2] = P.serialize(tensor)
    P.set_field(model, P.MODEL_GRAPH, 2, P.serialize(graph))
    with open(dst, "wb") as f:
        f.write(P.serialize(model))
    return data_path
