// Lint with type information, plus the import boundaries of ../shared/STYLE.md, resolved through
// TypeScript (without a resolver every extensionless import is unresolved and the import rules
// pass whatever the code does; test/lint/boundaries.test.ts proves each zone fires):
// - the leaves (domain, errors, events, keys) import only each other;
// - normalise/ and detect/ are pure; stages never import each other, nor the wiring above them;
// - nothing in src/ imports bench/ or test/; only cli/ and bench/ import cli/.
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";
import { createTypeScriptImportResolver } from "eslint-import-resolver-typescript";
import { readdirSync } from "node:fs";

const STAGES = ["source", "score", "windows", "incidents", "review"];
/** What composes the stages: none of it may be imported by a stage. */
const ABOVE = ["worker", "cli", "http", "drill", "replay", "services", "train", "metrics"];

const stageZones = STAGES.flatMap((stage) => [
  ...STAGES.filter((other) => other !== stage).map((other) => ({
    target: `./src/${stage}`,
    from: `./src/${other}`,
    message: `stages never import each other: src/${stage} → src/${other} is composed in src/worker/`,
  })),
  ...ABOVE.map((above) => ({
    target: `./src/${stage}`,
    from: `./src/${above}`,
    message: `a stage never imports what composes it: src/${stage} → src/${above}`,
  })),
]);
const LEAVES = ["domain.ts", "errors.ts", "events.ts", "keys.ts"];
const leafZones = LEAVES.map((leaf) => ({
  target: `./src/${leaf}`,
  from: "./src",
  except: LEAVES.map((l) => `./${l}`),
  message: `src/${leaf} is a leaf: it imports only ${LEAVES.join(", ")}`,
}));
const pureZones = ["normalise", "detect"].map((pure) => ({
  target: `./src/${pure}`,
  from: "./src",
  except: [`./${pure}`, "./domain.ts"],
  message: `src/${pure} is pure: it imports only itself and domain.ts`,
}));
const layerZones = [
  { target: "./src", from: "./bench", message: "src/ never imports bench/: the benchmarks are their own entry point" },
  { target: "./src", from: "./test", message: "src/ never imports test/" },
  {
    target: readdirSync(`${import.meta.dirname}/src`)
      .filter((name) => name !== "cli")
      .map((name) => `./src/${name}`),
    from: "./src/cli",
    message: "only the command line (src/cli, bench/) imports src/cli",
  },
];

export default tseslint.config(
  { ignores: ["node_modules", ".services", "dist", "models", "ui/dist", "**/*.js", "**/*.mjs"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "import-x": importX },
    settings: {
      // Without these, import-x parses only .js files and no-cycle never follows a .ts import.
      "import-x/extensions": [".ts", ".js"],
      "import-x/parsers": { "@typescript-eslint/parser": [".ts"] },
      "import-x/resolver-next": [createTypeScriptImportResolver({ project: "./tsconfig.json" })],
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "import-x/no-unresolved": "error",
      "import-x/no-cycle": ["error", { maxDepth: 10 }],
      "import-x/no-restricted-paths": [
        "error",
        { basePath: import.meta.dirname, zones: [...stageZones, ...leafZones, ...pureZones, ...layerZones] },
      ],
      "no-restricted-imports": "off",
    },
  },
  {
    files: ["src/normalise/**", "src/detect/**"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            {
              group: ["node:*", "ioredis", "kafkajs", "fastify", "prom-client", "fs", "net"],
              message: "pure module: no I/O",
            },
          ],
        },
      ],
    },
  },
  {
    files: ["test/**", "bench/**"],
    rules: {
      "@typescript-eslint/no-non-null-assertion": "off",
      "@typescript-eslint/require-await": "off",
      "@typescript-eslint/no-unsafe-assignment": "off",
    },
  },
);
