// A linear layer for a handful of input rows. sgemm packs the whole weight matrix into panels on every
// call, which for 5–20 rows costs about as much as the multiplication; here each weight row is loaded
// once and multiplied with every input row while it sits in L1.

#include "small_batch_linear.h"

#include <immintrin.h>

static void linear_portable(int rows, int columns, int depth, const float *x, int x_stride,
                            const float *w, float *out, int out_stride) {
    for (int n = 0; n < columns; n++) {
        const float *wn = w + (long)n * depth;
        for (int m = 0; m < rows; m++) {
            const float *xm = x + (long)m * x_stride;
            float sum = 0;
            for (int k = 0; k < depth; k++) sum += xm[k] * wn[k];
            out[(long)m * out_stride + n] += sum;
        }
    }
}

__attribute__((target("avx2,fma")))
static inline float horizontal_sum(__m256 v) {
    __m128 low = _mm256_castps256_ps128(v), high = _mm256_extractf128_ps(v, 1);
    __m128 s = _mm_add_ps(low, high);
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 0x55));
    return _mm_cvtss_f32(s);
}

// Two weight rows against up to four input rows per pass: eight accumulators, two weight loads and four
// input loads per eight fused multiply-adds, all in the sixteen ymm registers.
__attribute__((target("avx2,fma")))
static void linear_avx2(int rows, int columns, int depth, const float *x, int x_stride,
                        const float *w, float *out, int out_stride) {
    int n = 0;
    for (; n + 1 < columns; n += 2) {
        const float *w0 = w + (long)n * depth, *w1 = w0 + depth;
        for (int m = 0; m < rows; m += 4) {
            int block = rows - m < 4 ? rows - m : 4;
            const float *x0 = x + (long)m * x_stride;
            const float *x1 = block > 1 ? x0 + x_stride : x0;
            const float *x2 = block > 2 ? x0 + 2L * x_stride : x0;
            const float *x3 = block > 3 ? x0 + 3L * x_stride : x0;
            __m256 a00 = _mm256_setzero_ps(), a01 = _mm256_setzero_ps(), a10 = _mm256_setzero_ps();
            __m256 a11 = _mm256_setzero_ps(), a20 = _mm256_setzero_ps(), a21 = _mm256_setzero_ps();
            __m256 a30 = _mm256_setzero_ps(), a31 = _mm256_setzero_ps();
            for (int k = 0; k < depth; k += 8) {
                __m256 v0 = _mm256_loadu_ps(w0 + k), v1 = _mm256_loadu_ps(w1 + k);
                __m256 i = _mm256_loadu_ps(x0 + k);
                a00 = _mm256_fmadd_ps(i, v0, a00); a01 = _mm256_fmadd_ps(i, v1, a01);
                i = _mm256_loadu_ps(x1 + k);
                a10 = _mm256_fmadd_ps(i, v0, a10); a11 = _mm256_fmadd_ps(i, v1, a11);
                i = _mm256_loadu_ps(x2 + k);
                a20 = _mm256_fmadd_ps(i, v0, a20); a21 = _mm256_fmadd_ps(i, v1, a21);
                i = _mm256_loadu_ps(x3 + k);
                a30 = _mm256_fmadd_ps(i, v0, a30); a31 = _mm256_fmadd_ps(i, v1, a31);
            }
            float *o = out + (long)m * out_stride + n;
            o[0] += horizontal_sum(a00); o[1] += horizontal_sum(a01);
            if (block > 1) { o[out_stride] += horizontal_sum(a10); o[out_stride + 1] += horizontal_sum(a11); }
            if (block > 2) { o[2L * out_stride] += horizontal_sum(a20); o[2L * out_stride + 1] += horizontal_sum(a21); }
            if (block > 3) { o[3L * out_stride] += horizontal_sum(a30); o[3L * out_stride + 1] += horizontal_sum(a31); }
        }
    }
    if (n < columns) linear_portable(rows, 1, depth, x, x_stride, w + (long)n * depth, out + n, out_stride);
}

void papers_small_batch_linear(int rows, int columns, int depth, const float *x, int x_stride,
                               const float *w, float *out, int out_stride) {
    static int has_avx2 = -1;
    if (has_avx2 < 0) has_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (has_avx2 && depth % 8 == 0) {
        linear_avx2(rows, columns, depth, x, x_stride, w, out, out_stride);
    } else {
        linear_portable(rows, columns, depth, x, x_stride, w, out, out_stride);
    }
}
