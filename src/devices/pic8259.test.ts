import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Pic8259Pair } from './pic8259.js';
import { inb, outb, prng, randomAccess } from './test-util.js';

/** Ports as the guest addresses them: master 0x20/0x21, slave 0xA0/0xA1. */
function ports(pic: Pic8259Pair) {
  return {
    out(port: number, v: number): void {
      if (port === 0x20 || port === 0x21) outb(pic.master, port - 0x20, v);
      else if (port === 0xa0 || port === 0xa1) outb(pic.slave, port - 0xa0, v);
      else outb(pic.elcr, port - 0x4d0, v);
    },
    in(port: number): number {
      if (port === 0x20 || port === 0x21) return inb(pic.master, port - 0x20);
      if (port === 0xa0 || port === 0xa1) return inb(pic.slave, port - 0xa0);
      return inb(pic.elcr, port - 0x4d0);
    },
  };
}

/** SeaBIOS's pic_reset(0x08, 0x70) followed by its mask of everything but the cascade. */
function seabiosInit(pic: Pic8259Pair): ReturnType<typeof ports> {
  const io = ports(pic);
  io.out(0x20, 0x11); io.out(0xa0, 0x11);
  io.out(0x21, 0x08); io.out(0xa1, 0x70);
  io.out(0x21, 0x04); io.out(0xa1, 0x02);
  io.out(0x21, 0x01); io.out(0xa1, 0x01);
  io.out(0x21, 0xfb); io.out(0xa1, 0xff);
  return io;
}

/** Linux's init_8259A(auto_eoi = 0): vectors 0x30 / 0x38, masks restored afterwards. */
function linuxInit(pic: Pic8259Pair, autoEoi = false): ReturnType<typeof ports> {
  const io = ports(pic);
  io.out(0x21, 0xff); io.out(0xa1, 0xff);
  io.out(0x20, 0x11); io.out(0x21, 0x30); io.out(0x21, 0x04); io.out(0x21, autoEoi ? 0x03 : 0x01);
  io.out(0xa0, 0x11); io.out(0xa1, 0x38); io.out(0xa1, 0x02); io.out(0xa1, 0x01);
  io.out(0x21, 0xfb); io.out(0xa1, 0xff);
  return io;
}

test('SeaBIOS init: vectors 0x08/0x70, IMR reads back, IRQ0 delivered as vector 8 and cleared by EOI', () => {
  let intr = false;
  const pic = new Pic8259Pair({ onIntr: (l) => { intr = l; } });
  const io = seabiosInit(pic);
  assert.equal(io.in(0x21), 0xfb);
  assert.equal(io.in(0xa1), 0xff);
  pic.irqLines[0]!.pulse();
  assert.equal(pic.hasInterrupt(), false, 'IRQ0 is masked');
  io.out(0x21, 0xfa);
  assert.equal(pic.hasInterrupt(), true, 'the latched edge shows once unmasked');
  assert.equal(intr, true);
  assert.equal(pic.acknowledge(), 0x08);
  assert.equal(pic.hasInterrupt(), false);
  assert.equal(intr, false);
  io.out(0x20, 0x0b);
  assert.equal(io.in(0x20), 0x01, 'ISR shows IRQ0 in service');
  io.out(0x20, 0x20);
  assert.equal(io.in(0x20), 0x00, 'non-specific EOI cleared it');
  io.out(0x20, 0x0a);
  assert.equal(io.in(0x20), 0x00, 'IRR is clear: the edge was consumed');
});

test('Linux init: slave IRQ8 arrives as 0x38 through the cascade; ISR bits on both chips until both EOIs', () => {
  const pic = new Pic8259Pair();
  const io = linuxInit(pic);
  io.out(0xa1, 0xfe);
  pic.setIrq(8, true);
  assert.equal(pic.hasInterrupt(), true);
  assert.equal(pic.acknowledge(), 0x38);
  io.out(0x20, 0x0b); io.out(0xa0, 0x0b);
  assert.equal(io.in(0x20), 0x04, 'master has the cascade in service');
  assert.equal(io.in(0xa0), 0x01);
  pic.setIrq(8, false);
  pic.setIrq(8, true);
  assert.equal(pic.hasInterrupt(), false, 'the second edge waits for the slave EOI');
  io.out(0xa0, 0x60); // specific EOI, level 0
  assert.equal(pic.hasInterrupt(), false, 'the master still has IR2 in service');
  io.out(0x20, 0x62); // specific EOI, level 2
  assert.equal(pic.hasInterrupt(), true);
  assert.equal(pic.acknowledge(), 0x38);
});

test('fixed priority: IRQ1 before IRQ3, IRQ0 nests over IRQ1, lower requests wait for EOI', () => {
  const pic = new Pic8259Pair();
  const io = linuxInit(pic);
  io.out(0x21, 0x00);
  pic.irqLines[3]!.pulse();
  pic.irqLines[1]!.pulse();
  assert.equal(pic.acknowledge(), 0x31);
  assert.equal(pic.hasInterrupt(), false, 'IRQ3 is lower than IRQ1 in service');
  pic.irqLines[0]!.pulse();
  assert.equal(pic.hasInterrupt(), true, 'IRQ0 is higher and nests');
  assert.equal(pic.acknowledge(), 0x30);
  io.out(0x20, 0x20); // ends IRQ0, the highest in service
  assert.equal(pic.hasInterrupt(), false);
  io.out(0x20, 0x20); // ends IRQ1
  assert.equal(pic.acknowledge(), 0x33);
});

test('rotation: rotate on non-specific EOI and set-priority move the lowest priority', () => {
  const pic = new Pic8259Pair();
  const io = linuxInit(pic);
  io.out(0x21, 0x00);
  pic.irqLines[1]!.pulse();
  assert.equal(pic.acknowledge(), 0x31);
  io.out(0x20, 0xa0); // rotate on non-specific EOI: IRQ1 becomes lowest, IRQ2 highest
  pic.irqLines[0]!.pulse();
  pic.irqLines[3]!.pulse();
  assert.equal(pic.acknowledge(), 0x33, 'IRQ3 now outranks IRQ0');
  io.out(0x20, 0x63);
  assert.equal(pic.acknowledge(), 0x30);
  io.out(0x20, 0x60);
  io.out(0x20, 0xc7); // set priority: IRQ7 lowest, IRQ0 highest again
  pic.irqLines[5]!.pulse();
  pic.irqLines[4]!.pulse();
  assert.equal(pic.acknowledge(), 0x34);
});

test('ELCR level inputs re-request after EOI while high; edge inputs do not', () => {
  const pic = new Pic8259Pair();
  const io = linuxInit(pic);
  io.out(0x21, 0x00); io.out(0xa1, 0x00);
  io.out(0x4d1, 0xff);
  assert.equal(io.in(0x4d1), 0xde, 'IRQ8 and IRQ13 stay edge on PIIX3');
  io.out(0x4d0, 0xff);
  assert.equal(io.in(0x4d0), 0xf8, 'IRQ0-2 stay edge on PIIX3');
  pic.setIrq(10, true);
  assert.equal(pic.acknowledge(), 0x3a);
  io.out(0xa0, 0x20); io.out(0x20, 0x20);
  assert.equal(pic.hasInterrupt(), true, 'still asserted: requested again');
  pic.setIrq(10, false);
  assert.equal(pic.slave.output, false, 'a level request goes away with the line');
  assert.equal(pic.acknowledge(), 0x3f, 'the edge the master latched on IR2 becomes a spurious IRQ15');
  io.out(0x20, 0x20);
  assert.equal(pic.hasInterrupt(), false);
  io.out(0x4d1, 0x00);
  pic.setIrq(11, true);
  assert.equal(pic.acknowledge(), 0x3b);
  io.out(0xa0, 0x20); io.out(0x20, 0x20);
  assert.equal(pic.hasInterrupt(), false, 'an edge input held high does not request again');
});

test('a level request withdrawn before INTA gives the spurious IRQ7 vector and sets no ISR bit', () => {
  const pic = new Pic8259Pair();
  const io = linuxInit(pic);
  io.out(0x21, 0x00);
  io.out(0x4d0, 0x08);
  pic.setIrq(3, true);
  assert.equal(pic.hasInterrupt(), true);
  pic.setIrq(3, false);
  assert.equal(pic.acknowledge(), 0x37);
  io.out(0x20, 0x0b);
  assert.equal(io.in(0x20), 0x00);
});

test('auto-EOI (Linux auto_eoi=1): no ISR bit, so an equal request follows at once', () => {
  const pic = new Pic8259Pair();
  const io = linuxInit(pic, true);
  io.out(0x21, 0x00);
  pic.irqLines[4]!.pulse();
  assert.equal(pic.acknowledge(), 0x34);
  io.out(0x20, 0x0b);
  assert.equal(io.in(0x20), 0x00);
  pic.irqLines[4]!.pulse();
  assert.equal(pic.hasInterrupt(), true);
});

test('poll command: read returns 0x80|level and acknowledges; 0 when nothing is pending', () => {
  const pic = new Pic8259Pair();
  const io = linuxInit(pic);
  io.out(0x21, 0x00);
  pic.irqLines[6]!.pulse();
  io.out(0x20, 0x0c);
  assert.equal(io.in(0x20), 0x86);
  io.out(0x20, 0x0b);
  assert.equal(io.in(0x20), 0x40);
  io.out(0x20, 0x0c);
  assert.equal(io.in(0x21), 0x00, 'poll answers on either port; nothing more pending');
  assert.equal(io.in(0x21), 0x00, 'the next read is the IMR again');
});

test('special mask mode lets a lower request in while the masked level is in service', () => {
  const pic = new Pic8259Pair();
  const io = linuxInit(pic);
  io.out(0x21, 0x00);
  pic.irqLines[1]!.pulse();
  assert.equal(pic.acknowledge(), 0x31);
  pic.irqLines[5]!.pulse();
  assert.equal(pic.hasInterrupt(), false);
  io.out(0x21, 0x02);
  io.out(0x20, 0x68); // set special mask
  assert.equal(pic.acknowledge(), 0x35);
  pic.irqLines[6]!.pulse();
  assert.equal(pic.hasInterrupt(), false, 'IRQ5 in service and unmasked still holds back IRQ6');
  io.out(0x21, 0x22);
  assert.equal(pic.acknowledge(), 0x36, 'masked, it no longer does');
  io.out(0x20, 0x48); // reset special mask
  io.out(0x20, 0x0b);
  assert.equal(io.in(0x20), 0x62);
});

test('special fully nested mode: a higher slave request passes the master cascade in service', () => {
  const plain = new Pic8259Pair();
  let io = linuxInit(plain);
  io.out(0x21, 0x00); io.out(0xa1, 0x00);
  plain.irqLines[9]!.pulse();
  assert.equal(plain.acknowledge(), 0x39);
  plain.irqLines[8]!.pulse();
  assert.equal(plain.hasInterrupt(), false, 'fully nested: IR2 in service blocks the whole slave');

  const pic = new Pic8259Pair();
  io = linuxInit(pic);
  io.out(0x20, 0x11); io.out(0x21, 0x30); io.out(0x21, 0x04); io.out(0x21, 0x11); // ICW4: SFNM
  io.out(0x21, 0x00); io.out(0xa1, 0x00);
  pic.irqLines[9]!.pulse();
  assert.equal(pic.acknowledge(), 0x39);
  pic.irqLines[8]!.pulse();
  assert.equal(pic.acknowledge(), 0x38, 'IRQ8 outranks IRQ9 on the slave and passes the master');
  pic.irqLines[9]!.pulse();
  assert.equal(pic.hasInterrupt(), false, 'IRQ9 waits behind IRQ8 on the slave');
});

test('ICW1 clears IMR/ISR and forgets latched edges; a line still high needs a new edge', () => {
  const pic = new Pic8259Pair();
  const io = linuxInit(pic);
  io.out(0x21, 0x00);
  pic.setIrq(1, true);
  assert.equal(pic.hasInterrupt(), true);
  io.out(0x20, 0x11); io.out(0x21, 0x30); io.out(0x21, 0x04); io.out(0x21, 0x01);
  assert.equal(io.in(0x21), 0x00);
  assert.equal(pic.hasInterrupt(), false);
  pic.setIrq(1, false);
  pic.setIrq(1, true);
  assert.equal(pic.acknowledge(), 0x31);
});

test('reset keeps the input levels: a level line still asserted requests again once ELCR says level', () => {
  const pic = new Pic8259Pair();
  let io = linuxInit(pic);
  io.out(0x4d1, 0x08);
  pic.setIrq(11, true);
  pic.reset();
  assert.equal(pic.hasInterrupt(), false);
  io = linuxInit(pic);
  io.out(0x21, 0x00); io.out(0xa1, 0x00);
  assert.equal(pic.hasInterrupt(), false, 'edge after reset: no new edge yet');
  io.out(0x4d1, 0x08);
  assert.equal(pic.acknowledge(), 0x3b);
});

test('state round-trips and random port traffic never throws', () => {
  const pic = new Pic8259Pair();
  const io = seabiosInit(pic);
  io.out(0x21, 0x00);
  pic.irqLines[3]!.pulse();
  const copy = new Pic8259Pair();
  copy.loadState(JSON.parse(JSON.stringify(pic.saveState())));
  assert.equal(copy.acknowledge(), 0x0b);
  const rand = prng(8259);
  for (let i = 0; i < 20000; i++) {
    const dev = [pic.master, pic.slave, pic.elcr][rand() % 3]!;
    randomAccess(dev, rand, 2);
    if (rand() % 8 === 0) pic.setIrq(rand() % 16, (rand() & 1) === 1);
    if (pic.hasInterrupt()) {
      const v = pic.acknowledge();
      assert.ok(v >= 0 && v <= 0xff);
    }
  }
});
