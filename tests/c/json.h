/*
 * A small JSON reader for the C and C++ tests: parses a document into a
 * tree (strings decoded to UTF-8, with their length, since they may hold
 * NUL), writes a tree back as compact JSON, compares two trees, and decodes
 * standard base64. Header-only; not part of liboutbox.
 */
#ifndef OUTBOX_TEST_JSON_H
#define OUTBOX_TEST_JSON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef enum { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT } jtype;

typedef struct jval {
    jtype type;
    int boolean;
    /* J_NUMBER: the literal as written; J_STRING: the decoded text. */
    char *text;
    size_t text_len;
    /* J_ARRAY and J_OBJECT: `len` items (and, for objects, their keys). */
    struct jval *items;
    char **keys;
    size_t len;
} jval;

typedef struct {
    const char *p;
    const char *end;
    int depth;
} jparser;

static inline int j_parse_value(jparser *ps, jval *out);

static inline void j_skip_ws(jparser *ps) {
    while (ps->p < ps->end && (*ps->p == ' ' || *ps->p == '\t' || *ps->p == '\n' || *ps->p == '\r')) ps->p++;
}

static inline void json_free_contents(jval *v) {
    size_t i;
    if (!v) return;
    free(v->text);
    for (i = 0; i < v->len; i++) {
        json_free_contents(&v->items[i]);
        if (v->keys) free(v->keys[i]);
    }
    free(v->items);
    free(v->keys);
    memset(v, 0, sizeof *v);
}

static inline void json_free(jval *v) {
    json_free_contents(v);
    free(v);
}

static inline int j_hex4(const char *p, unsigned *out) {
    unsigned v = 0;
    int i;
    for (i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    *out = v;
    return 1;
}

static inline size_t j_put_utf8(char *dst, unsigned cp) {
    if (cp < 0x80) { dst[0] = (char)cp; return 1; }
    if (cp < 0x800) { dst[0] = (char)(0xC0 | (cp >> 6)); dst[1] = (char)(0x80 | (cp & 0x3F)); return 2; }
    if (cp < 0x10000) {
        dst[0] = (char)(0xE0 | (cp >> 12)); dst[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        dst[2] = (char)(0x80 | (cp & 0x3F)); return 3;
    }
    dst[0] = (char)(0xF0 | (cp >> 18)); dst[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    dst[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); dst[3] = (char)(0x80 | (cp & 0x3F)); return 4;
}

/* Parses a string literal at ps->p (which is '"'); the result is NUL-terminated too. */
static inline int j_parse_string(jparser *ps, char **out, size_t *out_len) {
    const char *start = ++ps->p;
    char *buf, *d;
    while (ps->p < ps->end && *ps->p != '"') {
        if (*ps->p == '\\') ps->p++;
        ps->p++;
    }
    if (ps->p >= ps->end) return 0;
    buf = (char *)malloc((size_t)(ps->p - start) + 1);
    if (!buf) return 0;
    d = buf;
    ps->p = start;
    while (*ps->p != '"') {
        unsigned char c = (unsigned char)*ps->p++;
        if (c < 0x20) { free(buf); return 0; }
        if (c != '\\') { *d++ = (char)c; continue; }
        c = (unsigned char)*ps->p++;
        switch (c) {
        case '"': *d++ = '"'; break;
        case '\\': *d++ = '\\'; break;
        case '/': *d++ = '/'; break;
        case 'b': *d++ = '\b'; break;
        case 'f': *d++ = '\f'; break;
        case 'n': *d++ = '\n'; break;
        case 'r': *d++ = '\r'; break;
        case 't': *d++ = '\t'; break;
        case 'u': {
            unsigned cp, lo;
            if (ps->end - ps->p < 4 || !j_hex4(ps->p, &cp)) { free(buf); return 0; }
            ps->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00) {
                if (ps->end - ps->p < 6 || ps->p[0] != '\\' || ps->p[1] != 'u' || !j_hex4(ps->p + 2, &lo) ||
                    lo < 0xDC00 || lo > 0xDFFF) { free(buf); return 0; }
                ps->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            /* \uXXXX is at least 6 bytes of input and at most 4 of output. */
            d += j_put_utf8(d, cp);
            break;
        }
        default: free(buf); return 0;
        }
    }
    ps->p++;
    *d = '\0';
    *out = buf;
    *out_len = (size_t)(d - buf);
    return 1;
}

static inline int j_push(jval *v, size_t *cap) {
    if (v->len == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        jval *items = (jval *)realloc(v->items, ncap * sizeof *items);
        if (!items) return 0;
        v->items = items;
        if (v->type == J_OBJECT) {
            char **keys = (char **)realloc(v->keys, ncap * sizeof *keys);
            if (!keys) return 0;
            v->keys = keys;
        }
        *cap = ncap;
    }
    memset(&v->items[v->len], 0, sizeof v->items[0]);
    if (v->keys) v->keys[v->len] = NULL;
    return 1;
}

static inline int j_parse_value(jparser *ps, jval *out) {
    memset(out, 0, sizeof *out);
    j_skip_ws(ps);
    if (ps->p >= ps->end || ++ps->depth > 200) return 0;
    if (*ps->p == '{' || *ps->p == '[') {
        char close = *ps->p == '{' ? '}' : ']';
        size_t cap = 0;
        out->type = *ps->p == '{' ? J_OBJECT : J_ARRAY;
        ps->p++;
        j_skip_ws(ps);
        if (ps->p < ps->end && *ps->p == close) { ps->p++; ps->depth--; return 1; }
        for (;;) {
            size_t n;
            if (!j_push(out, &cap)) return 0;
            n = out->len;
            if (out->type == J_OBJECT) {
                size_t klen;
                j_skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != '"' || !j_parse_string(ps, &out->keys[n], &klen)) return 0;
                j_skip_ws(ps);
                if (ps->p >= ps->end || *ps->p != ':') { free(out->keys[n]); return 0; }
                ps->p++;
            }
            out->len++;
            if (!j_parse_value(ps, &out->items[n])) return 0;
            j_skip_ws(ps);
            if (ps->p < ps->end && *ps->p == ',') { ps->p++; continue; }
            if (ps->p < ps->end && *ps->p == close) { ps->p++; ps->depth--; return 1; }
            return 0;
        }
    }
    if (*ps->p == '"') {
        out->type = J_STRING;
        ps->depth--;
        return j_parse_string(ps, &out->text, &out->text_len);
    }
    if (ps->end - ps->p >= 4 && !strncmp(ps->p, "null", 4)) { ps->p += 4; out->type = J_NULL; ps->depth--; return 1; }
    if (ps->end - ps->p >= 4 && !strncmp(ps->p, "true", 4)) { ps->p += 4; out->type = J_BOOL; out->boolean = 1; ps->depth--; return 1; }
    if (ps->end - ps->p >= 5 && !strncmp(ps->p, "false", 5)) { ps->p += 5; out->type = J_BOOL; ps->depth--; return 1; }
    {
        const char *s = ps->p;
        while (ps->p < ps->end && strchr("+-0123456789.eE", *ps->p)) ps->p++;
        if (ps->p == s) return 0;
        out->type = J_NUMBER;
        out->text_len = (size_t)(ps->p - s);
        out->text = (char *)malloc(out->text_len + 1);
        if (!out->text) return 0;
        memcpy(out->text, s, out->text_len);
        out->text[out->text_len] = '\0';
        ps->depth--;
        return 1;
    }
}

/* Parses `len` bytes of JSON; NULL when it is not one valid document. */
static inline jval *json_parse_n(const char *text, size_t len) {
    jparser ps;
    jval *v = (jval *)calloc(1, sizeof *v);
    if (!v) return NULL;
    ps.p = text;
    ps.end = text + len;
    ps.depth = 0;
    if (!j_parse_value(&ps, v)) { json_free(v); return NULL; }
    j_skip_ws(&ps);
    if (ps.p != ps.end) { json_free(v); return NULL; }
    return v;
}

static inline jval *json_parse(const char *text) {
    return text ? json_parse_n(text, strlen(text)) : NULL;
}

/* The member `key` of an object, or NULL. */
static inline const jval *json_get(const jval *v, const char *key) {
    size_t i;
    if (!v || v->type != J_OBJECT) return NULL;
    for (i = 0; i < v->len; i++)
        if (!strcmp(v->keys[i], key)) return &v->items[i];
    return NULL;
}

static inline size_t json_len(const jval *v) {
    return v && (v->type == J_ARRAY || v->type == J_OBJECT) ? v->len : 0;
}

static inline const jval *json_at(const jval *v, size_t i) {
    return v && i < json_len(v) ? &v->items[i] : NULL;
}

/* The text of a string member (NULL when absent or not a string). */
static inline const char *json_str(const jval *v, const char *key) {
    const jval *m = json_get(v, key);
    return m && m->type == J_STRING ? m->text : NULL;
}

static inline long long json_int(const jval *v) {
    return v && v->type == J_NUMBER ? strtoll(v->text, NULL, 10) : 0;
}

static inline unsigned long long json_uint(const jval *v) {
    return v && v->type == J_NUMBER ? strtoull(v->text, NULL, 10) : 0;
}

/* Standard base64 (padding required) into a new buffer; NULL when invalid. */
static inline unsigned char *base64_decode(const char *in, size_t *out_len) {
    size_t n = strlen(in), i, o = 0;
    unsigned char *out;
    unsigned acc = 0;
    int bits = 0;
    if (n % 4) return NULL;
    out = (unsigned char *)malloc(n / 4 * 3 + 1);
    if (!out) return NULL;
    for (i = 0; i < n; i++) {
        const char *alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *pos;
        if (in[i] == '=') {
            if (i < n - 2) { free(out); return NULL; }
            continue;
        }
        pos = strchr(alphabet, in[i]);
        if (!pos || !in[i]) { free(out); return NULL; }
        acc = (acc << 6) | (unsigned)(pos - alphabet);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)((acc >> bits) & 0xFF);
        }
    }
    *out_len = o;
    return out;
}

/* ---- writing and comparing (tests/c/test_vectors.c) ------------------- */

/* A growable byte buffer, always NUL-terminated once anything is put in it. */
typedef struct {
    char *data;
    size_t len, cap;
} jbuf;

static inline void jb_put(jbuf *b, const char *s, size_t n) {
    if (b->len + n + 1 > b->cap) {
        size_t ncap = b->cap ? b->cap : 256;
        char *bigger;
        while (ncap < b->len + n + 1) ncap *= 2;
        bigger = (char *)realloc(b->data, ncap);
        if (!bigger) abort();
        b->data = bigger;
        b->cap = ncap;
    }
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = '\0';
}

static inline void jb_puts(jbuf *b, const char *s) {
    jb_put(b, s, strlen(s));
}

/* A JSON string escaped exactly as serde_json escapes it: quote, backslash
 * and control characters only (short forms where JSON has them, else
 * lowercase \u00XX); everything else, DEL and non-ASCII included, as is. */
static inline void json_write_string(jbuf *b, const char *s, size_t n) {
    size_t i;
    jb_put(b, "\"", 1);
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[7];
        switch (c) {
        case '"': jb_put(b, "\\\"", 2); break;
        case '\\': jb_put(b, "\\\\", 2); break;
        case '\b': jb_put(b, "\\b", 2); break;
        case '\f': jb_put(b, "\\f", 2); break;
        case '\n': jb_put(b, "\\n", 2); break;
        case '\r': jb_put(b, "\\r", 2); break;
        case '\t': jb_put(b, "\\t", 2); break;
        default:
            if (c < 0x20) {
                snprintf(esc, sizeof esc, "\\u%04x", (unsigned)c);
                jb_put(b, esc, 6);
            } else {
                jb_put(b, (const char *)&s[i], 1);
            }
        }
    }
    jb_put(b, "\"", 1);
}

/* `v` as compact JSON, keys in their order, numbers as written. */
static inline void json_write(jbuf *b, const jval *v) {
    size_t i;
    switch (v->type) {
    case J_NULL: jb_puts(b, "null"); break;
    case J_BOOL: jb_puts(b, v->boolean ? "true" : "false"); break;
    case J_NUMBER: jb_put(b, v->text, v->text_len); break;
    case J_STRING: json_write_string(b, v->text, v->text_len); break;
    case J_ARRAY:
    case J_OBJECT:
        jb_puts(b, v->type == J_ARRAY ? "[" : "{");
        for (i = 0; i < v->len; i++) {
            if (i) jb_puts(b, ",");
            if (v->type == J_OBJECT) {
                json_write_string(b, v->keys[i], strlen(v->keys[i]));
                jb_puts(b, ":");
            }
            json_write(b, &v->items[i]);
        }
        jb_puts(b, v->type == J_ARRAY ? "]" : "}");
        break;
    }
}

/* Equal as JSON values: objects in any key order; numbers by their text
 * (compare only documents one serializer wrote). */
static inline int json_equal(const jval *a, const jval *b) {
    size_t i;
    if (!a || !b || a->type != b->type) return 0;
    switch (a->type) {
    case J_NULL: return 1;
    case J_BOOL: return a->boolean == b->boolean;
    case J_NUMBER:
    case J_STRING: return a->text_len == b->text_len && !memcmp(a->text, b->text, a->text_len);
    case J_ARRAY:
        if (a->len != b->len) return 0;
        for (i = 0; i < a->len; i++)
            if (!json_equal(&a->items[i], &b->items[i])) return 0;
        return 1;
    case J_OBJECT:
        if (a->len != b->len) return 0;
        for (i = 0; i < a->len; i++)
            if (!json_equal(&a->items[i], json_get(b, a->keys[i]))) return 0;
        return 1;
    }
    return 0;
}

#endif
