// Does not parse: the token scan reads it, and NOLINT comments silence its
// findings as they silence the analysis's (clang-tidy's own handling).
void broken( {

void later(void **p) {
  cudaMallocHost(p, 64); // NOLINT(vram-host-memory): measured, see the docs
  // NOLINTNEXTLINE(vram-managed-memory)
  cudaMallocManaged(p, 64);
  cudaMallocHost(p, 64); // NOLINT(vram-managed-memory): another check's
  cudaMallocManaged(p, 64);
}
