import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EXIT, RUN } from '../../abi/kvm-run.js';
import { ExitDecoder } from './vcpu-exit.js';

function runArea(): { view: DataView; decoder: ExitDecoder } {
  const view = new DataView(new ArrayBuffer(4096 * 3));
  return { view, decoder: new ExitDecoder(view) };
}

test('a string OUT exit decodes port, size, count, direction and data offset', () => {
  const { view, decoder } = runArea();
  view.setUint32(RUN.EXIT_REASON, EXIT.IO, true);
  view.setUint8(RUN.IO_DIRECTION, 1);
  view.setUint8(RUN.IO_SIZE, 2);
  view.setUint16(RUN.IO_PORT, 0x3f8, true);
  view.setUint32(RUN.IO_COUNT, 32, true);
  view.setBigUint64(RUN.IO_DATA_OFFSET, 0x1000n, true);
  assert.deepEqual({ ...decoder.decode() }, { kind: 'io', port: 0x3f8, size: 2, count: 32, isWrite: true, dataOffset: 0x1000 });
});

test('an MMIO read above 4 GiB decodes its full address and length', () => {
  const { view, decoder } = runArea();
  view.setUint32(RUN.EXIT_REASON, EXIT.MMIO, true);
  view.setBigUint64(RUN.MMIO_PHYS_ADDR, 0x1_fee0_0030n, true);
  view.setUint32(RUN.MMIO_LEN, 4, true);
  view.setUint8(RUN.MMIO_IS_WRITE, 0);
  assert.deepEqual({ ...decoder.decode() }, { kind: 'mmio', addr: 0x1_fee0_0030, len: 4, isWrite: false });
});

test('the hot exits reuse one object per kind (no allocation per exit)', () => {
  const { view, decoder } = runArea();
  view.setUint32(RUN.EXIT_REASON, EXIT.IO, true);
  assert.equal(decoder.decode(), decoder.decode());
});

test('internal errors carry the suberror and data words; unknown reasons are kept', () => {
  const { view, decoder } = runArea();
  view.setUint32(RUN.EXIT_REASON, EXIT.INTERNAL_ERROR, true);
  view.setUint32(RUN.INTERNAL_SUBERROR, 1, true);
  view.setUint32(RUN.INTERNAL_NDATA, 2, true);
  view.setBigUint64(RUN.INTERNAL_DATA, 0xdeadn, true);
  view.setBigUint64(RUN.INTERNAL_DATA + 8, 0xbeefn, true);
  assert.deepEqual(decoder.decode(), { kind: 'internal-error', suberror: 1, data: [0xdeadn, 0xbeefn] });
  view.setUint32(RUN.EXIT_REASON, 99, true);
  assert.deepEqual(decoder.decode(), { kind: 'unknown', reason: 99 });
  view.setUint32(RUN.EXIT_REASON, EXIT.SHUTDOWN, true);
  assert.equal(decoder.decode().kind, 'shutdown');
});
