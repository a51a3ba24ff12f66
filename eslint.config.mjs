// ESLint flat config: typescript-eslint's recommended rules, and the import invariants as
// no-restricted-imports per folder (scripts/check-imports.mjs checks the same in tests).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const noVscode = { name: "vscode", message: "only extension/ imports vscode" };
const noLsp = [
  { group: ["vscode-languageserver*", "vscode-languageclient*"], message: "core/ knows nothing about LSP" },
];

export default tseslint.config(
  { ignores: ["node_modules/", "dist/", "build/", ".ci/vscode/", "test/fixtures/", "assembly/**", "**/*.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "@typescript-eslint/no-require-imports": "off",
    },
  },
  {
    files: ["core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [noVscode], patterns: [...noLsp, { group: ["**/server/**", "**/extension/**"], message: "core/ depends on nothing above it" }] },
      ],
    },
  },
  {
    files: ["server/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        { paths: [noVscode], patterns: [{ group: ["vscode-languageclient*", "**/extension/**"], message: "server/ is below extension/" }] },
      ],
    },
  },
  {
    files: ["scripts/**/*.mjs", "bin/**/*.js", ".ci/**/*.mjs", ".ci/**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly", require: "readonly", __dirname: "readonly", module: "readonly" } },
  },
);
