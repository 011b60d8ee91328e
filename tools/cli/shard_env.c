/* vec2face generate: which shard this process makes, from --shard, or
 * from a Slurm array task or a Kubernetes Indexed Job's environment. */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdlib.h>

#include "cli.h"
#include "generate.h"

#define U(...) (cli_recipe_blame(optind - 1), \
                cli_usage_error("generate", __VA_ARGS__))

int gen_pick_shard(const gen_args *a, uint32_t *k, uint32_t *n,
                   const char **from)
{
    const char *id = getenv("SLURM_ARRAY_TASK_ID");
    const char *jci = getenv("JOB_COMPLETION_INDEX");
    uint64_t idv, minv = 0, cnt;
    if (a->have_shard) {
        *k = a->shard;
        *n = a->shards_flag;
        *from = "--shard";
        return CLI_OK;
    }
    if (id && *id) {
        const char *mn = getenv("SLURM_ARRAY_TASK_MIN");
        const char *c = getenv("SLURM_ARRAY_TASK_COUNT");
        if (!cli_parse_u64(id, &idv)
            || (mn && *mn && !cli_parse_u64(mn, &minv)) || idv < minv)
            return U("SLURM_ARRAY_TASK_ID '%s' (SLURM_ARRAY_TASK_MIN '%s') "
                     "is not a task index", id, mn ? mn : "");
        if (a->shards_flag)
            cnt = a->shards_flag;
        else if (!c || !cli_parse_u64(c, &cnt) || cnt < 1 || cnt > UINT32_MAX)
            return U("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT "
                     "is '%s'; pass --shards N", c ? c : "");
        if (idv - minv >= cnt)
            return U("Slurm task %llu is shard %llu, not below the shard "
                     "count %llu", (unsigned long long)idv,
                     (unsigned long long)(idv - minv),
                     (unsigned long long)cnt);
        *k = (uint32_t)(idv - minv);
        *n = (uint32_t)cnt;
        *from = "SLURM_ARRAY_TASK_ID";
        return CLI_OK;
    }
    if (jci && *jci) {
        if (!a->shards_flag)
            return U("JOB_COMPLETION_INDEX is set: pass --shards N (the "
                     "Job's completions)");
        if (!cli_parse_u64(jci, &idv) || idv >= a->shards_flag)
            return U("JOB_COMPLETION_INDEX '%s' is not below --shards %u",
                     jci, a->shards_flag);
        *k = (uint32_t)idv;
        *n = a->shards_flag;
        *from = "JOB_COMPLETION_INDEX";
        return CLI_OK;
    }
    if (a->shards_flag > 1)
        return U("--shards %u without --shard K/N, SLURM_ARRAY_TASK_ID or "
                 "JOB_COMPLETION_INDEX: which shard is this?", a->shards_flag);
    *k = 0;
    *n = 1;
    *from = NULL;
    return CLI_OK;
}
