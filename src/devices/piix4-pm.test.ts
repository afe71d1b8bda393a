import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MmioBus, PioBus } from '../bus/bus.js';
import { RecordingIrqLine } from '../bus/bus-device.js';
import { PciBus } from '../pci/pci-bus.js';
import { PM1_CNT, PM1_EVT, PM_REG, SLP_TYP_SHIFT } from './acpi-pm-registers.js';
import { PM_TIMER_HZ, PM_TIMER_OVERFLOW_TICKS, nsForPmTicks, pmTicksIn } from './acpi-pm-timer.js';
import { GPE0_BASE } from './acpi-gpe.js';
import { APM_CONTROL_PORT, APM_PORTS_SIZE } from './apm-ports.js';
import { ACPI_DISABLE_CMD, ACPI_ENABLE_CMD, PIIX4_PM_CONFIG, PIIX4_PM_DEVFN, PIIX4_SLP_TYP, PM_IO_BASE_DEFAULT, Piix4Pm } from './piix4-pm.js';
import { ManualClock, RecordingTimer } from './scheduler.js';
import { prng } from './test-util.js';

/** A PM function on a PCI bus and a port bus, as the pc machine wires it. */
function machine(opts: { com1?: boolean } = {}) {
  const pio = new PioBus();
  const clock = new ManualClock();
  clock.now = 5_000_000_000; // the machine's clock does not start at 0
  const sci = new RecordingIrqLine();
  const timer = new RecordingTimer();
  const events: string[] = [];
  const pm = new Piix4Pm({ pio, sci, clock: clock.clock, timer, onPowerOff: () => events.push('off'), ...opts });
  const pci = new PciBus({ pio, mmio: new MmioBus() });
  pci.add(PIIX4_PM_DEVFN, pm);
  pio.insert(GPE0_BASE, pm.gpe0.length, 'gpe0', pm.gpe0);
  pio.insert(APM_CONTROL_PORT, APM_PORTS_SIZE, 'apm', pm.apm);
  const cfgr = (off: number, size: number): number => pci.configRead(PIIX4_PM_DEVFN, off, size);
  const cfgw = (off: number, size: number, v: number): void => pci.configWrite(PIIX4_PM_DEVFN, off, size, v);
  const io = (port: number, size: number): number => {
    const d = new Uint8Array(size);
    pio.read(port, d);
    return d.reduce((v, b, i) => v + b * 2 ** (8 * i), 0);
  };
  const out = (port: number, size: number, v: number): void => {
    pio.write(port, Uint8Array.from({ length: size }, (_, i) => Math.floor(v / 2 ** (8 * i)) & 0xff));
  };
  /** Programs the function as SeaBIOS's piix4_pm_config_setup does. */
  const firmwareSetup = (base = PM_IO_BASE_DEFAULT): void => {
    cfgw(0x3c, 1, 9);
    cfgw(PIIX4_PM_CONFIG.PMBA, 4, base | 1);
    cfgw(PIIX4_PM_CONFIG.PMREGMISC, 1, 1);
    cfgw(PIIX4_PM_CONFIG.SMBBA, 4, (base + 0x100) | 1);
    cfgw(PIIX4_PM_CONFIG.SMBHSTCFG, 1, 9);
  };
  return { pio, clock, sci, timer, events, pm, pci, cfgr, cfgw, io, out, firmwareSetup };
}

test('config space: 8086:7113 rev 3, class 0680, pin A, APMC_EN preset, PMBA bit 0 fixed', () => {
  const m = machine({ com1: true });
  assert.equal(m.cfgr(0, 4), 0x7113_8086);
  assert.equal(m.cfgr(0x08, 4), 0x0680_0003);
  assert.equal(m.cfgr(0x06, 2), 0x0280);
  assert.equal(m.cfgr(0x2c, 4), 0x1100_1af4);
  assert.equal(m.cfgr(0x3d, 1), 1);
  assert.equal(m.cfgr(0x0e, 1), 0);
  assert.equal(m.cfgr(0x58, 4), 0x0200_0000); // SeaBIOS skips its SMM set-up
  assert.equal(m.cfgr(0x67, 1), 0x08); // COM1 decoded
  m.cfgw(PIIX4_PM_CONFIG.PMBA, 4, 0xffff_ffff);
  assert.equal(m.cfgr(PIIX4_PM_CONFIG.PMBA, 4), 0xffc1, 'bits 15:6 writable, bit 0 reads 1');
  m.firmwareSetup();
  assert.equal(m.cfgr(PIIX4_PM_CONFIG.SMBHSTCFG, 1), 0, 'no SMBus host: it stays disabled');
  assert.equal(m.cfgr(PIIX4_PM_CONFIG.SMBBA, 4), 0);
});

test('the PM block appears at PMBA only while PMIOSE is set, and moves with PMBA', () => {
  const m = machine();
  assert.equal(m.io(PM_IO_BASE_DEFAULT + PM_REG.PM1_CNT, 2), 0xffff, 'not decoded at power-on');
  m.firmwareSetup();
  assert.equal(m.pm.pmBase, 0x600);
  assert.equal(m.io(0x604, 2), 0);
  m.cfgw(PIIX4_PM_CONFIG.PMBA, 4, 0xb001);
  assert.equal(m.pm.pmBase, 0xb000);
  assert.equal(m.io(0x604, 2), 0xffff);
  assert.equal(m.io(0xb004, 2), 0);
  m.cfgw(PIIX4_PM_CONFIG.PMREGMISC, 1, 0);
  assert.equal(m.pm.pmBase, undefined);
  assert.equal(m.io(0xb004, 2), 0xffff);
});

test('a PMBA over another device is not decoded, and the VMM does not crash', () => {
  const m = machine();
  m.firmwareSetup(0xafc0); // 0xafc0-0xafff overlaps GPE0 at 0xafe0
  assert.equal(m.pm.pmBase, undefined);
  m.cfgw(PIIX4_PM_CONFIG.PMBA, 4, 0x601);
  assert.equal(m.pm.pmBase, 0x600);
});

test('PM timer: 24 bits at 3.579545 MHz from the machine clock, read as a dword or bytewise', () => {
  const m = machine();
  m.firmwareSetup();
  const t0 = m.io(0x608, 4);
  m.clock.advance(1_000_000); // 1 ms
  const t1 = m.io(0x608, 4);
  assert.equal(t1 - t0, Math.floor(PM_TIMER_HZ / 1000));
  m.clock.advance(1_000_000_000);
  const t2 = m.io(0x608, 4);
  assert.equal((t2 - t1 + 0x100_0000) % 0x100_0000, PM_TIMER_HZ);
  assert.ok(t2 <= 0xff_ffff);
  const bytes = [0, 1, 2, 3].map((i) => m.io(0x608 + i, 1));
  assert.equal(bytes[0]! | (bytes[1]! << 8) | (bytes[2]! << 16), t2);
  assert.equal(bytes[3], 0);
  // Whole-tick conversions stay exact far from power-on (no loss above 2^53).
  const day = 86_400 * 1e9;
  assert.equal(pmTicksIn(day), 86_400 * PM_TIMER_HZ);
  assert.equal(pmTicksIn(nsForPmTicks(123_456_789_012)), 123_456_789_012);
});

test('a dword read of PM_TMR takes one sample: it never tears across a carry into the next byte', () => {
  const pio = new PioBus();
  let now = 0;
  const clock = (): number => {
    now += 50; // every look at the clock moves time on: a torn read would mix samples
    return now;
  };
  const pm = new Piix4Pm({ pio, sci: new RecordingIrqLine(), clock, timer: new RecordingTimer(), onPowerOff: () => undefined });
  pm.enablePmIo();
  let last = -1;
  for (let i = 0; i < 20000; i++) {
    const d = new Uint8Array(4);
    pio.read(0x608, d);
    const v = d[0]! | (d[1]! << 8) | (d[2]! << 16);
    assert.ok(v >= last, `PM timer went back from 0x${last.toString(16)} to 0x${v.toString(16)}`);
    last = v;
  }
});

test('TMR_STS: set when bit 23 flips, cleared by writing 1; with TMR_EN it raises the SCI', () => {
  const m = machine();
  m.firmwareSetup();
  assert.equal(m.io(0x600, 2) & PM1_EVT.TMR, 0);
  m.out(0x602, 2, PM1_EVT.TMR);
  assert.equal(m.timer.deadline, m.clock.now + nsForPmTicks(PM_TIMER_OVERFLOW_TICKS), 'armed for the first overflow');
  m.clock.now = m.timer.deadline!;
  m.pm.registers.onTimer();
  assert.equal(m.io(0x600, 2) & PM1_EVT.TMR, PM1_EVT.TMR);
  assert.equal(m.sci.level, true);
  m.out(0x600, 2, PM1_EVT.TMR);
  assert.equal(m.io(0x600, 2) & PM1_EVT.TMR, 0);
  assert.equal(m.sci.level, false);
});

test('power button: PWRBTN_STS, an SCI once PWRBTN_EN is set, write 1 to clear', () => {
  const m = machine();
  m.firmwareSetup();
  m.pm.pressPowerButton();
  assert.equal(m.io(0x600, 2), PM1_EVT.PWRBTN);
  assert.equal(m.sci.level, false, 'not enabled yet');
  m.out(0x602, 2, PM1_EVT.PWRBTN);
  assert.equal(m.sci.level, true);
  m.out(0x601, 1, PM1_EVT.PWRBTN >> 8); // a byte write to the high half clears it too
  assert.equal(m.io(0x600, 2), 0);
  assert.equal(m.sci.level, false);
});

test('ACPI enable handshake: ACPI_ENABLE/ACPI_DISABLE written to SMI_CMD 0xb2 set and clear SCI_EN', () => {
  const m = machine();
  m.firmwareSetup();
  m.out(0xb2, 1, ACPI_ENABLE_CMD);
  assert.equal(m.io(0x604, 2) & PM1_CNT.SCI_EN, PM1_CNT.SCI_EN);
  assert.equal(m.io(0xb2, 1), ACPI_ENABLE_CMD);
  m.out(0xb2, 1, ACPI_DISABLE_CMD);
  assert.equal(m.io(0x604, 2) & PM1_CNT.SCI_EN, 0);
  m.out(0xb3, 1, 0x5a);
  assert.equal(m.io(0xb3, 1), 0x5a, 'APMS is a scratch register');
});

test('SLP_EN with SLP_TYP = \\_S5 powers off; SLP_EN reads 0; other types are ignored', () => {
  const m = machine();
  m.firmwareSetup();
  m.out(0x604, 2, PM1_CNT.SCI_EN | (1 << SLP_TYP_SHIFT) | PM1_CNT.SLP_EN);
  assert.deepEqual(m.events, [], 'S1 is not declared: nothing happens');
  assert.equal(m.io(0x604, 2), PM1_CNT.SCI_EN | (1 << SLP_TYP_SHIFT));
  m.out(0x604, 2, (PIIX4_SLP_TYP.S5 << SLP_TYP_SHIFT) | PM1_CNT.SLP_EN);
  assert.deepEqual(m.events, ['off']);
  // Linux writes SLP_TYP first and SLP_EN in a second write; a byte write of the high half works.
  m.out(0x605, 1, (PM1_CNT.SLP_EN | (PIIX4_SLP_TYP.S5 << SLP_TYP_SHIFT)) >> 8);
  assert.deepEqual(m.events, ['off', 'off']);
});

test('GPE0: status is write-1-to-clear, an enabled pending GPE raises the SCI', () => {
  const m = machine();
  m.pm.gpe0.raise(2);
  assert.equal(m.io(GPE0_BASE, 2), 0x04);
  assert.equal(m.sci.level, false);
  m.out(GPE0_BASE + 2, 1, 0x04);
  assert.equal(m.sci.level, true);
  m.out(GPE0_BASE, 1, 0x04);
  assert.equal(m.io(GPE0_BASE, 4), 0x0004_0000);
  assert.equal(m.sci.level, false);
});

test('a PCI reset returns the function to power-on: decode off, registers clear, SCI low', () => {
  const m = machine();
  m.firmwareSetup();
  m.out(0xb2, 1, ACPI_ENABLE_CMD);
  m.out(0x602, 2, PM1_EVT.PWRBTN);
  m.pm.pressPowerButton();
  assert.equal(m.sci.level, true);
  m.pci.reset();
  assert.equal(m.pm.pmBase, undefined);
  assert.equal(m.sci.level, false);
  assert.equal(m.cfgr(PIIX4_PM_CONFIG.PMBA, 4), 1);
  m.firmwareSetup();
  assert.equal(m.io(0x600, 4), 0);
  assert.equal(m.io(0x604, 2), 0);
});

test('fuzz: random port and config accesses never throw', () => {
  const m = machine();
  const rand = prng(0x7113);
  for (let i = 0; i < 20000; i++) {
    const size = [1, 2, 4][rand() % 3]!;
    const r = rand() % 5;
    if (r === 0) m.cfgw(0x40 + (rand() % 0xc0) & ~(size - 1), size, rand() >>> 0);
    else if (r === 1) m.out(0x600 + (rand() % 0x44), size, rand() >>> 0);
    else if (r === 2) m.io(0x600 + (rand() % 0x44), size);
    else if (r === 3) m.out(GPE0_BASE + (rand() % 4), 1, rand() & 0xff);
    else m.clock.advance(rand() % 1_000_000_000);
  }
});
