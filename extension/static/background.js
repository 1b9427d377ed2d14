// The background's loader. Every listener is registered synchronously in this first turn: a Chrome service
// worker restarted for an event, or a Firefox event page woken by one, only delivers that event to listeners
// that exist once the script's first turn ends. Events wait on `ready`, so they reach Rust in order once the
// wasm is initialised. Service workers allow no top-level await. The poll alarm arrives as `alarm:poll`; a click
// on a notification (or on one of Chromium's buttons) and a page's port have their own entries.
import init, {
  start_background, background_message, background_event, background_notification, background_connect,
} from './pkg/background.js';

const api = globalThis.browser ?? globalThis.chrome;

const ready = init().then(() => start_background());
ready.catch((error) => console.error('gmux: the background could not start', error));

api.runtime.onMessage.addListener((message, sender, sendResponse) => {
  ready
    // The sender goes along: the background answers only gmux's own pages.
    .then(() => background_message(message, sender))
    // A failure reads as a failed intent to the pages and as a failed host to a page asking for the status.
    .then(sendResponse, (error) =>
      sendResponse({ ok: false, code: 'internal', error: String(error), host: 'failed', host_error: String(error) }));
  return true; // the answer is sent asynchronously
});
api.runtime.onInstalled.addListener(() => ready.then(() => background_event('installed')));
api.runtime.onStartup.addListener(() => ready.then(() => background_event('startup')));
api.alarms.onAlarm.addListener((alarm) => ready.then(() => background_event(`alarm:${alarm.name}`)));
api.notifications.onClicked.addListener((id) => ready.then(() => background_notification(id, undefined)));
// Firefox has the event but never fires it: its notifications have no buttons.
api.notifications.onButtonClicked?.addListener((id, index) => ready.then(() => background_notification(id, index)));
api.runtime.onConnect.addListener((port) => ready.then(() => background_connect(port)));
