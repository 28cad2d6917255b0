#include "preload_reach.hpp"

#include <elf.h>
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <sstream>
#include <vector>

namespace vram_only::attach {
namespace {

bool executable_file(const std::string& file) {
  struct stat st {};
  return stat(file.c_str(), &st) == 0 && S_ISREG(st.st_mode) && access(file.c_str(), X_OK) == 0;
}

// True when `file` is a 64-bit ELF executable without a PT_INTERP program
// header (no dynamic linker: fully static). False for anything else.
bool statically_linked(const std::string& file) {
  std::ifstream in(file, std::ios::binary);
  Elf64_Ehdr header{};
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header)) return false;
  if (std::string(reinterpret_cast<const char*>(header.e_ident), 4) != ELFMAG ||
      header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_phentsize != sizeof(Elf64_Phdr) ||
      (header.e_type != ET_EXEC && header.e_type != ET_DYN)) {
    return false;
  }
  bool dynamic = false;
  for (unsigned i = 0; i < header.e_phnum; ++i) {
    Elf64_Phdr ph{};
    in.seekg(static_cast<std::streamoff>(header.e_phoff + i * sizeof ph));
    if (!in.read(reinterpret_cast<char*>(&ph), sizeof ph)) return false;
    dynamic = dynamic || ph.p_type == PT_INTERP;
  }
  // A shared library run directly (ET_DYN without PT_INTERP, e.g. ld.so
  // itself) is not a static program either.
  return !dynamic && header.e_type == ET_EXEC;
}

}  // namespace

std::string find_executable(const std::string& command, const char* path) {
  if (command.find('/') != std::string::npos) return executable_file(command) ? command : "";
  std::stringstream dirs(path != nullptr ? path : "/usr/local/bin:/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    const std::string file = (dir.empty() ? "." : dir) + "/" + command;
    if (executable_file(file)) return file;
  }
  return "";
}

std::string why_preload_cannot_reach(const std::string& file) {
  struct stat st {};
  if (file.empty() || stat(file.c_str(), &st) != 0) return "";
  if ((st.st_mode & S_ISUID) != 0 && st.st_uid != geteuid()) {
    return file + " is set-user-ID: the dynamic linker ignores LD_PRELOAD for it";
  }
  if ((st.st_mode & S_ISGID) != 0 && st.st_gid != getegid()) {
    return file + " is set-group-ID: the dynamic linker ignores LD_PRELOAD for it";
  }
  if (statically_linked(file)) {
    return file + " is statically linked: there is no dynamic linker to preload the interposer";
  }
  return "";
}

}  // namespace vram_only::attach
