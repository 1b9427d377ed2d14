// Puts the page's own words (headings, labels, buttons, titles, placeholders) in the browser's language, from the
// catalogue in _locales/, before the page is first drawn: each page loads this classic script last in its body, so
// it runs once the elements exist and before the module script that draws the inbox.
//
// `data-i18n="…"` replaces an element's words (its first text with words in it, so a label keeps its control);
// `data-i18n-attr="attribute:… attribute:…"` replaces attributes. The catalogue's `lang` and `dir` messages say which
// language the words are in and which way it is written (a catalogue the browser falls back to says its own).
(() => {
  const api = globalThis.browser ?? globalThis.chrome;
  const message = (key) => api?.i18n?.getMessage(key) || '';
  const root = document.documentElement;
  root.lang = message('lang') || root.lang;
  root.dir = message('dir') || 'ltr';
  for (const element of document.querySelectorAll('[data-i18n]')) {
    const text = message(element.dataset.i18n);
    if (!text) continue;
    const words = [...element.childNodes].find(
      (node) => node.nodeType === Node.TEXT_NODE && node.textContent.trim() !== '',
    );
    if (words) words.textContent = words.textContent.replace(words.textContent.trim(), text);
    else element.textContent = text;
  }
  for (const element of document.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of element.dataset.i18nAttr.trim().split(/\s+/)) {
      const [attribute, key] = pair.split(':');
      const text = message(key);
      if (text) element.setAttribute(attribute, text);
    }
  }
})();
