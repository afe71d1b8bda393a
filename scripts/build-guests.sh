#!/usr/bin/env bash
# Builds tkvm's test guests and benchmark workloads with gcc into build/ (see guests/README.md):
#   build/guests/<name>.elf   PVH kernels (guests/tests/*.c and guests/bench/*.c + guests/runtime),
#                             x86-64: they run in long mode
#   build/guests32/<name>.elf the same guests built for i386 (32-bit protected mode with PAE
#                             paging), for CPUs without long mode such as -accel emu
#   build/native/<name>       the benchmark workloads as ordinary Linux programs
# Incremental: a target is rebuilt only when a source, header, the linker script or this
# script is newer. Usage: scripts/build-guests.sh [-v]
set -euo pipefail
cd "$(dirname "$0")/.."

# Test files build the guests concurrently: one build at a time, the others then find it done.
# (A user who cannot write build/ only checks that everything is up to date: no lock then.)
mkdir -p build 2>/dev/null || true
if { exec 9>>build/.build-guests.lock; } 2>/dev/null; then flock 9; fi
VERBOSE=0; [ "${1:-}" = "-v" ] && VERBOSE=1

CC=${CC:-gcc}
if ! command -v "$CC" >/dev/null 2>&1; then
  echo "build-guests: '$CC' not found; install gcc and binutils (Debian: apt-get install gcc binutils)" >&2
  exit 1
fi

OUT=build
RT=guests/runtime
# Same code-generation flags for the guest and native builds of a workload: plain SSE2-era
# x86-64-v2, no AVX (the runtime enables SSE only).
COMMON_OPT=(-O2 -fno-math-errno -fno-tree-loop-distribute-patterns -std=gnu11 -Wall -Wextra -Werror -fno-asynchronous-unwind-tables)
OPT64=(-march=x86-64-v2 "${COMMON_OPT[@]}")
# The i386 build (guests for CPUs without long mode, such as tkvm's IA-32 software CPU): a
# Pentium 4's instruction set (SSE2, no SSE3), doubles in SSE registers as on x86-64 so the
# results are bit for bit the same, and our own 64-bit division helpers instead of libgcc.
OPT32=(-m32 -march=pentium4 -mfpmath=sse "${COMMON_OPT[@]}")
# Freestanding guest code; the runtime and the test guests also run in (emulated) ring 0, so
# they use general registers only and no red zone.
FREE=(-ffreestanding -fno-pic -fno-pie -fno-stack-protector -mno-red-zone -fcf-protection=none -I"$RT")
RING0=(-mgeneral-regs-only)
LDFLAGS=(-nostdlib -static -no-pie -Wl,-T,"$RT/link.ld" -Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments)

# stale TARGET DEPS...: true when TARGET is missing or older than any dependency.
stale() {
  local t=$1; shift
  [ -e "$t" ] || return 0
  local d
  for d in "$@"; do [ "$d" -nt "$t" ] && return 0; done
  return 1
}

run() { ((VERBOSE)) && echo "$*" >&2; "$@"; }

# compile SRC OBJ EXTRA_FLAGS...  (OPT and COMMON_DEPS: the architecture being built)
compile() {
  local src=$1 obj=$2; shift 2
  if stale "$obj" "$src" "${COMMON_DEPS[@]}"; then
    mkdir -p "$(dirname "$obj")"
    echo "  CC   $obj" >&2
    run "$CC" "${OPT[@]}" "$@" -c "$src" -o "$obj"
  fi
}

# link ELF OBJS...
link_guest() {
  local elf=$1; shift
  if stale "$elf" "$@" "$RT/link.ld" "$0"; then
    echo "  LD   $elf" >&2
    run "$CC" "${OPT[@]:0:1}" "${LDFLAGS[@]}" -o "$elf" "$@" "${LIBS[@]}"
  fi
}

# Guest-only benchmarks (port I/O, no native build): plain runtime programs like the tests.
GUEST_ONLY_BENCH=(pio)

# build_guests ARCH GUEST_DIR OBJ_DIR: the runtime, test guests and benchmark guests for one
# architecture (x86_64 or i386; guests/runtime/ARCH holds its entry code and layouts).
build_guests() {
  local arch=$1 gdir=$2 odir=$3
  local ARCH_DIR="$RT/$arch"
  COMMON_DEPS=("$0" "$RT"/*.h "$RT"/*.inc "$ARCH_DIR"/*.h guests/bench/*.h)
  local AFREE=("${FREE[@]}" -I"$ARCH_DIR")
  local rt_objs=() src base obj name
  for src in "$RT"/*.c "$RT"/*.S "$ARCH_DIR"/*.c "$ARCH_DIR"/*.S; do
    base=$(basename "$src"); obj="$odir/runtime/${base%.*}.o"
    compile "$src" "$obj" "${AFREE[@]}" "${RING0[@]}"
    rt_objs+=("$obj")
  done
  mkdir -p "$gdir"

  # Test guests: one C file each, ring-0 safe code generation.
  for src in guests/tests/*.c; do
    name=$(basename "$src" .c)
    compile "$src" "$odir/tests/$name.o" "${AFREE[@]}" "${RING0[@]}"
    link_guest "$gdir/$name.elf" "$odir/tests/$name.o" "${rt_objs[@]}"
  done

  for name in "${GUEST_ONLY_BENCH[@]}"; do
    compile "guests/bench/$name.c" "$odir/bench/$name-guest.o" "${AFREE[@]}"
    link_guest "$gdir/$name.elf" "$odir/bench/$name-guest.o" "${rt_objs[@]}"
  done

  # Benchmark workloads as guests (ring 3, SSE allowed).
  compile guests/bench/plat/guest.c "$odir/bench/plat-guest.o" "${AFREE[@]}" -Iguests/bench
  for src in guests/bench/*.c; do
    name=$(basename "$src" .c)
    [[ " ${GUEST_ONLY_BENCH[*]} " == *" $name "* ]] && continue
    obj="$odir/bench/$name-guest.o"
    compile "$src" "$obj" "${AFREE[@]}" -Iguests/bench
    link_guest "$gdir/$name.elf" "$obj" "$odir/bench/plat-guest.o" "${rt_objs[@]}"
  done
}

OPT=("${OPT64[@]}"); LIBS=(-lgcc)
build_guests x86_64 "$OUT/guests" "$OUT/obj"
OPT=("${OPT32[@]}"); LIBS=()
build_guests i386 "$OUT/guests32" "$OUT/obj32"

# The benchmark workloads natively, with the x86_64 guests' flags.
mkdir -p "$OUT/native"
OPT=("${OPT64[@]}"); COMMON_DEPS=("$0" "$RT"/*.h guests/bench/*.h)
for src in guests/bench/*.c; do
  name=$(basename "$src" .c)
  [[ " ${GUEST_ONLY_BENCH[*]} " == *" $name "* ]] && continue
  exe="$OUT/native/$name"
  if stale "$exe" "$src" guests/bench/plat/native.c "${COMMON_DEPS[@]}"; then
    echo "  CC   $exe" >&2
    run "$CC" "${OPT[@]}" -Iguests/bench -o "$exe" "$src" guests/bench/plat/native.c
  fi
done
echo "build-guests: up to date in $OUT/" >&2
