// Loads the wasm and draws the options page. No inline scripts: the extension pages' CSP forbids them.
import init, { start_options } from './pkg/gmux.js';

await init();
start_options();
