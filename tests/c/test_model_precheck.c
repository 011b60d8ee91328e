/* The zip checks that run on every model part before libtorch reads it
 * (libvec2face/model_precheck.c, compiled into this test): hand-built
 * archives, each broken in one way, must be refused with a message that
 * says what is wrong; real TorchScript files and well-formed archives must
 * pass; v2f_model_load must refuse the broken ones as V2F_E_MODEL naming
 * the file.
 *
 * usage: test_model_precheck MODELS_DIR */
#define _POSIX_C_SOURCE 200809L
#include "cmocka_all.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "model_precheck.h"
#include "vec2face/vec2face.h"

static const char *models_dir;

/* The checker's error hook (the library's own is hidden inside it). */
static char pc_msg[1024];
v2f_status v2f__fail(v2f_status status, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(pc_msg, sizeof pc_msg, fmt, ap);
    va_end(ap);
    return status;
}

/* ---- a small zip writer: stored (or claimed deflate) entries ------- */

typedef struct zentry {
    char name[128];
    uint64_t off, csize, usize;
    uint16_t method, flags;
} zentry;

typedef struct zbuild {
    uint8_t *buf;
    size_t len, cap;
    zentry e[32];
    int n;
} zbuild;

static void put(zbuild *z, const void *p, size_t n)
{
    if (z->len + n > z->cap) {
        z->cap = (z->len + n) * 2 + 256;
        z->buf = realloc(z->buf, z->cap);
        assert_non_null(z->buf);
    }
    memcpy(z->buf + z->len, p, n);
    z->len += n;
}
static void put16(zbuild *z, uint32_t v) { uint8_t b[2] = {v & 255, (v >> 8) & 255}; put(z, b, 2); }
static void put32(zbuild *z, uint32_t v) { put16(z, v & 0xFFFF); put16(z, v >> 16); }
static void put64(zbuild *z, uint64_t v) { put32(z, (uint32_t)v); put32(z, (uint32_t)(v >> 32)); }

static void local_header(zbuild *z, const zentry *e)
{
    put32(z, 0x04034b50);
    put16(z, 20); put16(z, e->flags); put16(z, e->method);
    put16(z, 0); put16(z, 0); put32(z, 0);            /* time, date, crc */
    put32(z, (uint32_t)e->csize); put32(z, (uint32_t)e->usize);
    put16(z, (uint32_t)strlen(e->name)); put16(z, 0);
    put(z, e->name, strlen(e->name));
}

/* Add an entry; usize 0 means "the data's length". */
static zentry *add(zbuild *z, const char *name, const void *data, size_t len)
{
    zentry *e = &z->e[z->n++];
    memset(e, 0, sizeof *e);
    snprintf(e->name, sizeof e->name, "%s", name);
    e->off = z->len;
    e->csize = e->usize = len;
    local_header(z, e);
    put(z, data, len);
    return e;
}

/* The usual TorchScript layout under top folder "m". */
static void add_torchscript(zbuild *z)
{
    static const uint8_t pkl[16] = {0x80, 2, '}', 'q', 0, '.'};
    static const float tensor[4] = {1, 2, 3, 4};
    add(z, "m/data.pkl", pkl, sizeof pkl);
    add(z, "m/code/__torch__/net.py", "def forward(self):\n", 19);
    add(z, "m/data/0", tensor, sizeof tensor);
    add(z, "m/constants.pkl", pkl, sizeof pkl);
    add(z, "m/.data/version", "3\n", 2);
}

/* Central directory and end records; zip64 adds the zip64 end record and
 * locator with the 32-bit fields set to their markers. */
static void finish(zbuild *z, int zip64)
{
    uint64_t cd_off = z->len;
    for (int i = 0; i < z->n; i++) {
        const zentry *e = &z->e[i];
        put32(z, 0x02014b50);
        put16(z, 20); put16(z, 20); put16(z, e->flags); put16(z, e->method);
        put16(z, 0); put16(z, 0); put32(z, 0);
        put32(z, (uint32_t)e->csize); put32(z, (uint32_t)e->usize);
        put16(z, (uint32_t)strlen(e->name)); put16(z, 0); put16(z, 0);
        put16(z, 0); put16(z, 0); put32(z, 0);
        put32(z, (uint32_t)e->off);
        put(z, e->name, strlen(e->name));
    }
    uint64_t cd_size = z->len - cd_off, z_off = z->len;
    if (zip64) {
        put32(z, 0x06064b50); put64(z, 44); put16(z, 45); put16(z, 45);
        put32(z, 0); put32(z, 0); put64(z, (uint64_t)z->n); put64(z, (uint64_t)z->n);
        put64(z, cd_size); put64(z, cd_off);
        put32(z, 0x07064b50); put32(z, 0); put64(z, z_off); put32(z, 1);
    }
    put32(z, 0x06054b50); put16(z, 0); put16(z, 0);
    put16(z, zip64 ? 0xFFFF : (uint32_t)z->n); put16(z, zip64 ? 0xFFFF : (uint32_t)z->n);
    put32(z, zip64 ? 0xFFFFFFFFu : (uint32_t)cd_size);
    put32(z, zip64 ? 0xFFFFFFFFu : (uint32_t)cd_off);
    put16(z, 0);
}

static void expect_refused(zbuild *z, const char *needle)
{
    v2f_status s = v2f__model_precheck_bytes(z->buf, z->len, "crafted.pt");
    if (s != V2F_E_MODEL || !strstr(pc_msg, needle) ||
        !strstr(pc_msg, "crafted.pt: not a loadable TorchScript file"))
        fail_msg("expected V2F_E_MODEL with '%s', got %d '%s'", needle, (int)s, pc_msg);
    free(z->buf);
}

static void expect_ok(zbuild *z)
{
    v2f_status s = v2f__model_precheck_bytes(z->buf, z->len, "crafted.pt");
    if (s != V2F_OK) fail_msg("refused a good archive: %s", pc_msg);
    free(z->buf);
}

/* ---- well-formed archives pass ------------------------------------- */

static void good_archives_pass(void **state)
{
    zbuild z = {0};
    add_torchscript(&z);
    finish(&z, 0);
    expect_ok(&z);
    memset(&z, 0, sizeof z);
    add_torchscript(&z);
    add(&z, "m/extra/notes.txt", "hi", 2);
    add(&z, "m/version", "10", 2);
    finish(&z, 1);   /* zip64 end records, as torch writes them */
    expect_ok(&z);
}

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *b;
    long n;
    if (!f) fail_msg("%s: cannot open", path);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    rewind(f);
    b = malloc((size_t)n);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void real_models_pass(void **state)
{
    static const char *parts[] = {"generator.pt", "pose_generator.pt", "pose_cond.pt",
                                  "arcface.pt", "magface.pt", "headpose.pt"};
    char path[4200];
    for (int i = 0; i < 6; i++) {
        size_t len;
        snprintf(path, sizeof path, "%s/tiny/%s", models_dir, parts[i]);
        if (v2f__model_precheck_file(path, NULL) != V2F_OK) fail_msg("%s", pc_msg);
        uint8_t *b = slurp(path, &len);
        if (v2f__model_precheck_bytes(b, len, path) != V2F_OK) fail_msg("%s", pc_msg);
        /* Cut anywhere, the file is refused (the end records are gone or
         * the directory points past the end). */
        for (size_t cut = 0; cut < len; cut += len / 7 + 1)
            assert_int_equal(v2f__model_precheck_bytes(b, cut, path), V2F_E_MODEL);
        free(b);
    }
}

/* ---- each kind of damage is refused, with its reason --------------- */

static void not_a_zip(void **state)
{
    uint8_t junk[4096];
    for (size_t i = 0; i < sizeof junk; i++) junk[i] = (uint8_t)(i * 131 + 17);
    assert_int_equal(v2f__model_precheck_bytes(junk, sizeof junk, "j.pt"), V2F_E_MODEL);
    assert_non_null(strstr(pc_msg, "no zip end-of-central-directory record"));
    assert_int_equal(v2f__model_precheck_bytes(junk, 10, "j.pt"), V2F_E_MODEL);
    assert_non_null(strstr(pc_msg, "too short"));
    assert_int_equal(v2f__model_precheck_bytes(NULL, 0, "j.pt"), V2F_E_MODEL);
    assert_int_equal(v2f__model_precheck_bytes(NULL, 5, "j.pt"), V2F_E_INVALID_ARG);
}

static void names_must_stay_inside_one_folder(void **state)
{
    static const char *bad[][2] = {
        {"m/../evil.so", "'..'"},
        {"m/code/../../x", "'..'"},
        {"/etc/passwd", "absolute path"},
        {"m//data/1", "empty"},
        {"m/./data/1", "'.'"},
        {"m\\..\\x", "backslash"},
        {"other/data/1", "outside the archive's top folder"},
        {"toplevel.pkl", "not inside a top folder"},
        {"m/evil.so", "unexpected entry 'm/evil.so'"},
        {"m/code/", "folder entry"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        zbuild z = {0};
        add_torchscript(&z);
        add(&z, bad[i][0], "x", 1);
        finish(&z, 0);
        expect_refused(&z, bad[i][1]);
    }
}

static void required_entries(void **state)
{
    static const char *need[][2] = {{"m/data.pkl", "no data.pkl"},
                                    {"m/constants.pkl", "no constants.pkl"},
                                    {"m/.data/version", "no version"},
                                    {"m/code/__torch__/net.py", "no code/"}};
    for (size_t k = 0; k < 4; k++) {
        zbuild z = {0}, full = {0};
        add_torchscript(&full);
        for (int i = 0; i < full.n; i++)
            if (strcmp(full.e[i].name, need[k][0]) != 0)
                add(&z, full.e[i].name, full.buf + full.e[i].off + 30 + strlen(full.e[i].name),
                    (size_t)full.e[i].csize);
        free(full.buf);
        finish(&z, 0);
        expect_refused(&z, need[k][1]);
    }
}

static void entry_fields(void **state)
{
    zbuild z = {0};
    add_torchscript(&z);
    add(&z, "m/data/0", "dupe", 4);
    finish(&z, 0);
    expect_refused(&z, "'m/data/0' appears twice");

    memset(&z, 0, sizeof z);
    add_torchscript(&z);
    z.e[2].flags = 1;              /* encrypted (central directory only) */
    finish(&z, 0);
    expect_refused(&z, "encrypted");

    memset(&z, 0, sizeof z);
    add_torchscript(&z);
    z.e[2].method = 12;            /* bzip2 */
    finish(&z, 0);
    expect_refused(&z, "compression method 12");

    memset(&z, 0, sizeof z);
    add_torchscript(&z);
    z.e[2].usize = 1u << 30;       /* stored, sizes disagree */
    finish(&z, 0);
    expect_refused(&z, "compressed size 16 but size 1073741824");

    memset(&z, 0, sizeof z);
    add_torchscript(&z);
    z.e[2].method = 8;             /* "deflate": 16 bytes claiming 1 GiB */
    z.e[2].usize = 1u << 30;
    finish(&z, 0);
    expect_refused(&z, "zip bomb");

    memset(&z, 0, sizeof z);
    add_torchscript(&z);
    z.e[4].off += 3;               /* local header offset points at garbage */
    finish(&z, 0);
    expect_refused(&z, "no local header");

    memset(&z, 0, sizeof z);
    add_torchscript(&z);
    z.e[2].csize = z.e[2].usize = 100000;   /* data would run into the directory */
    finish(&z, 0);
    expect_refused(&z, "run into the central directory");

    memset(&z, 0, sizeof z);
    add_torchscript(&z);
    add(&z, "m/version", "3x", 2);
    finish(&z, 0);
    expect_refused(&z, "version record is not a decimal number");
}

/* One byte range under two names: entry B's local header sits inside A's
 * data (the "overlapping files" zip bomb). */
static void overlapping_entries(void **state)
{
    zbuild z = {0}, inner = {0};
    add_torchscript(&z);
    zentry *b = add(&inner, "m/data/2", "BBBB", 4);
    (void)b;
    zentry *a = &z.e[z.n++];
    memset(a, 0, sizeof *a);
    snprintf(a->name, sizeof a->name, "m/data/1");
    a->off = z.len;
    a->csize = a->usize = inner.len + 8;
    local_header(&z, a);
    zentry *bb = &z.e[z.n++];
    *bb = inner.e[0];
    bb->off = z.len;               /* B's header is A's first bytes */
    put(&z, inner.buf, inner.len);
    put(&z, "AAAAAAAA", 8);
    free(inner.buf);
    finish(&z, 0);
    expect_refused(&z, "overlap");
}

static void directory_records(void **state)
{
    zbuild z = {0};
    add_torchscript(&z);
    finish(&z, 0);
    /* EOCD: central directory offset beyond the file. */
    uint8_t *e = z.buf + z.len - 22;
    e[16] = 0xFF; e[17] = 0xFF; e[18] = 0xFF; e[19] = 0x0F;
    expect_refused(&z, "runs past its end record");

    memset(&z, 0, sizeof z);
    add_torchscript(&z);
    finish(&z, 0);
    e = z.buf + z.len - 22;
    e[8] = e[10] = 0xFE; e[9] = e[11] = 0x7F;   /* 32766 entries */
    expect_refused(&z, "cannot fit");

    memset(&z, 0, sizeof z);
    add_torchscript(&z);
    finish(&z, 0);
    e = z.buf + z.len - 22;
    e[4] = 1;                                  /* disk number */
    expect_refused(&z, "multi-disk");

    memset(&z, 0, sizeof z);
    add_torchscript(&z);
    finish(&z, 1);
    /* zip64 end record whose offset points elsewhere */
    e = z.buf + z.len - 22 - 20;
    e[8] ^= 0x10;
    expect_refused(&z, "zip64 end record");
}

static void limits(void **state)
{
    v2f__model_limits lim;
    zbuild z = {0};
    add_torchscript(&z);
    finish(&z, 0);
    v2f__model_limits_default(&lim);
    lim.max_file_bytes = 100;
    assert_int_equal(v2f__model_precheck_bytes_ex(z.buf, z.len, "l.pt", &lim), V2F_E_MODEL);
    assert_non_null(strstr(pc_msg, "over the limit of 100 bytes"));
    v2f__model_limits_default(&lim);
    lim.max_total_bytes = 20;
    assert_int_equal(v2f__model_precheck_bytes_ex(z.buf, z.len, "l.pt", &lim), V2F_E_MODEL);
    assert_non_null(strstr(pc_msg, "unpack to more than the limit of 20 bytes"));
    v2f__model_limits_default(&lim);
    lim.max_entries = 4;
    assert_int_equal(v2f__model_precheck_bytes_ex(z.buf, z.len, "l.pt", &lim), V2F_E_MODEL);
    assert_non_null(strstr(pc_msg, "5 entries, more than the limit of 4"));
    free(z.buf);
}

static void file_errors(void **state)
{
    assert_int_equal(v2f__model_precheck_file("/nonexistent/x.pt", NULL), V2F_E_IO);
    assert_non_null(strstr(pc_msg, "/nonexistent/x.pt"));
    assert_int_equal(v2f__model_precheck_file(models_dir, NULL), V2F_E_IO);
    assert_non_null(strstr(pc_msg, "not a regular file"));
}

/* ---- through v2f_model_load --------------------------------------- */

static void load_refuses_crafted_files(void **state)
{
    char dir[] = "/tmp/v2f_precheck_XXXXXX", path[600], tiny[4200];
    v2f_model *m = (v2f_model *)dir;
    zbuild z = {0};
    FILE *f;
    assert_non_null(mkdtemp(dir));
    add_torchscript(&z);
    add(&z, "m/../../escape.py", "import os", 9);
    finish(&z, 0);
    snprintf(path, sizeof path, "%s/generator.pt", dir);
    f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(z.buf, 1, z.len, f), z.len);
    fclose(f);
    free(z.buf);
    assert_int_equal(v2f_model_load(dir, NULL, &m), V2F_E_MODEL);
    assert_null(m);
    assert_non_null(strstr(v2f_last_error(), "generator.pt: not a loadable TorchScript file"));
    assert_non_null(strstr(v2f_last_error(), "'..'"));
    unlink(path);
    rmdir(dir);

    /* The size limit is a runtime option. */
    v2f_runtime_opts o;
    v2f_runtime_opts_init(&o, sizeof o);
    o.max_model_bytes = 4096;
    snprintf(tiny, sizeof tiny, "%s/tiny", models_dir);
    assert_int_equal(v2f_model_load(tiny, &o, &m), V2F_E_MODEL);
    assert_non_null(strstr(v2f_last_error(), "max_model_bytes"));
    o.max_model_bytes = 0;
    assert_int_equal(v2f_model_load(tiny, &o, &m), V2F_OK);
    v2f_model_free(m);
}

int main(int argc, char **argv)
{
    models_dir = argc > 1 ? argv[1] : "tests/models";
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_archives_pass),
        cmocka_unit_test(real_models_pass),
        cmocka_unit_test(not_a_zip),
        cmocka_unit_test(names_must_stay_inside_one_folder),
        cmocka_unit_test(required_entries),
        cmocka_unit_test(entry_fields),
        cmocka_unit_test(overlapping_entries),
        cmocka_unit_test(directory_records),
        cmocka_unit_test(limits),
        cmocka_unit_test(file_errors),
        cmocka_unit_test(load_refuses_crafted_files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
