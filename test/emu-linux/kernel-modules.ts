/**
 * Kernel modules for the issue-7 initramfs without depmod: reads each .ko's `.modinfo` section
 * (an ELF section of NUL-separated "key=value" strings: name=, depends=, softdep=) and resolves
 * the modules a set of wanted ones needs, dependencies first, as modprobe would load them.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** One module file: its name as lsmod prints it, its path under lib/modules/<ver>/, what it needs. */
export interface KernelModule {
  readonly name: string;
  readonly relPath: string;
  readonly depends: readonly string[];
  /** `softdep=pre: a b` modules (ext4 asks for crc32c this way). */
  readonly softPre: readonly string[];
}

/** Module names compare with '-' and '_' alike, as the kernel does. */
export const moduleKey = (name: string): string => name.replace(/-/g, '_');

/** The `.modinfo` strings of an ELF (32- or 64-bit, little-endian) kernel module. */
export function readModinfo(ko: Uint8Array): string[] {
  const v = new DataView(ko.buffer, ko.byteOffset, ko.byteLength);
  if (v.getUint32(0, false) !== 0x7f454c46) throw new Error('not an ELF file');
  const is64 = ko[4] === 2;
  const shoff = is64 ? Number(v.getBigUint64(0x28, true)) : v.getUint32(0x20, true);
  const shentsize = v.getUint16(is64 ? 0x3a : 0x2e, true);
  const shnum = v.getUint16(is64 ? 0x3c : 0x30, true);
  const shstrndx = v.getUint16(is64 ? 0x3e : 0x32, true);
  const section = (i: number): { name: number; offset: number; size: number } => {
    const at = shoff + i * shentsize;
    return is64
      ? { name: v.getUint32(at, true), offset: Number(v.getBigUint64(at + 0x18, true)), size: Number(v.getBigUint64(at + 0x20, true)) }
      : { name: v.getUint32(at, true), offset: v.getUint32(at + 0x10, true), size: v.getUint32(at + 0x14, true) };
  };
  const strtab = section(shstrndx);
  const cstr = (at: number): string => {
    let end = at;
    while (ko[end] !== 0) end++;
    return Buffer.from(ko.subarray(at, end)).toString('latin1');
  };
  for (let i = 0; i < shnum; i++) {
    const s = section(i);
    if (cstr(strtab.offset + s.name) === '.modinfo') {
      return Buffer.from(ko.subarray(s.offset, s.offset + s.size)).toString('latin1').split('\0').filter((x) => x !== '');
    }
  }
  return [];
}

/** Parses one module file. */
export function describeModule(file: string, relPath: string): KernelModule {
  const info = readModinfo(readFileSync(file));
  const get = (key: string): string | undefined => info.find((s) => s.startsWith(key + '='))?.slice(key.length + 1);
  const base = path.basename(relPath).replace(/\.ko(\..*)?$/, '');
  const softPre: string[] = [];
  for (const s of info.filter((x) => x.startsWith('softdep='))) {
    const m = /pre:\s*([^:]*?)(\s+post:.*)?$/.exec(s.slice(8));
    if (m?.[1] !== undefined) softPre.push(...m[1].trim().split(/\s+/).filter((x) => x !== ''));
  }
  return {
    name: moduleKey(get('name') ?? base),
    relPath,
    depends: (get('depends') ?? '').split(',').filter((x) => x !== '').map(moduleKey),
    softPre: softPre.map(moduleKey),
  };
}

/** Every .ko under `moduleDir` (lib/modules/<ver>), keyed by module name. */
export function scanModules(moduleDir: string): Map<string, KernelModule> {
  const out = new Map<string, KernelModule>();
  const walk = (rel: string): void => {
    for (const entry of readdirSync(path.join(moduleDir, rel))) {
      const r = rel === '' ? entry : `${rel}/${entry}`;
      if (statSync(path.join(moduleDir, r)).isDirectory()) walk(r);
      else if (/\.ko(\.(xz|zst|gz))?$/.test(entry)) {
        const m = describeModule(path.join(moduleDir, r), r);
        out.set(m.name, m);
      }
    }
  };
  walk('');
  return out;
}

/**
 * The modules to load for `wanted`, dependencies (and soft pre-dependencies that exist as
 * modules; built-in ones are skipped) before the modules needing them. Throws on a wanted
 * module that is neither a module here nor listed in `builtin`.
 */
export function resolveLoadOrder(wanted: readonly string[], all: ReadonlyMap<string, KernelModule>, builtin: ReadonlySet<string>): KernelModule[] {
  const order: KernelModule[] = [];
  const seen = new Set<string>();
  const visit = (name: string, hard: boolean): void => {
    const key = moduleKey(name);
    if (seen.has(key)) return;
    seen.add(key);
    const m = all.get(key);
    if (m === undefined) {
      if (hard && !builtin.has(key)) throw new Error(`kernel module ${key} is neither a .ko here nor built in`);
      return;
    }
    for (const d of m.softPre) visit(d, false);
    for (const d of m.depends) visit(d, true);
    order.push(m);
  };
  for (const w of wanted) visit(w, true);
  return order;
}

/** modules.dep text for `mods` (paths relative to lib/modules/<ver>), so busybox modprobe works too. */
export function modulesDep(mods: readonly KernelModule[]): string {
  const byName = new Map(mods.map((m) => [m.name, m]));
  const line = (m: KernelModule): string => {
    const deps: string[] = [];
    const add = (n: string): void => {
      const d = byName.get(n);
      if (d === undefined || deps.includes(d.relPath)) return;
      deps.push(d.relPath);
      d.depends.forEach(add);
    };
    m.depends.forEach(add);
    return `${m.relPath}:${deps.map((d) => ' ' + d).join('')}`;
  };
  return mods.map(line).join('\n') + '\n';
}

/** Names in a modules.builtin file ("kernel/drivers/.../foo.ko" per line). */
export function builtinNames(text: string): Set<string> {
  return new Set(text.split('\n').filter((l) => l !== '').map((l) => moduleKey(path.basename(l).replace(/\.ko$/, ''))));
}
