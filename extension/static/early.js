// Starts the two slow things an inbox page waits for, reading the cached inbox from storage.local and compiling
// the wasm, as soon as the page's head is parsed: the module loader runs tens of milliseconds later. The loader
// (popup.js, newtab.js, options.js) and the wasm take the promises from globalThis; without them they do the work
// themselves, so a failure here only costs time.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  globalThis.gmuxCachedStorage = api?.storage?.local.get(['inbox', 'status', 'settings']);
  const wasm = 'pkg/pages_bg.wasm';
  globalThis.gmuxWasmModule = WebAssembly.compileStreaming(fetch(wasm))
    // A server that does not say application/wasm: compile from the bytes instead.
    .catch(() => fetch(wasm).then((r) => r.arrayBuffer()).then((b) => WebAssembly.compile(b)))
    .catch(() => undefined);
})();
