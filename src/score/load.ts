// Reads a committed model (model.json + weights.bin) from disk into tfjs, and
// lifts its weights into the plain arrays the fast path scores with.
import { readFileSync } from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";

/** A tfjs IO handler that reads model.json and its weight files from a directory. */
export function fileHandler(dir: string): tf.io.IOHandler {
  return {
    // tfjs's IOHandler contract is async; the files are small and read synchronously.
    // eslint-disable-next-line @typescript-eslint/require-await
    load: async () => {
      const json = JSON.parse(readFileSync(path.join(dir, "model.json"), "utf8")) as {
        modelTopology: object;
        format?: string;
        generatedBy?: string;
        convertedBy?: string;
        weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
      };
      const specs: tf.io.WeightsManifestEntry[] = [];
      const buffers: Uint8Array[] = [];
      for (const group of json.weightsManifest) {
        specs.push(...group.weights);
        for (const p of group.paths) buffers.push(readFileSync(path.join(dir, p)));
      }
      const total = buffers.reduce((n, b) => n + b.byteLength, 0);
      const joined = new Uint8Array(total);
      let off = 0;
      for (const b of buffers) {
        joined.set(b, off);
        off += b.byteLength;
      }
      return {
        modelTopology: json.modelTopology,
        format: json.format,
        generatedBy: json.generatedBy,
        convertedBy: json.convertedBy,
        weightSpecs: specs,
        weightData: joined.buffer,
      };
    },
  };
}

export function loadLayersModel(dir: string): Promise<tf.LayersModel> {
  return tf.loadLayersModel(fileHandler(dir));
}
