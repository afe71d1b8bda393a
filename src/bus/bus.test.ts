import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PioBus, BusError } from './bus.js';
import type { BusDevice } from './bus-device.js';

class Recorder implements BusDevice {
  writes: Array<[number, number[]]> = [];
  read(offset: number, data: Uint8Array): void {
    data.fill(offset);
  }
  write(offset: number, data: Uint8Array): void {
    this.writes.push([offset, [...data]]);
  }
}

test('bus dispatches accesses with offsets relative to the device base', () => {
  const bus = new PioBus();
  const dev = new Recorder();
  bus.insert(0x3f8, 8, 'com1', dev);
  bus.write(0x3fb, Uint8Array.of(0x80));
  assert.deepEqual(dev.writes, [[3, [0x80]]]);
  const data = new Uint8Array(1);
  bus.read(0x3fd, data);
  assert.equal(data[0], 5);
});

test('unmapped reads return all-ones and are counted', () => {
  const bus = new PioBus();
  const data = new Uint8Array(2);
  bus.read(0x1234, data);
  assert.deepEqual([...data], [0xff, 0xff]);
  bus.write(0x1234, data);
  assert.equal(bus.unmappedAccesses, 2);
});

test('overlapping and empty ranges are rejected at insert time', () => {
  const bus = new PioBus();
  bus.insert(0x60, 1, 'kbd-data', new Recorder());
  bus.insert(0x64, 1, 'kbd-cmd', new Recorder());
  assert.throws(() => bus.insert(0x5f, 2, 'clash', new Recorder()), BusError);
  assert.throws(() => bus.insert(0x64, 1, 'clash', new Recorder()), /overlaps kbd-cmd/);
  assert.throws(() => bus.insert(0x70, 0, 'empty', new Recorder()), BusError);
  assert.throws(() => bus.insert(0xffff, 2, 'past-end', new Recorder()), BusError);
  bus.insert(0x61, 3, 'between', new Recorder());
  assert.equal(bus.list().length, 3);
});
