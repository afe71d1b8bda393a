/**
 * The InputSink of a PC: keys go to the PS/2 keyboard behind the i8042 as scancodes in the set the
 * guest selected, pointer motion to the PS/2 mouse on its aux port. Lives in the machine thread,
 * beside the devices; front ends reach it through whatever carries InputSink calls across threads.
 *
 * Wheel: besides the three buttons of POINTER_BUTTON, `pointer()` takes RFB's wheel bits
 * (WHEEL_UP = 8, WHEEL_DOWN = 16, as VNC clients send them): each press is one wheel step.
 */
import type { InputSink } from '../display/display.js';
import { POINTER_BUTTON } from '../display/display.js';
import type { I8042 } from '../devices/i8042.js';
import type { Ps2Mouse } from '../devices/ps2-mouse.js';
import { PS2_MOUSE_BUTTON } from '../devices/ps2-mouse.js';
import { scancodes } from './keymap.js';

/** Wheel bits accepted in `buttons` (RFB buttons 4 and 5). */
export const POINTER_WHEEL = { UP: 8, DOWN: 16 } as const;

/** Keyboard and mouse input for a machine with an i8042; see the file comment. */
export class Ps2InputSink implements InputSink {
  private wheelHeld = 0;

  /** `log` hears about keys that were dropped (unknown name, scanning off, buffer full). */
  constructor(private readonly kbc: I8042, private readonly mouse: Ps2Mouse | undefined, private readonly log: (msg: string) => void = () => {}) {}

  key(qcode: string, down: boolean): void {
    const set = this.kbc.keyboard.scancodeSet === 1 ? 1 : 2; // set 3 guests are not a thing; they get set 2
    const bytes = scancodes(qcode, down, set);
    if (bytes === undefined) {
      this.log(`input: unknown key '${qcode}' ignored`);
      return;
    }
    if (bytes.length > 0 && !this.kbc.pressKey(bytes)) this.log(`input: key '${qcode}' dropped (keyboard not accepting)`);
  }

  pointer(dx: number, dy: number, buttons: number): void {
    if (!this.mouse) return;
    const pressed = buttons & ~this.wheelHeld;
    this.wheelHeld = buttons & (POINTER_WHEEL.UP | POINTER_WHEEL.DOWN);
    const dz = (pressed & POINTER_WHEEL.DOWN ? 1 : 0) - (pressed & POINTER_WHEEL.UP ? 1 : 0);
    const ps2 = (buttons & POINTER_BUTTON.LEFT ? PS2_MOUSE_BUTTON.LEFT : 0) |
      (buttons & POINTER_BUTTON.MIDDLE ? PS2_MOUSE_BUTTON.MIDDLE : 0) |
      (buttons & POINTER_BUTTON.RIGHT ? PS2_MOUSE_BUTTON.RIGHT : 0);
    this.mouse.move(dx, dy, dz, ps2);
  }
}
