// Writes a tfjs LayersModel as model.json + weights.bin with float16 weights.
// tfjs has no file:// saver without tfjs-node, so a save handler writes the files.
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";

const scratch = new Float32Array(1);
const scratchBits = new Uint32Array(scratch.buffer);

/** IEEE 754 half precision, round to nearest even; what tfjs's float16 dequantiser reads. */
export function toFloat16(value: number): number {
  scratch[0] = value;
  const x = scratchBits[0] ?? 0;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  let mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (rem > mid || (rem === mid && half & 1) ? half + 1 : half);
  }
  const half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  return sign | (rem > 0x1000 || (rem === 0x1000 && half & 1) ? half + 1 : half);
}

/** Save `model` under `dir`; returns the size of weights.bin in bytes. */
export async function saveModel(model: tf.LayersModel, dir: string): Promise<number> {
  mkdirSync(dir, { recursive: true });
  let bytes = 0;
  await model.save(
    // tfjs's save-handler contract is async; the files are written synchronously.
    // eslint-disable-next-line @typescript-eslint/require-await
    tf.io.withSaveHandler(async (artifacts) => {
      const specs = artifacts.weightSpecs ?? [];
      const data = artifacts.weightData;
      if (!(data instanceof ArrayBuffer)) throw new Error("expected one weight buffer");
      const floats = new Float32Array(data);
      const halves = new Uint16Array(floats.length);
      for (let i = 0; i < floats.length; i++) halves[i] = toFloat16(floats[i] ?? 0);
      for (const spec of specs) {
        if (spec.dtype !== "float32") throw new Error(`cannot quantise ${spec.dtype} weight ${spec.name}`);
      }
      const weights = specs.map((s) => ({ ...s, quantization: { dtype: "float16" as const } }));
      const json = {
        format: "layers-model",
        generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
        convertedBy: "modstream src/train/save.ts (float16 weights)",
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ["weights.bin"], weights }],
      };
      writeFileSync(path.join(dir, "model.json"), JSON.stringify(json));
      writeFileSync(path.join(dir, "weights.bin"), new Uint8Array(halves.buffer));
      bytes = halves.byteLength;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: "JSON", weightDataBytes: bytes } };
    }),
  );
  return bytes;
}
