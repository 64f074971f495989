/** Small, dependency-free formatters for times and durations as the panel shows them. */

/** Two digits: 7 → "07". */
export function pad2(n: number): string {
  return String(n).padStart(2, '0');
}

/** "in 12 min", "3 min ago", "just now". */
export function relativeTime(deltaMs: number): string {
  const abs = Math.abs(deltaMs);
  if (abs < 1000) return 'just now';
  const [n, unit] =
    abs < 60_000 ? [abs / 1000, 's'] : abs < 90 * 60_000 ? [abs / 60_000, 'min'] : abs < 36 * 3_600_000 ? [abs / 3_600_000, 'h'] : [abs / 86_400_000, 'd'];
  const text = `${Math.floor(n)} ${unit}`;
  return deltaMs > 0 ? `in ${text}` : `${text} ago`;
}

/** A countdown: "59:12", "1:02:03". */
export function countdown(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor(total / 60) % 60;
  const s = total % 60;
  return `${h ? `${h}:${pad2(m)}` : m}:${pad2(s)}`;
}

/** Local date and time, e.g. "2026-11-24 21:05:09". */
export function dateTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return 'invalid date';
  return `${d.getFullYear()}-${pad2(d.getMonth() + 1)}-${pad2(d.getDate())} ${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;
}

export function duration(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(2)} s`;
}

/** Wall-clock time of day with milliseconds, "21:05:09.042" (the log's wall-clock column). */
export function clockTime(ms: number): string {
  const d = new Date(ms);
  if (Number.isNaN(d.getTime())) return '--:--:--.---';
  return `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/** Time of day to the second, "21:05:09" (the timeline's labels and text equivalents). */
export function shortTime(ms: number): string {
  return clockTime(ms).slice(0, 8);
}

/** A clock shift as the Clock section shows it: "+10 min", "+1 h 5 min", "+45 s". */
export function shiftText(ms: number): string {
  const s = Math.round(Math.abs(ms) / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor(s / 60) % 60;
  const sec = s % 60;
  const parts = [h ? `${h} h` : '', m ? `${m} min` : '', sec ? `${sec} s` : ''].filter(Boolean);
  return `${ms < 0 ? '−' : '+'}${parts.join(' ') || `${Math.abs(ms)} ms`}`;
}
