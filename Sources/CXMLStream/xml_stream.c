#include "xml_stream.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <stdlib.h>
#include <string.h>

enum { MAX_ATTRIBUTES = 16 };

static void on_start(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri,
                     int nb_namespaces, const xmlChar **namespaces, int nb_attributes, int nb_defaulted,
                     const xmlChar **attributes) {
    (void)prefix; (void)uri; (void)nb_namespaces; (void)namespaces; (void)nb_defaulted;
    xmlParserCtxtPtr parser = (xmlParserCtxtPtr)ctx;
    const papers_xml_callbacks *cb = (const papers_xml_callbacks *)parser->_private;
    const char *names[MAX_ATTRIBUTES];
    const char *values[MAX_ATTRIBUTES];
    int lengths[MAX_ATTRIBUTES];
    int n = nb_attributes < MAX_ATTRIBUTES ? nb_attributes : MAX_ATTRIBUTES;
    // SAX2 gives five pointers per attribute: localname, prefix, URI, value start, value end.
    for (int i = 0; i < n; i++) {
        names[i] = (const char *)attributes[i * 5];
        values[i] = (const char *)attributes[i * 5 + 3];
        lengths[i] = (int)(attributes[i * 5 + 4] - attributes[i * 5 + 3]);
    }
    cb->start(cb->context, (const char *)localname, n, names, values, lengths);
}

static void on_end(void *ctx, const xmlChar *localname, const xmlChar *prefix, const xmlChar *uri) {
    (void)prefix; (void)uri;
    xmlParserCtxtPtr parser = (xmlParserCtxtPtr)ctx;
    const papers_xml_callbacks *cb = (const papers_xml_callbacks *)parser->_private;
    cb->end(cb->context, (const char *)localname);
}

static void on_text(void *ctx, const xmlChar *ch, int len) {
    xmlParserCtxtPtr parser = (xmlParserCtxtPtr)ctx;
    const papers_xml_callbacks *cb = (const papers_xml_callbacks *)parser->_private;
    cb->text(cb->context, (const char *)ch, len);
}

static void on_error(void *ctx, xmlErrorPtr error) {
    (void)ctx; (void)error;   // read from the context after the parse; nothing is printed
}

struct papers_xml_stream {
    xmlSAXHandler handler;
    xmlParserCtxtPtr parser;
    int failed;
};

papers_xml_stream *papers_xml_stream_create(const papers_xml_callbacks *callbacks) {
    papers_xml_stream *stream = calloc(1, sizeof *stream);
    if (stream == NULL) return NULL;
    stream->handler.initialized = XML_SAX2_MAGIC;
    stream->handler.startElementNs = on_start;
    stream->handler.endElementNs = on_end;
    stream->handler.characters = on_text;
    stream->handler.cdataBlock = on_text;
    stream->handler.serror = on_error;
    stream->parser = xmlCreatePushParserCtxt(&stream->handler, NULL, NULL, 0, NULL);
    if (stream->parser == NULL) {
        free(stream);
        return NULL;
    }
    stream->parser->_private = (void *)callbacks;
    // The user-data argument of every callback is the parser, whose _private holds our callbacks.
    stream->parser->userData = stream->parser;
    xmlCtxtUseOptions(stream->parser, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE);
    return stream;
}

static void fill_error(xmlParserCtxtPtr parser, papers_xml_error *error) {
    const xmlError *last = xmlCtxtGetLastError(parser);
    if (last != NULL) {
        error->line = last->line;
        error->column = last->int2;
        if (last->message != NULL) {
            strncpy(error->message, last->message, sizeof error->message - 1);
            size_t len = strlen(error->message);
            while (len > 0 && (error->message[len - 1] == '\n' || error->message[len - 1] == ' ')) error->message[--len] = 0;
        }
    } else {
        strncpy(error->message, "the document is not well-formed", sizeof error->message - 1);
    }
}

int papers_xml_stream_feed(papers_xml_stream *stream, const char *data, size_t size, int terminate, papers_xml_error *error) {
    memset(error, 0, sizeof *error);
    if (stream->failed) {
        strncpy(error->message, "the parse already failed", sizeof error->message - 1);
        return 1;
    }
    // libxml2 takes int sizes: feed at most 1 MB at a time.
    const size_t chunk = 1 << 20;
    size_t offset = 0;
    int status = 0;
    do {
        size_t n = size - offset < chunk ? size - offset : chunk;
        int last = terminate && offset + n >= size;
        status = xmlParseChunk(stream->parser, data == NULL ? NULL : data + offset, (int)n, last);
        offset += n;
    } while (status == 0 && offset < size);
    if (status != 0 || !stream->parser->wellFormed) {
        stream->failed = 1;
        fill_error(stream->parser, error);
        return 1;
    }
    return 0;
}

void papers_xml_stream_free(papers_xml_stream *stream) {
    if (stream == NULL) return;
    xmlFreeParserCtxt(stream->parser);
    free(stream);
}
