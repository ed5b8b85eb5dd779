/*
 * Lua 5.4 patterns with a step counter (see recpipe_match.h). Same syntax and results as the
 * reference implementation: classes (%a %c %d %g %l %p %s %u %w %x and their complements), sets,
 * `.`, anchors, the quantifiers * + - ?, captures and position captures, %b, %f and %1-%9.
 */
#include "recpipe_match.h"
#include <lua5.4/lauxlib.h>
#include <ctype.h>
#include <string.h>

#define MAX_CAPTURES 32
#define CAP_OPEN (-1)
#define CAP_POSITION (-2)
#define MAX_DEPTH 200
#define CHARGE_BATCH 512

typedef struct Matcher {
    const char *src, *src_end, *pat_end;
    lua_State *L;
    int depth;
    int level;
    lua_Integer pending;
    recpipe_charge_fn charge;
    struct { const char *start; ptrdiff_t len; } cap[MAX_CAPTURES];
} Matcher;

/* MARK: - Budget */

static void step(Matcher *m, lua_Integer n) {
    m->pending += n;
    if (m->pending >= CHARGE_BATCH) {
        lua_Integer n2 = m->pending;
        m->pending = 0;
        m->charge(m->L, n2);
    }
}

static void settle(Matcher *m) {
    if (m->pending > 0) {
        lua_Integer n = m->pending;
        m->pending = 0;
        m->charge(m->L, n);
    }
}

static void setup(Matcher *m, lua_State *L, const char *s, size_t ls, const char *p, size_t lp) {
    m->L = L;
    m->src = s;
    m->src_end = s + ls;
    m->pat_end = p + lp;
    m->pending = 0;
    m->charge = (recpipe_charge_fn)lua_touserdata(L, lua_upvalueindex(1));
}

static void restart(Matcher *m) {
    m->level = 0;
    m->depth = MAX_DEPTH;
}

/* The subject at argument 1, within the size limit (upvalue 2). */
static const char *subject(lua_State *L, size_t *ls) {
    const char *s = luaL_checklstring(L, 1, ls);
    lua_Integer limit = lua_tointeger(L, lua_upvalueindex(2));
    if ((lua_Integer)*ls > limit)
        luaL_error(L, "pattern matching on a string of %I bytes exceeds the limit of %I bytes", (lua_Integer)*ls, limit);
    return s;
}

/* MARK: - Single characters */

static int class_matches(int c, int cl) {
    int r;
    switch (tolower(cl)) {
    case 'a': r = isalpha(c); break;
    case 'c': r = iscntrl(c); break;
    case 'd': r = isdigit(c); break;
    case 'g': r = isgraph(c); break;
    case 'l': r = islower(c); break;
    case 'p': r = ispunct(c); break;
    case 's': r = isspace(c); break;
    case 'u': r = isupper(c); break;
    case 'w': r = isalnum(c); break;
    case 'x': r = isxdigit(c); break;
    case 'z': r = (c == 0); break; /* deprecated in Lua, still accepted */
    default: return cl == c;
    }
    if (isupper(cl)) r = !r;
    return r;
}

/* A set `[...]` from `p` (at '[') to `end` (at its ']'). */
static int set_matches(int c, const char *p, const char *end) {
    int found = 1;
    if (*(p + 1) == '^') {
        found = 0;
        p++;
    }
    while (++p < end) {
        if (*p == '%') {
            p++;
            if (class_matches(c, (unsigned char)*p)) return found;
        } else if (*(p + 1) == '-' && p + 2 < end) {
            p += 2;
            if ((unsigned char)*(p - 2) <= c && c <= (unsigned char)*p) return found;
        } else if ((unsigned char)*p == c) {
            return found;
        }
    }
    return !found;
}

/* The end of the single-character item starting at p. */
static const char *item_end(Matcher *m, const char *p) {
    char c = *p++;
    if (c == '%') {
        if (p >= m->pat_end) luaL_error(m->L, "malformed pattern (ends with '%%')");
        return p + 1;
    }
    if (c == '[') {
        if (*p == '^') p++;
        do {
            if (p >= m->pat_end) luaL_error(m->L, "malformed pattern (missing ']')");
            c = *p++;
            if (c == '%' && p < m->pat_end) p++;
        } while (*p != ']');
        return p + 1;
    }
    return p;
}

static int item_matches(Matcher *m, const char *s, const char *p, const char *ep) {
    if (s >= m->src_end) return 0;
    int c = (unsigned char)*s;
    switch (*p) {
    case '.': return 1;
    case '%': return class_matches(c, (unsigned char)*(p + 1));
    case '[': return set_matches(c, p, ep - 1);
    default: return (unsigned char)*p == c;
    }
}

/* MARK: - Matching */

static const char *match_here(Matcher *m, const char *s, const char *p);

static const char *balance(Matcher *m, const char *s, const char *p) {
    if (p + 1 >= m->pat_end) luaL_error(m->L, "malformed pattern (missing arguments to '%%b')");
    if (s >= m->src_end || *s != *p) return NULL;
    char open = *p, close = *(p + 1);
    int depth = 1;
    while (++s < m->src_end) {
        step(m, 1);
        if (*s == close) {
            if (--depth == 0) return s + 1;
        } else if (*s == open) {
            depth++;
        }
    }
    return NULL;
}

static const char *greedy(Matcher *m, const char *s, const char *p, const char *ep) {
    ptrdiff_t n = 0;
    while (item_matches(m, s + n, p, ep)) {
        n++;
        step(m, 1);
    }
    for (; n >= 0; n--) {
        const char *r = match_here(m, s + n, ep + 1);
        if (r != NULL) return r;
        step(m, 1);
    }
    return NULL;
}

static const char *lazy(Matcher *m, const char *s, const char *p, const char *ep) {
    for (;;) {
        const char *r = match_here(m, s, ep + 1);
        if (r != NULL) return r;
        if (!item_matches(m, s, p, ep)) return NULL;
        s++;
        step(m, 1);
    }
}

static const char *open_capture(Matcher *m, const char *s, const char *p, ptrdiff_t what) {
    if (m->level >= MAX_CAPTURES) luaL_error(m->L, "too many captures");
    m->cap[m->level].start = s;
    m->cap[m->level].len = what;
    m->level++;
    const char *r = match_here(m, s, p);
    if (r == NULL) m->level--;
    return r;
}

static const char *close_capture(Matcher *m, const char *s, const char *p) {
    int l = m->level - 1;
    while (l >= 0 && m->cap[l].len != CAP_OPEN) l--;
    if (l < 0) luaL_error(m->L, "invalid pattern capture");
    m->cap[l].len = s - m->cap[l].start;
    const char *r = match_here(m, s, p);
    if (r == NULL) m->cap[l].len = CAP_OPEN;
    return r;
}

static int capture_index(Matcher *m, int c) {
    int l = c - '1';
    if (l < 0 || l >= m->level || m->cap[l].len == CAP_OPEN)
        return luaL_error(m->L, "invalid capture index %%%d", l + 1);
    return l;
}

static const char *back_reference(Matcher *m, const char *s, int c) {
    int l = capture_index(m, c);
    size_t len = (size_t)m->cap[l].len;
    step(m, (lua_Integer)(len / 16));
    if ((size_t)(m->src_end - s) >= len && memcmp(m->cap[l].start, s, len) == 0) return s + len;
    return NULL;
}

/* Matches pattern p at s; returns the end of the match or NULL. */
static const char *match_here(Matcher *m, const char *s, const char *p) {
    if (m->depth-- == 0) luaL_error(m->L, "pattern too complex");
    for (;;) {
        step(m, 1);
        if (p == m->pat_end) break;
        if (*p == '(') {
            if (p + 1 < m->pat_end && *(p + 1) == ')') s = open_capture(m, s, p + 2, CAP_POSITION);
            else s = open_capture(m, s, p + 1, CAP_OPEN);
            break;
        }
        if (*p == ')') {
            s = close_capture(m, s, p + 1);
            break;
        }
        if (*p == '$' && p + 1 == m->pat_end) {
            if (s != m->src_end) s = NULL;
            break;
        }
        if (*p == '%' && p + 1 < m->pat_end) {
            char c = *(p + 1);
            if (c == 'b') {
                s = balance(m, s, p + 2);
                if (s == NULL) break;
                p += 4;
                continue;
            }
            if (c == 'f') {
                p += 2;
                if (p >= m->pat_end || *p != '[') luaL_error(m->L, "missing '[' after '%%f' in pattern");
                const char *ep = item_end(m, p);
                int before = (s == m->src) ? '\0' : (unsigned char)*(s - 1);
                int here = (s < m->src_end) ? (unsigned char)*s : '\0';
                if (!set_matches(before, p, ep - 1) && set_matches(here, p, ep - 1)) {
                    p = ep;
                    continue;
                }
                s = NULL;
                break;
            }
            if (isdigit((unsigned char)c)) {
                s = back_reference(m, s, (unsigned char)c);
                if (s == NULL) break;
                p += 2;
                continue;
            }
        }
        /* A single-character item, maybe quantified. */
        const char *ep = item_end(m, p);
        char q = ep < m->pat_end ? *ep : '\0';
        if (!item_matches(m, s, p, ep)) {
            if (q == '*' || q == '?' || q == '-') {
                p = ep + 1;
                continue;
            }
            s = NULL;
            break;
        }
        if (q == '?') {
            const char *r = match_here(m, s + 1, ep + 1);
            if (r != NULL) {
                s = r;
                break;
            }
            p = ep + 1;
            continue;
        }
        if (q == '+') {
            s = greedy(m, s + 1, p, ep);
            break;
        }
        if (q == '*') {
            s = greedy(m, s, p, ep);
            break;
        }
        if (q == '-') {
            s = lazy(m, s, p, ep);
            break;
        }
        s++;
        p = ep;
    }
    m->depth++;
    return s;
}

/* MARK: - Captures */

/* Pushes capture i; with no captures, capture 0 is the whole match s..e. */
static void push_capture(Matcher *m, int i, const char *s, const char *e) {
    if (i >= m->level) {
        if (i != 0) luaL_error(m->L, "invalid capture index %%%d", i + 1);
        lua_pushlstring(m->L, s, (size_t)(e - s));
        return;
    }
    ptrdiff_t len = m->cap[i].len;
    if (len == CAP_OPEN) luaL_error(m->L, "unfinished capture");
    if (len == CAP_POSITION) lua_pushinteger(m->L, (lua_Integer)(m->cap[i].start - m->src) + 1);
    else lua_pushlstring(m->L, m->cap[i].start, (size_t)len);
}

/* Pushes all captures (or the whole match when s is not NULL and there are none). */
static int push_captures(Matcher *m, const char *s, const char *e) {
    int n = (m->level == 0 && s != NULL) ? 1 : m->level;
    luaL_checkstack(m->L, n, "too many captures");
    for (int i = 0; i < n; i++) push_capture(m, i, s, e);
    return n;
}

/* MARK: - find / match */

static size_t start_offset(lua_Integer pos, size_t len) {
    if (pos > 0) return (size_t)pos - 1;
    if (pos == 0 || pos < -(lua_Integer)len) return 0;
    return len + (size_t)pos;
}

static int has_specials(const char *p, size_t lp) {
    for (size_t i = 0; i < lp; i++)
        if (strchr("^$*+?.([%-", p[i]) != NULL && p[i] != '\0') return 1;
    return 0;
}

static const char *plain_find(Matcher *m, const char *s, size_t ls, const char *p, size_t lp) {
    if (lp == 0) return s;
    if (lp > ls) return NULL;
    const char *last = s + (ls - lp);
    step(m, (lua_Integer)(ls / 16));
    for (const char *q = s; q <= last; q++) {
        q = memchr(q, *p, (size_t)(last - q) + 1);
        if (q == NULL) return NULL;
        if (memcmp(q + 1, p + 1, lp - 1) == 0) return q;
    }
    return NULL;
}

static int find_or_match(lua_State *L, int find) {
    size_t ls, lp;
    const char *s = subject(L, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls);
    if (init > ls) {
        lua_pushnil(L);
        return 1;
    }
    Matcher m;
    setup(&m, L, s, ls, p, lp);
    if (find && (lua_toboolean(L, 4) || !has_specials(p, lp))) {
        const char *r = plain_find(&m, s + init, ls - init, p, lp);
        settle(&m);
        if (r == NULL) {
            lua_pushnil(L);
            return 1;
        }
        lua_pushinteger(L, (lua_Integer)(r - s) + 1);
        lua_pushinteger(L, (lua_Integer)(r - s + lp));
        return 2;
    }
    int anchor = (*p == '^');
    if (anchor) {
        p++;
        lp--;
    }
    m.pat_end = p + lp;
    const char *at = s + init;
    do {
        restart(&m);
        const char *e = match_here(&m, at, p);
        if (e != NULL) {
            settle(&m);
            if (find) {
                lua_pushinteger(L, (lua_Integer)(at - s) + 1);
                lua_pushinteger(L, (lua_Integer)(e - s));
                return push_captures(&m, NULL, NULL) + 2;
            }
            return push_captures(&m, at, e);
        }
    } while (at++ < m.src_end && !anchor);
    settle(&m);
    lua_pushnil(L);
    return 1;
}

int recpipe_str_find(lua_State *L) { return find_or_match(L, 1); }
int recpipe_str_match(lua_State *L) { return find_or_match(L, 0); }

/* MARK: - gmatch */

/* Upvalues 1-2 as above, 3 the subject, 4 the pattern, 5 the next start, 6 the end of the last
   match (-1: none). */
static int gmatch_step(lua_State *L) {
    size_t ls, lp;
    const char *s = lua_tolstring(L, lua_upvalueindex(3), &ls);
    const char *p = lua_tolstring(L, lua_upvalueindex(4), &lp);
    lua_Integer pos = lua_tointeger(L, lua_upvalueindex(5));
    lua_Integer last = lua_tointeger(L, lua_upvalueindex(6));
    Matcher m;
    setup(&m, L, s, ls, p, lp);
    for (const char *at = s + pos; at <= m.src_end; at++) {
        restart(&m);
        const char *e = match_here(&m, at, p);
        if (e != NULL && (e - s) != last) {
            settle(&m);
            lua_pushinteger(L, (lua_Integer)(e - s));
            lua_copy(L, -1, lua_upvalueindex(5));
            lua_replace(L, lua_upvalueindex(6));
            return push_captures(&m, at, e);
        }
    }
    settle(&m);
    lua_pushinteger(L, (lua_Integer)ls + 1);
    lua_replace(L, lua_upvalueindex(5));
    return 0;
}

int recpipe_str_gmatch(lua_State *L) {
    size_t ls;
    subject(L, &ls);
    luaL_checkstring(L, 2);
    size_t init = start_offset(luaL_optinteger(L, 3, 1), ls);
    if (init > ls) init = ls + 1;
    lua_settop(L, 2);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, lua_upvalueindex(2));
    lua_rotate(L, 1, 2); /* charge, limit, s, p */
    lua_pushinteger(L, (lua_Integer)init);
    lua_pushinteger(L, -1);
    lua_pushcclosure(L, gmatch_step, 6);
    return 1;
}

/* MARK: - gsub */

static void add_template(Matcher *m, luaL_Buffer *b, const char *s, const char *e) {
    lua_State *L = m->L;
    size_t l;
    const char *t = lua_tolstring(L, 3, &l);
    const char *end = t + l;
    const char *q;
    while ((q = memchr(t, '%', (size_t)(end - t))) != NULL) {
        luaL_addlstring(b, t, (size_t)(q - t));
        q++;
        if (q >= end || *q == '%') {
            if (q >= end) luaL_error(L, "invalid use of '%%' in replacement string");
            luaL_addchar(b, '%');
        } else if (*q == '0') {
            luaL_addlstring(b, s, (size_t)(e - s));
        } else if (isdigit((unsigned char)*q)) {
            push_capture(m, *q - '1', s, e);
            luaL_tolstring(L, -1, NULL);
            lua_remove(L, -2);
            luaL_addvalue(b);
        } else {
            luaL_error(L, "invalid use of '%c' in replacement string", '%');
        }
        t = q + 1;
    }
    luaL_addlstring(b, t, (size_t)(end - t));
}

/* Adds the replacement of match s..e; returns whether the text changed. */
static int add_replacement(Matcher *m, luaL_Buffer *b, const char *s, const char *e, int kind) {
    lua_State *L = m->L;
    if (kind == LUA_TFUNCTION) {
        lua_pushvalue(L, 3);
        int n = push_captures(m, s, e);
        lua_call(L, n, 1);
    } else if (kind == LUA_TTABLE) {
        push_capture(m, 0, s, e);
        lua_gettable(L, 3);
    } else {
        add_template(m, b, s, e);
        return 1;
    }
    if (!lua_toboolean(L, -1)) {
        lua_pop(L, 1);
        luaL_addlstring(b, s, (size_t)(e - s));
        return 0;
    }
    if (!lua_isstring(L, -1)) return luaL_error(L, "invalid replacement value (a %s)", luaL_typename(L, -1));
    luaL_addvalue(b);
    return 1;
}

int recpipe_str_gsub(lua_State *L) {
    size_t ls, lp;
    const char *s = subject(L, &ls);
    const char *p = luaL_checklstring(L, 2, &lp);
    int kind = lua_type(L, 3);
    lua_Integer max = luaL_optinteger(L, 4, (lua_Integer)ls + 1);
    luaL_argexpected(L, kind == LUA_TNUMBER || kind == LUA_TSTRING || kind == LUA_TFUNCTION || kind == LUA_TTABLE, 3,
                     "string/function/table");
    int anchor = (*p == '^');
    if (anchor) {
        p++;
        lp--;
    }
    Matcher m;
    setup(&m, L, s, ls, p, lp);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    const char *at = s, *last = NULL;
    lua_Integer n = 0;
    int changed = 0;
    while (n < max) {
        restart(&m);
        const char *e = match_here(&m, at, p);
        if (e != NULL && e != last) {
            n++;
            changed = add_replacement(&m, &b, at, e, kind) | changed;
            at = last = e;
        } else if (at < m.src_end) {
            luaL_addchar(&b, *at++);
        } else {
            break;
        }
        if (anchor) break;
    }
    settle(&m);
    if (!changed) {
        lua_pushvalue(L, 1);
    } else {
        luaL_addlstring(&b, at, (size_t)(m.src_end - at));
        luaL_pushresult(&b);
    }
    lua_pushinteger(L, n);
    return 2;
}
