/* Hand-written C yardstick of the montecarlo kernels: the same algorithm, one chain.
 *
 * Random-sequential single-spin-flip Glauber (heat-bath) dynamics of a Hebbian network with
 * int8 site-major patterns v[i*n + p] and int32 overlaps S[p] = sum_i v_ip s_i, xoshiro256+:
 *   site   i = ((x >> 32) * N) >> 32 from one 64-bit draw,
 *   uniform u = (y >> 11) * 2^-53 from the next draw,
 *   pair   (P = 2):  dE = 2 scale (s_i sum_p v_ip S_p - D_i),  D_i = sum_p v_ip^2   (int32 sums)
 *   table  (P >= 3, +-1 patterns): dE = 2 scale sum_p x_p tab[S_p - x_p + N + 1],  x_p = v_ip s_i,
 *          tab = exact e_(P-1) as int64 (padded), evaluated exactly as
 *          scale (C + s_i sum_p v_ip D_p) with the per-chain cache D_p = tab[S_p-1] + tab[S_p+1],
 *          C = sum_p (tab[S_p-1] - tab[S_p+1]), refreshed after each accepted flip
 *   accept iff beta dE < ln((1 - u)/u)   (the heat-bath event u < 1/(1 + e^(beta dE)), with the
 *   logarithm computed from u before the field, as montecarlo does), then s_i = -s_i and
 *   S_p -= 2 s_i(old) v_ip.
 * With the same inputs it follows the very trajectory of montecarlo's kernels (checked by
 * benchmarks/bench_mc.py), so it is both a yardstick and an independent implementation.
 *
 * Usage: mc_kernel DIR        reads DIR/params.txt and the binary arrays written by
 *                             bench_mc.py, writes DIR/out.txt (timing, acceptance, state).
 * Build: gcc -O3 -march=native -o mc_kernel mc_kernel.c -lm
 * The same file is also built as a shared library (-shared -fPIC -DMC_NO_MAIN) whose
 * pair_sweeps / table_sweeps bench_mc.py calls on its own arrays, in its own process.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static inline uint64_t next(uint64_t *s) {
    const uint64_t r = s[0] + s[3];
    const uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

static inline double threshold_glauber(double u) { return log((1.0 - u) / u); }

/* One attempt on one chain (its stream rs, overlaps S, spins s); 1 if the flip was accepted.
 * Inlined in the single-chain and the interleaved loops alike. */
static inline int pair_attempt(const int8_t *restrict v, const int32_t *restrict D, int n, int N,
                               int32_t *restrict S, int8_t *restrict s, uint64_t *rs, double beta, double two_scale) {
    const uint32_t i = (uint32_t)(((next(rs) >> 32) * (uint64_t)N) >> 32);
    const double tau = threshold_glauber((double)(next(rs) >> 11) * (1.0 / 9007199254740992.0));
    const int8_t *restrict row = v + (size_t)i * n;
    int32_t acc = 0;
    for (int p = 0; p < n; p++) acc += row[p] * S[p];
    const int si = s[i];
    const double dE = two_scale * (double)(si * acc - D[i]);
    if (!(beta * dE < tau)) return 0;
    s[i] = (int8_t)(-si);
    const int d = -2 * si;
    for (int p = 0; p < n; p++) S[p] += d * row[p];
    return 1;
}

long pair_sweeps(const int8_t *restrict v, const int32_t *restrict D, int n, int N, int32_t *restrict S,
                        int8_t *restrict s, uint64_t *st, double beta, double scale, long sweeps) {
    uint64_t rs[4] = {st[0], st[1], st[2], st[3]};
    long nacc = 0;
    for (long t = 0; t < sweeps * (long)N; t++) nacc += pair_attempt(v, D, n, N, S, s, rs, beta, 2.0 * scale);
    memcpy(st, rs, sizeof rs);
    return nacc;
}

static void table_refresh(const int64_t *restrict tab0, int n, const int32_t *restrict S, int64_t *restrict D,
                          int64_t *C) {
    int64_t c = 0;
    for (int p = 0; p < n; p++) {
        const int64_t a = tab0[S[p] - 1], b = tab0[S[p] + 1];
        D[p] = a + b;
        c += a - b;
    }
    *C = c;
}

/* One attempt of the table field on one chain (its cache D, C); 1 if accepted. */
static inline int table_attempt(const int8_t *restrict v, const int64_t *restrict tab0, int n, int N,
                                int32_t *restrict S, int8_t *restrict s, uint64_t *rs, int64_t *restrict D,
                                int64_t *C, double beta, double scale) {
    const uint32_t i = (uint32_t)(((next(rs) >> 32) * (uint64_t)N) >> 32);
    const double tau = threshold_glauber((double)(next(rs) >> 11) * (1.0 / 9007199254740992.0));
    const int8_t *restrict row = v + (size_t)i * n;
    const int si = s[i];
    int64_t dot = 0;
    for (int p = 0; p < n; p++) dot += row[p] > 0 ? D[p] : -D[p];
    const double dE = scale * (double)(*C + si * dot);
    if (!(beta * dE < tau)) return 0;
    s[i] = (int8_t)(-si);
    const int d = -2 * si;
    for (int p = 0; p < n; p++) S[p] += d * row[p];
    table_refresh(tab0, n, S, D, C);
    return 1;
}

long table_sweeps(const int8_t *restrict v, const int64_t *restrict tab, int n, int N, int32_t *restrict S,
                  int8_t *restrict s, uint64_t *st, double beta, double scale, long sweeps) {
    uint64_t rs[4] = {st[0], st[1], st[2], st[3]};
    long nacc = 0;
    const int64_t *restrict tab0 = tab + (N + 1);
    int64_t *D = malloc((size_t)n * sizeof *D), C;
    table_refresh(tab0, n, S, D, &C);
    for (long t = 0; t < sweeps * (long)N; t++) nacc += table_attempt(v, tab0, n, N, S, s, rs, D, &C, beta, scale);
    free(D);
    memcpy(st, rs, sizeof rs);
    return nacc;
}

/* G independent chains interleaved attempt by attempt in one thread (the yardstick of
 * montecarlo's interleaved blocks): chain g owns S[g*n ...], s[g*N ...], st[4g ...]; every
 * chain follows the trajectory it would follow alone. The C version of "interleaving raises
 * throughput": an out-of-order core can overlap the attempts of independent chains only where
 * one chain leaves it idle (waiting for memory, the logarithm or a mispredicted branch). */
long pair_sweeps_interleaved(const int8_t *restrict v, const int32_t *restrict D, int n, int N, int32_t *S,
                             int8_t *s, uint64_t *st, int G, double beta, double scale, long sweeps) {
    long nacc = 0;
    for (long t = 0; t < sweeps * (long)N; t++)
        for (int g = 0; g < G; g++)
            nacc += pair_attempt(v, D, n, N, S + (size_t)g * n, s + (size_t)g * N, st + 4 * g, beta, 2.0 * scale);
    return nacc;
}

long table_sweeps_interleaved(const int8_t *restrict v, const int64_t *restrict tab, int n, int N, int32_t *S,
                              int8_t *s, uint64_t *st, int G, double beta, double scale, long sweeps) {
    long nacc = 0;
    const int64_t *restrict tab0 = tab + (N + 1);
    int64_t *D = malloc((size_t)G * n * sizeof *D), C[G];
    for (int g = 0; g < G; g++) table_refresh(tab0, n, S + (size_t)g * n, D + (size_t)g * n, C + g);
    for (long t = 0; t < sweeps * (long)N; t++)
        for (int g = 0; g < G; g++)
            nacc += table_attempt(v, tab0, n, N, S + (size_t)g * n, s + (size_t)g * N, st + 4 * g, D + (size_t)g * n,
                                  C + g, beta, scale);
    free(D);
    return nacc;
}

#ifndef MC_NO_MAIN
static void *load(const char *dir, const char *name, size_t bytes) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f) { perror(path); exit(2); }
    void *buf = malloc(bytes ? bytes : 1);
    if (fread(buf, 1, bytes, f) != bytes) { fprintf(stderr, "short read: %s\n", path); exit(2); }
    fclose(f);
    return buf;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);       /* CPU time: robust on a shared machine */
    return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: %s DIR\n", argv[0]); return 2; }
    const char *dir = argv[1];
    char path[4096];
    snprintf(path, sizeof path, "%s/params.txt", dir);
    FILE *f = fopen(path, "r");
    if (!f) { perror(path); return 2; }
    char family[16];
    int N, n, repeats;
    long sweeps;
    double beta, scale;
    unsigned long long r0, r1, r2, r3;
    if (fscanf(f, "%15s %d %d %lf %lf %ld %d %llu %llu %llu %llu", family, &N, &n, &beta, &scale, &sweeps,
               &repeats, &r0, &r1, &r2, &r3) != 11) { fprintf(stderr, "bad params\n"); return 2; }
    fclose(f);
    int8_t *v = load(dir, "v.bin", (size_t)N * n);
    int8_t *s0 = load(dir, "spins.bin", (size_t)N);
    int32_t *S0 = load(dir, "S.bin", (size_t)n * 4);
    const int pair = strcmp(family, "pair") == 0;
    int32_t *D = pair ? load(dir, "D.bin", (size_t)N * 4) : NULL;
    int64_t *tab = pair ? NULL : load(dir, "tab.bin", (size_t)(2 * N + 3) * 8);
    int8_t *s = malloc(N);
    int32_t *S = malloc((size_t)n * 4);
    uint64_t st[4];
    double best = 1e300;
    long nacc = 0;
    for (int rep = 0; rep < repeats; rep++) {        /* every repeat: same start, same trajectory */
        memcpy(s, s0, N);
        memcpy(S, S0, (size_t)n * 4);
        st[0] = r0; st[1] = r1; st[2] = r2; st[3] = r3;
        const double t0 = now();
        nacc = pair ? pair_sweeps(v, D, n, N, S, s, st, beta, scale, sweeps)
                    : table_sweeps(v, tab, n, N, S, s, st, beta, scale, sweeps);
        const double dt = now() - t0;
        if (dt < best) best = dt;
    }
    long long hash = 0;
    for (int i = 0; i < N; i++) hash = hash * 31 + (s[i] > 0);
    snprintf(path, sizeof path, "%s/out.txt", dir);
    f = fopen(path, "w");
    fprintf(f, "%.9e %ld %llu %llu %llu %llu\n", best, nacc, (unsigned long long)st[0], (unsigned long long)st[1],
            (unsigned long long)st[2], (unsigned long long)st[3]);
    for (int i = 0; i < N; i++) fprintf(f, "%d ", s[i]);
    fprintf(f, "\n");
    fclose(f);
    return 0;
}
#endif
