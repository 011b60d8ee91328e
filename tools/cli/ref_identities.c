/* generate --identities DIR: identity vectors from reference images.
 *
 * DIR holds either image files (one identity per image: its ArcFace
 * feature) or subfolders (one identity per subfolder: the plain mean of its
 * images' ArcFace features, as v2f_identity_centres_from_folder). The
 * vectors go to OUT/identities.npy, their names to OUT/identities.txt (one
 * per line, in row order), and a fingerprint of DIR to OUT/identities.src.
 * The dataset job then reads OUT/identities.npy like any --ids file, so the
 * recipe digest and resuming work unchanged.
 *
 * Restart: when OUT/identities.src exists and matches DIR (same layout, same
 * names, same bytes in every image), the vectors are reused, not computed
 * again. When it does not match, the run is refused: the images already in
 * OUT were made from the old vectors. identities.src is written last, so a
 * crash before it just recomputes. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "util/fsutil.h"
#include "vec2face/vec2face.h"

#define FEATURE_BATCH 32

/* Fold a file's name, size and bytes into h. */
static int digest_file(const char *path, const char *name, uint64_t *h)
{
    unsigned char buf[65536];
    FILE *f = fopen(path, "rb");
    uint64_t size = 0;
    size_t got;
    if (!f) {
        fprintf(stderr, "vec2face generate: --identities: cannot read %s: "
                "%s\n", path, strerror(errno));
        return CLI_FAILED;
    }
    *h = v2f__fnv1a(*h, name, strlen(name) + 1);
    while ((got = fread(buf, 1, sizeof buf, f)) > 0) {
        *h = v2f__fnv1a(*h, buf, got);
        size += got;
    }
    if (ferror(f)) {
        fprintf(stderr, "vec2face generate: --identities: cannot read %s\n",
                path);
        fclose(f);
        return CLI_FAILED;
    }
    fclose(f);
    *h = v2f__fnv1a(*h, &size, sizeof size);
    return CLI_OK;
}

/* What DIR holds: its identities (names), whether they are subfolders, and
 * the fingerprint of everything read from it. */
typedef struct ref_source {
    cli_names ids;
    int folders;
    uint64_t images;
    uint64_t digest;
} ref_source;

static int scan(const char *dir, ref_source *src)
{
    cli_names dirs, files;
    size_t i, j;
    int rc;
    memset(src, 0, sizeof *src);
    if (v2f__list_dir(dir, 1, &dirs.v, &dirs.n) != V2F_OK)
        return CLI_FAILED;
    if (v2f__list_dir(dir, 0, &files.v, &files.n) != V2F_OK) {
        cli_names_free(&dirs);
        return CLI_FAILED;
    }
    if (dirs.n && files.n) {
        fprintf(stderr, "vec2face generate: --identities %s holds both "
                "subfolders (e.g. %s) and images (e.g. %s): use one image per "
                "identity or one subfolder per identity, not both\n", dir,
                dirs.v[0], files.v[0]);
        cli_names_free(&dirs);
        cli_names_free(&files);
        return CLI_FAILED;
    }
    if (!dirs.n && !files.n) {
        fprintf(stderr, "vec2face generate: --identities %s has no images "
                "(.png, .jpg, .jpeg) and no subfolders\n", dir);
        return CLI_FAILED;
    }
    for (i = 0; i < dirs.n + files.n; i++) {
        const char *name = i < dirs.n ? dirs.v[i] : files.v[i - dirs.n];
        if (strchr(name, '\n')) {
            fprintf(stderr, "vec2face generate: --identities %s: the name "
                    "'%s' has a line break; identities.txt holds one name a "
                    "line: rename it\n", dir, name);
            cli_names_free(&dirs);
            cli_names_free(&files);
            return CLI_FAILED;
        }
    }
    src->folders = dirs.n > 0;
    src->ids = src->folders ? dirs : files;
    cli_names_free(src->folders ? &files : &dirs);
    src->digest = V2F_FNV_INIT;
    rc = CLI_OK;
    {
        const char *layout = src->folders ? "folders" : "images";
        src->digest = v2f__fnv1a(src->digest, layout, strlen(layout) + 1);
    }
    for (i = 0; i < src->ids.n && rc == CLI_OK; i++) {
        char *sub = v2f__strfmt("%s/%s", dir, src->ids.v[i]);
        if (!sub)
            rc = CLI_FAILED;
        else if (!src->folders) {
            rc = digest_file(sub, src->ids.v[i], &src->digest);
            src->images++;
        } else if (v2f__list_dir(sub, 0, &files.v, &files.n) != V2F_OK) {
            rc = CLI_FAILED;
        } else {
            /* The library reports an empty identity folder; so would we
             * later, but the digest must still tell folders apart. */
            src->digest = v2f__fnv1a(src->digest, src->ids.v[i],
                                    strlen(src->ids.v[i]) + 1);
            for (j = 0; j < files.n && rc == CLI_OK; j++) {
                char *f = v2f__strfmt("%s/%s", sub, files.v[j]);
                rc = f ? digest_file(f, files.v[j], &src->digest)
                       : CLI_FAILED;
                free(f);
            }
            src->images += files.n;
            cli_names_free(&files);
        }
        free(sub);
    }
    if (rc != CLI_OK)
        cli_names_free(&src->ids);
    return rc;
}

/* Contents of identities.src for a source. */
static void describe(const ref_source *src, char *buf, size_t size)
{
    snprintf(buf, size,
             "vec2face reference identities 1\n"
             "layout = %s\n"
             "identities = %zu\n"
             "images = %llu\n"
             "digest = %016llx\n",
             src->folders ? "one subfolder per identity"
                          : "one image per identity",
             src->ids.n, (unsigned long long)src->images,
             (unsigned long long)src->digest);
}

/* 1 when path holds exactly text, 0 when it holds something else, -1 when
 * it cannot be read (absent). */
static int file_equals(const char *path, const char *text)
{
    char buf[1024];
    size_t got, len = strlen(text);
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    got = fread(buf, 1, sizeof buf, f);
    fclose(f);
    return got == len && memcmp(buf, text, len) == 0;
}

/* One identity per image: the ArcFace feature of each. */
static int features_of_images(const v2f_model *model, const char *dir,
                              const cli_names *ids, float *out)
{
    uint8_t *rgb = malloc((size_t)FEATURE_BATCH * V2F_IMAGE_BYTES);
    v2f_image_read_opts ro;
    size_t i = 0, b;
    if (!rgb) {
        fprintf(stderr, "vec2face generate: out of memory\n");
        return CLI_FAILED;
    }
    v2f_image_read_opts_init(&ro, sizeof ro);
    while (i < ids->n) {
        size_t batch = ids->n - i < FEATURE_BATCH ? ids->n - i
                                                  : FEATURE_BATCH;
        for (b = 0; b < batch; b++) {
            char *path = v2f__strfmt("%s/%s", dir, ids->v[i + b]);
            v2f_status st = path ? v2f_image_read(path, &ro,
                                                  rgb + b * V2F_IMAGE_BYTES)
                                 : V2F_E_NO_MEMORY;
            free(path);
            if (st != V2F_OK) {
                fprintf(stderr, "vec2face generate: --identities: %s\n",
                        v2f_last_error());
                free(rgb);
                return CLI_FAILED;
            }
        }
        if (v2f_extract_features(model, V2F_PART_ARCFACE, rgb, batch,
                                 out + i * V2F_VECTOR_DIM) != V2F_OK) {
            fprintf(stderr, "vec2face generate: --identities: %s\n",
                    v2f_last_error());
            free(rgb);
            return CLI_FAILED;
        }
        i += batch;
    }
    free(rgb);
    return CLI_OK;
}

static int compute(const v2f_model *model, const char *dir,
                   const ref_source *src, const char *npy)
{
    v2f_array *centres = NULL;
    float *vec;
    int rc;
    if (src->folders) {
        v2f_centres_opts co;
        v2f_centres_opts_init(&co, sizeof co);
        if (v2f_identity_centres_from_folder(model, dir, &co, &centres)
            != V2F_OK) {
            fprintf(stderr, "vec2face generate: --identities: %s\n",
                    v2f_last_error());
            return CLI_FAILED;
        }
        if (v2f_array_rows(centres) != src->ids.n) {
            fprintf(stderr, "vec2face generate: --identities %s: %zu "
                    "centres for %zu subfolders (did the folder change?)\n",
                    dir, v2f_array_rows(centres), src->ids.n);
            v2f_array_free(centres);
            return CLI_FAILED;
        }
        rc = v2f_npy_write(npy, v2f_array_data(centres), src->ids.n,
                           V2F_VECTOR_DIM) == V2F_OK ? CLI_OK : CLI_FAILED;
        v2f_array_free(centres);
    } else {
        vec = malloc(src->ids.n * V2F_VECTOR_DIM * sizeof *vec);
        if (!vec) {
            fprintf(stderr, "vec2face generate: out of memory\n");
            return CLI_FAILED;
        }
        rc = features_of_images(model, dir, &src->ids, vec);
        if (rc != CLI_OK) {
            free(vec);
            return rc; /* the message is printed */
        }
        rc = v2f_npy_write(npy, vec, src->ids.n, V2F_VECTOR_DIM) == V2F_OK
             ? CLI_OK : CLI_FAILED;
        free(vec);
    }
    if (rc != CLI_OK)
        fprintf(stderr, "vec2face generate: %s\n", v2f_last_error());
    return rc;
}

int cli_ref_identities(const v2f_model *model, const char *dir,
                       const char *out_dir, int quiet, char **ids_path)
{
    ref_source src;
    char desc[512];
    char *npy = NULL, *txt = NULL, *srcf = NULL;
    int rc, same;

    *ids_path = NULL;
    if ((rc = scan(dir, &src)) != CLI_OK)
        return rc;
    describe(&src, desc, sizeof desc);
    npy = v2f__strfmt("%s/identities.npy", out_dir);
    txt = v2f__strfmt("%s/identities.txt", out_dir);
    srcf = v2f__strfmt("%s/identities.src", out_dir);
    rc = CLI_FAILED;
    if (!npy || !txt || !srcf) {
        fprintf(stderr, "vec2face generate: out of memory\n");
        goto out;
    }
    same = file_equals(srcf, desc);
    if (same == 1 && access(npy, R_OK) == 0) {
        if (!quiet)
            fprintf(stderr, "vec2face: %s unchanged since %s was made from "
                    "it: reusing it\n", dir, npy);
        rc = CLI_OK;
        goto out;
    }
    if (same == 0) {
        fprintf(stderr, "vec2face generate: --identities %s differs from the "
                "folder %s was made from (%s records another layout, names or"
                " image bytes); the images in %s belong to the old "
                "identities: use another --out, or remove %s to start "
                "over\n", dir, npy, srcf, out_dir, out_dir);
        goto out;
    }
    /* The job would create it, but the identities file comes first. */
    if (v2f__mkdirs(out_dir) != V2F_OK)
        goto out;
    if (!quiet)
        fprintf(stderr, "vec2face: identities from %s (%s): %zu identities, "
                "%llu images -> %s\n", dir,
                src.folders ? "one subfolder per identity"
                            : "one image per identity",
                src.ids.n, (unsigned long long)src.images, npy);
    if ((rc = compute(model, dir, &src, npy)) != CLI_OK)
        goto out;
    if ((rc = cli_write_lines(txt, src.ids.v, src.ids.n)) != CLI_OK)
        goto out;
    /* Last: its presence says the two files above are complete. */
    {
        char *line = desc;
        rc = CLI_FAILED;
        /* desc ends with a newline; write it without adding another. */
        desc[strlen(desc) - 1] = '\0';
        if (cli_write_lines(srcf, &line, 1) != CLI_OK)
            goto out;
    }
    rc = CLI_OK;
out:
    cli_names_free(&src.ids);
    free(txt);
    free(srcf);
    if (rc == CLI_OK)
        *ids_path = npy;
    else
        free(npy);
    return rc;
}
