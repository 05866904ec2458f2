// A linear-time UnsortedSegmentSum for the tfjs cpu backend. The stock kernel loops
// over every segment with whole-tensor ops (O(segments × rows) plus a tensor per
// segment), and it is the gradient of the embedding lookup: with 2^18 hash
// buckets one training step never finished and grew to 15 GB (measured).
import * as tf from "@tensorflow/tfjs";

/** The two backend methods the kernel needs; cpu and wasm spell "make output" differently. */
interface Backend {
  readSync(dataId: object): unknown;
  makeTensorInfo?(shape: number[], dtype: tf.DataType, values: Float32Array): tf.TensorInfo;
  makeOutput?(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: Float32Array): tf.TensorInfo;
}

function unsortedSegmentSum({
  inputs,
  backend,
  attrs,
}: {
  inputs: tf.NamedTensorInfoMap;
  backend: unknown;
  attrs?: tf.NamedAttrMap;
}): tf.TensorInfo {
  const x = inputs.x as tf.TensorInfo;
  const segmentIds = inputs.segmentIds as tf.TensorInfo;
  const numSegments = Number(attrs?.numSegments);
  const cpu = backend as Backend;
  const values = cpu.readSync(x.dataId) as Float32Array;
  const ids = cpu.readSync(segmentIds.dataId) as Int32Array;
  const rows = ids.length;
  const inner = rows > 0 ? values.length / rows : 0;
  const out = new Float32Array(numSegments * inner);
  for (let r = 0; r < rows; r++) {
    const seg = ids[r] ?? -1;
    if (seg < 0 || seg >= numSegments) continue; // TensorFlow drops out-of-range ids too
    for (let k = 0; k < inner; k++) out[seg * inner + k] = (out[seg * inner + k] ?? 0) + (values[r * inner + k] ?? 0);
  }
  const shape = [numSegments, ...x.shape.slice(segmentIds.shape.length)];
  if (cpu.makeTensorInfo) return cpu.makeTensorInfo(shape, "float32", out);
  if (cpu.makeOutput) return cpu.makeOutput(shape, "float32", undefined, out);
  throw new Error("UnsortedSegmentSum: unsupported backend");
}

/**
 * Install the kernel for `backendName` (replacing cpu's; wasm has none, so the
 * gradient of an embedding lookup cannot run there without it).
 */
export function useFastSegmentSum(backendName: "cpu" | "wasm"): void {
  if (tf.getKernel("UnsortedSegmentSum", backendName)) tf.unregisterKernel("UnsortedSegmentSum", backendName);
  tf.registerKernel({ kernelName: "UnsortedSegmentSum", backendName, kernelFunc: unsortedSegmentSum });
}
