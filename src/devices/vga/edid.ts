/**
 * A VESA EDID 1.4 block for the display behind the standard VGA (what QEMU's stdvga exposes at
 * the start of its MMIO BAR, read by SeaBIOS's VBE DDC call and Linux's bochs-drm): manufacturer
 * "RHT", sRGB chromaticity, the common established timings, a preferred 1024x768@60 detailed
 * timing (VESA DMT), the monitor name and range limits.
 */

/** Size of a base EDID block. */
export const EDID_SIZE = 128;

/** Encodes a three-letter PNP manufacturer id as EDID bytes 8-9 (big-endian, 5 bits a letter). */
function manufacturer(id: string): [number, number] {
  const v = [...id].reduce((acc, ch) => (acc << 5) | (ch.charCodeAt(0) - 0x40), 0);
  return [(v >> 8) & 0x7f, v & 0xff];
}

/** An 18-byte display descriptor with tag `tag` and up to 13 text bytes (newline then spaces). */
function textDescriptor(tag: number, text: string): number[] {
  const body = [...text].map((c) => c.charCodeAt(0));
  if (body.length < 13) body.push(0x0a);
  while (body.length < 13) body.push(0x20);
  return [0, 0, 0, tag, 0, ...body.slice(0, 13)];
}

/** The 18-byte detailed timing descriptor of VESA DMT 1024x768 at 60 Hz. */
function detailedTiming1024x768(): number[] {
  const clock10kHz = 6500;
  const [hActive, hBlank, vActive, vBlank] = [1024, 320, 768, 38];
  const [hFront, hSync, vFront, vSync] = [24, 136, 3, 6];
  const [hMm, vMm] = [325, 244];
  return [
    clock10kHz & 0xff, clock10kHz >> 8,
    hActive & 0xff, hBlank & 0xff, ((hActive >> 8) << 4) | (hBlank >> 8),
    vActive & 0xff, vBlank & 0xff, ((vActive >> 8) << 4) | (vBlank >> 8),
    hFront & 0xff, hSync & 0xff, ((vFront & 0xf) << 4) | (vSync & 0xf),
    ((hFront >> 8) << 6) | ((hSync >> 8) << 4) | ((vFront >> 4) << 2) | (vSync >> 4),
    hMm & 0xff, vMm & 0xff, ((hMm >> 8) << 4) | (vMm >> 8),
    0, 0,
    0x18, // digital separate sync, both polarities negative
  ];
}

/** sRGB primaries and D65 white as EDID's ten chromaticity bytes. */
function chromaticity(): number[] {
  const [rx, ry, gx, gy, bx, by, wx, wy] = [0.64, 0.33, 0.3, 0.6, 0.15, 0.06, 0.3127, 0.329].map((v) => Math.round(v * 1024));
  const lo = (a: number, b: number, c: number, d: number): number => ((a & 3) << 6) | ((b & 3) << 4) | ((c & 3) << 2) | (d & 3);
  return [lo(rx!, ry!, gx!, gy!), lo(bx!, by!, wx!, wy!), ...[rx!, ry!, gx!, gy!, bx!, by!, wx!, wy!].map((v) => v >> 2)];
}

/** Builds the 128-byte EDID block (its last byte makes the sum 0 mod 256). */
export function buildEdid(): Uint8Array {
  const bytes = [
    0x00, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00,
    ...manufacturer('RHT'),
    0x34, 0x12, // product code 0x1234
    0, 0, 0, 0, // serial number
    42, 2014 - 1990, // week, year of manufacture
    1, 4, // EDID 1.4
    0xa5, // digital input, 8 bits per colour, DisplayPort
    32, 24, // screen size in cm
    120, // gamma 2.2
    0x06, // RGB 4:4:4, sRGB default colour space, preferred timing is native
    ...chromaticity(),
    0x21, 0x08, 0x00, // established: 640x480@60, 800x600@60, 1024x768@60
    ...new Array<number>(16).fill(0x01), // no standard timings
    ...detailedTiming1024x768(),
    ...textDescriptor(0xfc, 'QEMU Monitor'),
    0, 0, 0, 0xfd, 0, 50, 125, 30, 160, 30, 0x00, 0x0a, 0x20, 0x20, 0x20, 0x20, 0x20, 0x20, // range limits
    0, 0, 0, 0x10, 0, ...new Array<number>(13).fill(0), // dummy descriptor
    0, // no extension blocks
  ];
  const edid = new Uint8Array(EDID_SIZE);
  edid.set(bytes);
  const sum = bytes.reduce((a, b) => a + b, 0);
  edid[EDID_SIZE - 1] = (256 - (sum & 0xff)) & 0xff;
  return edid;
}
