// The interposer's dlsym. The CUDA runtime (static or shared) finds the
// driver with dlopen + dlsym(handle, "cuGetProcAddress"), and programs that
// load libcuda themselves do the same for single entry points; this dlsym
// answers those lookups with the interposer's functions
// (driver_interposer.cpp) and every other lookup with glibc's own answer.
//
// dlsym's answer depends on who calls it (RTLD_NEXT searches the objects
// after the caller's; a library's dlopen-ed dependencies are found through
// its own scope): so `dlsym` here is a few instructions that ask
// vram_only_dlsym_target(name) which function should answer, and jump to
// it with the caller's registers and return address untouched. glibc's
// dlsym then sees the program's caller, not this library. Only a lookup of
// a driver entry point ("cu" and a capital) goes to interposed_dlsym, whose
// own call to glibc's dlsym is made from here (RTLD_NEXT then means "after
// this library", which finds the same driver function).
//
// Thread-safety: any thread, also before the library's constructors ran.
// And before the sanitizer runtimes are initialised (they find the
// functions they intercept with dlsym): this file is compiled without
// sanitizer instrumentation, and reaches instrumented code only for the
// driver's names.
#include <dlfcn.h>

#include <atomic>

#include "interposer_state.hpp"

namespace vram_only::attach {
namespace {

// dlsym's oldest (base) version, the one every glibc of the architecture has.
#if defined(__x86_64__)
constexpr const char* kDlsymVersion = "GLIBC_2.2.5";
#elif defined(__aarch64__)
constexpr const char* kDlsymVersion = "GLIBC_2.17";
#else
#error "libvram_only_attach.so's interposer supports x86-64 and AArch64"
#endif

std::atomic<DlsymFunction> g_real_dlsym{nullptr};

// A driver entry point's name: "cu" and an upper-case letter.
bool driver_name(const char* name) {
  return name != nullptr && name[0] == 'c' && name[1] == 'u' && name[2] >= 'A' && name[2] <= 'Z';
}

// Answers a lookup of a driver entry point: glibc's answer, replaced by the
// interposer's function for the names it exports, unless this library
// itself asked. Any driver name the program finds here shows that its
// lookups reach the interposer (interposer_watch.hpp).
void* interposed_dlsym(void* handle, const char* name) {
  const void* caller = __builtin_return_address(0);  // the program's: reached by a jump
  const DlsymFunction lookup = real_dlsym();
  void* real = lookup != nullptr ? lookup(handle, name) : nullptr;
  if (real == nullptr || is_own_address(caller)) return real;
  note_handed_out();
  return is_interposed_symbol(name) ? hand_out_symbol(name, real) : real;
}

}  // namespace

DlsymFunction real_dlsym() noexcept {
  DlsymFunction f = g_real_dlsym.load(std::memory_order_acquire);
  if (f == nullptr) {
    f = reinterpret_cast<DlsymFunction>(dlvsym(RTLD_NEXT, "dlsym", kDlsymVersion));
    g_real_dlsym.store(f, std::memory_order_release);
  }
  return f;
}

}  // namespace vram_only::attach

// The function `dlsym` jumps to for `name`.
extern "C" __attribute__((visibility("hidden"))) void* vram_only_dlsym_target(const char* name) {
  using namespace vram_only::attach;
  if (driver_name(name) && interposer_active()) {
    return reinterpret_cast<void*>(&interposed_dlsym);
  }
  return reinterpret_cast<void*>(real_dlsym());
}

// dlsym(handle, name): saves the arguments, asks for the target, restores
// them and jumps (the stack and return address are the caller's again).
#if defined(__x86_64__)
__asm__(
    ".text\n"
    ".globl dlsym\n"
    ".type dlsym, @function\n"
    "dlsym:\n"
    ".cfi_startproc\n"
    "  pushq %rdi\n"
    ".cfi_adjust_cfa_offset 8\n"
    "  pushq %rsi\n"
    ".cfi_adjust_cfa_offset 8\n"
    "  subq $8, %rsp\n"  // 16-byte alignment for the call
    ".cfi_adjust_cfa_offset 8\n"
    "  movq %rsi, %rdi\n"
    "  call vram_only_dlsym_target\n"
    "  addq $8, %rsp\n"
    ".cfi_adjust_cfa_offset -8\n"
    "  popq %rsi\n"
    ".cfi_adjust_cfa_offset -8\n"
    "  popq %rdi\n"
    ".cfi_adjust_cfa_offset -8\n"
    "  jmp *%rax\n"
    ".cfi_endproc\n"
    ".size dlsym, .-dlsym\n");
#elif defined(__aarch64__)
__asm__(
    ".text\n"
    ".globl dlsym\n"
    ".type dlsym, %function\n"
    "dlsym:\n"
    ".cfi_startproc\n"
    "  stp x29, x30, [sp, #-32]!\n"
    ".cfi_def_cfa_offset 32\n"
    ".cfi_offset 29, -32\n"
    ".cfi_offset 30, -24\n"
    "  mov x29, sp\n"
    "  stp x0, x1, [sp, #16]\n"
    "  mov x0, x1\n"
    "  bl vram_only_dlsym_target\n"
    "  mov x16, x0\n"
    "  ldp x0, x1, [sp, #16]\n"
    "  ldp x29, x30, [sp], #32\n"
    ".cfi_def_cfa_offset 0\n"
    "  br x16\n"
    ".cfi_endproc\n"
    ".size dlsym, .-dlsym\n");
#else
#error "libvram_only_attach.so's dlsym supports x86-64 and AArch64"
#endif
