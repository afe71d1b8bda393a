import { test } from 'node:test';
import assert from 'node:assert/strict';
import { pcGsiRoutes } from './irq.js';

test('GSI routing matches QEMU pc with the in-kernel irqchip', () => {
  const routes = pcGsiRoutes();
  const ioapic = new Map(routes.filter(([, chip]) => chip === 2).map(([gsi, , pin]) => [gsi, pin]));
  assert.equal(ioapic.get(0), 2, 'ISA IRQ 0 (PIT) reaches IOAPIC pin 2');
  assert.equal(ioapic.has(2), false);
  assert.equal(ioapic.get(4), 4);
  assert.equal(ioapic.get(23), 23);
  const pic = routes.filter(([, chip]) => chip !== 2);
  assert.deepEqual(pic.find(([gsi]) => gsi === 8), [8, 1, 0], 'IRQ 8 on the slave PIC pin 0');
  assert.equal(pic.some(([gsi]) => gsi === 2), false, 'IRQ 2 is the cascade');
  assert.equal(pic.length, 15);
});
