// Loads the wasm and draws the newtab page. No inline scripts: the extension pages' CSP forbids them.
import init, { start_newtab } from './pkg/gmux.js';

await init();
start_newtab();
