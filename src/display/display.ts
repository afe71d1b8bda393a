/**
 * The seam between the emulated graphics card (in the machine thread) and the display front ends
 * (VNC server, QMP screendump, in the main thread). Front ends only ever see rendered frames and
 * screen text, and send input as QEMU QKeyCode names and PS/2-style pointer motion.
 */

/** One rendered screen: 32-bit pixels, bytes B, G, R, X in memory (x8r8g8b8), `width * 4` per row. */
export interface Frame {
  readonly width: number;
  readonly height: number;
  readonly pixels: Uint8Array;
}

/** What the graphics card shows now, rendered on request. */
export interface DisplaySource {
  /** The current screen as pixels (text modes are rendered with the card's font). */
  render(): Frame;
  /** In a text mode, the screen's rows as text (CP437 mapped to Unicode); undefined in graphics modes. */
  text(): string[] | undefined;
}

/** The same, across the thread boundary: what the main thread's front ends call. */
export interface DisplayPort {
  /** The current frame, or undefined when the machine has no display (-vga none). */
  frame(): Promise<Frame | undefined>;
  /** The screen text in a text mode, else undefined. */
  text(): Promise<string[] | undefined>;
}

/** Pointer buttons, as bits of `buttons` (the RFB button mask uses the same three low bits). */
export const POINTER_BUTTON = { LEFT: 1, MIDDLE: 2, RIGHT: 4 } as const;

/** Where user input goes: the PS/2 keyboard and mouse behind the i8042. */
export interface InputSink {
  /** A key pressed or released, named by its QEMU QKeyCode ("a", "ret", "esc", "shift", "ctrl", "f1"...). */
  key(qcode: string, down: boolean): void;
  /** Relative pointer motion (dy positive = down, as on screen) with the buttons now held. */
  pointer(dx: number, dy: number, buttons: number): void;
}
