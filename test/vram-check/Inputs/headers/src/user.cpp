// Clean itself: the forbidden call is in the header it includes.
#include "alloc.h"

void use(void **p) { stage(p, 64); }
