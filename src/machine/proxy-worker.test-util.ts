/**
 * For tests: runs `body` with a BlockProxyClient on `channel` in a worker thread, as the machine
 * thread would use it (the client blocks in Atomics.wait, so it cannot share the server's thread).
 * `body` is the text of a function body that may use `client`; its return value is posted back as
 * { ok }, a thrown error as { error: message }.
 */
import { Worker } from 'node:worker_threads';

/** Runs `body` in a worker with `client` bound to a BlockProxyClient on `channel`. */
export function proxyClientInWorker(channel: SharedArrayBuffer, body: string): Promise<unknown> {
  const moduleUrl = new URL('./block-proxy.js', import.meta.url).href;
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(${JSON.stringify(moduleUrl)}).then((m) => {
      const client = new m.BlockProxyClient(workerData);
      try { parentPort.postMessage({ ok: (() => { ${body} })() }); }
      catch (e) { parentPort.postMessage({ error: e.message }); }
    });`;
  const w = new Worker(code, { eval: true, workerData: channel });
  return new Promise((resolve, reject) => {
    w.once('message', (m) => void w.terminate().then(() => resolve(m)));
    w.once('error', reject);
  });
}
