/**
 * Passes on the latest text at most once per interval: a reply being written is shown as it grows
 * without a message per token. `stop()` drops what is pending (the final reply follows anyway).
 */
export function throttleLatest(send: (text: string) => void, intervalMs: number) {
  let latest: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  const flush = () => {
    timer = undefined;
    if (latest === undefined) return;
    last = Date.now();
    send(latest);
    latest = undefined;
  };
  return {
    update(text: string) {
      latest = text;
      if (timer) return;
      const wait = Math.max(0, last + intervalMs - Date.now());
      timer = setTimeout(flush, wait);
    },
    stop() {
      clearTimeout(timer);
      timer = undefined;
      latest = undefined;
    },
  };
}
