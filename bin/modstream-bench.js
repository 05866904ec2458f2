#!/usr/bin/env node
// Entry point of `npm run bench -- NAME` (`modstream-bench`): the benchmarks, through tsx's loader.
import { register } from "tsx/esm/api";

register();
await import("../bench/index.ts");
