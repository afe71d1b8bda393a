/**
 * SSE state (SDM vol. 1 §10.2): eight 128-bit XMM registers and MXCSR, with typed views of the
 * register bytes for the lane operations.
 */

/** MXCSR bits this processor implements (the FXSAVE MXCSR_MASK): flags, DAZ, masks, RC, FTZ. */
export const MXCSR_MASK = 0xffff;
/** MXCSR.DAZ (denormals are zeros). */
export const MXCSR_DAZ = 0x40;
/** MXCSR.FTZ (flush to zero). */
export const MXCSR_FTZ = 0x8000;

/** XMM0–XMM7 and MXCSR. */
export class SseState {
  /** Register bytes: XMMi at 16i. */
  readonly u32 = new Uint32Array(32);
  readonly u8 = new Uint8Array(this.u32.buffer);
  mxcsr = 0x1f80;

  /** RESET/INIT state. */
  reset(): void {
    this.u32.fill(0);
    this.mxcsr = 0x1f80;
  }
}
