/**
 * Key names and codes for user input: QEMU's QKeyCode names (the `qcode` of QMP send-key and HMP
 * sendkey), the PS/2 scancodes a keyboard sends for each (set 1 and set 2, make and break), X11
 * keysyms (what VNC clients send) mapped to the key that produces them on a US keyboard, and QEMU's
 * "number" key codes (set 1, with 0x80 added for E0-prefixed keys).
 *
 * Scancode facts: IBM PS/2 and Microsoft "Keyboard Scan Code Specification" tables. Set 1 breaks
 * are the make code with bit 7 set; set 2 breaks insert 0xF0 before the last byte. Print Screen and
 * Pause are sent as their multi-byte sequences (Pause has no break code).
 */

/** One key: its QKeyCode name, its set 1 code and its set 2 code (0xE0xx means an E0 prefix). */
interface KeyDef {
  readonly set1: number;
  readonly set2: number;
}

const KEYS: Record<string, KeyDef> = {};

function def(table: string): void {
  for (const line of table.trim().split('\n')) {
    const [name, s1, s2] = line.trim().split(/\s+/);
    if (!name || !s1 || !s2) continue;
    KEYS[name] = { set1: parseInt(s1, 16), set2: parseInt(s2, 16) };
  }
}

// qcode  set1  set2
def(`
esc 01 76
1 02 16
2 03 1e
3 04 26
4 05 25
5 06 2e
6 07 36
7 08 3d
8 09 3e
9 0a 46
0 0b 45
minus 0c 4e
equal 0d 55
backspace 0e 66
tab 0f 0d
q 10 15
w 11 1d
e 12 24
r 13 2d
t 14 2c
y 15 35
u 16 3c
i 17 43
o 18 44
p 19 4d
bracket_left 1a 54
bracket_right 1b 5b
ret 1c 5a
ctrl 1d 14
a 1e 1c
s 1f 1b
d 20 23
f 21 2b
g 22 34
h 23 33
j 24 3b
k 25 42
l 26 4b
semicolon 27 4c
apostrophe 28 52
grave_accent 29 0e
shift 2a 12
backslash 2b 5d
z 2c 1a
x 2d 22
c 2e 21
v 2f 2a
b 30 32
n 31 31
m 32 3a
comma 33 41
dot 34 49
slash 35 4a
shift_r 36 59
kp_multiply 37 7c
alt 38 11
spc 39 29
caps_lock 3a 58
f1 3b 05
f2 3c 06
f3 3d 04
f4 3e 0c
f5 3f 03
f6 40 0b
f7 41 83
f8 42 0a
f9 43 01
f10 44 09
num_lock 45 77
scroll_lock 46 7e
kp_7 47 6c
kp_8 48 75
kp_9 49 7d
kp_subtract 4a 7b
kp_4 4b 6b
kp_5 4c 73
kp_6 4d 74
kp_add 4e 79
kp_1 4f 69
kp_2 50 72
kp_3 51 7a
kp_0 52 70
kp_decimal 53 71
sysrq 54 84
less 56 61
f11 57 78
f12 58 07
kp_equals 59 0f
f13 64 08
f14 65 10
f15 66 18
f16 67 20
f17 68 28
f18 69 30
f19 6a 38
f20 6b 40
f21 6c 48
f22 6d 50
f23 6e 57
katakanahiragana 70 13
ro 73 51
f24 76 5f
henkan 79 64
muhenkan 7b 67
yen 7d 6a
kp_comma 7e 6d
audioprev e010 e015
audionext e019 e04d
kp_enter e01c e05a
ctrl_r e01d e014
audiomute e020 e023
calculator e021 e02b
audioplay e022 e034
audiostop e024 e03b
volumedown e02e e021
volumeup e030 e032
ac_home e032 e03a
kp_divide e035 e04a
alt_r e038 e011
home e047 e06c
up e048 e075
pgup e049 e07d
left e04b e06b
right e04d e074
end e04f e069
down e050 e072
pgdn e051 e07a
insert e052 e070
delete e053 e071
meta_l e05b e01f
meta_r e05c e027
compose e05d e02f
menu e05d e02f
power e05e e037
sleep e05f e03f
wake e063 e05e
find e065 e010
ac_bookmarks e066 e018
ac_refresh e067 e020
stop e068 e028
ac_forward e069 e030
ac_back e06a e038
computer e06b e040
mail e06c e048
mediaselect e06d e050
`);

/** The two keys with sequences of their own. */
const PRINT = 'print';
const PAUSE = 'pause';

/** Every QKeyCode name this keymap knows, in table order (print and pause included). */
export const QKEYCODES: readonly string[] = [...Object.keys(KEYS), PRINT, PAUSE];

/** Whether `name` is a QKeyCode this keymap can send. */
export function isQKeyCode(name: string): boolean {
  return Object.hasOwn(KEYS, name) || name === PRINT || name === PAUSE;
}

/** The bytes a PS/2 keyboard sends in scancode set 1 or 2 for a key press or release; undefined for an unknown key. */
export function scancodes(qcode: string, down: boolean, set: 1 | 2): number[] | undefined {
  if (qcode === PRINT) {
    if (set === 1) return down ? [0xe0, 0x2a, 0xe0, 0x37] : [0xe0, 0xb7, 0xe0, 0xaa];
    return down ? [0xe0, 0x12, 0xe0, 0x7c] : [0xe0, 0xf0, 0x7c, 0xe0, 0xf0, 0x12];
  }
  if (qcode === PAUSE) {
    if (!down) return [];
    return set === 1 ? [0xe1, 0x1d, 0x45, 0xe1, 0x9d, 0xc5] : [0xe1, 0x14, 0x77, 0xe1, 0xf0, 0x14, 0xf0, 0x77];
  }
  if (!Object.hasOwn(KEYS, qcode)) return undefined;
  const k = KEYS[qcode]!;
  const code = set === 1 ? k.set1 : k.set2;
  const prefix = code > 0xff ? [0xe0] : [];
  const low = code & 0xff;
  if (down) return [...prefix, low];
  return set === 1 ? [...prefix, low | 0x80] : [...prefix, 0xf0, low];
}

/** QEMU's "number" key code for a qcode (set 1, E0 keys + 0x80), as QMP send-key's {type:"number"} uses. */
export function qcodeToNumber(qcode: string): number | undefined {
  if (qcode === PRINT) return 0xb7;
  if (qcode === PAUSE) return 0xc6;
  if (!Object.hasOwn(KEYS, qcode)) return undefined;
  const c = KEYS[qcode]!.set1;
  return c > 0xff ? 0x80 | (c & 0x7f) : c;
}

/** The qcode for a QEMU "number" key code; undefined if no key has it. */
export function numberToQcode(n: number): string | undefined {
  return QKEYCODES.find((q) => qcodeToNumber(q) === n);
}

/** Keysyms of the X11 function-key page (0xFFxx and 0xFExx) and their keys. */
const FUNCTION_KEYSYMS: ReadonlyMap<number, string> = new Map<number, string>([
  [0xff08, 'backspace'], [0xff09, 'tab'], [0xfe20, 'tab'], [0xff0d, 'ret'], [0xff13, 'pause'],
  [0xff14, 'scroll_lock'], [0xff15, 'sysrq'], [0xff1b, 'esc'], [0xffff, 'delete'],
  [0xff50, 'home'], [0xff51, 'left'], [0xff52, 'up'], [0xff53, 'right'], [0xff54, 'down'],
  [0xff55, 'pgup'], [0xff56, 'pgdn'], [0xff57, 'end'], [0xff61, 'print'], [0xff63, 'insert'],
  [0xff67, 'menu'], [0xff7f, 'num_lock'], [0xff8d, 'kp_enter'],
  [0xff95, 'kp_7'], [0xff96, 'kp_4'], [0xff97, 'kp_8'], [0xff98, 'kp_6'], [0xff99, 'kp_2'],
  [0xff9a, 'kp_9'], [0xff9b, 'kp_3'], [0xff9c, 'kp_1'], [0xff9d, 'kp_5'], [0xff9e, 'kp_0'],
  [0xff9f, 'kp_decimal'], [0xffaa, 'kp_multiply'], [0xffab, 'kp_add'], [0xffac, 'kp_comma'],
  [0xffad, 'kp_subtract'], [0xffae, 'kp_decimal'], [0xffaf, 'kp_divide'], [0xffbd, 'kp_equals'],
  [0xffe1, 'shift'], [0xffe2, 'shift_r'], [0xffe3, 'ctrl'], [0xffe4, 'ctrl_r'], [0xffe5, 'caps_lock'],
  [0xffe7, 'meta_l'], [0xffe8, 'meta_r'], [0xffe9, 'alt'], [0xffea, 'alt_r'], [0xffeb, 'meta_l'],
  [0xffec, 'meta_r'], [0xfe03, 'alt_r'],
  ...Array.from({ length: 10 }, (_, i): [number, string] => [0xffb0 + i, `kp_${i}`]),
  ...Array.from({ length: 24 }, (_, i): [number, string] => [0xffbe + i, `f${i + 1}`]),
]);

/** Printable ASCII punctuation and the US-layout key that types it (shifted or not). */
const PUNCTUATION: Readonly<Record<string, string>> = {
  ' ': 'spc', '-': 'minus', '_': 'minus', '=': 'equal', '+': 'equal', '[': 'bracket_left', '{': 'bracket_left',
  ']': 'bracket_right', '}': 'bracket_right', ';': 'semicolon', ':': 'semicolon', "'": 'apostrophe', '"': 'apostrophe',
  '`': 'grave_accent', '~': 'grave_accent', '\\': 'backslash', '|': 'backslash', ',': 'comma', '<': 'comma',
  '.': 'dot', '>': 'dot', '/': 'slash', '?': 'slash',
  '!': '1', '@': '2', '#': '3', '$': '4', '%': '5', '^': '6', '&': '7', '*': '8', '(': '9', ')': '0',
};

/**
 * The key that produces X11 keysym `keysym` on a US keyboard: shifted symbols map to their
 * unshifted key ("A" and "a" are both `a`, "!" is `1`), since the client sends Shift itself.
 * Undefined for keysyms no PC key produces.
 */
export function keysymToQcode(keysym: number): string | undefined {
  if (keysym >= 0x20 && keysym <= 0x7e) {
    const ch = String.fromCharCode(keysym).toLowerCase();
    if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9')) return ch;
    return PUNCTUATION[ch];
  }
  return FUNCTION_KEYSYMS.get(keysym);
}

/** HMP's older key names that are not QKeyCode names. */
const HMP_ALIASES: Readonly<Record<string, string>> = { kp_separator: 'kp_comma' };

/**
 * Splits HMP sendkey syntax ("ctrl-alt-delete", "shift-a", "0x1d-0x38") into qcodes; raw numbers are
 * QEMU key numbers. Throws an Error naming the first key it does not know.
 */
export function parseHmpKeys(keys: string): string[] {
  if (keys === '') throw new Error('no key given');
  // "-" itself is a key name only as "minus", so a plain split is exact.
  return keys.split('-').map((name) => {
    const lower = name.toLowerCase();
    if (/^0x[0-9a-f]+$/.test(lower)) {
      const q = numberToQcode(parseInt(lower, 16));
      if (q === undefined) throw new Error(`unknown key code '${name}'`);
      return q;
    }
    const q = HMP_ALIASES[lower] ?? lower;
    if (!isQKeyCode(q)) throw new Error(`unknown key '${name}'`);
    return q;
  });
}
