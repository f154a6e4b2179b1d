// A C interface to hnswlib (header-only C++, Debian libhnswlib-dev) for Swift: an HNSW graph over
// 8-bit scalar-quantised vectors compared by inner product. Every function that can fail returns a
// non-zero status and writes a message into `error` (at most `error_size` bytes, NUL-terminated).
#ifndef PAPERS_HNSW_SHIM_H
#define PAPERS_HNSW_SHIM_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct papers_hnsw papers_hnsw;

/// A new empty index of `dimension`-long int8 codes with room for `capacity` points.
papers_hnsw *papers_hnsw_create(int dimension, size_t capacity, int m, int ef_construction, uint64_t seed,
                                char *error, size_t error_size);
/// The index saved at `path` (codes of `dimension` bytes), with room for at least `capacity` points.
papers_hnsw *papers_hnsw_load(const char *path, int dimension, size_t capacity, char *error, size_t error_size);
/// Writes the index to `path`.
int papers_hnsw_save(papers_hnsw *index, const char *path, char *error, size_t error_size);
void papers_hnsw_free(papers_hnsw *index);

/// Points stored (deleted ones included) and room before a resize.
size_t papers_hnsw_count(const papers_hnsw *index);
size_t papers_hnsw_capacity(const papers_hnsw *index);
int papers_hnsw_resize(papers_hnsw *index, size_t capacity, char *error, size_t error_size);

/// Adds the point `label` with `codes` (dimension bytes), or replaces its codes when it exists (and
/// un-deletes it). Safe to call from several threads at once; not while searching.
int papers_hnsw_add(papers_hnsw *index, const int8_t *codes, uint64_t label, char *error, size_t error_size);
/// Hides `label` from searches (a no-op when absent).
void papers_hnsw_delete(papers_hnsw *index, uint64_t label);

/// Candidate list size during search (at least k is used).
void papers_hnsw_set_ef(papers_hnsw *index, size_t ef);
/// The `k` nearest points to `query` (int8 codes): writes labels and integer inner products (largest
/// first) and returns how many were found. Safe to call from several threads at once.
size_t papers_hnsw_search(const papers_hnsw *index, const int8_t *query, size_t k, uint64_t *labels, int32_t *dots);
/// The integer inner product of `query` with the stored point `label`; 0 with *found = 0 when absent.
int32_t papers_hnsw_dot(const papers_hnsw *index, const int8_t *query, uint64_t label, int *found);
/// Writes up to `capacity` labels of the points not deleted; returns how many.
size_t papers_hnsw_labels(const papers_hnsw *index, uint64_t *labels, size_t capacity);
/// Integer inner product of two code vectors (the index's distance, exposed for exact scans).
int32_t papers_hnsw_dot_codes(const int8_t *a, const int8_t *b, size_t dimension);

#ifdef __cplusplus
}
#endif

#endif
