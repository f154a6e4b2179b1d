#ifndef PAPERS_XML_STREAM_H
#define PAPERS_XML_STREAM_H

#include <stddef.h>

/// Callbacks of a streaming (SAX) parse. Names are local names (namespace prefixes dropped), NUL-terminated;
/// text and attribute values are UTF-8 byte ranges valid only during the call.
typedef struct {
    void *context;
    void (*start)(void *context, const char *name, int attribute_count,
                  const char *const *attribute_names, const char *const *attribute_values, const int *attribute_lengths);
    void (*end)(void *context, const char *name);
    void (*text)(void *context, const char *bytes, int length);
} papers_xml_callbacks;

/// Where and why a parse failed.
typedef struct {
    int line;
    int column;
    char message[256];
} papers_xml_error;

/// An incremental parse: bytes are fed as they arrive (from a socket, say), so no whole document is held.
/// No DTD loading, no network, no external entities.
typedef struct papers_xml_stream papers_xml_stream;

/// Starts an incremental parse calling back through `callbacks` (which must outlive the stream).
papers_xml_stream *papers_xml_stream_create(const papers_xml_callbacks *callbacks);

/// Feeds the next `size` bytes; `terminate` = 1 with the last ones. Returns 0 while the document is
/// well-formed so far, else non-zero with `error` filled in (the stream is then finished).
int papers_xml_stream_feed(papers_xml_stream *stream, const char *data, size_t size, int terminate, papers_xml_error *error);

/// Releases the stream.
void papers_xml_stream_free(papers_xml_stream *stream);

#endif
