# vram_only_enforce(<target> [WARN])
#
# Makes every C, C++ and CUDA compile of <target> fail on a violation of the
# VRAM-only policy (or, with WARN, report it as a warning):
#   - where the language's compiler is clang 19, through the compiler plugin
#     (-fplugin=VramOnlyPlugin.so; -fplugin-arg-vram_only-warn with WARN);
#   - otherwise (nvcc, gcc, another clang), through the launcher
#     (<LANG>_COMPILER_LAUNCHER: vram-check --launcher [--warn] --), which
#     analyses the translation unit from the compiler's own arguments and then
#     runs the compiler. A launcher already set (ccache) keeps running, after
#     vram-check.
#
# Expects VRAM_ONLY_CHECK_EXECUTABLE and VRAM_ONLY_PLUGIN to be set (the
# package config does it).
function(vram_only_enforce target)
  cmake_parse_arguments(PARSE_ARGV 1 _vo "WARN" "" "")
  if(_vo_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "vram_only_enforce: unexpected arguments: ${_vo_UNPARSED_ARGUMENTS} (usage: vram_only_enforce(<target> [WARN]))")
  endif()
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "vram_only_enforce: '${target}' is not a target")
  endif()
  if(NOT VRAM_ONLY_CHECK_EXECUTABLE OR NOT VRAM_ONLY_PLUGIN)
    message(FATAL_ERROR "vram_only_enforce: this VramOnly installation has no analysis (it was built with VRAM_ONLY_BUILD_ANALYSIS=OFF)")
  endif()
  get_target_property(_vo_type "${target}" TYPE)
  if(_vo_type STREQUAL "INTERFACE_LIBRARY")
    message(FATAL_ERROR "vram_only_enforce: '${target}' is an INTERFACE library and compiles nothing")
  endif()

  get_property(_vo_languages GLOBAL PROPERTY ENABLED_LANGUAGES)
  foreach(_vo_lang IN ITEMS C CXX CUDA)
    if(NOT _vo_lang IN_LIST _vo_languages)
      continue()
    endif()
    set(_vo_id "${CMAKE_${_vo_lang}_COMPILER_ID}")
    set(_vo_version "${CMAKE_${_vo_lang}_COMPILER_VERSION}")
    if(_vo_id STREQUAL "Clang" AND _vo_version VERSION_GREATER_EQUAL 19 AND _vo_version VERSION_LESS 20)
      set(_vo_flags "-fplugin=${VRAM_ONLY_PLUGIN}")
      if(_vo_WARN)
        list(APPEND _vo_flags "-fplugin-arg-vram_only-warn")
      endif()
      target_compile_options("${target}" PRIVATE "$<$<COMPILE_LANGUAGE:${_vo_lang}>:${_vo_flags}>")
    else()
      set(_vo_launcher "${VRAM_ONLY_CHECK_EXECUTABLE}" --launcher)
      if(_vo_WARN)
        list(APPEND _vo_launcher --warn)
      endif()
      list(APPEND _vo_launcher --)
      get_target_property(_vo_existing "${target}" ${_vo_lang}_COMPILER_LAUNCHER)
      if(_vo_existing)
        list(GET _vo_existing 0 _vo_first)
        if(_vo_first STREQUAL VRAM_ONLY_CHECK_EXECUTABLE)
          continue() # already enforced
        endif()
        list(APPEND _vo_launcher ${_vo_existing})
      endif()
      set_property(TARGET "${target}" PROPERTY ${_vo_lang}_COMPILER_LAUNCHER "${_vo_launcher}")
    endif()
  endforeach()
endfunction()
