#include "hnsw_shim.h"

#include <hnswlib/hnswlib.h>
#include <immintrin.h>

#include <cstring>
#include <exception>
#include <memory>

namespace {

// Inner product of int8 codes, widened to int16 pairs and accumulated in int32 (exact, no overflow for
// dimension < 2^16 / 127^2 * 2^16).
int32_t dotCodes(const int8_t *a, const int8_t *b, size_t n) {
    size_t i = 0;
    int32_t total = 0;
#if defined(__AVX2__)
    __m256i acc = _mm256_setzero_si256();
    for (; i + 16 <= n; i += 16) {
        __m256i x = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(a + i)));
        __m256i y = _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i *>(b + i)));
        acc = _mm256_add_epi32(acc, _mm256_madd_epi16(x, y));
    }
    __m128i s = _mm_add_epi32(_mm256_castsi256_si128(acc), _mm256_extracti128_si256(acc, 1));
    s = _mm_hadd_epi32(s, s);
    s = _mm_hadd_epi32(s, s);
    total = _mm_cvtsi128_si32(s);
#endif
    for (; i < n; i++) total += int32_t(a[i]) * int32_t(b[i]);
    return total;
}

// hnswlib wants a distance (smaller is nearer): the negated inner product.
int negatedDot(const void *a, const void *b, const void *parameter) {
    return -dotCodes(static_cast<const int8_t *>(a), static_cast<const int8_t *>(b), *static_cast<const size_t *>(parameter));
}

class Int8InnerProductSpace : public hnswlib::SpaceInterface<int> {
public:
    explicit Int8InnerProductSpace(size_t dimension) : dimension_(dimension) {}
    size_t get_data_size() override { return dimension_; }
    hnswlib::DISTFUNC<int> get_dist_func() override { return negatedDot; }
    void *get_dist_func_param() override { return &dimension_; }

private:
    size_t dimension_;
};

void report(char *error, size_t size, const char *message) {
    if (error && size > 0) {
        std::strncpy(error, message, size - 1);
        error[size - 1] = 0;
    }
}

}  // namespace

struct papers_hnsw {
    std::unique_ptr<Int8InnerProductSpace> space;
    std::unique_ptr<hnswlib::HierarchicalNSW<int>> graph;
    size_t dimension;
};

extern "C" {

papers_hnsw *papers_hnsw_create(int dimension, size_t capacity, int m, int ef_construction, uint64_t seed,
                                char *error, size_t error_size) {
    try {
        auto index = std::make_unique<papers_hnsw>();
        index->dimension = size_t(dimension);
        index->space = std::make_unique<Int8InnerProductSpace>(size_t(dimension));
        index->graph = std::make_unique<hnswlib::HierarchicalNSW<int>>(index->space.get(), capacity < 1 ? 1 : capacity,
                                                                       size_t(m), size_t(ef_construction), size_t(seed));
        return index.release();
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return nullptr;
    }
}

papers_hnsw *papers_hnsw_load(const char *path, int dimension, size_t capacity, char *error, size_t error_size) {
    try {
        auto index = std::make_unique<papers_hnsw>();
        index->dimension = size_t(dimension);
        index->space = std::make_unique<Int8InnerProductSpace>(size_t(dimension));
        index->graph = std::make_unique<hnswlib::HierarchicalNSW<int>>(index->space.get());
        index->graph->loadIndex(path, index->space.get(), capacity);
        if (index->graph->data_size_ != index->dimension) {
            report(error, error_size, "stored vectors have another dimension");
            return nullptr;
        }
        return index.release();
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return nullptr;
    }
}

int papers_hnsw_save(papers_hnsw *index, const char *path, char *error, size_t error_size) {
    try {
        index->graph->saveIndex(path);
        return 0;
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return 1;
    }
}

void papers_hnsw_free(papers_hnsw *index) { delete index; }

size_t papers_hnsw_count(const papers_hnsw *index) { return index->graph->cur_element_count; }

size_t papers_hnsw_capacity(const papers_hnsw *index) { return index->graph->max_elements_; }

int papers_hnsw_resize(papers_hnsw *index, size_t capacity, char *error, size_t error_size) {
    try {
        index->graph->resizeIndex(capacity);
        return 0;
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return 1;
    }
}

int papers_hnsw_add(papers_hnsw *index, const int8_t *codes, uint64_t label, char *error, size_t error_size) {
    try {
        index->graph->addPoint(codes, hnswlib::labeltype(label));
        return 0;
    } catch (const std::exception &e) {
        report(error, error_size, e.what());
        return 1;
    }
}

void papers_hnsw_delete(papers_hnsw *index, uint64_t label) {
    try {
        index->graph->markDelete(hnswlib::labeltype(label));
    } catch (const std::exception &) {
        // Absent or already deleted: nothing to hide.
    }
}

void papers_hnsw_set_ef(papers_hnsw *index, size_t ef) { index->graph->setEf(ef); }

size_t papers_hnsw_search(const papers_hnsw *index, const int8_t *query, size_t k, uint64_t *labels, int32_t *dots) {
    try {
        auto result = index->graph->searchKnn(query, k);
        size_t n = result.size();
        // The queue pops the farthest first: fill from the back.
        for (size_t i = n; i > 0; i--) {
            labels[i - 1] = uint64_t(result.top().second);
            dots[i - 1] = -result.top().first;
            result.pop();
        }
        return n;
    } catch (const std::exception &) {
        return 0;
    }
}

int32_t papers_hnsw_dot(const papers_hnsw *index, const int8_t *query, uint64_t label, int *found) {
    // Callers never add while they read (a reader-writer lock in Swift), so the lookup needs no lock here.
    auto &graph = *index->graph;
    auto it = graph.label_lookup_.find(hnswlib::labeltype(label));
    if (it == graph.label_lookup_.end() || graph.isMarkedDeleted(it->second)) {
        *found = 0;
        return 0;
    }
    *found = 1;
    return dotCodes(query, reinterpret_cast<const int8_t *>(graph.getDataByInternalId(it->second)), index->dimension);
}

size_t papers_hnsw_labels(const papers_hnsw *index, uint64_t *labels, size_t capacity) {
    auto &graph = *index->graph;
    size_t n = 0;
    for (const auto &entry : graph.label_lookup_) {
        if (n == capacity) break;
        if (!graph.isMarkedDeleted(entry.second)) labels[n++] = uint64_t(entry.first);
    }
    return n;
}

int32_t papers_hnsw_dot_codes(const int8_t *a, const int8_t *b, size_t dimension) { return dotCodes(a, b, dimension); }

}  // extern "C"
