/**
 * A small ONNX model writer: a graph of float32 tensors described in TypeScript and encoded as the
 * ModelProto bytes onnxruntime reads (onnx.proto3 field numbers; only what the step graphs use:
 * nodes with int, float, string and list attributes, float32 and int64 initializers, fixed-shape inputs and
 * outputs). Pure; no protobuf library needed for five message types.
 */

/** ONNX TensorProto.DataType values used here. */
const FLOAT = 1;
const INT64 = 7;

/** Protobuf wire writer: varints, fixed 32-bit floats and length-delimited fields. */
class ProtoWriter {
  private readonly parts: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.parts.push(bytes);
    this.size += bytes.length;
  }

  private varint(value: bigint): void {
    let v = BigInt.asUintN(64, value);
    const out: number[] = [];
    while (v >= 0x80n) {
      out.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    out.push(Number(v));
    this.push(Uint8Array.from(out));
  }

  private tag(field: number, wire: number): void {
    this.varint(BigInt((field << 3) | wire));
  }

  int(field: number, value: number | bigint): this {
    this.tag(field, 0);
    this.varint(BigInt(value));
    return this;
  }

  float(field: number, value: number): this {
    this.tag(field, 5);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, value, true);
    this.push(b);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.tag(field, 2);
    this.varint(BigInt(value.length));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, build: (w: ProtoWriter) => void): this {
    const inner = new ProtoWriter();
    build(inner);
    return this.bytes(field, inner.finish());
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let at = 0;
    for (const p of this.parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }
}

export type AttributeValue = number | string | readonly number[];

export interface GraphNode {
  op: string;
  inputs: readonly string[];
  outputs: readonly string[];
  /** Numbers are written as ints when the attribute is listed in `INT_ATTRIBUTES`, else floats. */
  attributes?: Record<string, AttributeValue>;
}

export interface GraphTensor {
  name: string;
  dims: readonly number[];
}

export interface Initializer extends GraphTensor {
  type: 'float32' | 'int64';
  values: ArrayLike<number>;
}

export interface GraphSpec {
  name: string;
  inputs: readonly GraphTensor[];
  outputs: readonly GraphTensor[];
  initializers: readonly Initializer[];
  nodes: readonly GraphNode[];
  opset: number;
}

/** Attributes the ONNX operators used here define as integers (everything else numeric is float). */
const INT_ATTRIBUTES = new Set(['axis', 'keepdims', 'kernel_shape', 'strides', 'pads', 'group', 'to', 'noop_with_empty_axes', 'axes']);

// AttributeProto.AttributeType
const ATTR_FLOAT = 1;
const ATTR_INT = 2;
const ATTR_STRING = 3;
const ATTR_FLOATS = 6;
const ATTR_INTS = 7;

function writeAttribute(w: ProtoWriter, name: string, value: AttributeValue): void {
  w.string(1, name);
  const asInt = INT_ATTRIBUTES.has(name);
  if (typeof value === 'string') {
    w.string(4, value).int(20, ATTR_STRING);
  } else if (typeof value === 'number') {
    if (asInt) w.int(3, value).int(20, ATTR_INT);
    else w.float(2, value).int(20, ATTR_FLOAT);
  } else {
    if (asInt) for (const v of value) w.int(8, v);
    else for (const v of value) w.float(7, v);
    w.int(20, asInt ? ATTR_INTS : ATTR_FLOATS);
  }
}

function writeValueInfo(w: ProtoWriter, t: GraphTensor): void {
  w.string(1, t.name);
  w.message(2, (type) =>
    type.message(1, (tensor) => {
      tensor.int(1, FLOAT);
      tensor.message(2, (shape) => {
        for (const d of t.dims) shape.message(1, (dim) => dim.int(1, d));
      });
    }),
  );
}

function writeInitializer(w: ProtoWriter, t: Initializer): void {
  for (const d of t.dims) w.int(1, d);
  w.int(2, t.type === 'float32' ? FLOAT : INT64);
  w.string(8, t.name);
  const raw =
    t.type === 'float32'
      ? new Uint8Array(Float32Array.from(t.values).buffer)
      : new Uint8Array(BigInt64Array.from(Array.from(t.values, (v) => BigInt(v))).buffer);
  w.bytes(9, raw);
}

/** The ModelProto bytes of a graph (IR version 8, the default ONNX domain at `opset`). */
export function encodeModel(spec: GraphSpec): Uint8Array {
  const model = new ProtoWriter();
  model.int(1, 8); // ir_version
  model.string(2, 'unimie-step-graph'); // producer_name
  model.message(7, (g) => {
    spec.nodes.forEach((n, i) => {
      g.message(1, (node) => {
        for (const input of n.inputs) node.string(1, input);
        for (const output of n.outputs) node.string(2, output);
        node.string(3, `${n.op}_${i}`);
        node.string(4, n.op);
        for (const [name, value] of Object.entries(n.attributes ?? {})) node.message(5, (a) => writeAttribute(a, name, value));
      });
    });
    g.string(2, spec.name);
    for (const t of spec.initializers) g.message(5, (init) => writeInitializer(init, t));
    for (const t of spec.inputs) g.message(11, (v) => writeValueInfo(v, t));
    for (const t of spec.outputs) g.message(12, (v) => writeValueInfo(v, t));
  });
  model.message(8, (o) => o.string(1, '').int(2, spec.opset));
  return model.finish();
}
