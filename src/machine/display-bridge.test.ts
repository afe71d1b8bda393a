import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { DisplaySource } from '../display/display.js';
import { DisplayBridge, answerDisplayRequest, type DisplayRequest } from './display-bridge.js';

/** A 2x1 card in a text mode whose frame buffer is reused between renders. */
function card(): DisplaySource & { pixels: Uint8Array } {
  const pixels = new Uint8Array(64);
  return { pixels, render: () => ({ width: 2, height: 1, pixels }), text: () => ['GNU GRUB'] };
}

test('frames and screen text cross the bridge; the frame is a copy sized to the screen', async () => {
  const source = card();
  let bridge: DisplayBridge | undefined;
  bridge = new DisplayBridge((req: DisplayRequest) => queueMicrotask(() => bridge!.onReply(answerDisplayRequest(source, req))));
  source.pixels.set([1, 2, 3, 0, 4, 5, 6, 0]);
  const frame = await bridge.frame();
  source.pixels[0] = 99;
  assert.deepEqual(frame && { w: frame.width, h: frame.height, px: [...frame.pixels] }, { w: 2, h: 1, px: [1, 2, 3, 0, 4, 5, 6, 0] });
  assert.deepEqual(await bridge.text(), ['GNU GRUB']);
});

test('no display answers undefined, and close releases waiting callers', async () => {
  const sent: DisplayRequest[] = [];
  const bridge = new DisplayBridge((req) => sent.push(req));
  const pending = bridge.frame();
  bridge.onReply(answerDisplayRequest(undefined, sent[0]!));
  assert.equal(await pending, undefined);
  const never = bridge.text();
  bridge.close();
  assert.equal(await never, undefined);
});
