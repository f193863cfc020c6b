// The machine's float32 FMA peak on the day: every thread runs independent fused multiply-adds on registers (no
// memory traffic) for about a second, and the figure is the FLOPs of all threads over the wall time. A GEMM's
// GFLOPS divided by this is its share of what the cores can do, which stays comparable from day to day while the
// machine's own speed does not. Built and run by tools/bench-side-by-side.sh:
//   gcc -O3 -march=native -pthread tools/fma-peak.c -o fma-peak && ./fma-peak [THREADS]
// Prints one JSON line per thread count from 1 to THREADS (default: the online processors), in the bench format.
#include <immintrin.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#if defined(__AVX512F__)
typedef __m512 vec;
#define LANES 16
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ADD _mm512_add_ps
#define FIRST(v) _mm512_cvtss_f32(v)
#define ISA "avx512"
#elif defined(__FMA__)
typedef __m256 vec;
#define LANES 8
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ADD _mm256_add_ps
#define FIRST(v) _mm256_cvtss_f32(v)
#define ISA "avx2+fma"
#else
#error "needs FMA (x86-64-v3) or AVX-512"
#endif

// Twelve accumulators: enough independent chains to cover the FMA latency (4 cycles) on two FMA pipes.
#define CHAINS 12
static const long ITERATIONS = 200L * 1000 * 1000;

static void *spin(void *result)
{
    vec a = SET1(0.999999f), b = SET1(1e-7f), acc[CHAINS];
    for (int c = 0; c < CHAINS; c++) acc[c] = SET1((float)c);
    for (long i = 0; i < ITERATIONS; i++)
        for (int c = 0; c < CHAINS; c++) acc[c] = FMA(acc[c], a, b);
    vec sum = acc[0];
    for (int c = 1; c < CHAINS; c++) sum = ADD(sum, acc[c]);
    *(float *)result = FIRST(sum);  // keeps the loop from being optimised away
    return NULL;
}

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(int argc, char **argv)
{
    int max = argc > 1 ? atoi(argv[1]) : (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (max < 1 || max > 256) { fprintf(stderr, "fma-peak: THREADS must be 1..256\n"); return 2; }
    pthread_t threads[256];
    float sinks[256];
    for (int n = 1; n <= max; n++)
    {
        double best = 0;
        for (int attempt = 0; attempt < 3; attempt++)  // best of three: a descheduled thread only lowers a figure
        {
            double start = now();
            for (int t = 0; t < n; t++) pthread_create(&threads[t], NULL, spin, &sinks[t]);
            for (int t = 0; t < n; t++) pthread_join(threads[t], NULL);
            double gflops = 2.0 * LANES * CHAINS * ITERATIONS * n / (now() - start) / 1e9;
            if (gflops > best) best = gflops;
        }
        printf("{\"name\": \"fma_peak_%d\", \"value\": %.1f, \"unit\": \"GFLOPS\", \"isa\": \"%s\", \"check\": %g}\n",
               n, best, ISA, (double)sinks[0]);
    }
    return 0;
}
