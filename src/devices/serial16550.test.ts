import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RecordingIrqLine } from '../bus/bus-device.js';
import { Serial16550, COM1, COM2, COM3, COM4, SERIAL_FIFO_SIZE } from './serial16550.js';
import { ManualClock, RecordingTimer } from './scheduler.js';
import { inb, outb, prng, randomAccess } from './test-util.js';

const RBR = 0, IER = 1, IIR = 2, FCR = 2, LCR = 3, MCR = 4, LSR = 5, MSR = 6, SCR = 7;

function make(opts: { timer?: boolean } = {}) {
  const irq = new RecordingIrqLine();
  const out: number[] = [];
  const clock = new ManualClock();
  const timer = new RecordingTimer();
  let rxSpace = 0;
  const uart = new Serial16550({
    irq,
    sink: { write: (d) => out.push(...d) },
    ...(opts.timer ? { clock: clock.clock, timer } : {}),
    onRxSpace: () => rxSpace++,
  });
  return { uart, irq, out, clock, timer, rxSpace: () => rxSpace };
}

test('PC COM port constants match the ISA map', () => {
  assert.deepEqual([COM1, COM2, COM3, COM4].map((c) => [c.base, c.irq]), [[0x3f8, 4], [0x2f8, 3], [0x3e8, 4], [0x2e8, 3]]);
});

test('Linux 8250 autoconfig sequence identifies a 16550A', () => {
  const { uart } = make();
  // IER test: write 0, read 0; write 0x0f, read 0x0f.
  const savedIer = inb(uart, IER);
  outb(uart, IER, 0);
  assert.equal(inb(uart, IER) & 0x0f, 0);
  outb(uart, IER, 0x0f);
  assert.equal(inb(uart, IER) & 0x0f, 0x0f);
  outb(uart, IER, savedIer);
  // Loopback test of the modem status lines.
  const saveMcr = inb(uart, MCR);
  const saveLcr = inb(uart, LCR);
  outb(uart, MCR, 0x10 | 0x0a);
  assert.equal(inb(uart, MSR) & 0xf0, 0x90, 'loopback maps RTS->CTS, OUT2->DCD');
  outb(uart, MCR, saveMcr);
  // EFR probe through LCR=0xBF, then FIFO enable and IIR bits 7:6.
  outb(uart, LCR, 0xbf);
  outb(uart, 2, 0);
  outb(uart, LCR, 0);
  outb(uart, FCR, 0x01);
  assert.equal(inb(uart, IIR) >> 6, 3, 'FIFO-enabled bits say 16550A');
  // autoconfig_16550a: no EFR (IIR reads non-zero under both config modes).
  outb(uart, LCR, 0x80);
  assert.notEqual(inb(uart, 2), 0);
  outb(uart, LCR, 0xbf);
  assert.notEqual(inb(uart, 2), 0);
  // National SuperIO check: "EXCR1" (IIR) must not follow MCR.LOOP.
  outb(uart, LCR, 0);
  const status1 = inb(uart, MCR);
  outb(uart, LCR, 0xe0);
  let status2 = inb(uart, 2);
  assert.equal((status1 ^ status2) & 0x10, 0);
  outb(uart, LCR, 0);
  outb(uart, MCR, status1 ^ 0x10);
  outb(uart, LCR, 0xe0);
  status2 = inb(uart, 2);
  outb(uart, LCR, 0);
  outb(uart, MCR, status1);
  assert.equal((status1 ^ status2) & 0x10, 0, 'not a National Semiconductor part');
  // 16750 check: the 64-byte bit must not show in IIR bit 5.
  outb(uart, FCR, 0x21);
  const a = inb(uart, IIR) >> 5;
  outb(uart, FCR, 0x01);
  outb(uart, LCR, 0x80);
  outb(uart, FCR, 0x21);
  const b = inb(uart, IIR) >> 5;
  outb(uart, FCR, 0x01);
  outb(uart, LCR, 0);
  assert.deepEqual([a, b], [6, 6]);
  // XScale UUE bit (IER bit 6) must not stick.
  outb(uart, IER, 0x40);
  assert.equal(inb(uart, IER) & 0x40, 0);
  outb(uart, LCR, saveLcr);
  // Scratch register holds values.
  outb(uart, SCR, 0xa5);
  assert.equal(inb(uart, SCR), 0xa5);
  outb(uart, SCR, 0x5a);
  assert.equal(inb(uart, SCR), 0x5a);
  // serial8250_startup: LSR must not float at 0xff.
  assert.notEqual(inb(uart, LSR), 0xff);
});

test('THRE interrupt fires when IER.THRI is enabled with THR empty (UART_BUG_THRE probe)', () => {
  const { uart } = make();
  outb(uart, IER, 0x02);
  assert.equal(inb(uart, IIR), 0x02);
  assert.equal(inb(uart, IIR), 0x01, 'reading IIR cleared the THRE source');
  outb(uart, IER, 0);
  outb(uart, IER, 0x02);
  assert.equal(inb(uart, IIR), 0x02, 're-enabling THRI raises it again');
  assert.equal(inb(uart, LSR) & 0x60, 0x60);
});

test('TX goes to the sink and re-raises THRE with a fresh edge when OUT2 is set', () => {
  const { uart, irq, out } = make();
  outb(uart, MCR, 0x08);
  outb(uart, IER, 0x02);
  assert.equal(irq.level, true);
  assert.equal(irq.edges, 1);
  outb(uart, RBR, 0x41);
  outb(uart, RBR, 0x42);
  assert.deepEqual(out, [0x41, 0x42]);
  assert.equal(irq.level, true);
  assert.equal(irq.edges, 3, 'each byte drops and raises the line');
});

test('OUT2 gates the IRQ pin as on a PC', () => {
  const { uart, irq } = make();
  outb(uart, IER, 0x01);
  uart.receive(Uint8Array.of(1));
  assert.equal(uart.interruptPending(), true);
  assert.equal(irq.level, false);
  outb(uart, MCR, 0x08);
  assert.equal(irq.level, true);
  inb(uart, RBR);
  assert.equal(irq.level, false);
});

test('divisor latch is reached through DLAB and hides RBR/IER', () => {
  const { uart } = make();
  outb(uart, IER, 0x05);
  outb(uart, LCR, 0x83);
  outb(uart, 0, 0x01);
  outb(uart, 1, 0x00);
  assert.equal(inb(uart, 0), 0x01);
  assert.equal(inb(uart, 1), 0x00);
  outb(uart, LCR, 0x03);
  assert.equal(inb(uart, IER), 0x05);
  assert.equal(uart.saveState().divisor, 1);
  assert.ok(Math.abs(uart.charTimeNs() - (10e9 / 115200)) < 1e-6);
});

test('FIFO trigger levels gate the receive-data interrupt', () => {
  for (const [fcr, level] of [[0x01, 1], [0x41, 4], [0x81, 8], [0xc1, 14]] as const) {
    const { uart } = make({ timer: true });
    outb(uart, FCR, fcr);
    outb(uart, IER, 0x01);
    for (let i = 0; i < level - 1; i++) uart.receive(Uint8Array.of(i));
    assert.equal(inb(uart, IIR), 0xc1, `below trigger ${level}`);
    uart.receive(Uint8Array.of(0xee));
    assert.equal(inb(uart, IIR), 0xc4, `at trigger ${level}`);
    inb(uart, RBR);
    assert.equal(inb(uart, IIR), 0xc1, 'below the level again');
  }
});

test('full FIFO drops input, sets OE, and raises a line status interrupt first', () => {
  const { uart } = make({ timer: true });
  outb(uart, FCR, 0xc7);
  outb(uart, IER, 0x07);
  const bytes = Uint8Array.from({ length: SERIAL_FIFO_SIZE + 2 }, (_, i) => i);
  assert.equal(uart.canReceive(), SERIAL_FIFO_SIZE);
  uart.receive(bytes);
  assert.equal(uart.canReceive(), 0);
  assert.equal(inb(uart, IIR), 0xc6, 'line status has top priority');
  const lsr = inb(uart, LSR);
  assert.equal(lsr & 0x03, 0x03, 'DR and OE');
  assert.equal(inb(uart, LSR) & 0x02, 0, 'reading LSR clears OE');
  assert.equal(inb(uart, IIR), 0xc4, 'then receive data');
  const got: number[] = [];
  while (inb(uart, LSR) & 1) got.push(inb(uart, RBR));
  assert.deepEqual(got, [...bytes.slice(0, SERIAL_FIFO_SIZE)]);
  assert.equal(inb(uart, IIR), 0xc2, 'then THRE');
  assert.equal(inb(uart, IIR), 0xc1);
});

test('without FIFO a second byte overwrites RBR and sets OE', () => {
  const { uart } = make();
  uart.receive(Uint8Array.of(1, 2));
  assert.equal(inb(uart, LSR) & 0x03, 0x03);
  assert.equal(inb(uart, RBR), 2);
  assert.equal(inb(uart, LSR) & 0x01, 0);
});

test('IIR priority: line status > rx data > THRE > modem status', () => {
  const { uart } = make();
  outb(uart, IER, 0x0f);
  uart.receive(Uint8Array.of(7, 8)); // non-FIFO: overrun
  uart.setModemInputs(0x30); // DCD drops: DDCD
  assert.equal(inb(uart, IIR), 0x06);
  inb(uart, LSR);
  assert.equal(inb(uart, IIR), 0x04);
  inb(uart, RBR);
  assert.equal(inb(uart, IIR), 0x02);
  assert.equal(inb(uart, IIR), 0x00, 'modem status last');
  assert.equal(inb(uart, MSR), 0x38, 'CTS|DSR with DDCD');
  assert.equal(inb(uart, MSR), 0x30, 'delta cleared by the read');
  assert.equal(inb(uart, IIR), 0x01);
});

test('character timeout interrupt fires after four character times', () => {
  const { uart, clock, timer } = make({ timer: true });
  outb(uart, LCR, 0x03);
  outb(uart, FCR, 0x81);
  outb(uart, IER, 0x01);
  uart.receive(Uint8Array.of(0x61));
  assert.equal(inb(uart, IIR), 0xc1);
  const deadline = timer.deadline!;
  assert.ok(Math.abs(deadline - 4 * uart.charTimeNs()) < 1);
  clock.advance(deadline / 2);
  uart.onTimer(clock.now);
  assert.equal(inb(uart, IIR), 0xc1, 'early timer call does nothing');
  clock.now = deadline;
  uart.onTimer(clock.now);
  assert.equal(inb(uart, IIR), 0xcc);
  assert.equal(inb(uart, RBR), 0x61);
  assert.equal(inb(uart, IIR), 0xc1);
  assert.equal(uart.saveState().timeoutDeadline, undefined, 'no timeout armed with an empty FIFO');
});

test('loopback: TX returns as RX, MSR follows MCR, line input and IRQ pin are disconnected', () => {
  const { uart, irq, out } = make();
  outb(uart, IER, 0x01);
  outb(uart, MCR, 0x1f);
  assert.equal(inb(uart, MSR) & 0xf0, 0xf0);
  outb(uart, MCR, 0x10);
  assert.equal(inb(uart, MSR), 0x0f, 'all four inputs fell: three deltas and the RI trailing edge');
  outb(uart, RBR, 0x55);
  assert.deepEqual(out, []);
  assert.equal(uart.canReceive(), 0);
  uart.receive(Uint8Array.of(0x99));
  assert.equal(inb(uart, IIR), 0x04);
  assert.equal(irq.level, false);
  assert.equal(inb(uart, RBR), 0x55);
  outb(uart, MCR, 0x08);
  assert.equal(inb(uart, MSR) & 0xf0, 0xb0, 'outside loopback CTS/DSR/DCD read asserted');
});

test('guest reads tell a held-back backend that room is free', () => {
  const { uart, rxSpace } = make();
  uart.receive(Uint8Array.of(1));
  assert.equal(uart.canReceive(), 0);
  inb(uart, RBR);
  assert.equal(rxSpace(), 1);
  assert.equal(uart.canReceive(), 1);
});

test('saveState/loadState round-trips registers and FIFO contents', () => {
  const a = make({ timer: true });
  outb(a.uart, FCR, 0x41);
  outb(a.uart, MCR, 0x0b);
  outb(a.uart, IER, 0x01);
  a.uart.receive(Uint8Array.of(1, 2, 3, 4, 5));
  const b = make({ timer: true });
  b.uart.loadState(structuredClone(a.uart.saveState()));
  assert.equal(b.irq.level, true);
  assert.equal(inb(b.uart, IIR), 0xc4);
  assert.deepEqual([1, 2, 3, 4, 5].map(() => inb(b.uart, RBR)), [1, 2, 3, 4, 5]);
});

test('fuzz: random accesses never throw and the IRQ pin matches the pending state', () => {
  const { uart, irq, clock } = make({ timer: true });
  const rand = prng(0x16550);
  for (let i = 0; i < 20000; i++) {
    const r = rand() % 16;
    if (r === 0) uart.receive(Uint8Array.from({ length: rand() % 20 }, () => rand() & 0xff));
    else if (r === 1) uart.setModemInputs(rand() & 0xff);
    else if (r === 2) {
      clock.advance(rand() % 5_000_000);
      uart.onTimer(clock.now);
    } else randomAccess(uart, rand, 8);
    const st = uart.saveState();
    const expected = uart.interruptPending() && (st.mcr & 0x08) !== 0 && (st.mcr & 0x10) === 0;
    assert.equal(irq.level, expected, `step ${i}`);
    assert.equal(uart.irqAsserted, expected);
    assert.ok(st.rx.length <= SERIAL_FIFO_SIZE);
  }
});
