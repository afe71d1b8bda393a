import { TkvmError } from '../errors.js';
import { GuestMemory, type RamChunk } from '../memory/guest-memory.js';
import { pcRamRegions, type RamRegion } from '../memory/layout.js';
import { MAP_ANONYMOUS, MAP_FAILED, MAP_NORESERVE, MAP_PRIVATE, PROT_READ, PROT_WRITE, addressOf, errno, offsetPointer, strerror, sysMadvise, sysMmap, viewOf } from '../kvm/libc.js';

/** x86 2 MiB page: the alignment transparent huge pages need. */
const HUGE_PAGE = 2 * 1024 * 1024;
/** madvise advice asking for transparent huge pages (THP in "madvise" mode needs it). */
const MADV_HUGEPAGE = 14;

/** koffi views are limited to 4 GiB and must stay smaller; RAM is viewed in 1 GiB chunks. */
const CHUNK = 1 << 30;

/** One KVM memory slot: guest-physical range and the host address backing it. */
export interface RamSlot {
  readonly gpa: number;
  readonly size: number;
  readonly hostAddress: bigint;
}

/** Guest RAM mapped once with mmap and shared with KVM, plus the checked view of it. */
export interface HostRam {
  readonly memory: GuestMemory;
  readonly slots: readonly RamSlot[];
  readonly regions: readonly RamRegion[];
}

/**
 * Maps `bytes` of guest RAM (anonymous, lazily backed: untouched pages cost nothing) laid out as
 * the pc machine's low and high regions.
 */
export function allocateHostRam(bytes: number): HostRam {
  // One extra huge page of address space lets guest RAM start 2 MiB-aligned, so transparent huge
  // pages can back it (as QEMU does): guest-physical and host huge pages then line up.
  const raw = sysMmap(null, bytes + HUGE_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (addressOf(raw) === MAP_FAILED) {
    const e = errno();
    throw new TkvmError('out-of-memory', `cannot reserve ${bytes / 2 ** 20} MiB of guest RAM: ${strerror(e)} (try a smaller -m)`, { bytes, errno: e });
  }
  const misalign = Number(addressOf(raw) % BigInt(HUGE_PAGE));
  const ptr = offsetPointer(raw, misalign === 0 ? 0 : HUGE_PAGE - misalign);
  sysMadvise(ptr, bytes, MADV_HUGEPAGE); // advisory: fails harmlessly where THP is off
  const regions = pcRamRegions(bytes);
  const slots: RamSlot[] = [];
  const chunks: RamChunk[] = [];
  let hostOffset = 0;
  for (const r of regions) {
    slots.push({ gpa: r.gpa, size: r.size, hostAddress: addressOf(ptr) + BigInt(hostOffset) });
    for (let off = 0; off < r.size; off += CHUNK) {
      const len = Math.min(CHUNK, r.size - off);
      chunks.push({ gpa: r.gpa + off, bytes: new Uint8Array(viewOf(offsetPointer(ptr, hostOffset + off), len)) });
    }
    hostOffset += r.size;
  }
  return { memory: new GuestMemory(chunks), slots, regions };
}
