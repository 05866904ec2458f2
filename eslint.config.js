// Lint with type information, plus the import boundaries of ../shared/STYLE.md:
// domain/errors/events import nothing from src; normalise/ and detect/ are pure; stages never import each other.
import tseslint from "typescript-eslint";
import importX from "eslint-plugin-import-x";

const STAGES = ["source", "score", "windows", "incidents", "review"];
const stageZones = STAGES.flatMap((stage) =>
  STAGES.filter((other) => other !== stage).map((other) => ({
    target: `./src/${stage}`,
    from: `./src/${other}`,
    message: `stages never import each other: src/${stage} → src/${other} goes through pipeline.ts`,
  })),
);
const leafZones = ["domain.ts", "errors.ts", "events.ts"].map((leaf) => ({
  target: `./src/${leaf}`,
  from: "./src",
  // events.ts names the payload types it carries, which are plain domain types.
  except: leaf === "events.ts" ? ["./events.ts", "./domain.ts"] : [`./${leaf}`],
  message: `src/${leaf} imports nothing from src/ (events.ts: only domain types)`,
}));

export default tseslint.config(
  { ignores: ["node_modules", ".services", "dist", "models", "ui/dist", "**/*.js", "**/*.mjs"] },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { "import-x": importX },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/switch-exhaustiveness-check": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "import-x/no-cycle": ["error", { maxDepth: 10 }],
      "import-x/no-restricted-paths": ["error", { zones: [...stageZones, ...leafZones] }],
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
