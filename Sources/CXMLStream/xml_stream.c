#include "xml_stream.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
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

int papers_xml_parse(const char *data, size_t size, const papers_xml_callbacks *callbacks, papers_xml_error *error) {
    xmlSAXHandler handler;
    memset(&handler, 0, sizeof handler);
    handler.initialized = XML_SAX2_MAGIC;
    handler.startElementNs = on_start;
    handler.endElementNs = on_end;
    handler.characters = on_text;
    handler.cdataBlock = on_text;
    handler.serror = on_error;

    memset(error, 0, sizeof *error);
    xmlParserCtxtPtr parser = xmlCreatePushParserCtxt(&handler, NULL, NULL, 0, NULL);
    if (parser == NULL) {
        strncpy(error->message, "out of memory", sizeof error->message - 1);
        return -1;
    }
    parser->_private = (void *)callbacks;
    // The user-data argument of every callback is the parser itself (so callbacks can stop it).
    parser->userData = parser;
    xmlCtxtUseOptions(parser, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING | XML_PARSE_HUGE);
    int status = 0;
    const size_t chunk = 1 << 20;
    size_t offset = 0;
    do {
        size_t n = size - offset < chunk ? size - offset : chunk;
        int terminate = offset + n >= size;
        status = xmlParseChunk(parser, data + offset, (int)n, terminate);
        offset += n;
    } while (status == 0 && offset < size);
    if (status == 0 && size == 0) status = xmlParseChunk(parser, NULL, 0, 1);
    int ok = status == 0 && parser->wellFormed;
    if (!ok) {
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
    xmlFreeParserCtxt(parser);
    return ok ? 0 : 1;
}

void papers_xml_stop(void *parser) {
    xmlStopParser((xmlParserCtxtPtr)parser);
}
