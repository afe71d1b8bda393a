#!/usr/bin/env bash
# Builds tkvm's test guests and benchmark workloads with gcc into build/ (see guests/README.md):
#   build/guests/<name>.elf   PVH kernels (guests/tests/*.c and guests/bench/*.c + guests/runtime)
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
OPT=(-O2 -march=x86-64-v2 -fno-math-errno -fno-tree-loop-distribute-patterns -std=gnu11 -Wall -Wextra -Werror -fno-asynchronous-unwind-tables)
# Freestanding guest code; the runtime and the test guests also run in (emulated) ring 0, so
# they use general registers only and no red zone.
FREE=(-ffreestanding -fno-pic -fno-pie -fno-stack-protector -mno-red-zone -fcf-protection=none -I"$RT")
RING0=(-mgeneral-regs-only)
LDFLAGS=(-nostdlib -static -no-pie -Wl,-T,"$RT/link.ld" -Wl,--build-id=none -Wl,-z,noexecstack -Wl,-z,max-page-size=4096 -Wl,--no-warn-rwx-segments)

RT_HDRS=("$RT"/*.h)
COMMON_DEPS=("$0" "${RT_HDRS[@]}" guests/bench/*.h)

# stale TARGET DEPS...: true when TARGET is missing or older than any dependency.
stale() {
  local t=$1; shift
  [ -e "$t" ] || return 0
  local d
  for d in "$@"; do [ "$d" -nt "$t" ] && return 0; done
  return 1
}

run() { ((VERBOSE)) && echo "$*" >&2; "$@"; }

# compile SRC OBJ EXTRA_FLAGS...
compile() {
  local src=$1 obj=$2; shift 2
  if stale "$obj" "$src" "${COMMON_DEPS[@]}"; then
    mkdir -p "$(dirname "$obj")"
    echo "  CC   $obj" >&2
    run "$CC" "${OPT[@]}" "$@" -c "$src" -o "$obj"
  fi
}

# Runtime objects.
RT_OBJS=()
for src in "$RT"/*.c "$RT"/*.S; do
  base=$(basename "$src"); obj="$OUT/obj/runtime/${base%.*}.o"
  compile "$src" "$obj" "${FREE[@]}" "${RING0[@]}"
  RT_OBJS+=("$obj")
done

# link ELF OBJS...
link_guest() {
  local elf=$1; shift
  if stale "$elf" "$@" "$RT/link.ld" "$0"; then
    echo "  LD   $elf" >&2
    run "$CC" "${LDFLAGS[@]}" -o "$elf" "$@" -lgcc
  fi
}

mkdir -p "$OUT/guests" "$OUT/native"

# Test guests: one C file each, ring-0 safe code generation.
for src in guests/tests/*.c; do
  name=$(basename "$src" .c)
  compile "$src" "$OUT/obj/tests/$name.o" "${FREE[@]}" "${RING0[@]}"
  link_guest "$OUT/guests/$name.elf" "$OUT/obj/tests/$name.o" "${RT_OBJS[@]}"
done

# Guest-only benchmarks (port I/O, no native build): plain runtime programs like the tests.
GUEST_ONLY_BENCH=(pio)
for name in "${GUEST_ONLY_BENCH[@]}"; do
  compile "guests/bench/$name.c" "$OUT/obj/bench/$name-guest.o" "${FREE[@]}"
  link_guest "$OUT/guests/$name.elf" "$OUT/obj/bench/$name-guest.o" "${RT_OBJS[@]}"
done

# Benchmark workloads: the same source built as a guest (ring 3, SSE allowed) and natively.
if compgen -G "guests/bench/*.c" >/dev/null; then
  compile guests/bench/plat/guest.c "$OUT/obj/bench/plat-guest.o" "${FREE[@]}" -Iguests/bench
  for src in guests/bench/*.c; do
    name=$(basename "$src" .c)
    [[ " ${GUEST_ONLY_BENCH[*]} " == *" $name "* ]] && continue
    obj="$OUT/obj/bench/$name-guest.o"
    compile "$src" "$obj" "${FREE[@]}" -Iguests/bench
    link_guest "$OUT/guests/$name.elf" "$obj" "$OUT/obj/bench/plat-guest.o" "${RT_OBJS[@]}"
    exe="$OUT/native/$name"
    if stale "$exe" "$src" guests/bench/plat/native.c "${COMMON_DEPS[@]}"; then
      echo "  CC   $exe" >&2
      run "$CC" "${OPT[@]}" -Iguests/bench -o "$exe" "$src" guests/bench/plat/native.c
    fi
  done
fi
echo "build-guests: up to date in $OUT/" >&2
