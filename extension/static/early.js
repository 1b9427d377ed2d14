// Starts the two slow things an inbox page waits for, reading the cached inbox's head from storage.local and compiling
// the wasm, as soon as the page's head is parsed: the module loader runs tens of milliseconds later. The loader
// (popup.js, newtab.js, options.js) and the wasm take the promises from globalThis; without them they do the work
// themselves, so a failure here only costs time.
//
// The change listener comes first, before the read: a write that lands while the wasm loads would otherwise be
// seen by neither the read nor a listener added later, and the page would stay stale until the next write. Until
// the wasm takes over (it drains `pending` and sets `deliver` in one turn), every change waits in `pending`.
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  const changes = { pending: [], deliver: null };
  globalThis.gmuxStorageChanges = changes;
  api?.storage?.onChanged.addListener((change, area) => {
    if (area !== 'local') return;
    if (changes.deliver) changes.deliver(change);
    else changes.pending.push(change);
  });
  // The inbox's head, not the whole inbox: the rows of the first screen, whatever the number of accounts. The
  // page reads the rest after its first draw.
  globalThis.gmuxCachedStorage = api?.storage?.local.get(['inbox_head', 'status', 'settings', 'revision']);
  const wasm = 'pkg/pages_bg.wasm';
  globalThis.gmuxWasmModule = WebAssembly.compileStreaming(fetch(wasm))
    // A server that does not say application/wasm: compile from the bytes instead.
    .catch(() => fetch(wasm).then((r) => r.arrayBuffer()).then((b) => WebAssembly.compile(b)))
    .catch(() => undefined);
})();
