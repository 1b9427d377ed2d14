// Loads the wasm and draws the popup page. No inline scripts: the extension pages' CSP forbids them.
import init, { start_popup } from './pkg/gmux.js';

await init();
start_popup();
