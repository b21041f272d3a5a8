// One websocket to the server that keeps itself alive: reconnects with jittered exponential backoff,
// notices a silent network within seconds, and hands every message to the screen. On every (re)connect the server sends a
// snapshot, from which the screen redraws everything; nobody depends on having seen every message.

const FIRST_DELAY = 500;
const MAX_DELAY = 15000;
// Liveness: after QUIET ms without a word from the server the client pings, and a connection that stays silent
// PONG_WITHIN ms more is taken for dead. A network that vanished without a sound (a phone walking out of wifi) is
// so noticed within 9 seconds; an idle phone costs the server one small ping every 5 seconds.
const QUIET = 5000;
const PONG_WITHIN = 4000;
// Close codes from the server that mean: do not come back.
const FINAL = { 4403: 'forbidden', 4404: 'gone', 4400: 'unknown' };

/** Milliseconds to wait before reconnect attempt `attempt` (0, 1, 2, ...): full jitter in the upper half. */
export function backoff(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY, FIRST_DELAY * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

/**
 * Whether `message` is older than the snapshot this connection started from (its version `since`): one sent before
 * the snapshot was made that reached this phone after it, as when another server takes a room over. Such a message
 * is dropped; the snapshot already holds what it says.
 */
export function stale(message, since) {
  return since !== null && typeof message.version === 'number' && message.version < since;
}

export function connect(path, { onMessage, onStatus = () => {}, onFinal = () => {} }) {
  const url = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + path;
  let ws = null;
  let attempt = 0;
  let retryTimer = null;
  let quietTimer = null;
  let deadTimer = null;
  let stopped = false;

  function open() {
    clearTimeout(retryTimer);
    if (stopped || ws) return;
    const socket = new WebSocket(url);
    ws = socket;
    let since = null; // the version of this connection's snapshot
    deadTimer = setTimeout(() => lost(socket), QUIET + PONG_WITHIN); // a handshake that never finishes
    socket.onopen = heard;
    socket.onmessage = (event) => {
      heard();
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      // A snapshot means the connection works (online; back off from nothing next time). A server that accepts
      // and refuses at once (too many connections: an error, then a close) keeps the backoff growing.
      if (message.type === 'snapshot') {
        attempt = 0;
        since = typeof message.version === 'number' ? message.version : null;
        onStatus('online');
      } else if (stale(message, since)) {
        return;
      }
      if (message.type !== 'pong') onMessage(message);
    };
    socket.onclose = (event) => {
      if (FINAL[event.code]) {
        stopped = true;
        forget(socket);
        onFinal(FINAL[event.code]);
        return;
      }
      lost(socket);
    };
  }

  /** The server spoke: the connection lives; ping it after the next quiet spell. */
  function heard() {
    clearTimeout(quietTimer);
    clearTimeout(deadTimer);
    quietTimer = setTimeout(ping, QUIET);
  }

  function ping() {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send('{"type":"ping"}');
    const socket = ws;
    deadTimer = setTimeout(() => lost(socket), PONG_WITHIN);
  }

  /** Stop listening to `socket` and close it without waiting for a closing handshake a dead network never brings. */
  function forget(socket) {
    clearTimeout(quietTimer);
    clearTimeout(deadTimer);
    socket.onopen = socket.onmessage = socket.onclose = null;
    try { socket.close(); } catch { /* already closed */ }
    if (ws === socket) ws = null;
  }

  /** The connection is gone (closed, silent, or the device went offline): say so at once, come back later. */
  function lost(socket) {
    if (socket !== ws) return;
    forget(socket);
    onStatus('offline');
    if (!stopped) retryTimer = setTimeout(open, backoff(attempt++));
  }

  // A phone that wakes up or gets its wifi back reconnects at once instead of waiting out the backoff; one that
  // loses its network says so at once instead of after the silence.
  const wake = () => {
    if (!ws && !stopped) {
      attempt = 0;
      open();
    }
  };
  window.addEventListener('online', wake);
  window.addEventListener('offline', () => ws && lost(ws));
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && wake());

  open();
  return {
    send(message) {
      if (ws && ws.readyState === WebSocket.OPEN) {
        ws.send(JSON.stringify(message));
        return true;
      }
      return false;
    },
  };
}
