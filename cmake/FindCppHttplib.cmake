# FindCppHttplib
# --------------
# Finds cpp-httplib built as a library, as Debian and Ubuntu ship it
# (libcpp-httplib-dev: /usr/include/httplib.h + libcpp-httplib.so, whose
# implementation lives in the library, not in the header).
#
# The header declares different class layouts depending on
# CPPHTTPLIB_OPENSSL_SUPPORT / _ZLIB_SUPPORT / _BROTLI_SUPPORT, so code using it
# MUST be compiled with the defines the library was built with. They are read
# from the package's cpp-httplib.pc (Cflags); without a .pc file the Debian
# build's three defines are assumed. The headers those defines pull in
# (openssl/ssl.h, zlib.h, brotli/decode.h) must be found too.
#
# Honours CMAKE_PREFIX_PATH, so extracted .deb contents work without
# installing them:
#   dpkg-deb -x libcpp-httplib-dev_*.deb /opt/x ; dpkg-deb -x libcpp-httplib0.11_*.deb /opt/x
#   cmake -DCMAKE_PREFIX_PATH=/opt/x/usr ...
#
# Result variables:
#   CppHttplib_FOUND, CppHttplib_VERSION, CppHttplib_INCLUDE_DIR,
#   CppHttplib_LIBRARY, CppHttplib_DEFINITIONS (list, without -D),
#   CppHttplib_NOT_FOUND_MESSAGE (why not, when not found)
# Imported target:
#   CppHttplib::CppHttplib

find_path(CppHttplib_INCLUDE_DIR NAMES httplib.h)
find_library(CppHttplib_LIBRARY
  NAMES cpp-httplib libcpp-httplib.so.0.11 libcpp-httplib.so.0.11.4)
mark_as_advanced(CppHttplib_INCLUDE_DIR CppHttplib_LIBRARY)

set(CppHttplib_NOT_FOUND_MESSAGE "")
set(CppHttplib_DEFINITIONS "")
set(_cpphttplib_dep_dirs "")

if(CppHttplib_INCLUDE_DIR)
  file(STRINGS "${CppHttplib_INCLUDE_DIR}/httplib.h" _cpphttplib_version_line
       REGEX "^#define CPPHTTPLIB_VERSION \"[0-9.]+\"")
  string(REGEX REPLACE ".*\"([0-9.]+)\".*" "\\1" CppHttplib_VERSION "${_cpphttplib_version_line}")
endif()

if(CppHttplib_LIBRARY)
  # The .pc next to the library (…/lib/<arch>/pkgconfig/cpp-httplib.pc).
  get_filename_component(_cpphttplib_libdir "${CppHttplib_LIBRARY}" DIRECTORY)
  find_file(CppHttplib_PC_FILE NAMES cpp-httplib.pc
            HINTS "${_cpphttplib_libdir}/pkgconfig"
            NO_DEFAULT_PATH)
  mark_as_advanced(CppHttplib_PC_FILE)
  if(CppHttplib_PC_FILE)
    file(STRINGS "${CppHttplib_PC_FILE}" _cpphttplib_cflags REGEX "^Cflags:")
    string(REGEX MATCHALL "-D[A-Za-z0-9_=]+" _cpphttplib_defs "${_cpphttplib_cflags}")
    foreach(_def IN LISTS _cpphttplib_defs)
      string(SUBSTRING "${_def}" 2 -1 _def)
      list(APPEND CppHttplib_DEFINITIONS "${_def}")
    endforeach()
  else()
    set(CppHttplib_DEFINITIONS
        CPPHTTPLIB_OPENSSL_SUPPORT CPPHTTPLIB_ZLIB_SUPPORT CPPHTTPLIB_BROTLI_SUPPORT)
    if(NOT CppHttplib_FIND_QUIETLY)
      message(STATUS "cpp-httplib: no cpp-httplib.pc next to ${CppHttplib_LIBRARY}; "
                     "assuming Debian's build defines: ${CppHttplib_DEFINITIONS}")
    endif()
  endif()
endif()

# Headers the defines pull into httplib.h.
set(_cpphttplib_missing_deps "")
macro(_cpphttplib_need define header package)
  list(FIND CppHttplib_DEFINITIONS "CPPHTTPLIB_${define}_SUPPORT" _idx)
  if(NOT _idx EQUAL -1)
    find_path(CppHttplib_${define}_INCLUDE_DIR NAMES ${header})
    mark_as_advanced(CppHttplib_${define}_INCLUDE_DIR)
    if(CppHttplib_${define}_INCLUDE_DIR)
      list(APPEND _cpphttplib_dep_dirs "${CppHttplib_${define}_INCLUDE_DIR}")
    else()
      list(APPEND _cpphttplib_missing_deps "${header} (${package})")
    endif()
  endif()
endmacro()
_cpphttplib_need(OPENSSL openssl/ssl.h libssl-dev)
_cpphttplib_need(ZLIB zlib.h zlib1g-dev)
_cpphttplib_need(BROTLI brotli/decode.h libbrotli-dev)

if(NOT CppHttplib_INCLUDE_DIR)
  set(CppHttplib_NOT_FOUND_MESSAGE "httplib.h not found")
elseif(NOT CppHttplib_LIBRARY)
  set(CppHttplib_NOT_FOUND_MESSAGE "libcpp-httplib.so not found")
elseif(_cpphttplib_missing_deps)
  string(REPLACE ";" ", " _cpphttplib_missing_text "${_cpphttplib_missing_deps}")
  set(CppHttplib_NOT_FOUND_MESSAGE
      "httplib.h needs headers that were not found: ${_cpphttplib_missing_text}")
endif()

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(CppHttplib
  REQUIRED_VARS CppHttplib_LIBRARY CppHttplib_INCLUDE_DIR
  VERSION_VAR CppHttplib_VERSION
  REASON_FAILURE_MESSAGE "${CppHttplib_NOT_FOUND_MESSAGE}")
if(CppHttplib_FOUND AND _cpphttplib_missing_deps)
  set(CppHttplib_FOUND FALSE)
  if(NOT CppHttplib_FIND_QUIETLY)
    message(STATUS "cpp-httplib: ${CppHttplib_NOT_FOUND_MESSAGE}")
  endif()
endif()

if(CppHttplib_FOUND AND NOT TARGET CppHttplib::CppHttplib)
  find_package(Threads REQUIRED)
  add_library(CppHttplib::CppHttplib SHARED IMPORTED)
  list(REMOVE_DUPLICATES _cpphttplib_dep_dirs)
  set_target_properties(CppHttplib::CppHttplib PROPERTIES
    IMPORTED_LOCATION "${CppHttplib_LIBRARY}"
    INTERFACE_INCLUDE_DIRECTORIES "${CppHttplib_INCLUDE_DIR};${_cpphttplib_dep_dirs}"
    INTERFACE_COMPILE_DEFINITIONS "${CppHttplib_DEFINITIONS}"
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
