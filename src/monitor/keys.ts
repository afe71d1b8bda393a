/**
 * QEMU's QKeyCode names (qapi/ui.json, QEMU 7.2): the key names QMP send-key takes as
 * {"type": "qcode", "data": NAME} and the human monitor's `sendkey` joins with '-'.
 */

/** Every QKeyCode name QEMU 7.2 accepts, in its schema order. */
export const QKEYCODES: readonly string[] = [
  'unmapped', 'shift', 'shift_r', 'alt', 'alt_r', 'ctrl', 'ctrl_r', 'menu', 'esc',
  '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', 'minus', 'equal', 'backspace', 'tab',
  'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', 'bracket_left', 'bracket_right', 'ret',
  'a', 's', 'd', 'f', 'g', 'h', 'j', 'k', 'l', 'semicolon', 'apostrophe', 'grave_accent', 'backslash',
  'z', 'x', 'c', 'v', 'b', 'n', 'm', 'comma', 'dot', 'slash', 'asterisk', 'spc', 'caps_lock',
  'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'f8', 'f9', 'f10', 'num_lock', 'scroll_lock',
  'kp_divide', 'kp_multiply', 'kp_subtract', 'kp_add', 'kp_enter', 'kp_decimal', 'sysrq',
  'kp_0', 'kp_1', 'kp_2', 'kp_3', 'kp_4', 'kp_5', 'kp_6', 'kp_7', 'kp_8', 'kp_9',
  'less', 'f11', 'f12', 'print', 'home', 'pgup', 'pgdn', 'end', 'left', 'up', 'down', 'right',
  'insert', 'delete', 'stop', 'again', 'props', 'undo', 'front', 'copy', 'open', 'paste', 'find',
  'cut', 'lf', 'help', 'meta_l', 'meta_r', 'compose', 'pause', 'ro', 'hiragana', 'henkan', 'yen',
  'muhenkan', 'katakanahiragana', 'kp_comma', 'kp_equals', 'power', 'sleep', 'wake', 'audionext',
  'audioprev', 'audiostop', 'audioplay', 'audiomute', 'volumeup', 'volumedown', 'mediaselect',
  'mail', 'calculator', 'computer', 'ac_home', 'ac_back', 'ac_forward', 'ac_refresh',
  'ac_bookmarks', 'lang1', 'lang2',
];

const KNOWN = new Set(QKEYCODES);

/** Whether `name` is a QKeyCode. */
export function isQKeyCode(name: string): boolean {
  return KNOWN.has(name);
}

/** QEMU's default hold time for send-key and sendkey, in milliseconds. */
export const DEFAULT_HOLD_MS = 100;

/**
 * QEMU's "qnum" key numbers (send-key {"type": "number"}, `sendkey 0x1e`): PC scancode set 1,
 * with E0-prefixed keys as 0x80 | code. Only the make codes of keys a PC keyboard has.
 */
const QNUM_TO_QCODE: ReadonlyMap<number, string> = (() => {
  const m = new Map<number, string>();
  const run = (start: number, names: string): void => names.split(' ').forEach((n, i) => m.set(start + i, n));
  run(0x01, 'esc 1 2 3 4 5 6 7 8 9 0 minus equal backspace tab q w e r t y u i o p bracket_left bracket_right ret ctrl');
  run(0x1e, 'a s d f g h j k l semicolon apostrophe grave_accent shift backslash z x c v b n m comma dot slash shift_r kp_multiply alt spc caps_lock');
  run(0x3b, 'f1 f2 f3 f4 f5 f6 f7 f8 f9 f10 num_lock scroll_lock kp_7 kp_8 kp_9 kp_subtract kp_4 kp_5 kp_6 kp_add kp_1 kp_2 kp_3 kp_0 kp_decimal sysrq');
  run(0x56, 'less f11 f12');
  run(0x70, 'katakanahiragana');
  run(0x73, 'ro');
  run(0x79, 'henkan');
  run(0x7b, 'muhenkan');
  run(0x7d, 'yen');
  run(0x7e, 'kp_comma');
  const e0: Array<[number, string]> = [
    [0x10, 'audioprev'], [0x19, 'audionext'], [0x1c, 'kp_enter'], [0x1d, 'ctrl_r'], [0x20, 'audiomute'], [0x21, 'calculator'],
    [0x22, 'audioplay'], [0x24, 'audiostop'], [0x2e, 'volumedown'], [0x30, 'volumeup'], [0x32, 'ac_home'], [0x35, 'kp_divide'],
    [0x37, 'print'], [0x38, 'alt_r'], [0x46, 'pause'], [0x47, 'home'], [0x48, 'up'], [0x49, 'pgup'], [0x4b, 'left'], [0x4d, 'right'],
    [0x4f, 'end'], [0x50, 'down'], [0x51, 'pgdn'], [0x52, 'insert'], [0x53, 'delete'], [0x5b, 'meta_l'], [0x5c, 'meta_r'],
    [0x5d, 'menu'], [0x5e, 'power'], [0x5f, 'sleep'], [0x63, 'wake'], [0x65, 'find'], [0x66, 'ac_bookmarks'], [0x67, 'ac_refresh'],
    [0x68, 'stop'], [0x69, 'ac_forward'], [0x6a, 'ac_back'], [0x6b, 'computer'], [0x6c, 'mail'], [0x6d, 'mediaselect'],
  ];
  for (const [code, name] of e0) m.set(0x80 | code, name);
  return m;
})();

/** The QKeyCode for a qnum key number, or undefined for numbers no PC key has (QEMU ignores those). */
export function qcodeFromNumber(qnum: number): string | undefined {
  return QNUM_TO_QCODE.get(qnum);
}
