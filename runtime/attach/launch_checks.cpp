#include "launch_checks.hpp"

#include <arpa/inet.h>
#include <elf.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "excerpt.hpp"

namespace vram_only::attach {
namespace {

constexpr const char* kPrefix = "VRAM_ONLY_";

bool is_numeric_host(const std::string& host) {
  return host.find_first_not_of("0123456789.") == std::string::npos || host.find(':') != std::string::npos;
}

// The directory part of a path ("." when there is none).
std::string directory_of(const std::string& path) {
  const std::size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// True when the ELF image exports `symbol` in its dynamic symbol table.
// Every offset is checked against the image's size.
bool exports_symbol(const unsigned char* image, std::size_t size, const char* symbol) {
  const auto* header = reinterpret_cast<const Elf64_Ehdr*>(image);
  if (header->e_shoff == 0 || header->e_shentsize != sizeof(Elf64_Shdr) || header->e_shoff > size ||
      (size - header->e_shoff) / sizeof(Elf64_Shdr) < header->e_shnum) {
    return false;
  }
  const auto* sections = reinterpret_cast<const Elf64_Shdr*>(image + header->e_shoff);
  for (std::size_t s = 0; s < header->e_shnum; ++s) {
    const Elf64_Shdr& table = sections[s];
    if (table.sh_type != SHT_DYNSYM || table.sh_link >= header->e_shnum) continue;
    const Elf64_Shdr& names = sections[table.sh_link];
    if (table.sh_offset > size || table.sh_size > size - table.sh_offset || names.sh_offset > size ||
        names.sh_size > size - names.sh_offset) {
      return false;
    }
    const auto* symbols = reinterpret_cast<const Elf64_Sym*>(image + table.sh_offset);
    const char* strings = reinterpret_cast<const char*>(image + names.sh_offset);
    const std::size_t wanted = std::strlen(symbol);
    for (std::size_t i = 0; i < table.sh_size / sizeof(Elf64_Sym); ++i) {
      const Elf64_Sym& sym = symbols[i];
      if (sym.st_shndx == SHN_UNDEF || sym.st_name >= names.sh_size) continue;
      if (names.sh_size - sym.st_name > wanted && std::memcmp(strings + sym.st_name, symbol, wanted + 1) == 0) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

std::string check_environment(char* const* environment) {
  for (char* const* entry = environment; entry != nullptr && *entry != nullptr; ++entry) {
    const std::string text = *entry;
    if (text.compare(0, std::strlen(kPrefix), kPrefix) != 0) continue;
    const std::string name = text.substr(0, text.find('='));
    std::string known;
    bool found = false;
    for (const OptionVariable& ov : option_variables()) {
      found = found || name == ov.variable;
      known += std::string(known.empty() ? "" : ", ") + ov.variable;
    }
    if (!found) {
      return "unknown environment variable " + excerpt(name, '\'') + " (vram-only-run reads " + known +
             "; unset it or fix its name)";
    }
  }
  return "";
}

std::string check_report_path(const std::string& report, long pid) {
  if (report.empty()) return "";
  const std::string path = expand_pid(report, pid);
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0) {
    if (S_ISDIR(info.st_mode)) return "--report " + path + " is a directory (it names the report file)";
    if (::access(path.c_str(), W_OK) != 0) return "--report: cannot write " + path + ": " + std::strerror(errno);
    return "";
  }
  const std::string directory = directory_of(path);
  if (::access(directory.c_str(), W_OK | X_OK) != 0) {
    return "--report: cannot create a file in " + directory + ": " + std::strerror(errno);
  }
  return "";
}

std::string check_health_address(const std::string& health) {
  std::string host;
  int port = 0;
  if (health.empty() || !parse_host_port(health, host, port) || !is_numeric_host(host)) return "";
  unsigned char address[sizeof(in6_addr)];
  const int family = host.find(':') != std::string::npos ? AF_INET6 : AF_INET;
  if (::inet_pton(family, host.c_str(), address) != 1) {
    return "--health " + health + ": " + host + " is not a valid " + (family == AF_INET ? "IPv4" : "IPv6") +
           " address";
  }
  return "";
}

std::string check_attach_library(const std::string& path) {
  const std::string not_ours = "--library " + path + " is not libvram_only_attach.so (";
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return not_ours + std::strerror(errno) + ")";
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode) ||
      static_cast<std::size_t>(info.st_size) < sizeof(Elf64_Ehdr)) {
    ::close(fd);
    return not_ours + "not an ELF file)";
  }
  const std::size_t size = static_cast<std::size_t>(info.st_size);
  void* mapped = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (mapped == MAP_FAILED) return not_ours + std::strerror(errno) + ")";
  const auto* image = static_cast<const unsigned char*>(mapped);
  const auto* header = reinterpret_cast<const Elf64_Ehdr*>(image);
  std::string reason;
  if (std::memcmp(image, ELFMAG, SELFMAG) != 0) {
    reason = "not an ELF file";
  } else if (image[EI_CLASS] != ELFCLASS64 || header->e_type != ET_DYN) {
    reason = "not a 64-bit ELF shared object";
  } else if (!exports_symbol(image, size, kAttachLibraryMarker)) {
    reason = std::string("it does not export ") + kAttachLibraryMarker;
  }
  ::munmap(mapped, size);
  return reason.empty() ? "" : not_ours + reason + ")";
}

std::string check_cupti(const std::string& path) {
  if (path.empty() || ::access(path.c_str(), R_OK) == 0) return "";
  return "--cupti: cannot read " + path + ": " + std::strerror(errno);
}

std::string check_before_launch(const AttachOptions& options, char* const* environment, long pid) {
  for (const std::string& reason :
       {check_environment(environment), check_report_path(options.report, pid), check_health_address(options.health),
        check_attach_library(options.library), check_cupti(options.cupti)}) {
    if (!reason.empty()) return reason;
  }
  return "";
}

}  // namespace vram_only::attach
