#include "buffers.h"
void *kv_cache(unsigned long bytes) { return device_buffer(bytes); }
