// Picks the tfjs backend once per process: tfjs-node when installed (its install
// downloads libtensorflow, so it stays optional), else wasm, else plain cpu.
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs";

export type BackendName = "tensorflow" | "wasm" | "cpu";
let chosen: Promise<BackendName> | undefined;

async function choose(): Promise<BackendName> {
  try {
    // A variable specifier keeps bundlers and tsc from requiring the optional package.
    const optional = "@tensorflow/tfjs-node";
    await import(optional);
    if (await tf.setBackend("tensorflow")) return "tensorflow";
  } catch {
    // not installed: fall through
  }
  try {
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    const require = createRequire(import.meta.url);
    // In Node the .wasm binaries are read from the package's dist directory.
    wasm.setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep);
    if (await tf.setBackend("wasm")) return "wasm";
  } catch {
    // wasm failed to initialise: fall through
  }
  await tf.setBackend("cpu");
  return "cpu";
}

/** Initialise (once) and return the active backend's name. */
export function initBackend(): Promise<BackendName> {
  chosen ??= choose();
  return chosen;
}
