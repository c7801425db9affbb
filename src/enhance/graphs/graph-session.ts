/**
 * A small ONNX graph (the sampler's step graph) run by onnxruntime with the model session's
 * settings on the model's device. Types only; onnx-session.ts opens them.
 */

export interface GraphFeed {
  data: Float32Array;
  dims: readonly number[];
}

export interface GraphSession {
  /** Run with float32 feeds by input name; returns every output by name. */
  run(feeds: Record<string, GraphFeed>): Promise<Record<string, Float32Array>>;
}

/**
 * Open (or reuse: graphs are cached by `key` for the life of the model session) the graph that
 * `build` encodes.
 */
export type OpenGraphFn = (key: string, build: () => Uint8Array) => Promise<GraphSession>;
