/** Local wall-clock times as `datetime-local` inputs and the incidents page's `since` / `until` hold them. */

const pad = (n: number) => String(n).padStart(2, "0");

/** `date` in this browser's time zone as `YYYY-MM-DDTHH:MM` (seconds dropped). */
export function toLocalInput(date: Date): string {
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}`
  );
}

/** The start of the minute after `date` (or `date` itself on a whole minute): an exclusive upper bound
 * at minute precision that still holds everything up to `date`. */
export function ceilMinute(date: Date): Date {
  const floor = new Date(date);
  floor.setSeconds(0, 0);
  return floor.getTime() === date.getTime() ? floor : new Date(floor.getTime() + 60_000);
}
