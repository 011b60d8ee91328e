/* Internal: how many threads are worth running. */
#ifndef V2F_UTIL_CPU_H
#define V2F_UTIL_CPU_H

#include <stdint.h>

/* CPUs this process may run on (the affinity mask, so taskset, cpusets and
 * containers count), else the online CPUs; at least 1. */
int32_t v2f__cpu_count(void);

#endif
