// A question's countdown, as every screen shows it. The server closes the question at zero (it keeps the time);
// a screen only counts down, against the server's clock: each message's `now` tells how far this device's own
// clock is off (state.js keeps it as room.offset), so a phone whose clock is a minute wrong still shows the truth.
import { announce, t } from './util.js';

/** "1:05" for 65 seconds (never below 0:00). */
export function clockText(seconds) {
  const s = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
}

const SPOKEN = [60, 30, 10]; // seconds left at which a phone says so (a screen reader does not read a ticking clock)

/** Keep `node` (a role="timer" element) showing the time left until `closes_ms`; `speak` says it at SPOKEN marks.
    Returns `set(closesMs, offset)`: call it whenever the question or the clock offset may have changed. */
export function countdown(node, { speak = false } = {}) {
  let closes = null;
  let offset = 0;
  let handle = null;
  let said = new Set();
  const tick = () => {
    const left = (closes - (Date.now() + offset)) / 1000;
    node.textContent = t('time_left', { time: clockText(left) });
    node.classList.toggle('ending', left <= 10);
    if (speak) {
      const mark = SPOKEN.find((m) => left <= m && left > m - 2 && !said.has(m));
      if (mark) {
        said.add(mark);
        announce(t('seconds_left', { n: mark }));
      }
    }
    if (left <= 0) stop(); // the server closes the question; its state message takes the clock away
  };
  const stop = () => {
    if (handle !== null) clearInterval(handle);
    handle = null;
  };
  return function set(closesMs, clockOffset = 0) {
    offset = clockOffset;
    if (closesMs === closes) return;
    closes = closesMs ?? null;
    said = new Set();
    stop();
    node.hidden = closes === null;
    if (closes === null) return;
    tick();
    handle = setInterval(tick, 250);
  };
}
