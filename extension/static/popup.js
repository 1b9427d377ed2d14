// Loads the wasm and draws the popup page, with the module early.js began compiling while the page parsed (or,
// without it, fetching the wasm now). No inline scripts: the extension pages' CSP forbids them.
import init, { start_popup } from './pkg/pages.js';
// The reader (gmux-mail: the MIME walker and the HTML sanitiser) is a module of its own, fetched and compiled the
// first time a conversation is opened, so the first row never waits for it.
globalThis.gmuxLoadReader = () =>
  (globalThis.gmuxReader ??= import('./pkg/reader.js').then(async (reader) => {
    await reader.default();
    return reader;
  }).catch((error) => {
    // A failed load is tried again at the next open.
    globalThis.gmuxReader = undefined;
    throw error;
  }));
const compiled = await globalThis.gmuxWasmModule;
await init(compiled ? { module_or_path: compiled } : undefined);
start_popup();
