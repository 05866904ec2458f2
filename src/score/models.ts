// Loads the committed models listed in models/MANIFEST.json, both as tfjs
// LayersModels (the reference) and folded into the fast path.
import type * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { LinearModel } from "./linear";
import { loadLayersModel } from "./load";
import { MODEL_NAMES, type Manifest, type ModelEntry, type ModelName, readManifest } from "./manifest";
import path from "node:path";

export interface LoadedModel {
  entry: ModelEntry;
  linear: LinearModel;
  layers: tf.LayersModel;
}

export interface LoadedModels {
  manifest: Manifest;
  models: Record<ModelName, LoadedModel>;
  backend: string;
}

export async function loadModels(modelsDir: string): Promise<LoadedModels> {
  const backend = await initBackend();
  const manifest = readManifest(modelsDir);
  const models = {} as Record<ModelName, LoadedModel>;
  for (const name of MODEL_NAMES) {
    const entry = manifest.models[name];
    const layers = await loadLayersModel(path.join(modelsDir, entry.path));
    models[name] = { entry, layers, linear: LinearModel.fromLayers(layers) };
  }
  return { manifest, models, backend };
}
