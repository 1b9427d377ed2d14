// Loads the wasm and draws the newtab page, with the module early.js began compiling while the page parsed (or,
// without it, fetching the wasm now). No inline scripts: the extension pages' CSP forbids them.
import init, { start_newtab } from './pkg/pages.js';
const compiled = await globalThis.gmuxWasmModule;
await init(compiled ? { module_or_path: compiled } : undefined);
start_newtab();
