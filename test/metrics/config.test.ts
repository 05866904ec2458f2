// The metrics section of the pipeline file and its one environment override.
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config";

describe("metrics config", () => {
  it("serves on 9464 by default, on MODSTREAM_METRICS_PORT when set, nowhere with 0", () => {
    expect(loadConfig({}).pipeline.metrics).toEqual({ port: 9464, host: "0.0.0.0" });
    expect(loadConfig({ MODSTREAM_METRICS_PORT: "9500" }).pipeline.metrics?.port).toBe(9500);
    expect(loadConfig({ MODSTREAM_METRICS_PORT: "0" }).pipeline.metrics?.port).toBe(0);
  });

  it("rejects a port that is not one", () => {
    for (const bad of ["", "abc", "-1", "70000", "9464.5"])
      expect(() => loadConfig({ MODSTREAM_METRICS_PORT: bad }), bad).toThrow(/MODSTREAM_METRICS_PORT/);
    expect(() =>
      loadConfig({}, { patch: (p) => ({ ...p, metrics: { port: 9464, host: "0.0.0.0", path: "/m" } as never }) }),
    ).toThrow(/unknown field "path"/);
  });
});
