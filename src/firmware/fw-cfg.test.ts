import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory } from '../memory/guest-memory.js';
import { inb, prng } from '../devices/test-util.js';
import { FW_CFG, FW_CFG_DMA, FwCfg, fwCfgLe } from './fw-cfg.js';
import { bootorderFile, fillPcFwCfg, firmwareE820 } from './pc-fw-cfg.js';

const RAM = 1 << 20;

function device(dma = true): { fw: FwCfg; mem: GuestMemory } {
  const mem = GuestMemory.allocate([{ gpa: 0, size: RAM }]);
  return { fw: new FwCfg({ memory: mem, dma }), mem };
}

/** Selects `key` the way SeaBIOS does: a 16-bit little-endian write to 0x510. */
function select(fw: FwCfg, key: number): void {
  fw.ioPort.write(0, Uint8Array.of(key & 0xff, key >> 8));
}

/** Reads `n` bytes through the data port 0x511. */
function readData(fw: FwCfg, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => inb(fw.ioPort, 1));
}

/** Writes a DMA descriptor at `at` and starts it through 0x514/0x518 (big-endian halves). */
function dma(fw: FwCfg, mem: GuestMemory, at: number, control: number, length: number, address: number): number {
  const d = new DataView(new ArrayBuffer(16));
  d.setUint32(0, control, false);
  d.setUint32(4, length, false);
  d.setBigUint64(8, BigInt(address), false);
  mem.write(at, new Uint8Array(d.buffer));
  const hi = new Uint8Array(4);
  const lo = new Uint8Array(4);
  new DataView(hi.buffer).setUint32(0, Math.floor(at / 2 ** 32), false);
  new DataView(lo.buffer).setUint32(0, at >>> 0, false);
  fw.dmaPort.write(0, hi);
  fw.dmaPort.write(4, lo);
  return new DataView(mem.read(at, 4).buffer).getUint32(0, false);
}

test('signature, ID with the DMA bit, and "QEMU CFG" on the DMA port', () => {
  const { fw } = device();
  select(fw, FW_CFG.SIGNATURE);
  assert.equal(new TextDecoder().decode(readData(fw, 4)), 'QEMU');
  select(fw, FW_CFG.ID);
  assert.deepEqual([...readData(fw, 4)], [3, 0, 0, 0]);
  const sig = new Uint8Array(8);
  fw.dmaPort.read(0, sig);
  assert.equal(new TextDecoder().decode(sig), 'QEMU CFG');
  const noDma = device(false).fw;
  select(noDma, FW_CFG.ID);
  assert.deepEqual([...readData(noDma, 4)], [1, 0, 0, 0]);
});

test('data port: reads past the end and of absent items are 0; selecting restarts at offset 0', () => {
  const { fw } = device();
  fw.setItem(FW_CFG.NB_CPUS, fwCfgLe(4, 2));
  select(fw, FW_CFG.NB_CPUS);
  assert.deepEqual([...readData(fw, 4)], [4, 0, 0, 0]);
  select(fw, FW_CFG.NB_CPUS);
  assert.equal(inb(fw.ioPort, 1), 4);
  select(fw, 0x7ff);
  assert.deepEqual([...readData(fw, 3)], [0, 0, 0]);
  // Invalid access widths read zero and change nothing.
  const wide = new Uint8Array(2);
  fw.ioPort.read(0, wide);
  assert.deepEqual([...wide], [0, 0]);
});

test('FILE_DIR lists files sorted by name with big-endian size and key', () => {
  const { fw } = device();
  fw.setFile('etc/zeta', Uint8Array.of(1, 2, 3));
  fw.setFile('bootorder', new Uint8Array(0));
  fw.setFile('etc/alpha', Uint8Array.of(9));
  select(fw, FW_CFG.FILE_DIR);
  const head = new DataView(readData(fw, 4).buffer);
  assert.equal(head.getUint32(0, false), 3);
  const entries = [0, 1, 2].map(() => {
    const e = readData(fw, 64);
    const dv = new DataView(e.buffer);
    const name = new TextDecoder().decode(e.subarray(8, e.indexOf(0, 8)));
    return { size: dv.getUint32(0, false), key: dv.getUint16(4, false), name };
  });
  assert.deepEqual(entries, [
    { size: 0, key: 0x20, name: 'bootorder' },
    { size: 1, key: 0x21, name: 'etc/alpha' },
    { size: 3, key: 0x22, name: 'etc/zeta' },
  ]);
  select(fw, 0x22);
  assert.deepEqual([...readData(fw, 3)], [1, 2, 3]);
  assert.throws(() => fw.setFile('x'.repeat(56), new Uint8Array(1)), RangeError);
  assert.throws(() => fw.setItem(0x20, new Uint8Array(1)), RangeError);
});

test('DMA: select + read copies the item and zero-fills past its end; skip advances', () => {
  const { fw, mem } = device();
  fw.setFile('etc/e820', Uint8Array.of(1, 2, 3, 4, 5, 6));
  const key = fw.directory()[0]!.key;
  mem.fill(0x2000, 16, 0xaa);
  assert.equal(dma(fw, mem, 0x1000, (key << 16) | FW_CFG_DMA.SELECT | FW_CFG_DMA.SKIP, 2, 0), 0);
  assert.equal(dma(fw, mem, 0x1000, FW_CFG_DMA.READ, 8, 0x2000), 0);
  assert.deepEqual([...mem.read(0x2000, 9)], [3, 4, 5, 6, 0, 0, 0, 0, 0xaa]);
  // The data port continues where DMA stopped.
  select(fw, key);
  assert.equal(dma(fw, mem, 0x1000, FW_CFG_DMA.READ, 1, 0x2100), 0);
  assert.equal(inb(fw.ioPort, 1), 2);
  // A control word with no operation transfers nothing and completes.
  assert.equal(dma(fw, mem, 0x1000, 0, 100, 0x2000), 0);
});

test('DMA errors: a buffer or descriptor outside RAM sets the error bit, never throws', () => {
  const { fw, mem } = device();
  fw.setItem(FW_CFG.NB_CPUS, fwCfgLe(1, 2));
  assert.equal(dma(fw, mem, 0x1000, (FW_CFG.NB_CPUS << 16) | FW_CFG_DMA.SELECT | FW_CFG_DMA.READ, 2, RAM - 1), FW_CFG_DMA.ERROR);
  assert.equal(dma(fw, mem, 0x1000, (FW_CFG.NB_CPUS << 16) | FW_CFG_DMA.SELECT | FW_CFG_DMA.READ, 2, 2 ** 52), FW_CFG_DMA.ERROR);
  assert.equal(dma(fw, mem, 0x1000, FW_CFG_DMA.WRITE, 2, 0x3000), FW_CFG_DMA.ERROR);
  // Descriptor itself past the end of RAM: nothing to report into, nothing thrown.
  assert.doesNotThrow(() => fw.dmaTransfer(RAM - 8));
  assert.doesNotThrow(() => fw.dmaTransfer(2 ** 60));
  assert.equal(new DataView(mem.read(RAM - 8, 4).buffer).getUint32(0, false), FW_CFG_DMA.ERROR);
});

test('random port and DMA traffic never throws', () => {
  const { fw, mem } = device();
  fillPcFwCfg(fw, { ram: [{ gpa: 0, size: RAM }], cpus: 1, maxCpus: 1, nographic: true, serconPort: 0x3f8, bootMenu: false, reserved: [] });
  const rand = prng(7);
  for (let i = 0; i < 5000; i++) {
    const which = rand() % 3;
    const width = [1, 2, 4, 8][rand() % 4]!;
    const data = Uint8Array.from({ length: width }, () => rand() & 0xff);
    if (which === 0) fw.ioPort.write(rand() % 2, data);
    else if (which === 1) fw.ioPort.read(rand() % 2, data);
    else {
      mem.write(0x800, Uint8Array.from({ length: 16 }, () => rand() & 0xff));
      fw.dmaTransfer(rand() % 2 ? 0x800 : rand() * 4096);
    }
  }
});

test('pc items: RAM size, CPUs, e820 with RAM and reservations, sercon, boot-fail-wait, bootorder', () => {
  const { fw } = device();
  const ram = [{ gpa: 0, size: 0xc000_0000 }, { gpa: 2 ** 32, size: 2 ** 30 }];
  const reserved = [{ addr: 0xfeff_c000, size: 0x4000 }];
  fillPcFwCfg(fw, { ram, cpus: 2, maxCpus: 4, nographic: true, serconPort: 0x3f8, bootMenu: true, reserved });
  const le = (key: number, n: number): number => {
    select(fw, key);
    return readData(fw, n).reduceRight((v, b) => v * 256 + b, 0);
  };
  assert.equal(le(FW_CFG.RAM_SIZE, 8), 0xc000_0000 + 2 ** 30);
  assert.equal(le(FW_CFG.NB_CPUS, 2), 2);
  assert.equal(le(FW_CFG.MAX_CPUS, 2), 4);
  assert.equal(le(FW_CFG.NOGRAPHIC, 2), 1);
  assert.equal(le(FW_CFG.BOOT_MENU, 2), 1);
  assert.equal(le(FW_CFG.IRQ0_OVERRIDE, 4), 1);
  const e820 = fw.file('etc/e820')!;
  assert.equal(e820.length, 3 * 20);
  assert.deepEqual(firmwareE820(ram, reserved).map((e) => [e.addr, e.type]), [[0, 1], [0xfeff_c000, 2], [2 ** 32, 1]]);
  assert.deepEqual([...fw.file('etc/sercon-port')!], [0xf8, 0x03]);
  assert.deepEqual([...fw.file('etc/boot-fail-wait')!], [0xff, 0xff, 0xff, 0xff]);
  assert.equal(fw.file('bootorder')!.length, 0);
  assert.equal(new TextDecoder().decode(bootorderFile(['/pci@i0cf8/*@1,1/drive@1/disk@0', 'HALT'])), '/pci@i0cf8/*@1,1/drive@1/disk@0\nHALT\0');
  const headful = device().fw;
  fillPcFwCfg(headful, { ram, cpus: 1, maxCpus: 1, nographic: false, bootMenu: false, reserved });
  assert.equal(headful.file('etc/sercon-port'), undefined);
});
