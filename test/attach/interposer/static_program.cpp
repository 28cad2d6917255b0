// A fully static program (no dynamic linker, so no LD_PRELOAD).
int main() { return 0; }
