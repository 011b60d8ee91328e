/* The one CPU count of the library (the shim's threads, the identity
 * pool): under taskset, cpusets or a container's CPU set more threads than
 * the affinity mask allows only contend (and spinning OpenMP threads
 * collapse); online CPUs when the mask cannot be read. */
#define _GNU_SOURCE   /* sched_getaffinity, CPU_COUNT */
#ifdef __linux__
#include <sched.h>
#endif
#include <unistd.h>

#include "util/cpu.h"

int32_t v2f__cpu_count(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (int32_t)CPU_COUNT(&set);
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int32_t)n : 1;
}
