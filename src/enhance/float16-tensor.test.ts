import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { float16Tensor, float16Values } from './onnx-session.js';

// y = x + x over float16 [2] (opset 13), as onnx.helper writes it: float16 in and out.
const ADD_FLOAT16 = Buffer.from('CAg6NQoOCgF4CgF4EgF5IgNBZGQSAWdaDwoBeBIKCggIChIECgIIAmIPCgF5EgoKCAgKEgQKAggCQgQKABAN', 'base64');

describe(`float16 tensors on Node ${process.versions.node}`, () => {
  it('go into onnxruntime-node and come back as float32 values', async () => {
    const session = await ort.InferenceSession.create(ADD_FLOAT16);
    try {
      const x = float16Tensor(Float32Array.from([1.5, -0.25]), [2]);
      expect(x.type).toBe('float16');
      const { y } = await session.run({ x });
      expect(y!.type).toBe('float16');
      expect(Array.from(float16Values(y!.data))).toEqual([3, -0.5]);
    } finally {
      await session.release();
    }
  });

  it('read half bits (Node 20, 22) and Float16Array values (Node 24) alike', () => {
    expect(Array.from(float16Values(Uint16Array.from([0x3c00, 0xc000, 0x7c00])))).toEqual([1, -2, Infinity]);
    const F16 = (globalThis as { Float16Array?: new (v: number[]) => ArrayLike<number> }).Float16Array;
    if (F16) expect(Array.from(float16Values(new F16([1, -2]) as unknown as ort.Tensor['data']))).toEqual([1, -2]);
  });
});
