/* Fuzz the recipe.txt reader used by resume and verify: v2f__ds_recipe_load
 * (digest check, then the keys verify needs) and v2f__ds_recipe_sync (the
 * comparison a restart makes, naming the first changed key). Both read
 * <dir>/recipe.txt, so each input is written there.
 *
 * A random text almost never carries the right digest, which would stop
 * load at the first check; so each input is also tried with its correct
 * digest line appended, computed here the way recipe.c documents it (FNV-1a
 * 64 of the non-empty, non-comment lines other than "digest = ...", each
 * with its newline). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataset.h"
#include "fuzz_util.h"

/* A canonical recipe text as v2f__ds_recipe_text writes it. */
static const char ours[] =
    "text_version = 1\n"
    "identities = 10\n"
    "identities_fnv1a64 = 0123456789abcdef\n"
    "seed = 42\n"
    "perturb_images = 4\n"
    "eps = 0.3:0.4,0.5:0.4,0.7:0.2\n"
    "pose_images = 0\n"
    "image_format = png\n";

/* The text with its correct digest line appended (malloc'ed). */
static char *with_digest(const char *text, size_t len)
{
    uint64_t h = V2F_FNV_INIT;
    const char *line = text;
    char *out = malloc(len + 40);
    if (!out)
        abort();
    while (line && *line) {
        const char *end = strchr(line, '\n');
        size_t ll = end ? (size_t)(end - line) : strlen(line);
        if (line[0] != '#' && strncmp(line, "digest = ", 9) != 0 && ll > 0) {
            h = v2f__fnv1a(h, line, ll);
            h = v2f__fnv1a(h, "\n", 1);
        }
        line = end ? end + 1 : NULL;
    }
    memcpy(out, text, len);
    /* The reader needs the digest on a line of its own. */
    snprintf(out + len, 40, "%sdigest = %016llx\n",
             len && text[len - 1] != '\n' ? "\n" : "", (unsigned long long)h);
    return out;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *dir = fuzz_scratch_dir();
    v2f__ds_layout l;
    char *text, *fixed;
    size_t len;

    /* As given. */
    fuzz_write_file("recipe.txt", data, size);
    (void)v2f__ds_recipe_load(dir, &l);
    (void)v2f__ds_recipe_sync(dir, ours, "ids.npy");

    /* With the right digest, up to the first NUL (the reader's view). */
    text = malloc(size + 1);
    if (!text)
        abort();
    memcpy(text, data, size);
    text[size] = '\0';
    len = strlen(text);
    fixed = with_digest(text, len);
    fuzz_write_file("recipe.txt", (const uint8_t *)fixed, strlen(fixed));
    if (v2f__ds_recipe_load(dir, &l) == V2F_OK
        && (l.per_id < 1 || l.per_id > V2F_DS_MAX_IMAGES
            || l.perturb_images > l.per_id))
        __builtin_trap();   /* load promises 1..V2F_DS_MAX_IMAGES per id */
    free(fixed);
    free(text);
    return 0;
}
