/* lib.c - a small DLL for the fuzz_pe / fuzz_pdb seeds (fuzz/make_seeds.py
 * builds it with clang-14 --target=x86_64-pc-windows-msvc and i686, links it
 * with lld-link-14 /debug and lib.def: named, ordinal-only and forwarded
 * exports, an RSDS debug record and a PDB with procedures and publics). */
static int helper(int x)
{
    return x * 3 + 1;
}

int add(int a, int b)
{
    return a + b;
}

int mul(int a, int b)
{
    return a * b;
}

int compute(int x)
{
    int s = 0;
    for (int i = 0; i < x; i++)
        s += helper(i);
    return s;
}

int by_ordinal(int x)
{
    return compute(x) ^ 0x5a5a;
}

const char greeting[] = "etwcap fuzz seed";
