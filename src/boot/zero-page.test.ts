import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GuestMemory } from '../memory/guest-memory.js';
import { SCREEN_INFO, ZERO_PAGE_SIZE, ZP, writeZeroPage } from './zero-page.js';

test('boot_params.screen_info describes the firmware\'s VGA text console: mode 3, 80x25 colour, 8x16 font, cursor at 0,0', () => {
  const mem = GuestMemory.allocate([{ gpa: 0, size: 0x10_0000 }]);
  mem.fill(0x7000, ZERO_PAGE_SIZE, 0xaa);
  const kernel = new Uint8Array(0x1000);
  writeZeroPage(mem, 0x7000, kernel, 0x268, { code32Start: 0x100000, cmdlinePtr: 0x20000, e820: [] });
  const si = 0x7000 + ZP.screenInfo;
  // What vgacon_startup() checks before it takes the screen (lines and columns non-zero, not a
  // VGA16 graphics mode, colour text at 0xB8000 on a VGA).
  assert.equal(mem.readU8(si + SCREEN_INFO.origVideoMode), 3);
  assert.equal(mem.readU8(si + SCREEN_INFO.origVideoCols), 80);
  assert.equal(mem.readU8(si + SCREEN_INFO.origVideoLines), 25);
  assert.equal(mem.readU8(si + SCREEN_INFO.origVideoIsVga), 1);
  assert.equal(mem.readU16(si + SCREEN_INFO.origVideoEgaBx) & 0xff, 0x03, 'EGA memory code 3 (256 KiB), not the CGA value 0x10');
  assert.equal(mem.readU16(si + SCREEN_INFO.origVideoPoints), 16);
  assert.equal(mem.readU8(si + SCREEN_INFO.origX), 0);
  assert.equal(mem.readU8(si + SCREEN_INFO.origY), 0);
  assert.equal(mem.readU16(si + SCREEN_INFO.origVideoPage), 0);
});
