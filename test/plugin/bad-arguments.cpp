// A bad plugin argument names itself and fails the compile.
//
// RUN: not %clang -fsyntax-only -fplugin=%plugin -fplugin-arg-vram_only-werror %s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=UNKNOWN
// UNKNOWN: error: vram_only plugin: unknown argument -fplugin-arg-vram_only-werror (expected -fplugin-arg-vram_only-warn or -fplugin-arg-vram_only-checks=<globs>)
//
// RUN: not %clang -fsyntax-only -fplugin=%plugin -fplugin-arg-vram_only-checks=vram-* -fplugin-arg-vram_only-checks=-* %s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=NONE
// NONE: error: vram_only plugin: -fplugin-arg-vram_only-checks=-* enables no check
//
// RUN: not %clang -fsyntax-only -fplugin=%plugin "-fplugin-arg-vram_only-checks=vram-*,,x" %s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=EMPTY
// EMPTY: error: vram_only plugin: -fplugin-arg-vram_only-checks: empty glob in 'vram-*,,x'
//
// RUN: not %clang -fsyntax-only -fplugin=%plugin "-fplugin-arg-vram_only-checks=vram-(host)" %s 2>&1 \
// RUN:   | FileCheck %s --check-prefix=CHARS
// CHARS: error: vram_only plugin: -fplugin-arg-vram_only-checks: 'vram-(host)' is not a check glob (letters, digits, '-', '_', '.' and '*')

int main() { return 0; }
