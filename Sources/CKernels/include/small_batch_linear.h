#ifndef PAPERS_SMALL_BATCH_LINEAR_H
#define PAPERS_SMALL_BATCH_LINEAR_H

#ifdef __cplusplus
extern "C" {
#endif

/// out[m * out_stride + n] += sum over k of x[m * x_stride + k] * w[n * depth + k], for m < rows and
/// n < columns: a linear layer whose weight is stored row-major as columns x depth (PyTorch's layout).
/// Meant for few rows (a query's tokens), where it reads every weight once and uses it from L1 for each
/// row. Uses AVX2 and FMA when the CPU has them (checked at run time), plain C otherwise.
void papers_small_batch_linear(int rows, int columns, int depth, const float *x, int x_stride,
                               const float *w, float *out, int out_stride);

#ifdef __cplusplus
}
#endif

#endif
