import { test } from 'node:test';
import assert from 'node:assert/strict';
import { QKEYCODES, isQKeyCode, qcodeFromNumber } from './keys.js';

test('qnum numbers map to the QKeyCodes of the same PC keys', () => {
  assert.equal(qcodeFromNumber(0x1e), 'a');
  assert.equal(qcodeFromNumber(0x1c), 'ret');
  assert.equal(qcodeFromNumber(0x9c), 'kp_enter');
  assert.equal(qcodeFromNumber(0xc8), 'up');
  assert.equal(qcodeFromNumber(0xd3), 'delete');
  assert.equal(qcodeFromNumber(0x58), 'f12');
  assert.equal(qcodeFromNumber(0x7f), undefined);
  for (let n = 0; n < 256; n++) {
    const q = qcodeFromNumber(n);
    if (q !== undefined) assert.ok(isQKeyCode(q), q);
  }
  assert.equal(new Set(QKEYCODES).size, QKEYCODES.length);
});
