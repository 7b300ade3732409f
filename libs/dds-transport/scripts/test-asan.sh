#!/usr/bin/env bash
# Runs the suites that load the addon (test/runtime, test/interop) against its ASan+UBSan build
# (Nx target dds-transport:test-asan, after build-native-asan). Node is not instrumented, so
# gcc's libasan is preloaded into every process of the run; LeakSanitizer checks each one at exit
# with test/asan/lsan-node.supp, which names only allocations of Node itself and of the test
# runner's own native modules, never a frame of the addon. External C programs the tests spawn
# (compilers, idlc, ddsperf) run through shims without the preload: they are not ours to check.
#
# Every sanitizer report goes to a per-process file; the run fails when any file holds one, even
# if the process that wrote it (a jest worker, a peer) exited without failing a test.
set -euo pipefail
cd "$(dirname "$0")/.."
lib="$PWD"
out="$lib/tmp/asan"
addon="$out/build/Release/dds_transport.node"
[ -f "$addon" ] || {
  echo "test-asan: $addon is missing: run npx nx run dds-transport:build-native-asan" >&2
  exit 1
}
libasan="$(gcc -print-file-name=libasan.so)"
[ -f "$libasan" ] || {
  echo "test-asan: gcc has no libasan.so (apt-get install g++)" >&2
  exit 1
}

logs="$out/logs"
shims="$out/shims"
rm -rf "$logs" "$shims"
mkdir -p "$logs" "$shims"
for tool in cc gcc g++ c++ idlc pkg-config ddsperf; do
  real="$(command -v "$tool" || true)"
  [ -n "$real" ] || continue
  printf '#!/bin/sh\nunset LD_PRELOAD\nexec %s "$@"\n' "$real" >"$shims/$tool"
  chmod +x "$shims/$tool"
done

suites=("$@")
[ "${#suites[@]}" -gt 0 ] || suites=(test/runtime test/interop)
status=0
env PATH="$shims:$PATH" \
  LD_PRELOAD="$libasan" \
  DDS_TRANSPORT_ADDON="$addon" \
  ASAN_OPTIONS="${ASAN_EXTRA:-}detect_leaks=1:log_path=$logs/asan:strict_string_checks=1:detect_stack_use_after_return=0" \
  LSAN_OPTIONS="suppressions=$lib/test/asan/lsan-node.supp:print_suppressions=0" \
  UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logs/ubsan" \
  node "$lib/../../node_modules/jest/bin/jest.js" -c "$lib/jest.config.js" --runInBand \
  "${suites[@]}" || status=$?

reports=$(grep -l -E 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$logs"/* 2>/dev/null || true)
if [ -n "$reports" ]; then
  for f in $reports; do
    printf '\n===== %s\n' "$f" >&2
    cat "$f" >&2
  done
  echo "test-asan: sanitizer reports above ($(echo "$reports" | wc -l) process(es))" >&2
  status=1
fi
exit "$status"
