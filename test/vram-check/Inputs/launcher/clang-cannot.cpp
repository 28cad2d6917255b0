// Compiles with g++; clang cannot parse it (as with sources using gcc-only
// extensions): the analysis fails, the compile does not.
#ifdef __clang__
#error "not for clang"
#endif
int answer() { return 42; }
