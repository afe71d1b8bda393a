/**
 * The VGA register file and its I/O ports (0x3B4/0x3B5/0x3BA, 0x3C0-0x3CF, 0x3D4/0x3D5/0x3DA):
 * attribute controller with its index/data flip-flop, sequencer, graphics controller, CRT
 * controller with the CR11 write protect, miscellaneous output, feature control, input status
 * registers (the retrace bits toggle on each read so polling loops end) and the DAC with its
 * read/write indexes. Register meanings follow the IBM VGA reference (FreeVGA).
 */

/** Sequencer register count and the bits each register implements. */
const SR_MASK = [0x03, 0x3d, 0x0f, 0x3f, 0x0e, 0x00, 0x00, 0xff] as const;
/** Graphics controller registers and their implemented bits. */
const GR_MASK = [0x0f, 0x0f, 0x0f, 0x1f, 0x03, 0x7b, 0x0f, 0x0f, 0xff] as const;
/** Attribute controller register count (0x00-0x0F palette, 0x10-0x14 control). */
const AR_COUNT = 0x15;

/** Input status 1 bits that flip on each read: display enable (0) and vertical retrace (3). */
const ST01_TOGGLE = 0x09;
/** Attribute index bit 5: palette address source (video enabled). */
export const AR_PAS = 0x20;

/** The VGA registers, as the renderer and the memory window read them. */
export class VgaRegisters {
  /** Sequencer registers SR0-SR7. */
  readonly sr = new Uint8Array(8);
  /** Graphics controller registers GR0-GR8. */
  readonly gr = new Uint8Array(16);
  /** Attribute controller registers AR00-AR14. */
  readonly ar = new Uint8Array(32);
  /** CRT controller registers CR00-CR18 (and the unused indexes up to 0xFF). */
  readonly cr = new Uint8Array(256);
  /** DAC palette: 256 entries of R, G, B (6 bits each, or 8 in 8-bit DAC mode). */
  readonly palette = new Uint8Array(768);
  /** Miscellaneous output register (bit 0: CRTC at 0x3Dx, bit 1: RAM enable...). */
  misc = 0;
  /** DAC pixel mask (0x3C6). */
  pelMask = 0xff;
  /** DAC entries take 8-bit components (set through the Bochs VBE ENABLE register). */
  dac8bit = false;
  private srIndex = 0;
  private grIndex = 0;
  private crIndex = 0;
  private arIndex = 0;
  /** Attribute flip-flop: false = next 0x3C0 write is the index, true = the data. */
  private arFlipFlop = false;
  private featureControl = 0;
  private st01 = 0;
  private dacReadIndex = 0;
  private dacWriteIndex = 0;
  /** Component (0-2) of the entry being read or written. */
  private dacSubIndex = 0;
  /** 0x3C7 reads: 0 after a write-index set, 3 after a read-index set. */
  private dacState = 0;
  private readonly dacCache = new Uint8Array(3);

  /** Called after every register write (the owner counts display generations). */
  onWrite: () => void = () => {};

  /** Power-on state: everything zero except the pixel mask. */
  reset(): void {
    this.sr.fill(0);
    this.gr.fill(0);
    this.ar.fill(0);
    this.cr.fill(0);
    this.palette.fill(0);
    this.misc = 0;
    this.pelMask = 0xff;
    this.dac8bit = false;
    this.srIndex = this.grIndex = this.crIndex = this.arIndex = 0;
    this.arFlipFlop = false;
    this.featureControl = this.st01 = 0;
    this.dacReadIndex = this.dacWriteIndex = this.dacSubIndex = this.dacState = 0;
  }

  /** Whether the CRTC and input status 1 answer at 0x3Dx (colour) rather than 0x3Bx (mono). */
  get colorIo(): boolean {
    return (this.misc & 1) !== 0;
  }

  /** Whether the screen shows: palette address source set (AR index bit 5), SR1 screen-off clear. */
  get screenOn(): boolean {
    return (this.arIndex & AR_PAS) !== 0 && (this.sr[1]! & 0x20) === 0;
  }

  /** A port unused by the current CRTC decode (mono ports in colour mode and the reverse). */
  private ignored(port: number): boolean {
    if (port >= 0x3b0 && port <= 0x3bf) return this.colorIo;
    if (port >= 0x3d0 && port <= 0x3df) return !this.colorIo;
    return false;
  }

  /** Reads the byte register at I/O `port`; unimplemented ports read 0 (as in QEMU). */
  readPort(port: number): number {
    if (this.ignored(port)) return 0xff;
    switch (port) {
      case 0x3c0:
        return this.arFlipFlop ? 0 : this.arIndex;
      case 0x3c1:
        return this.ar[this.arIndex & 0x1f] ?? 0;
      case 0x3c2:
        return 0; // input status 0
      case 0x3c4:
        return this.srIndex;
      case 0x3c5:
        return this.sr[this.srIndex] ?? 0;
      case 0x3c6:
        return this.pelMask;
      case 0x3c7:
        return this.dacState;
      case 0x3c8:
        return this.dacWriteIndex;
      case 0x3c9:
        return this.readDac();
      case 0x3ca:
        return this.featureControl;
      case 0x3cc:
        return this.misc;
      case 0x3ce:
        return this.grIndex;
      case 0x3cf:
        return this.gr[this.grIndex] ?? 0;
      case 0x3b4:
      case 0x3d4:
        return this.crIndex;
      case 0x3b5:
      case 0x3d5:
        return this.cr[this.crIndex]!;
      case 0x3ba:
      case 0x3da:
        this.st01 ^= ST01_TOGGLE;
        this.arFlipFlop = false;
        return this.st01;
      default:
        return 0;
    }
  }

  /** Writes the byte register at I/O `port`. */
  writePort(port: number, value: number): void {
    if (this.ignored(port)) return;
    const v = value & 0xff;
    switch (port) {
      case 0x3c0:
        if (!this.arFlipFlop) this.arIndex = v & 0x3f;
        else this.writeAttribute(this.arIndex & 0x1f, v);
        this.arFlipFlop = !this.arFlipFlop;
        break;
      case 0x3c2:
        this.misc = v & ~0x10;
        break;
      case 0x3c4:
        this.srIndex = v & 7;
        break;
      case 0x3c5:
        this.sr[this.srIndex] = v & SR_MASK[this.srIndex]!;
        break;
      case 0x3c6:
        this.pelMask = v;
        break;
      case 0x3c7:
        this.dacReadIndex = v;
        this.dacSubIndex = 0;
        this.dacState = 3;
        break;
      case 0x3c8:
        this.dacWriteIndex = v;
        this.dacSubIndex = 0;
        this.dacState = 0;
        break;
      case 0x3c9:
        this.writeDac(v);
        break;
      case 0x3ce:
        this.grIndex = v & 0x0f;
        break;
      case 0x3cf:
        if (this.grIndex < GR_MASK.length) this.gr[this.grIndex] = v & GR_MASK[this.grIndex]!;
        break;
      case 0x3b4:
      case 0x3d4:
        this.crIndex = v;
        break;
      case 0x3b5:
      case 0x3d5:
        this.writeCrtc(this.crIndex, v);
        break;
      case 0x3ba:
      case 0x3da:
        this.featureControl = v & 0x03;
        break;
      default:
        return;
    }
    this.onWrite();
  }

  private writeAttribute(index: number, v: number): void {
    if (index >= AR_COUNT) return;
    if (index < 0x10) this.ar[index] = v & 0x3f;
    else if (index === 0x10) this.ar[index] = v & ~0x10;
    else if (index === 0x11) this.ar[index] = v;
    else if (index === 0x12) this.ar[index] = v & 0x3f;
    else if (index === 0x13) this.ar[index] = v & 0x0f;
    else if (index === 0x14) this.ar[index] = v & 0x0f;
  }

  /**
   * CR11 bit 7 protects CR00-CR07, except the line compare bit 8 in CR07 (bit 4). Indexes past
   * CR18 hold what was written, as in QEMU (drivers probing for extended CRTCs read them back).
   */
  private writeCrtc(index: number, v: number): void {
    if ((this.cr[0x11]! & 0x80) !== 0 && index <= 7) {
      if (index === 7) this.cr[7] = (this.cr[7]! & ~0x10) | (v & 0x10);
      return;
    }
    this.cr[index] = v;
  }

  private writeDac(v: number): void {
    this.dacCache[this.dacSubIndex] = this.dac8bit ? v : v & 0x3f;
    if (++this.dacSubIndex < 3) return;
    this.palette.set(this.dacCache, this.dacWriteIndex * 3);
    this.dacSubIndex = 0;
    this.dacWriteIndex = (this.dacWriteIndex + 1) & 0xff;
  }

  private readDac(): number {
    const v = this.palette[this.dacReadIndex * 3 + this.dacSubIndex]!;
    if (++this.dacSubIndex === 3) {
      this.dacSubIndex = 0;
      this.dacReadIndex = (this.dacReadIndex + 1) & 0xff;
    }
    return v;
  }

  /** DAC entry `index` as 0xRRGGBB with 8-bit components (6-bit values are scaled up). */
  dacColor(index: number): number {
    const i = (index & this.pelMask & 0xff) * 3;
    const p = this.palette;
    const c = this.dac8bit ? (x: number): number => x : (x: number): number => ((x & 0x3f) << 2) | ((x & 0x3f) >> 4);
    return (c(p[i]!) << 16) | (c(p[i + 1]!) << 8) | c(p[i + 2]!);
  }

  /** The DAC index a 4-bit attribute colour goes to, through the palette registers and AR10/AR14. */
  attributeToDac(color: number): number {
    const ar = this.ar;
    let v = ar[color & 0x0f]! & 0x3f;
    const colorSelect = ar[0x14]!;
    if ((ar[0x10]! & 0x80) !== 0) v = (v & 0x0f) | ((colorSelect & 0x03) << 4);
    return v | ((colorSelect & 0x0c) << 4);
  }

  /** The CRTC's vertical display end + 1: the number of displayed scan lines. */
  get displayedScanLines(): number {
    const cr = this.cr;
    return (cr[0x12]! | ((cr[0x07]! & 0x02) << 7) | ((cr[0x07]! & 0x40) << 3)) + 1;
  }

  /** The CRTC start address (CR0C:CR0D), in character clocks (planar offsets). */
  get startAddress(): number {
    return (this.cr[0x0c]! << 8) | this.cr[0x0d]!;
  }

  /** The distance between displayed rows (CR13 * 2), in planar offsets. */
  get lineOffset(): number {
    return this.cr[0x13]! << 1;
  }
}
