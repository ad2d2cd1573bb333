/* thread.c - threads and locks on POSIX (pthreads) and Windows (see thread.h). */
#include "compat/thread.h"

#include <stdlib.h>

#ifdef _WIN32
#include <windows.h>
#include <process.h>

struct etwcap_thread {
    HANDLE h;
    etwcap_thread_fn fn;
    void *arg;
};

struct etwcap_mutex {
    SRWLOCK lock;
};

struct etwcap_cond {
    CONDITION_VARIABLE cv;
};

static unsigned __stdcall thread_main(void *p)
{
    etwcap_thread *t = p;
    t->fn(t->arg);
    return 0;
}

int etwcap_thread_start(etwcap_thread **out, etwcap_thread_fn fn, void *arg)
{
    *out = NULL;
    etwcap_thread *t = malloc(sizeof *t);
    if (!t)
        return -1;
    t->fn = fn;
    t->arg = arg;
    /* _beginthreadex, not CreateThread: the thread may use the C runtime. */
    uintptr_t h = _beginthreadex(NULL, 0, thread_main, t, 0, NULL);
    if (h == 0) {
        free(t);
        return -1;
    }
    t->h = (HANDLE)h; // NOLINT(performance-no-int-to-ptr): _beginthreadex's HANDLE as uintptr_t
    *out = t;
    return 0;
}

void etwcap_thread_join(etwcap_thread *t)
{
    if (!t)
        return;
    WaitForSingleObject(t->h, INFINITE);
    CloseHandle(t->h);
    free(t);
}

int etwcap_mutex_create(etwcap_mutex **out)
{
    *out = malloc(sizeof **out);
    if (!*out)
        return -1;
    InitializeSRWLock(&(*out)->lock);
    return 0;
}

void etwcap_mutex_free(etwcap_mutex *m)
{
    free(m); /* an SRW lock needs no clean-up */
}

void etwcap_mutex_lock(etwcap_mutex *m)
{
    AcquireSRWLockExclusive(&m->lock);
}

void etwcap_mutex_unlock(etwcap_mutex *m)
{
    ReleaseSRWLockExclusive(&m->lock);
}

int etwcap_cond_create(etwcap_cond **out)
{
    *out = malloc(sizeof **out);
    if (!*out)
        return -1;
    InitializeConditionVariable(&(*out)->cv);
    return 0;
}

void etwcap_cond_free(etwcap_cond *c)
{
    free(c);
}

void etwcap_cond_wait(etwcap_cond *c, etwcap_mutex *m)
{
    /* With INFINITE the wait only returns once woken (or spuriously). */
    (void)SleepConditionVariableSRW(&c->cv, &m->lock, INFINITE, 0);
}

void etwcap_cond_signal(etwcap_cond *c)
{
    WakeConditionVariable(&c->cv);
}

void etwcap_cond_broadcast(etwcap_cond *c)
{
    WakeAllConditionVariable(&c->cv);
}

unsigned etwcap_cpu_count(void)
{
    SYSTEM_INFO si;
    GetSystemInfo(&si);
    return si.dwNumberOfProcessors ? (unsigned)si.dwNumberOfProcessors : 1u;
}

#else
#include <pthread.h>
#include <unistd.h>

struct etwcap_thread {
    pthread_t t;
    etwcap_thread_fn fn;
    void *arg;
};

struct etwcap_mutex {
    pthread_mutex_t m;
};

struct etwcap_cond {
    pthread_cond_t c;
};

static void *thread_main(void *p)
{
    etwcap_thread *t = p;
    t->fn(t->arg);
    return NULL;
}

int etwcap_thread_start(etwcap_thread **out, etwcap_thread_fn fn, void *arg)
{
    *out = NULL;
    etwcap_thread *t = malloc(sizeof *t);
    if (!t)
        return -1;
    t->fn = fn;
    t->arg = arg;
    if (pthread_create(&t->t, NULL, thread_main, t) != 0) {
        free(t);
        return -1;
    }
    *out = t;
    return 0;
}

void etwcap_thread_join(etwcap_thread *t)
{
    if (!t)
        return;
    (void)pthread_join(t->t, NULL); /* fails only for a bad or detached thread */
    free(t);
}

int etwcap_mutex_create(etwcap_mutex **out)
{
    *out = malloc(sizeof **out);
    if (!*out)
        return -1;
    if (pthread_mutex_init(&(*out)->m, NULL) != 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

void etwcap_mutex_free(etwcap_mutex *m)
{
    if (!m)
        return;
    pthread_mutex_destroy(&m->m);
    free(m);
}

/* Lock and unlock fail only on misuse (an invalid or not-owned mutex). */
void etwcap_mutex_lock(etwcap_mutex *m)
{
    (void)pthread_mutex_lock(&m->m);
}

void etwcap_mutex_unlock(etwcap_mutex *m)
{
    (void)pthread_mutex_unlock(&m->m);
}

int etwcap_cond_create(etwcap_cond **out)
{
    *out = malloc(sizeof **out);
    if (!*out)
        return -1;
    if (pthread_cond_init(&(*out)->c, NULL) != 0) {
        free(*out);
        *out = NULL;
        return -1;
    }
    return 0;
}

void etwcap_cond_free(etwcap_cond *c)
{
    if (!c)
        return;
    pthread_cond_destroy(&c->c);
    free(c);
}

void etwcap_cond_wait(etwcap_cond *c, etwcap_mutex *m)
{
    (void)pthread_cond_wait(&c->c, &m->m);
}

void etwcap_cond_signal(etwcap_cond *c)
{
    (void)pthread_cond_signal(&c->c);
}

void etwcap_cond_broadcast(etwcap_cond *c)
{
    (void)pthread_cond_broadcast(&c->c);
}

unsigned etwcap_cpu_count(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n >= 1 ? (unsigned)n : 1u;
}
#endif
