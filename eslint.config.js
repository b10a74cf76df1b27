// Lint rules: typescript-eslint's recommended set, process.env only in src/config, and the layer directions
// of ARCHITECTURE.md (main → web|cli → pipeline|auth → git|build|runtime|codegen|store → domain; shared everywhere).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const layers = ['config', 'domain', 'shared', 'store', 'git', 'build', 'runtime', 'codegen', 'auth', 'tls', 'pipeline', 'web', 'cli'];
/** What each layer may import from, besides itself. */
const allowed = {
  shared: [],
  domain: ['shared'],
  config: ['shared', 'domain'],
  store: ['shared', 'domain'],
  git: ['shared', 'domain', 'config'],
  build: ['shared', 'domain', 'config'],
  runtime: ['shared', 'domain', 'config'],
  codegen: ['shared', 'domain', 'config'],
  auth: ['shared', 'domain', 'config', 'store'],
  tls: ['shared', 'domain', 'config'],
  pipeline: ['shared', 'domain', 'config', 'store', 'git', 'build', 'runtime', 'codegen', 'auth', 'tls'],
  web: ['shared', 'domain', 'config', 'pipeline', 'auth', 'store', 'git', 'tls'],
  cli: ['shared', 'domain', 'config', 'pipeline', 'auth'],
};

const layerRules = layers.map((layer) => {
  const forbidden = layers.filter((l) => l !== layer && !allowed[layer].includes(l));
  return {
    files: [`src/${layer}/**/*.ts`],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: [...forbidden.map((l) => `**/${l}/*`), '**/main.js', '**/compose.js'],
              message: `src/${layer} may import only from ${allowed[layer].join(', ') || 'itself'} (see ARCHITECTURE.md).`,
            },
          ],
        },
      ],
    },
  };
});

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'data/**', 'coverage/**', 'app-templates/**', 'views/**/*.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        fetch: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        URLSearchParams: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src/**/*.ts'],
    ignores: ['src/config/**'],
    rules: {
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: 'Read settings in src/config/ and pass values in.' }],
      'no-restricted-syntax': [
        'error',
        { selector: "MemberExpression[object.name='process'][property.name='env']", message: 'Read settings in src/config/ and pass values in.' },
        {
          selector: "VariableDeclarator[init.name='process'] > ObjectPattern > Property[key.name='env']",
          message: 'Read settings in src/config/ and pass values in.',
        },
      ],
      '@typescript-eslint/no-explicit-any': 'error',
    },
  },
  ...layerRules,
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
