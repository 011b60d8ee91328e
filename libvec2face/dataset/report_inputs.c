/* The report's input identities: the .npy recipe.txt names (or the
 * caller's), found and checked against the recipe's fingerprint. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "report.h"

#define DIM V2F_VECTOR_DIM

/* Load the input vectors, or say in r->why_input why not (not an error:
 * the rest of the report does not need them). */
v2f_status v2f__report_load_inputs(v2f__report *r, char **path_out,
                                   v2f_array **out)
{
    char *recipe = v2f__strfmt("%s/recipe.txt", r->dir), *text = NULL;
    char val[4096], want[64], *path = NULL;
    uint64_t h;
    size_t len;
    v2f_array *a = NULL;
    v2f_status st;

    *out = NULL;
    *path_out = NULL;
    if (!recipe)
        return v2f__fail(V2F_E_NO_MEMORY, "out of memory");
    st = v2f__read_file(recipe, &text, &len);
    if (st != V2F_OK) {
        snprintf(r->why_input, sizeof r->why_input, "%s", v2f_last_error());
        free(recipe);
        return V2F_OK;
    }
    if (!v2f__ds_recipe_get(text, "identities_fnv1a64", want, sizeof want))
        want[0] = '\0';
    if (r->o.identities)
        path = v2f__strfmt("%s", r->o.identities);
    else if (v2f__ds_recipe_comment(text, "identities file", val,
                                    sizeof val)) {
        struct stat sb;
        /* The name is as generate got it (a relative one was relative to
         * where it ran): try it, then (relative) inside the dataset folder,
         * then its base name there (a dataset moved with its ids). */
        const char *base = strrchr(val, '/') ? strrchr(val, '/') + 1 : val;
        path = v2f__strfmt("%s", val);
        if (path && stat(path, &sb) != 0) {
            char *alt = val[0] != '/' ? v2f__strfmt("%s/%s", r->dir, val)
                                      : v2f__strfmt("%s", val);
            if (alt && stat(alt, &sb) != 0) {
                free(alt);
                alt = v2f__strfmt("%s/%s", r->dir, base);
            }
            if (alt && stat(alt, &sb) == 0) {
                free(path);
                path = alt;
            } else {
                free(alt);
            }
        }
    } else {
        snprintf(r->why_input, sizeof r->why_input, "%.700s names no identities "
                 "file", recipe);
        goto done;
    }
    if (!path) {
        st = v2f__fail(V2F_E_NO_MEMORY, "out of memory");
        goto done;
    }
    if (v2f__fnv1a_file(path, &h) != V2F_OK) {
        snprintf(r->why_input, sizeof r->why_input, "%s", v2f_last_error());
        goto done;
    }
    snprintf(val, sizeof val, "%016llx", (unsigned long long)h);
    if (strcmp(val, want) != 0) {
        snprintf(r->why_input, sizeof r->why_input, "identities file '%.700s' "
                 "is not the recipe's (fnv1a64 %.16s, recipe %.16s)", path, val,
                 want[0] ? want : "none");
        goto done;
    }
    if (v2f_npy_read(path, &a) != V2F_OK) {
        snprintf(r->why_input, sizeof r->why_input, "%s", v2f_last_error());
        goto done;
    }
    if (v2f_array_rows(a) != r->l.num_ids || v2f_array_cols(a) != DIM) {
        snprintf(r->why_input, sizeof r->why_input, "identities file '%.700s' "
                 "is %zux%zu, the recipe has %llu identities of %d", path,
                 v2f_array_rows(a), v2f_array_cols(a),
                 (unsigned long long)r->l.num_ids, DIM);
        v2f_array_free(a);
        a = NULL;
        goto done;
    }
    *out = a;
    *path_out = path;
    path = NULL;
done:
    free(path);
    free(text);
    free(recipe);
    return st;
}
