/* test_outfile.c - output files written whole or not at all, and devices,
 * FIFOs and links written through rather than replaced
 * (src/lib/common/outfile.c, etwcap_path_replaceable in src/compat/file.c). */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifndef _WIN32
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#endif

#include "common/outfile.h"
#include "compat/compat.h"

/* Write `text` to `path` through an outfile; `ok` is passed to the close.
 * Returns the close's result. */
static int put(const char *path, const char *text, int ok)
{
    char why[512];
    etwcap_outfile o;
    assert_int_equal(etwcap_outfile_open(&o, path, why, sizeof why), 0);
    assert_int_equal(fputs(text, o.f) >= 0, 1);
    return etwcap_outfile_close(&o, ok, why, sizeof why);
}

static void test_regular_file(void **state)
{
    (void)state;
    const char *path = "test_outfile_out.txt";
    remove(path);
    assert_int_equal(etwcap_path_replaceable(path), 1);
    assert_int_equal(put(path, "first\n", 1), 0);
    test_assert_file_text(path, "first\n");
    assert_int_equal(test_tmp_leftovers(path), 0);

    /* Replaced whole... */
    assert_int_equal(etwcap_path_replaceable(path), 1);
    assert_int_equal(put(path, "second, longer\n", 1), 0);
    test_assert_file_text(path, "second, longer\n");
    /* ...or not at all: a failed write leaves the old file and no
     * temporary one. */
    char why[512];
    etwcap_outfile o;
    assert_int_equal(etwcap_outfile_open(&o, path, why, sizeof why), 0);
    assert_non_null(o.tmp);
    fputs("partial", o.f);
    assert_int_equal(etwcap_outfile_close(&o, 0, why, sizeof why), -1);
    assert_non_null(strstr(why, path));
    test_assert_file_text(path, "second, longer\n");
    assert_int_equal(test_tmp_leftovers(path), 0);
    remove(path);
}

static void test_unwritable(void **state)
{
    (void)state;
    char why[512];
    etwcap_outfile o;
    /* A missing folder: the temporary file cannot be made. */
    assert_int_equal(etwcap_outfile_open(&o, "no-such-dir/out.txt", why, sizeof why), -1);
    assert_non_null(strstr(why, "no-such-dir/out.txt"));
    assert_null(o.f);
    /* A folder is not replaced, and cannot be written. */
    const char *dir = "test_outfile_dir.txt";
    test_remove_dir(dir);
    assert_int_equal(test_make_dir(dir), 0);
    assert_int_equal(etwcap_path_replaceable(dir), 0);
    assert_int_equal(etwcap_outfile_open(&o, dir, why, sizeof why), -1);
    assert_non_null(strstr(why, dir));
    assert_int_equal(test_tmp_leftovers(dir), 0);
    assert_int_equal(test_remove_dir(dir), 0);
}

/* The null device must be written to, never renamed over: with the old
 * writer, `etwcap evidence -o /dev/null` run as root left a regular file
 * in its place. The check comes before anything is written, so a writer
 * that got it wrong only removes its temporary file. */
static void test_null_device(void **state)
{
    (void)state;
#ifdef _WIN32
    const char *dev = "NUL";
#else
    const char *dev = "/dev/null";
    struct stat st;
    if (lstat(dev, &st) != 0 || !S_ISCHR(st.st_mode))
        skip(); /* not the device on this machine: nothing to check */
#endif
    assert_int_equal(etwcap_path_replaceable(dev), 0);
    char why[512];
    etwcap_outfile o;
    assert_int_equal(etwcap_outfile_open(&o, dev, why, sizeof why), 0);
    if (o.tmp) {
        etwcap_outfile_close(&o, 0, why, sizeof why);
        fail_msg("%s would have been replaced by a rename", dev);
    }
    assert_int_equal(fputs("dropped\n", o.f) >= 0, 1);
    assert_int_equal(etwcap_outfile_close(&o, 1, why, sizeof why), 0);
#ifndef _WIN32
    assert_int_equal(lstat(dev, &st), 0);
    assert_true(S_ISCHR(st.st_mode));
#endif
}

#ifndef _WIN32
/* A FIFO is written through: what the reader at its other end gets is the
 * output, and the FIFO stays a FIFO. */
static void test_fifo(void **state)
{
    (void)state;
    const char *path = "test_outfile.fifo";
    unlink(path);
    assert_int_equal(mkfifo(path, 0600), 0);
    /* The reading end is opened first (without waiting for a writer), so
     * that opening the writing end does not block. */
    int rd = open(path, O_RDONLY | O_NONBLOCK);
    assert_true(rd >= 0);
    assert_int_equal(etwcap_path_replaceable(path), 0);
    assert_int_equal(put(path, "through the fifo\n", 1), 0);
    char buf[64] = {0};
    assert_int_equal(read(rd, buf, sizeof buf - 1), (ssize_t)strlen("through the fifo\n"));
    assert_string_equal(buf, "through the fifo\n");
    close(rd);
    struct stat st;
    assert_int_equal(lstat(path, &st), 0);
    assert_true(S_ISFIFO(st.st_mode));
    assert_int_equal(test_tmp_leftovers(path), 0);
    unlink(path);
}

/* A symbolic link stays one: its target receives the output. */
static void test_symlink(void **state)
{
    (void)state;
    const char *target = "test_outfile_target.txt", *link = "test_outfile_link.txt";
    unlink(link);
    remove(target);
    assert_int_equal(put(target, "old\n", 1), 0);
    assert_int_equal(symlink(target, link), 0);
    assert_int_equal(etwcap_path_replaceable(link), 0);
    assert_int_equal(put(link, "new through the link\n", 1), 0);
    struct stat st;
    assert_int_equal(lstat(link, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    test_assert_file_text(target, "new through the link\n");
    assert_int_equal(test_tmp_leftovers(link), 0);
    unlink(link);
    remove(target);
}
#endif

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_regular_file), cmocka_unit_test(test_unwritable),
        cmocka_unit_test(test_null_device),
#ifndef _WIN32
        cmocka_unit_test(test_fifo),         cmocka_unit_test(test_symlink),
#endif
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
