"""Rewrite an fp32 ONNX graph to run in float16, the way guided-diffusion's use_fp16 runs ADM.

Nodes are assigned to a float16 or a float32 region by a rule on their name (torch.onnx names nodes
by module scope, e.g. "/input_blocks.1/input_blocks.1.0/in_layers.0/Reshape"); nodes the rule
leaves open follow their inputs (float16 as soon as one float input is float16). Float weights and
constants used only by float16 nodes are stored as float16; a Cast is inserted wherever a float
tensor crosses between regions. Integer/shape computations are untouched.
"""
from typing import Callable, Dict, Optional

import os

import numpy as np

from common import onnx_proto as P
from common.onnx_external import is_external, tensor_bytes, with_raw_data

# Inputs that must stay float32 whatever the data type (ONNX Resize: roi, scales; com.microsoft.GroupNorm:
# gamma, beta — "GroupNorm only supports gamma and beta in float type" on the CUDA provider).
FLOAT32_INPUTS = {"Resize": {1, 2}, "GroupNorm": {1, 2}}
SHAPE_ONLY_OPS = {"Shape", "Size"}
BOOL_OPS = {"Equal", "Less", "Greater", "LessOrEqual", "GreaterOrEqual", "Not", "And", "Or", "Xor", "IsNaN", "IsInf"}
INT64_OPS = {"Shape", "Size", "NonZero", "ArgMax", "ArgMin"}
FLOAT_TYPES = {P.FLOAT, P.FLOAT16}


def _attrs(node: P.Message) -> Dict[str, P.Message]:
    return {P.string(P.first(a, P.ATTR_NAME)): a for a in (P.parse(v) for v in P.get(node, P.NODE_ATTRIBUTE))}


def _set_attrs(node: P.Message, attrs: Dict[str, P.Message]) -> None:
    node[:] = [f for f in node if f[0] != P.NODE_ATTRIBUTE] + [[P.NODE_ATTRIBUTE, 2, P.serialize(a)] for a in attrs.values()]


def _tensor_to_fp16(tensor: P.Message, base_dir: str = ".") -> P.Message:
    dims = [d for v in P.get(tensor, P.TENSOR_DIMS) for d in P.varints(v)]
    raw = tensor_bytes(tensor, base_dir)
    if raw is not None:
        data = np.frombuffer(raw, dtype="<f4")
    else:
        data = np.concatenate([np.frombuffer(v, dtype="<f4") if isinstance(v, bytes) else
                               np.frombuffer(v, dtype="<f4") for v in P.get(tensor, P.TENSOR_FLOAT_DATA)] or
                              [np.zeros(0, "<f4")])
    assert data.size == int(np.prod(dims)) if dims else data.size <= 1
    out = [f for f in tensor if f[0] not in (P.TENSOR_DATA_TYPE, P.TENSOR_RAW_DATA, P.TENSOR_FLOAT_DATA, 13, 14)]
    out += [[P.TENSOR_DATA_TYPE, 0, P.FLOAT16], [P.TENSOR_RAW_DATA, 2, data.astype("<f2").tobytes()]]
    return out


def _elem_type(value_info: P.Message) -> int:
    tensor_type = P.parse(P.first(P.parse(P.first(value_info, P.VALUE_INFO_TYPE)), P.TYPE_TENSOR))
    return P.first(tensor_type, P.TYPE_TENSOR_ELEM_TYPE)


def _with_elem_type(value_info: P.Message, elem: int) -> P.Message:
    type_proto = P.parse(P.first(value_info, P.VALUE_INFO_TYPE))
    tensor_type = P.parse(P.first(type_proto, P.TYPE_TENSOR))
    P.set_field(tensor_type, P.TYPE_TENSOR_ELEM_TYPE, 0, elem)
    P.set_field(type_proto, P.TYPE_TENSOR, 2, P.serialize(tensor_type))
    out = [f for f in value_info]
    P.set_field(out, P.VALUE_INFO_TYPE, 2, P.serialize(type_proto))
    return out


def _output_type(op: str, attrs: Dict[str, P.Message], in_types: list) -> Optional[int]:
    if op == "Cast":
        return P.first(attrs["to"], P.ATTR_I)
    if op in INT64_OPS:
        return P.INT64
    if op in BOOL_OPS:
        return P.BOOL
    if op in ("Constant", "ConstantOfShape"):
        t = attrs.get("value")
        return P.first(P.parse(P.first(t, P.ATTR_T)), P.TENSOR_DATA_TYPE) if t else P.FLOAT
    if op == "Where":
        return in_types[1]
    known = [t for t in in_types if t is not None]
    return known[0] if known else None


def _renamed(node: P.Message, old: str, new: str) -> P.Message:
    """The node with tensor `old` renamed to `new` in its inputs and outputs."""
    swap = {P.NODE_INPUT, P.NODE_OUTPUT}
    return [[f[0], f[1], new.encode()] if f[0] in swap and f[2] == old.encode() else f for f in node]


def convert_to_fp16(src: str, dst: str, region: Callable[[str, str], Optional[bool]],
                    io_fp16: bool = True) -> dict:
    """region(node_name, op_type) -> True (float16), False (float32) or None (follow the inputs).

    With io_fp16 the float graph inputs and outputs are declared float16. Weights stored as external
    data next to `src` are read from there; the result keeps all its weights inline. Returns counts."""
    base_dir = os.path.dirname(os.path.abspath(src))
    model = P.parse(open(src, "rb").read())
    graph = P.parse(P.first(model, P.MODEL_GRAPH))
    nodes = [P.parse(v) for v in P.get(graph, P.GRAPH_NODE)]
    inits = {P.string(P.first(t, P.TENSOR_NAME)): t for t in (P.parse(v) for v in P.get(graph, P.GRAPH_INITIALIZER))}
    inputs = [P.parse(v) for v in P.get(graph, P.GRAPH_INPUT)]
    outputs = [P.parse(v) for v in P.get(graph, P.GRAPH_OUTPUT)]

    old: Dict[str, int] = {}  # element types of the fp32 graph
    for vi in inputs:
        old[P.string(P.first(vi, P.VALUE_INFO_NAME))] = _elem_type(vi)
    for name, t in inits.items():
        old[name] = P.first(t, P.TENSOR_DATA_TYPE)
    info = []
    for n in nodes:
        op = P.string(P.first(n, P.NODE_OP_TYPE))
        attrs = _attrs(n)
        ins = [P.string(v) for v in P.get(n, P.NODE_INPUT)]
        outs = [P.string(v) for v in P.get(n, P.NODE_OUTPUT)]
        t = _output_type(op, attrs, [old.get(i) for i in ins])
        for o in outs:
            old[o] = t
        info.append((P.string(P.first(n, P.NODE_NAME, b"")), op, ins, outs, attrs))

    new: Dict[str, int] = dict(old)
    if io_fp16:
        for vi in inputs:
            name = P.string(P.first(vi, P.VALUE_INFO_NAME))
            if old[name] == P.FLOAT:
                new[name] = P.FLOAT16
    # Region of every node, in topological order.
    fp16_node = []
    for name, op, ins, outs, attrs in info:
        float_io = any(old.get(x) in FLOAT_TYPES for x in ins + outs if x)
        r = region(name, op)
        if r is None:
            r = any(new.get(x) == P.FLOAT16 for x in ins if x and x not in inits)
        is16 = bool(r) and float_io and op not in SHAPE_ONLY_OPS
        fp16_node.append(is16)
        if is16:
            for o in outs:
                if old[o] == P.FLOAT:
                    new[o] = P.FLOAT16
    # Weights and constants: float16 when every consumer that cares is a float16 node.
    consumers: Dict[str, list] = {}
    for k, (name, op, ins, outs, attrs) in enumerate(info):
        for j, x in enumerate(ins):
            if x and op not in SHAPE_ONLY_OPS:
                consumers.setdefault(x, []).append(fp16_node[k] and j not in FLOAT32_INPUTS.get(op, ()))
    converted = 0
    for name, t in list(inits.items()):
        if old[name] == P.FLOAT and consumers.get(name) and all(consumers[name]):
            inits[name] = _tensor_to_fp16(t, base_dir)
            new[name] = P.FLOAT16
            converted += 1
        elif is_external(t):
            inits[name] = with_raw_data(t, tensor_bytes(t, base_dir))
    for k, (name, op, ins, outs, attrs) in enumerate(info):
        if op in ("Constant", "ConstantOfShape") and "value" in attrs and old[outs[0]] == P.FLOAT:
            want16 = consumers.get(outs[0]) and all(consumers[outs[0]]) if op == "Constant" else fp16_node[k]
            attr = attrs["value"]
            if want16:
                P.set_field(attr, P.ATTR_T, 2, P.serialize(_tensor_to_fp16(P.parse(P.first(attr, P.ATTR_T)))))
                new[outs[0]] = P.FLOAT16
                converted += 1
            else:
                new[outs[0]] = P.FLOAT
        elif op == "Cast" and old[outs[0]] == P.FLOAT:
            to = P.FLOAT16 if fp16_node[k] else P.FLOAT
            P.set_field(attrs["to"], P.ATTR_I, 0, to)
            new[outs[0]] = to
    # Casts where a float tensor crosses regions.
    out_nodes, casts, cache = [], 0, {}
    for k, (name, op, ins, outs, attrs) in enumerate(info):
        node = [f for f in P.parse(P.get(graph, P.GRAPH_NODE)[k])]
        _set_attrs(node, attrs)
        if op not in SHAPE_ONLY_OPS:
            new_ins = []
            for j, x in enumerate(ins):
                have = new.get(x)
                if x and have in FLOAT_TYPES:
                    want = P.FLOAT16 if fp16_node[k] and j not in FLOAT32_INPUTS.get(op, ()) else P.FLOAT
                    if op == "Cast":
                        want = have  # a Cast accepts any input type
                    if have != want:
                        key = (x, want)
                        if key not in cache:
                            cname = f"{x}__to{'fp16' if want == P.FLOAT16 else 'fp32'}"
                            out_nodes.append([[P.NODE_INPUT, 2, x.encode()], [P.NODE_OUTPUT, 2, cname.encode()],
                                              [P.NODE_NAME, 2, (cname + "_Cast").encode()],
                                              [P.NODE_OP_TYPE, 2, b"Cast"],
                                              [P.NODE_ATTRIBUTE, 2, P.serialize([[P.ATTR_NAME, 2, b"to"],
                                                                                 [P.ATTR_I, 0, want],
                                                                                 [P.ATTR_TYPE, 0, P.ATTR_TYPE_INT]])]])
                            cache[key] = cname
                            casts += 1
                        x = cache[key]
                new_ins.append(x)
            node = [f for f in node if f[0] != P.NODE_INPUT]
            node = [[P.NODE_INPUT, 2, x.encode()] for x in new_ins] + node
        out_nodes.append(node)
    # Graph outputs: declared with their new types. Without io_fp16 a float16 output gets a Cast
    # back to float32 under its own name.
    new_outputs = []
    for vi in outputs:
        name = P.string(P.first(vi, P.VALUE_INFO_NAME))
        if io_fp16 and new[name] == P.FLOAT:
            raise ValueError(f"output {name} is float32 after conversion; make its producer a float16 node")
        if not io_fp16 and new[name] == P.FLOAT16:
            half = name + "__fp16"
            out_nodes = [_renamed(n, name, half) for n in out_nodes]
            out_nodes.append([[P.NODE_INPUT, 2, half.encode()], [P.NODE_OUTPUT, 2, name.encode()],
                              [P.NODE_NAME, 2, (name + "_to_fp32_Cast").encode()], [P.NODE_OP_TYPE, 2, b"Cast"],
                              [P.NODE_ATTRIBUTE, 2, P.serialize([[P.ATTR_NAME, 2, b"to"], [P.ATTR_I, 0, P.FLOAT],
                                                                 [P.ATTR_TYPE, 0, P.ATTR_TYPE_INT]])]])
            casts += 1
            new[name] = P.FLOAT
        new_outputs.append(_with_elem_type(vi, new[name]))
    new_inputs = [_with_elem_type(vi, new[P.string(P.first(vi, P.VALUE_INFO_NAME))]) for vi in inputs]
    body = [f for f in graph if f[0] not in (P.GRAPH_NODE, P.GRAPH_INITIALIZER, P.GRAPH_INPUT, P.GRAPH_OUTPUT,
                                                 P.GRAPH_VALUE_INFO)]
    body += [[P.GRAPH_NODE, 2, P.serialize(n)] for n in out_nodes]
    body += [[P.GRAPH_INITIALIZER, 2, P.serialize(t)] for t in inits.values()]
    body += [[P.GRAPH_INPUT, 2, P.serialize(v)] for v in new_inputs]
    body += [[P.GRAPH_OUTPUT, 2, P.serialize(v)] for v in new_outputs]
    P.set_field(model, P.MODEL_GRAPH, 2, P.serialize(body))
    with open(dst, "wb") as f:
        f.write(P.serialize(model))
    return {"nodes": len(out_nodes), "fp16Nodes": sum(fp16_node), "castsInserted": casts, "fp16Tensors": converted}
