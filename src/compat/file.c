/* file.c - positioned reads on POSIX and Windows (see compat.h). */
#include "compat/compat.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#ifdef _WIN32
#include <windows.h>

struct etwcap_file {
    HANDLE h;
};

/* UTF-8 -> UTF-16 for the wide Windows API; caller frees. */
static wchar_t *utf8_to_wide(const char *s)
{
    int n = MultiByteToWideChar(CP_UTF8, 0, s, -1, NULL, 0);
    if (n <= 0)
        return NULL;
    wchar_t *w = malloc((size_t)n * sizeof *w);
    if (w && MultiByteToWideChar(CP_UTF8, 0, s, -1, w, n) != n) {
        free(w);
        w = NULL;
    }
    return w;
}

int etwcap_file_open(etwcap_file **out, const char *path, char *why, size_t why_cap)
{
    *out = NULL;
    wchar_t *w = utf8_to_wide(path);
    if (!w) {
        snprintf(why, why_cap, "invalid file name");
        return -1;
    }
    HANDLE h = CreateFileW(w, GENERIC_READ, FILE_SHARE_READ | FILE_SHARE_WRITE, NULL, OPEN_EXISTING,
                           FILE_ATTRIBUTE_NORMAL, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE) {
        snprintf(why, why_cap, "cannot open (Windows error %lu)", (unsigned long)GetLastError());
        return -1;
    }
    etwcap_file *f = malloc(sizeof *f);
    if (!f) {
        CloseHandle(h);
        snprintf(why, why_cap, "out of memory");
        return -1;
    }
    f->h = h;
    *out = f;
    return 0;
}

int64_t etwcap_file_size(etwcap_file *f)
{
    LARGE_INTEGER sz;
    if (!GetFileSizeEx(f->h, &sz))
        return -1;
    return (int64_t)sz.QuadPart;
}

int64_t etwcap_file_read_at(etwcap_file *f, uint64_t offset, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        OVERLAPPED ov;
        memset(&ov, 0, sizeof ov);
        uint64_t at = offset + done;
        ov.Offset = (DWORD)at;
        ov.OffsetHigh = (DWORD)(at >> 32);
        DWORD chunk = (n - done) > 0x40000000u ? 0x40000000u : (DWORD)(n - done);
        DWORD got = 0;
        if (!ReadFile(f->h, (char *)buf + done, chunk, &got, &ov)) {
            if (GetLastError() == ERROR_HANDLE_EOF)
                break;
            return -1;
        }
        if (got == 0)
            break;
        done += got;
    }
    return (int64_t)done;
}

void etwcap_file_close(etwcap_file *f)
{
    if (!f)
        return;
    CloseHandle(f->h);
    free(f);
}

int etwcap_rename(const char *from, const char *to)
{
    wchar_t *wf = utf8_to_wide(from), *wt = utf8_to_wide(to);
    int rc = (wf && wt && MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING)) ? 0 : -1;
    free(wf);
    free(wt);
    return rc;
}

int etwcap_path_replaceable(const char *path)
{
    wchar_t *w = utf8_to_wide(path);
    if (!w)
        return 1; /* creating the temporary file reports the name */
    /* Opened without access rights, which devices (NUL, CON) and pipes allow
     * too; a link is opened itself, not its target. */
    HANDLE h =
        CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL,
                    OPEN_EXISTING, FILE_FLAG_BACKUP_SEMANTICS | FILE_FLAG_OPEN_REPARSE_POINT, NULL);
    free(w);
    if (h == INVALID_HANDLE_VALUE)
        return 1; /* nothing there yet (or out of reach: the write says so) */
    int ok = 0;
    BY_HANDLE_FILE_INFORMATION fi;
    if (GetFileType(h) == FILE_TYPE_DISK && GetFileInformationByHandle(h, &fi))
        ok = !(fi.dwFileAttributes & (FILE_ATTRIBUTE_DIRECTORY | FILE_ATTRIBUTE_REPARSE_POINT));
    CloseHandle(h);
    return ok;
}

FILE *etwcap_fopen(const char *path, const char *mode)
{
    wchar_t *wp = utf8_to_wide(path);
    wchar_t *wm = utf8_to_wide(mode);
    FILE *fp = (wp && wm) ? _wfopen(wp, wm) : NULL;
    free(wp);
    free(wm);
    return fp;
}

unsigned long etwcap_process_id(void)
{
    return (unsigned long)GetCurrentProcessId();
}

#else
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

struct etwcap_file {
    int fd;
};

int etwcap_file_open(etwcap_file **out, const char *path, char *why, size_t why_cap)
{
    *out = NULL;
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        snprintf(why, why_cap, "%s", strerror(errno));
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        snprintf(why, why_cap, "is a directory");
        return -1;
    }
    etwcap_file *f = malloc(sizeof *f);
    if (!f) {
        close(fd);
        snprintf(why, why_cap, "out of memory");
        return -1;
    }
    f->fd = fd;
    *out = f;
    return 0;
}

int64_t etwcap_file_size(etwcap_file *f)
{
    struct stat st;
    if (fstat(f->fd, &st) != 0)
        return -1;
    return (int64_t)st.st_size;
}

int64_t etwcap_file_read_at(etwcap_file *f, uint64_t offset, void *buf, size_t n)
{
    size_t done = 0;
    while (done < n) {
        ssize_t got = pread(f->fd, (char *)buf + done, n - done, (off_t)(offset + done));
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got == 0)
            break;
        done += (size_t)got;
    }
    return (int64_t)done;
}

void etwcap_file_close(etwcap_file *f)
{
    if (!f)
        return;
    close(f->fd);
    free(f);
}

int etwcap_rename(const char *from, const char *to)
{
    return rename(from, to) == 0 ? 0 : -1;
}

int etwcap_path_replaceable(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return 1; /* nothing there yet (or out of reach: the write says so) */
    return S_ISREG(st.st_mode) ? 1 : 0;
}

FILE *etwcap_fopen(const char *path, const char *mode)
{
    return fopen(path, mode);
}

unsigned long etwcap_process_id(void)
{
    return (unsigned long)getpid();
}
#endif
