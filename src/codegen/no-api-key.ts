// What a person reads when Claude is not set up: its own module, so that the pipeline can say it without loading
// the Anthropic SDK (which loads at the first generation: src/pipeline/generate.ts).
export const NO_API_KEY_MESSAGE =
  "Claude is not set up on this server: set ANTHROPIC_API_KEY in the server's environment (a key from console.anthropic.com) and restart it.";
