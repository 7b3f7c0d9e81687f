// What the front proxy adds to the app's HTML pages: one script tag, and the script behind it.
// The script follows restarts (an event stream from the proxy: a page outside the preview
// reloads when a new run is ready) and sends the page's uncaught errors, unhandled rejections,
// console.error and console.warn to the editor. No `vscode` import.

/** The proxy's own routes live under `<prefix>__dap__/`, never passed to the app. */
export const CLIENT_ROUTE = '__dap__/';

/** The preview's iframe carries this name: a page inside it is swapped by the preview, not reloaded by itself. */
export const PREVIEW_FRAME_NAME = 'data-app-preview';

/** The script tag for a page served by run `runId`, under the forwarded prefix `prefix` (`/` or `/proxy/8123/`). */
export function clientTag(prefix: string, runId: string): string {
  return `<script src="${prefix}${CLIENT_ROUTE}client.js?run=${encodeURIComponent(runId)}"></script>`;
}

/**
 * `html` with the tag placed first in `<head>` (before the app's own scripts, so their errors are
 * seen), else after `<html …>`, else at the start. Only the first 4 KiB are searched for the tag.
 */
export function injectTag(html: string, tag: string): string {
  const head = /<head\b[^>]*>/i.exec(html.slice(0, 4096));
  if (head) return html.slice(0, head.index + head[0].length) + tag + html.slice(head.index + head[0].length);
  const root = /<html\b[^>]*>/i.exec(html.slice(0, 4096));
  if (root) return html.slice(0, root.index + root[0].length) + tag + html.slice(root.index + root[0].length);
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
  return doctype ? doctype[0] + tag + html.slice(doctype[0].length) : tag + html;
}

/** How long a Streamlit page has to reconnect to the next server before it is loaded again (see FollowedMessage). */
export const FOLLOW_TIMEOUT_MS = 5000;

/** The script (an IIFE, ES5 so that any page can run it; it never throws into the page). */
export const CLIENT_SCRIPT = `(function () {
  try {
    var me = document.currentScript;
    if (!me || window.__dataAppPreview) return;
    window.__dataAppPreview = true;
    var base = me.src.replace(/client\\.js(\\?.*)?$/, '');
    var run = decodeURIComponent((/[?&]run=([^&]*)/.exec(me.src) || [])[1] || '');
    var inPreview = window.name === ${JSON.stringify(PREVIEW_FRAME_NAME)};
    var sent = 0;
    var send = function (level, message, source, stack) {
      if (++sent > 100) return; // per page load
      var body = JSON.stringify({ level: level, message: String(message).slice(0, 4000), source: source || '', stack: String(stack || '').slice(0, 4000), page: location.href });
      try {
        if (navigator.sendBeacon && navigator.sendBeacon(base + 'console', body)) return;
      } catch (e) {}
      try {
        fetch(base + 'console', { method: 'POST', body: body, keepalive: true, credentials: 'omit' }).catch(function () {});
      } catch (e) {}
    };
    var text = function (args) {
      var out = [];
      for (var i = 0; i < args.length; i++) {
        var a = args[i];
        if (a instanceof Error) out.push(a.stack || String(a));
        else if (typeof a === 'object') {
          try { out.push(JSON.stringify(a)); } catch (e) { out.push(String(a)); }
        } else out.push(String(a));
      }
      return out.join(' ');
    };
    var caller = function () {
      var lines = String(new Error().stack || '').split('\\n');
      for (var i = 1; i < lines.length; i++) {
        if (lines[i].indexOf(base + 'client.js') < 0 && /\\d+:\\d+\\)?\\s*$/.test(lines[i])) return lines[i].replace(/^\\s*at\\s+/, '').trim();
      }
      return '';
    };
    window.addEventListener('error', function (e) {
      if (!e || !e.message) return; // a resource that failed to load
      send('error', /^Uncaught\\b/.test(e.message) ? e.message : 'Uncaught ' + e.message, e.filename ? e.filename + ':' + e.lineno + ':' + e.colno : '', e.error && e.error.stack);
    });
    window.addEventListener('unhandledrejection', function (e) {
      var r = e && e.reason;
      send('error', 'Unhandled rejection: ' + (r && r.message ? r.message : text([r])), '', r && r.stack);
    });
    ['error', 'warn'].forEach(function (level) {
      var original = console[level];
      console[level] = function () {
        try { send(level, text(arguments), caller(), ''); } catch (e) {}
        return original.apply(console, arguments);
      };
    });
    // A Streamlit page follows a new run in place: told of it (the event stream, or the preview),
    // it drops its websocket and connects again at once, to the new run (the front proxy has
    // switched), and Streamlit then reruns the script with the widgets' values. A page that
    // reconnected on its own (after its reconnect delay) is asked to rerun. Streamlit takes these
    // host messages from its own window when its origin is allow-listed, and says when its
    // websocket goes and comes back. Not followed within the bound: loaded again.
    var streamlit = false, down = false, restarting = false, waiting = 0;
    var st = function (type) {
      window.postMessage({ stCommVersion: 1, type: type }, location.origin);
    };
    var followed = function () {
      clearTimeout(waiting);
      waiting = 0;
      if (inPreview) window.parent.postMessage({ dataAppPreview: 'followed', run: run }, '*');
    };
    var follow = function () {
      if (!streamlit) return false;
      restarting = true;
      st('TERMINATE_WEBSOCKET_CONNECTION');
      st('RESTART_WEBSOCKET_CONNECTION');
      return true;
    };
    window.addEventListener('message', function (e) {
      var d = e.data;
      if (!d) return;
      if (inPreview && e.source === window.parent && d.dataAppPreview === 'run') {
        follow(); // the preview has a new run on show
        return;
      }
      if (e.source !== window || d.stCommVersion !== 1) return;
      streamlit = true;
      if (d.type === 'WEBSOCKET_DISCONNECTED') down = true;
      else if (d.type === 'WEBSOCKET_CONNECTED' && (down || restarting)) {
        if (!restarting) st('RERUN_SCRIPT'); // a restarted connection reruns by itself
        down = restarting = false;
        followed();
      }
    });
    if (!inPreview && window.EventSource) {
      var events = new EventSource(base + 'events');
      events.addEventListener('run', function (e) {
        if (!e.data || e.data === run) return;
        run = e.data;
        if (!follow()) {
          events.close();
          location.reload();
          return;
        }
        clearTimeout(waiting);
        waiting = setTimeout(function () {
          location.reload();
        }, ${FOLLOW_TIMEOUT_MS});
      });
    }
  } catch (e) {}
})();
`;
