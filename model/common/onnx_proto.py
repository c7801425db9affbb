"""Just enough of the protobuf wire format to read and rewrite ONNX files without the `onnx` package.

A message is a list of [field_number, wire_type, value]; value is an int (varint), bytes
(length-delimited: strings, sub-messages, packed arrays) or raw bytes (fixed32/fixed64).
Unknown fields are kept as they are, so parse -> serialize is lossless.
"""
from typing import List

Message = List[list]

# ONNX field numbers (onnx.proto3)
MODEL_GRAPH = 7
GRAPH_NODE, GRAPH_NAME, GRAPH_INITIALIZER, GRAPH_INPUT, GRAPH_OUTPUT, GRAPH_VALUE_INFO = 1, 2, 5, 11, 12, 13
NODE_INPUT, NODE_OUTPUT, NODE_NAME, NODE_OP_TYPE, NODE_ATTRIBUTE = 1, 2, 3, 4, 5
ATTR_NAME, ATTR_F, ATTR_I, ATTR_T, ATTR_TYPE = 1, 2, 3, 5, 20
TENSOR_DIMS, TENSOR_DATA_TYPE, TENSOR_FLOAT_DATA, TENSOR_NAME, TENSOR_RAW_DATA = 1, 2, 4, 8, 9
VALUE_INFO_NAME, VALUE_INFO_TYPE = 1, 2
TYPE_TENSOR = 1
TYPE_TENSOR_ELEM_TYPE = 1
FLOAT, INT64, BOOL, FLOAT16 = 1, 7, 9, 10
ATTR_TYPE_INT, ATTR_TYPE_TENSOR = 2, 4


def _varint(buf: bytes, pos: int):
    result = shift = 0
    while True:
        b = buf[pos]
        pos += 1
        result |= (b & 0x7F) << shift
        if not b & 0x80:
            return result, pos
        shift += 7


def _enc_varint(v: int) -> bytes:
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def parse(buf: bytes) -> Message:
    fields, pos = [], 0
    while pos < len(buf):
        key, pos = _varint(buf, pos)
        fn, wt = key >> 3, key & 7
        if wt == 0:
            v, pos = _varint(buf, pos)
        elif wt == 1:
            v, pos = buf[pos:pos + 8], pos + 8
        elif wt == 2:
            n, pos = _varint(buf, pos)
            v, pos = bytes(buf[pos:pos + n]), pos + n
        elif wt == 5:
            v, pos = buf[pos:pos + 4], pos + 4
        else:
            raise ValueError(f"unsupported wire type {wt}")
        fields.append([fn, wt, v])
    return fields


def serialize(fields: Message) -> bytes:
    out = bytearray()
    for fn, wt, v in fields:
        out += _enc_varint(fn << 3 | wt)
        if wt == 0:
            out += _enc_varint(v)
        elif wt == 2:
            out += _enc_varint(len(v)) + v
        else:
            out += v
    return bytes(out)


def get(fields: Message, fn: int) -> list:
    return [v for f, _, v in fields if f == fn]


def first(fields: Message, fn: int, default=None):
    vals = get(fields, fn)
    return vals[0] if vals else default


def set_field(fields: Message, fn: int, wt: int, value) -> None:
    """Replace every occurrence of field fn by one with the given value (or append it)."""
    fields[:] = [f for f in fields if f[0] != fn] + [[fn, wt, value]]


def string(v: bytes) -> str:
    return v.decode("utf-8")


def varints(v) -> list:
    """A repeated varint field that may be packed (bytes) or single (int)."""
    if isinstance(v, int):
        return [v]
    out, pos = [], 0
    while pos < len(v):
        x, pos = _varint(v, pos)
        out.append(x)
    return out
