// ESLint for the portal's own JavaScript: small browser ES modules, no bundler
// (`make lint` runs it). Vendored libraries (themes/vendor.py copies them from
// node_modules into static/themes/vendor/) are npm's to check, not ours.
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    ignores: ["**/static/**/vendor/**", "node_modules/**", ".venv/**", "static/**"],
  },
  js.configs.recommended,
  {
    files: ["themes/static/**/*.js", "media_pipeline/static/**/*.js"],
    languageOptions: {
      ecmaVersion: 2022,
      sourceType: "module",
      globals: { ...globals.browser },
    },
    linterOptions: { reportUnusedDisableDirectives: "error" },
    rules: {
      "no-unused-vars": ["error", { args: "after-used", caughtErrors: "none" }],
      eqeqeq: ["error", "always", { null: "ignore" }],
      "no-var": "error",
      "prefer-const": "error",
      // Mistakes the recommended set lets through.
      "array-callback-return": "error",
      "no-eval": "error",
      "no-implied-eval": "error",
      "no-promise-executor-return": "error",
      "no-self-compare": "error",
      "no-template-curly-in-string": "error",
      "no-throw-literal": "error",
      "no-unmodified-loop-condition": "error",
      "no-unreachable-loop": "error",
      "prefer-promise-reject-errors": "error",
    },
  },
];
