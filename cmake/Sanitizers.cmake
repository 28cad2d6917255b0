# Applies VRAM_ONLY_SANITIZE (e.g. "thread" or "address,undefined") to every
# target defined after this point. Used by ./scripts/test for the runtime's
# ThreadSanitizer and ASan+UBSan builds.
set(_vram_only_san_flags -fsanitize=${VRAM_ONLY_SANITIZE} -fno-omit-frame-pointer -g)
if(VRAM_ONLY_SANITIZE MATCHES "undefined")
  list(APPEND _vram_only_san_flags -fno-sanitize-recover=undefined)
endif()
add_compile_options("$<$<COMPILE_LANGUAGE:C,CXX>:${_vram_only_san_flags}>")
add_link_options(-fsanitize=${VRAM_ONLY_SANITIZE})
