/* thread.h - threads, mutexes and condition variables on POSIX and Windows.
 *
 * The one #ifdef _WIN32 fork is in thread.c: pthreads on POSIX, Win32
 * threads, SRW locks and condition variables on Windows. Objects are opaque
 * and heap-allocated so that no platform header leaks into the library.
 * Every function that can fail returns 0 on success and -1 on failure.
 */
#ifndef ETWCAP_COMPAT_THREAD_H
#define ETWCAP_COMPAT_THREAD_H

#include <stddef.h>

typedef struct etwcap_thread etwcap_thread;
typedef struct etwcap_mutex etwcap_mutex;
typedef struct etwcap_cond etwcap_cond;

typedef void (*etwcap_thread_fn)(void *arg);

/* Start `fn(arg)` in a new thread. */
int etwcap_thread_start(etwcap_thread **out, etwcap_thread_fn fn, void *arg);

/* Wait for the thread to return and free it. NULL is ignored. */
void etwcap_thread_join(etwcap_thread *t);

int etwcap_mutex_create(etwcap_mutex **out);
void etwcap_mutex_free(etwcap_mutex *m);
void etwcap_mutex_lock(etwcap_mutex *m);
void etwcap_mutex_unlock(etwcap_mutex *m);

int etwcap_cond_create(etwcap_cond **out);
void etwcap_cond_free(etwcap_cond *c);
/* Atomically release `m`, wait for a signal, take `m` again. Wake-ups may
 * be spurious: callers re-check their condition in a loop. */
void etwcap_cond_wait(etwcap_cond *c, etwcap_mutex *m);
void etwcap_cond_signal(etwcap_cond *c);
void etwcap_cond_broadcast(etwcap_cond *c);

/* Number of processors the process may run on (at least 1). */
unsigned etwcap_cpu_count(void);

#endif
