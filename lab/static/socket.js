// One websocket to the server that keeps itself alive: reconnects with jittered exponential backoff,
// sends a heartbeat, and hands every message to the screen. On every (re)connect the server sends a
// snapshot, from which the screen redraws everything; nobody depends on having seen every message.

const FIRST_DELAY = 500;
const MAX_DELAY = 15000;
const PING_EVERY = 20000;
const PONG_WITHIN = 10000;
// Close codes from the server that mean: do not come back.
const FINAL = { 4403: 'forbidden', 4404: 'gone', 4400: 'unknown' };

/** Milliseconds to wait before reconnect attempt `attempt` (0, 1, 2, ...): full jitter in the upper half. */
export function backoff(attempt, random = Math.random) {
  const ceiling = Math.min(MAX_DELAY, FIRST_DELAY * 2 ** attempt);
  return Math.round(ceiling / 2 + random() * (ceiling / 2));
}

export function connect(path, { onMessage, onStatus = () => {}, onFinal = () => {} }) {
  const url = (location.protocol === 'https:' ? 'wss:' : 'ws:') + '//' + location.host + path;
  let ws = null;
  let attempt = 0;
  let retryTimer = null;
  let pingTimer = null;
  let pongTimer = null;
  let stopped = false;

  function open() {
    clearTimeout(retryTimer);
    if (stopped || (ws && ws.readyState <= WebSocket.OPEN)) return;
    ws = new WebSocket(url);
    ws.onopen = () => {
      attempt = 0;
      onStatus('online');
      pingTimer = setInterval(ping, PING_EVERY);
    };
    ws.onmessage = (event) => {
      clearTimeout(pongTimer);
      let message;
      try {
        message = JSON.parse(event.data);
      } catch {
        return;
      }
      if (message.type !== 'pong') onMessage(message);
    };
    ws.onclose = (event) => {
      clearInterval(pingTimer);
      clearTimeout(pongTimer);
      ws = null;
      if (FINAL[event.code]) {
        stopped = true;
        onFinal(FINAL[event.code]);
        return;
      }
      onStatus('offline');
      if (!stopped) retryTimer = setTimeout(open, backoff(attempt++));
    };
  }

  function ping() {
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    ws.send('{"type":"ping"}');
    clearTimeout(pongTimer);
    pongTimer = setTimeout(() => ws && ws.close(), PONG_WITHIN); // silent: the connection is dead
  }

  // A phone that wakes up or gets its wifi back reconnects at once instead of waiting out the backoff.
  const wake = () => {
    if (!ws && !stopped) {
      attempt = 0;
      open();
    }
  };
  window.addEventListener('online', wake);
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
