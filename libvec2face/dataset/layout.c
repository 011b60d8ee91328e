/* The dataset's on-disk layout: where image j of identity i lives, and
 * which names in an identity folder are temporary files. */
#include <stdio.h>
#include <string.h>

#include "dataset.h"

void v2f__ds_image_path(char *buf, size_t size, const char *out,
                        uint64_t identity, uint32_t image, const char *ext,
                        const char **rel)
{
    size_t ol = strlen(out);
    snprintf(buf, size, "%s/%06llu/%03u.%s", out,
             (unsigned long long)identity, (unsigned)image, ext);
    if (rel)
        *rel = buf + ol + 1;
}

int v2f__ds_is_temp_name(const char *name)
{
    return name[0] == '.' && strstr(name, ".tmp") != NULL
           && strcmp(name, ".") != 0 && strcmp(name, "..") != 0;
}
