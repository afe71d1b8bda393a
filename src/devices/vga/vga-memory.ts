/**
 * The legacy VGA memory window at 0xA0000-0xBFFFF: CPU accesses go through the graphics
 * controller and sequencer the way the VGA does it: memory map select (GR6), chain-4 and odd/even
 * addressing, the four 8-bit latches, write modes 0-3 with rotate, set/reset, logical function and
 * bit mask, the map mask (SR2), and read modes 0 (read map select) and 1 (colour compare).
 *
 * VRAM layout (shared with the linear framebuffer and the renderer): the byte of plane p at planar
 * offset o is vram[o * 4 + p]. Chain-4 CPU address a is vram[a]; odd/even CPU address a is plane
 * (a & 1) at offset a >> 1, so the CRTC's word and double-word address shifts are folded away.
 */
import type { BusDevice } from '../../bus/bus-device.js';
import type { VgaRegisters } from './vga-registers.js';

/** Size of the legacy window. */
export const VGA_WINDOW_SIZE = 0x20000;

/** Expands the low 4 bits of `v` to a 32-bit mask with 0xFF in byte p for each set bit p. */
function expand4(v: number): number {
  return ((v & 1 ? 0xff : 0) | (v & 2 ? 0xff00 : 0) | (v & 4 ? 0xff0000 : 0) | (v & 8 ? 0xff000000 : 0)) >>> 0;
}

/** The CPU's view of VRAM through the legacy window (map it at 0xA0000, size 0x20000). */
export class VgaMemoryWindow implements BusDevice {
  /** The four latches, plane p in byte p. */
  private latch = 0;

  /**
   * `bankOffset` is the Bochs VBE bank (bytes) added in the 64 KiB map; `onWrite` is told of
   * each write so the owner can count display generations.
   */
  constructor(
    private readonly regs: VgaRegisters,
    private readonly vram: Uint8Array,
    private readonly bankOffset: () => number,
    private readonly onWrite: () => void,
  ) {}

  read(offset: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) data[i] = this.readByte(offset + i);
  }

  write(offset: number, data: Uint8Array): void {
    for (let i = 0; i < data.length; i++) this.writeByte(offset + i, data[i]!);
    this.onWrite();
  }

  /** The address inside the selected map, or -1 when `offset` lies outside it. */
  private mapAddress(offset: number): number {
    switch ((this.regs.gr[6]! >> 2) & 3) {
      case 0:
        return offset < VGA_WINDOW_SIZE ? offset : -1;
      case 1:
        return offset < 0x10000 ? offset + this.bankOffset() : -1;
      case 2:
        return offset >= 0x10000 && offset < 0x18000 ? offset - 0x10000 : -1;
      default:
        return offset >= 0x18000 && offset < VGA_WINDOW_SIZE ? offset - 0x18000 : -1;
    }
  }

  /** Reads the four planes at planar offset `o` as one little-endian word (0 past VRAM). */
  private planes(o: number): number {
    const i = o * 4;
    const v = this.vram;
    if (i + 3 >= v.length) return 0;
    return (v[i]! | (v[i + 1]! << 8) | (v[i + 2]! << 16) | (v[i + 3]! << 24)) >>> 0;
  }

  private readByte(offset: number): number {
    const a = this.mapAddress(offset);
    if (a < 0) return 0xff;
    const { sr, gr } = this.regs;
    if ((sr[4]! & 0x08) !== 0) return this.vram[a] ?? 0xff;
    let plane: number;
    let o: number;
    if ((gr[5]! & 0x10) !== 0) {
      plane = (gr[4]! & 2) | (a & 1);
      o = a >> 1;
    } else {
      plane = gr[4]! & 3;
      o = a;
    }
    this.latch = this.planes(o);
    if ((gr[5]! & 0x08) === 0) return (this.latch >>> (plane * 8)) & 0xff;
    const diff = (this.latch ^ expand4(gr[2]!)) & expand4(gr[7]!);
    const any = (diff | (diff >>> 8) | (diff >>> 16) | (diff >>> 24)) & 0xff;
    return ~any & 0xff;
  }

  private writeByte(offset: number, value: number): void {
    const a = this.mapAddress(offset);
    if (a < 0) return;
    const sr = this.regs.sr;
    const mapMask = sr[2]! & 0x0f;
    if ((sr[4]! & 0x08) !== 0) {
      if ((mapMask & (1 << (a & 3))) !== 0 && a < this.vram.length) this.vram[a] = value;
      return;
    }
    if ((sr[4]! & 0x04) === 0) {
      const planes = mapMask & ((a & 1) !== 0 ? 0x0a : 0x05);
      const base = (a >> 1) * 4;
      for (let p = 0; p < 4; p++) if ((planes & (1 << p)) !== 0 && base + p < this.vram.length) this.vram[base + p] = value;
      return;
    }
    this.writePlanar(a, value, mapMask);
  }

  /** Write modes 0-3 at planar offset `o`. */
  private writePlanar(o: number, value: number, mapMask: number): void {
    const gr = this.regs.gr;
    const rotate = gr[3]! & 7;
    const rotated = ((value >>> rotate) | (value << (8 - rotate))) & 0xff;
    let data: number;
    let bitMask = gr[8]!;
    switch (gr[5]! & 3) {
      case 0: {
        const enable = expand4(gr[1]!);
        data = ((rotated * 0x01010101) & ~enable) | (expand4(gr[0]!) & enable);
        break;
      }
      case 1:
        this.storePlanes(o, this.latch, mapMask);
        return;
      case 2:
        data = expand4(value);
        break;
      default:
        bitMask &= rotated;
        data = expand4(gr[0]!);
        break;
    }
    switch ((gr[3]! >> 3) & 3) {
      case 1:
        data &= this.latch;
        break;
      case 2:
        data |= this.latch;
        break;
      case 3:
        data ^= this.latch;
        break;
      default:
        break;
    }
    const mask = (bitMask * 0x01010101) >>> 0;
    this.storePlanes(o, ((data & mask) | (this.latch & ~mask)) >>> 0, mapMask);
  }

  private storePlanes(o: number, word: number, mapMask: number): void {
    const base = o * 4;
    if (base + 3 >= this.vram.length) return;
    for (let p = 0; p < 4; p++) if ((mapMask & (1 << p)) !== 0) this.vram[base + p] = (word >>> (p * 8)) & 0xff;
  }
}
