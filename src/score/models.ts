// Loads the committed models listed in models/MANIFEST.json, both as tfjs LayersModels (the
// reference) and lifted into the fast path: each category's first stage and second stage.
import path from "node:path";
import type * as tf from "@tensorflow/tfjs";
import { initBackend } from "./backend";
import { LinearModel } from "./linear";
import { loadLayersModel } from "./load";
import { MODEL_NAMES, type Manifest, type ModelEntry, type ModelName, readManifest } from "./manifest";
import { Mlp } from "./mlp";

export interface LoadedModel {
  entry: ModelEntry;
  linear: LinearModel;
  second: Mlp;
  layers: tf.LayersModel;
  secondLayers: tf.LayersModel;
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
    if (!entry) throw new Error(`models/MANIFEST.json has no ${name} model: run \`modstream train\``);
    const layers = await loadLayersModel(path.join(modelsDir, entry.fast.path));
    const secondLayers = await loadLayersModel(path.join(modelsDir, entry.second.path));
    models[name] = {
      entry,
      layers,
      secondLayers,
      linear: LinearModel.fromLayers(layers),
      second: Mlp.fromLayers(secondLayers),
    };
  }
  return { manifest, models, backend };
}
