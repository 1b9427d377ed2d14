// Loads the wasm and draws the options page. The cached inbox is read from storage.local while the wasm loads, so
// the first rows wait for the slower of the two rather than both in turn (the page reads the promise, or reads
// storage itself when it is missing). No inline scripts: the extension pages' CSP forbids them.
import init, { start_options } from './pkg/pages.js';
const api = globalThis.browser ?? globalThis.chrome;
globalThis.gmuxCachedStorage = api?.storage?.local.get(['inbox', 'status', 'settings']);
await init();
start_options();
