/* app.c - a small EXE for the fuzz_pe / fuzz_pdb seeds (see lib.c): an
 * entry point, a few procedures, no exports. */
static volatile int sink;

static int fib(int n)
{
    return n < 2 ? n : fib(n - 1) + fib(n - 2);
}

static void work(int n)
{
    for (int i = 0; i < n; i++)
        sink += fib(i);
}

int start(void)
{
    work(10);
    return sink;
}
