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
  // The first screen needs only its key: a read of its own, which comes back before the head's, asked only when a
  // first screen is saved and Firefox's copy of the key does not already match.
  firstScreen(api, () => api.storage.local.get('screen_key'));
  // The inbox's head, not the whole inbox: the rows of the first screen, whatever the number of accounts. The
  // page reads the rest after its first draw.
  globalThis.gmuxCachedStorage = api?.storage?.local.get(['inbox_head', 'status', 'settings', 'revision', 'screen_key']);
  const wasm = 'pkg/pages_bg.wasm';
  globalThis.gmuxWasmModule = WebAssembly.compileStreaming(fetch(wasm))
    // A server that does not say application/wasm: compile from the bytes instead.
    .catch(() => fetch(wasm).then((r) => r.arrayBuffer()).then((b) => WebAssembly.compile(b)))
    .catch(() => undefined);
})();

// The first screen: what the last popup or new tab drew (its badges, tabs, notices and first rows), saved
// by that page in localStorage under the key of what it was drawn from (pages/first_screen.rs). It is shown the
// moment the body is parsed and storage holds the same key, before the wasm has compiled; the wasm's first draw
// draws the same over it and calls `release`. A click or key on it in between is kept and replayed then, on the
// element the wasm drew in its place, so nothing a person does is lost. Any doubt (another key, another
// language, an unreadable entry) shows nothing and leaves the page to the wasm, as before.
function firstScreen(api, stored) {
  const kind = { '/popup.html': 'popup', '/newtab.html': 'newtab' }[location.pathname];
  const screen = { released: false, shown: null, held: [] };
  screen.release = () => release(screen);
  globalThis.gmuxFirstScreen = screen;
  if (!kind || !api?.storage) return;
  let saved;
  try {
    saved = JSON.parse(localStorage.getItem(`gmux.firstScreen.${kind}`) ?? 'null');
  } catch {
    return;
  }
  if (!saved || typeof saved.parts !== 'object' || typeof saved.key !== 'string') return;
  // Firefox's background (a page, where Chrome's is a worker) also keeps the key in localStorage, after each
  // write: when it matches, no need to wait for storage's answer. Otherwise storage's answer decides.
  const mirrored = localStorage.getItem('gmux.screenKey') === saved.key;
  (mirrored ? Promise.resolve({ screen_key: saved.key }) : stored()).then((items) => {
    if (items?.screen_key !== saved.key || saved.lang !== api.i18n?.getUILanguage?.()) return;
    const show = () => {
      if (!screen.released && !screen.shown) screen.shown = showSaved(screen, saved.parts);
    };
    // 'interactive': the body is parsed (before the deferred module scripts run, which DOMContentLoaded awaits).
    if (document.readyState === 'loading') document.addEventListener('readystatechange', show, { once: true });
    else show();
  }, () => {});
}

function showSaved(screen, parts) {
  const shown = [];
  for (const [id, html] of Object.entries(parts)) {
    const old = document.getElementById(id);
    // The one HTML sink of the pages, and why it is safe: `html` is the page's own DOM, built with textContent
    // and serialised by the browser (mail in it is escaped text), read back from this extension's own
    // localStorage; a <template> runs nothing while parsing, and the CSP allows no inline script anyway.
    const template = document.createElement('template');
    template.innerHTML = html;
    const fresh = template.content.firstElementChild;
    if (!old || !fresh || fresh.id !== id) continue;
    old.replaceWith(fresh);
    shown.push(id);
  }
  if (!shown.includes('inbox')) return shown;
  const root = document.documentElement;
  root.setAttribute('data-first-screen', '');
  // The same stamps the wasm's first draw makes, for the bench: the first row is in, and painted.
  const list = document.getElementById('inbox');
  list.setAttribute('data-first-row-ms', String(performance.now()));
  list.querySelector('.row .subject')?.setAttribute('elementtiming', 'first-row');
  requestAnimationFrame(() => root.setAttribute('data-first-row-frame-ms', String(performance.now())));
  screen.hold = (event) => hold(screen, event);
  for (const type of ['click', 'keydown']) document.addEventListener(type, screen.hold, true);
  return shown;
}

// The way from a shown part down to `element`, as child positions: the wasm draws the same tree.
function pathTo(screen, element) {
  const path = [];
  for (let at = element; at; at = at.parentElement) {
    if (at.id && screen.shown.includes(at.id)) return { part: at.id, path: path.reverse() };
    path.push([...at.parentElement?.children ?? []].indexOf(at));
  }
  return null;
}

// What a click on `element` acts on: its action, and the row, account or tab it belongs to.
function identity(element) {
  return {
    action: element.closest('[data-action]')?.dataset.action ?? null,
    account: element.closest('[data-account]')?.dataset.account ?? null,
    thread: element.closest('.row')?.dataset.thread ?? null,
    tab: element.closest('[data-tab]')?.dataset.tab ?? null,
  };
}

function hold(screen, event) {
  const target = event.target instanceof Element ? event.target : null;
  if (event.type === 'keydown') {
    // Typing in a field is the field's own (the search box is not part of the first screen), and so are the
    // browser's shortcuts, moving the focus and closing the popup.
    if (target?.closest('input, textarea, select, [contenteditable]')) return;
    if (event.ctrlKey || event.altKey || event.metaKey || event.key === 'Tab' || event.key === 'Escape') return;
    const { key, code, shiftKey, ctrlKey, altKey, metaKey, repeat } = event;
    screen.held.push({ key: { key, code, shiftKey, ctrlKey, altKey, metaKey, repeat } });
  } else {
    const way = target && pathTo(screen, target);
    if (!way) return;
    screen.held.push({ click: way, ...identity(target) });
  }
  event.preventDefault();
  event.stopImmediatePropagation();
}

function release(screen) {
  if (screen.released) return;
  screen.released = true;
  if (!screen.hold) return;
  for (const type of ['click', 'keydown']) document.removeEventListener(type, screen.hold, true);
  document.documentElement.removeAttribute('data-first-screen');
  for (const held of screen.held) {
    if (held.key) {
      const init = { ...held.key, bubbles: true, cancelable: true };
      (document.activeElement ?? document.body).dispatchEvent(new KeyboardEvent('keydown', init));
      continue;
    }
    const part = document.getElementById(held.click.part);
    let element = part;
    for (const index of held.click.path) element = element?.children[index];
    // Where the wasm drew the tree otherwise, the element doing the same for the same row or account; never
    // another one in its stead.
    const same = (e) => {
      const found = identity(e);
      return ['action', 'account', 'thread', 'tab'].every((what) => found[what] === held[what]);
    };
    if (!element || !same(element)) {
      const candidates = held.action ? part?.querySelectorAll('[data-action]') ?? [] : [];
      element = [...candidates].find(same);
    }
    element?.click();
  }
  screen.held = [];
}
