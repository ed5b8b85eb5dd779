#ifndef RECPIPE_CLUA_SHIM_H
#define RECPIPE_CLUA_SHIM_H
#include <lua5.4/lua.h>
#include <lua5.4/lualib.h>
#include <lua5.4/lauxlib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <math.h>

/*
 * recpipe's bridge to Lua 5.4.
 *
 * 1. `static inline` wrappers for Lua's macros, so Swift can call them.
 * 2. The sandbox runtime pieces that must run as C: the allocator with a memory cap, the
 *    instruction-count hook, the message handler, record views' metamethods, and trampolines
 *    that call back into Swift. Swift callbacks never raise Lua errors: they return a status
 *    and the C trampoline raises (longjmp never crosses a Swift frame).
 */

/* MARK: - Macro wrappers */

static inline int recpipe_pcall(lua_State *L, int nargs, int nresults, int msgh) {
    return lua_pcall(L, nargs, nresults, msgh);
}
static inline void recpipe_pop(lua_State *L, int n) { lua_pop(L, n); }
static inline void recpipe_newtable(lua_State *L) { lua_newtable(L); }
static inline int recpipe_isnil(lua_State *L, int idx) { return lua_isnil(L, idx); }
static inline int recpipe_isnoneornil(lua_State *L, int idx) { return lua_isnoneornil(L, idx); }
static inline const char *recpipe_tostring(lua_State *L, int idx, size_t *len) {
    return lua_tolstring(L, idx, len);
}
static inline lua_Integer recpipe_tointeger(lua_State *L, int idx, int *isnum) {
    return lua_tointegerx(L, idx, isnum);
}
static inline lua_Number recpipe_tonumber(lua_State *L, int idx, int *isnum) {
    return lua_tonumberx(L, idx, isnum);
}
static inline void recpipe_pushglobaltable(lua_State *L) { lua_pushglobaltable(L); }
static inline void recpipe_pushcfunction(lua_State *L, lua_CFunction f) { lua_pushcfunction(L, f); }
static inline void recpipe_remove(lua_State *L, int idx) { lua_remove(L, idx); }
static inline void recpipe_insert(lua_State *L, int idx) { lua_insert(L, idx); }
static inline int recpipe_upvalueindex(int i) { return lua_upvalueindex(i); }
static inline int recpipe_registryindex(void) { return LUA_REGISTRYINDEX; }
static inline lua_Integer recpipe_ridx_globals(void) { return LUA_RIDX_GLOBALS; }
static inline int recpipe_isinteger(lua_State *L, int idx) { return lua_isinteger(L, idx); }

/* MARK: - Host context */

/* A value handed from Swift to C (Swift never pushes onto the Lua stack inside a callback). */
enum { RECPIPE_NIL = 0, RECPIPE_BOOL = 1, RECPIPE_INT = 2, RECPIPE_DOUBLE = 3, RECPIPE_STRING = 4, RECPIPE_LIST = 5 };
typedef struct recpipe_value {
    int type;
    int64_t i;          /* bool (0/1), integer, or list count */
    double d;
    const char *s;      /* string bytes (valid until the next callback) */
    size_t len;
} recpipe_value;

/* A column the C side reads in place (a record view's fast path: no host call per field).
   type: RECPIPE_INT (ints), RECPIPE_DOUBLE (doubles), RECPIPE_BOOL (bools), RECPIPE_STRING (per row
   a dictionary entry d, whose bytes are bytes[offsets[d] ..< offsets[d + 1]]), RECPIPE_LIST (per
   row r a list of strings: the dictionary entries codes[ints[r] ..< ints[r + 1]]); RECPIPE_NIL:
   ask the host. valid: per row 1 or 0 (null), or NULL when the column has no nulls. */
typedef struct recpipe_column {
    int type;
    const int64_t *ints;
    const double *doubles;
    const uint8_t *bools;
    const uint32_t *codes;
    const int64_t *offsets;
    const char *bytes;
    const uint8_t *valid;
} recpipe_column;

/* The record a view points at; a full userdata reused for every call (only `row` moves). */
typedef struct recpipe_view {
    void *binding;      /* the Swift record binding (NULL: nothing bound) */
    lua_Integer row;
    int kind;           /* 0 = user, 1 = item */
    const recpipe_column *columns; /* by field index, `ncolumns` of them, `nrows` rows (NULL: none) */
    lua_Integer ncolumns, nrows;
} recpipe_view;

/* These receive the view's binding, not the host. */
typedef void (*recpipe_fetch_fn)(void *binding, lua_Integer row, int field, recpipe_value *out);
typedef void (*recpipe_elem_fn)(void *binding, lua_Integer index, recpipe_value *out);
typedef void (*recpipe_list_end_fn)(void *binding);
typedef int (*recpipe_has_fn)(void *binding, lua_Integer row, int set, const char *key, size_t len);
/* Writes a message (unknown field, record description) to the scratch buffer; returns its length. */
/* A user set (u:seen, u:purchased) in item numbers, for the C fast path (plugins.h). */
typedef struct recpipe_itemset {
    const int64_t *pointers;    /* per matrix row: its range in `columns` */
    const int32_t *columns;     /* item numbers, ascending within a row; NULL: no fast path */
    const int32_t *row_of;      /* per user record row: its matrix row (-1: none) */
    lua_Integer rows;           /* user record rows */
} recpipe_itemset;

typedef size_t (*recpipe_text_fn)(void *host, int kind, lua_Integer row, const char *key, size_t len);
typedef void (*recpipe_print_fn)(void *host, const char *text, size_t len);

typedef struct recpipe_ctx {
    /* memory */
    size_t mem_used, mem_peak, mem_limit;
    int enforce;                /* the cap applies only while script code runs */
    /* instructions */
    lua_Integer budget;         /* per call */
    lua_Integer granularity;    /* the count hook fires every `granularity` instructions */
    lua_Integer ticks, start_ticks;
    int budget_exceeded;
    /* string limits */
    lua_Integer max_rep;
    /* instructions charged for work done in C (pattern steps, bytes allocated, sorted elements);
       start_charged is at the end of the struct */
    lua_Integer charged;
    /* error location found by the message handler */
    int err_chunk, err_line;
    /* random seed for argument-less math.randomseed() */
    lua_Integer seed;
    /* callbacks */
    void *host;
    recpipe_fetch_fn fetch;
    recpipe_elem_fn elem;
    recpipe_list_end_fn list_end;
    recpipe_has_fn has;
    recpipe_text_fn unknown_field;
    recpipe_text_fn describe;
    recpipe_print_fn print;
    char *scratch;
    size_t scratch_cap;
    /* the two reused record views */
    recpipe_view *views[2];
    lua_Integer start_charged;
    /* the state, for locating refused allocations */
    lua_State *L;
    /* candidates plugins (plugins.h): the registry reference of the item-number table (id
       string -> number), 0 when absent; the user view's sets in item numbers, by set number;
       ctx.neighbors' lists in item numbers, by owner */
    int item_ref;
    recpipe_itemset sets[3];
    const int64_t *nb_offsets;
    const int32_t *nb_items;
    const double *nb_scores;
    /* entries of the last ctx.scores() table the host read: the next one starts that big */
    lua_Integer scores_hint;
    /* ctx.neighbors' list tables by address (the plugin context keeps them alive, and is
       replaced together with this): an open-addressing table of `nb_mask + 1` slots, key 0 =
       free, value the owner + 1 (items) or -(owner + 1) (scores); NULL when absent. */
    const uintptr_t *nb_keys;
    const int32_t *nb_owners;
    lua_Integer nb_mask;
    /* The dense index of the newest ctx.scores() table (plugins.h): per item number (dense_n of
       them), dense[n] is the stamp of the table that last added item n (its low 32 bits, high
       half) and the entry (low half): the item's entry when the stamp is the table's. */
    uint64_t *dense;
    lua_Integer dense_n;
    uint64_t dense_owner; /* the stamp of the table that owns the index; 0: none */
    uint64_t dense_next;  /* the last stamp handed out */
} recpipe_ctx;

static inline recpipe_ctx *recpipe_getctx(lua_State *L) {
    return *(recpipe_ctx **)lua_getextraspace(L);
}

/* MARK: - Allocator with a cap */

/* Records where a refused allocation happened (the nearest user-chunk frame): Lua does not run the
   message handler for memory errors, so without this they would point at the rule's registration.
   Reads the stack only; allocates nothing. */
static void recpipe_note_alloc_site(recpipe_ctx *c) {
    lua_Debug ar;
    if (c->L == NULL) return;
    for (int level = 0; lua_getstack(c->L, level, &ar); level++) {
        if (!lua_getinfo(c->L, "Sl", &ar)) break;
        if (ar.source && ar.source[0] == '=' && ar.source[1] == '#' && ar.currentline > 0) {
            c->err_chunk = atoi(ar.source + 2);
            c->err_line = ar.currentline;
            return;
        }
    }
}

static void *recpipe_alloc(void *ud, void *ptr, size_t osize, size_t nsize) {
    recpipe_ctx *c = (recpipe_ctx *)ud;
    size_t old = ptr ? osize : 0;
    if (nsize == 0) {
        free(ptr);
        c->mem_used -= old;
        return NULL;
    }
    if (nsize > old && c->enforce) {
        if (c->mem_used + (nsize - old) > c->mem_limit) {
            recpipe_note_alloc_site(c);
            return NULL;
        }
        /* Copying bytes costs time the count hook never sees (`big .. "x"` in a loop): one
           instruction per 64 bytes allocated. The hook checks the total. */
        c->charged += (lua_Integer)((nsize - old) >> 6);
    }
    void *p = realloc(ptr, nsize);
    if (p == NULL) return NULL;
    c->mem_used = c->mem_used - old + nsize;
    if (c->mem_used > c->mem_peak) c->mem_peak = c->mem_used;
    return p;
}

static int recpipe_panic(lua_State *L) {
    const char *msg = lua_tostring(L, -1);
    fprintf(stderr, "recpipe: unprotected Lua error: %s\n", msg ? msg : "?");
    abort();
    return 0;
}

/* Lua's generational collector (lua_gc is variadic: Swift cannot call it). */
static inline void recpipe_gc_generational(lua_State *L) { lua_gc(L, LUA_GCGEN, 0, 0); }

static inline lua_State *recpipe_newstate(recpipe_ctx *c) {
    lua_State *L = lua_newstate(recpipe_alloc, c);
    if (L == NULL) return NULL;
    *(recpipe_ctx **)lua_getextraspace(L) = c;
    c->L = L;
    lua_atpanic(L, recpipe_panic);
    return L;
}

/* MARK: - Instruction budget */

static inline lua_Integer recpipe_spent(recpipe_ctx *c) {
    return (c->ticks - c->start_ticks) * c->granularity + (c->charged - c->start_charged);
}

static void recpipe_hook(lua_State *L, lua_Debug *ar);

static int recpipe_budget_error(lua_State *L, recpipe_ctx *c) {
    if (!c->budget_exceeded) {
        c->budget_exceeded = 1;
        /* From now on every instruction errors, so a script's pcall cannot swallow it. */
        lua_sethook(L, recpipe_hook, LUA_MASKCOUNT, 1);
    }
    lua_pushfstring(L, "instruction budget of %I instructions exceeded (an endless loop?)", c->budget);
    return lua_error(L);
}

static void recpipe_hook(lua_State *L, lua_Debug *ar) {
    (void)ar;
    recpipe_ctx *c = recpipe_getctx(L);
    c->ticks += 1;
    if (!c->budget_exceeded && recpipe_spent(c) < c->budget) return;
    recpipe_budget_error(L, c);
}

/* Charges work done in C (the pattern matcher's steps) to the running call's budget; raises the
   budget error when it is spent. Host work (enforce off) is not charged. */
static void recpipe_charge(lua_State *L, lua_Integer steps) {
    recpipe_ctx *c = recpipe_getctx(L);
    if (!c->enforce) return;
    c->charged += steps;
    if (c->budget_exceeded || recpipe_spent(c) >= c->budget) recpipe_budget_error(L, c);
}

/* Library functions whose C loop grows with their input: upvalue 1 is the original, upvalue 2
   how to charge it before the call: 0 = #arg1 / 16 (strings), 1 = #arg1 (table.unpack, concat),
   2 = n log2 n of #arg1 (table.sort), 3 = #arg1 with a position argument (table.insert(t, pos, v)
   and table.remove(t, pos) shift the elements after pos). */
static int recpipe_charged_call(lua_State *L) {
    int mode = (int)lua_tointeger(L, lua_upvalueindex(2));
    lua_Integer n = 0;
    if (mode == 0 && lua_type(L, 1) == LUA_TSTRING) n = (lua_Integer)(lua_rawlen(L, 1) / 16);
    else if (mode > 0 && lua_type(L, 1) == LUA_TTABLE && (mode != 3 || lua_gettop(L) >= 3 ||
                                                          (lua_gettop(L) == 2 && lua_isinteger(L, 2)))) {
        n = luaL_len(L, 1);
        if (mode == 2) {
            lua_Integer lg = 1;
            for (lua_Integer k = n; k > 1; k >>= 1) lg++;
            n *= lg;
        }
    }
    if (n > 0) recpipe_charge(L, n);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static inline void recpipe_install_hook(lua_State *L, int granularity) {
    lua_sethook(L, recpipe_hook, LUA_MASKCOUNT, granularity);
}

/* MARK: - Message handler: finds the first frame in a user chunk ("=#N") */

static int recpipe_msgh(lua_State *L) {
    recpipe_ctx *c = recpipe_getctx(L);
    lua_Debug ar;
    c->err_chunk = -1;
    c->err_line = -1;
    for (int level = 0; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar)) break;
        if (ar.source && ar.source[0] == '=' && ar.source[1] == '#' && ar.currentline > 0) {
            c->err_chunk = atoi(ar.source + 2);
            c->err_line = ar.currentline;
            break;
        }
    }
    if (lua_type(L, 1) != LUA_TSTRING) {
        if (luaL_callmeta(L, 1, "__tostring") && lua_type(L, -1) == LUA_TSTRING) return 1;
        lua_pushfstring(L, "error object is a %s value", luaL_typename(L, 1));
    }
    return 1;
}

/* Returns (chunk id, line) of the nearest user-chunk frame above the caller, or nothing. */
static int recpipe_caller(lua_State *L) {
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        if (!lua_getinfo(L, "Sl", &ar)) break;
        if (ar.source && ar.source[0] == '=' && ar.source[1] == '#' && ar.currentline > 0) {
            lua_pushinteger(L, atoi(ar.source + 2));
            lua_pushinteger(L, ar.currentline);
            return 2;
        }
    }
    return 0;
}

/* MARK: - pcall / xpcall that cannot swallow budget or memory errors */

static int recpipe_rethrow_if_fatal(lua_State *L, int status) {
    recpipe_ctx *c = recpipe_getctx(L);
    if (status == LUA_ERRMEM || c->budget_exceeded) lua_error(L);
    return status;
}

static int recpipe_safe_pcall(lua_State *L) {
    luaL_checkany(L, 1);
    int status = lua_pcall(L, lua_gettop(L) - 1, LUA_MULTRET, 0);
    recpipe_rethrow_if_fatal(L, status);
    if (status != LUA_OK) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, 1);
    return lua_gettop(L);
}

static int recpipe_safe_xpcall(lua_State *L) {
    int n = lua_gettop(L);
    luaL_checktype(L, 2, LUA_TFUNCTION);
    lua_pushvalue(L, 1);      /* f */
    lua_copy(L, 2, 1);        /* handler at 1 */
    lua_replace(L, 2);        /* f at 2 */
    int status = lua_pcall(L, n - 2, LUA_MULTRET, 1);
    recpipe_rethrow_if_fatal(L, status);
    if (status != LUA_OK) {
        lua_pushboolean(L, 0);
        lua_insert(L, -2);
        return 2;
    }
    lua_pushboolean(L, 1);
    lua_replace(L, 1);
    return lua_gettop(L);
}

/* MARK: - Bounded string functions */

static int recpipe_string_rep(lua_State *L) {
    recpipe_ctx *c = recpipe_getctx(L);
    size_t l, lsep;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n > 0 && l + lsep == 0) {
        /* Lua would loop n times copying nothing: ("").rep("", 1e18) must not hang in C. */
        lua_pushliteral(L, "");
        return 1;
    }
    if (n > 0) {
        double total = (double)l * (double)n + (double)lsep * (double)(n - 1);
        if (total > (double)c->max_rep)
            return luaL_error(L, "string.rep result of %f bytes exceeds the limit of %I bytes", total, c->max_rep);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* table.move(a1, f, e, t [,a2]) loops in C, where the instruction budget cannot see it. */
#define RECPIPE_MAX_MOVE ((lua_Integer)1 << 20)
static int recpipe_table_move(lua_State *L) {
    lua_Integer f = luaL_checkinteger(L, 2);
    lua_Integer e = luaL_checkinteger(L, 3);
    if (e >= f && (f <= 0 && e >= LUA_MAXINTEGER + f ? 1 : e - f >= RECPIPE_MAX_MOVE))
        return luaL_error(L, "table.move of more than %I elements is not allowed", RECPIPE_MAX_MOVE);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* math.randomseed(): with no argument reseeds from the run seed (never from the clock). */
static int recpipe_randomseed(lua_State *L) {
    recpipe_ctx *c = recpipe_getctx(L);
    if (lua_gettop(L) == 0) lua_pushinteger(L, c->seed);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 0);
    return 0;
}

/* setmetatable for plain tables only: no __gc finalizers (they would run without the budget). */
static int recpipe_setmetatable(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "setmetatable: __gc finalizers are not allowed in rules");
        lua_pop(L, 1);
    }
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 1);
    return 1;
}

/* MARK: - print, captured by the host */

static int recpipe_print(lua_State *L) {
    recpipe_ctx *c = recpipe_getctx(L);
    int n = lua_gettop(L);
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 1; i <= n; i++) {
        if (i > 1) luaL_addchar(&b, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&b);
    }
    luaL_pushresult(&b);
    size_t len;
    const char *s = lua_tolstring(L, -1, &len);
    c->print(c->host, s, len);
    return 0;
}

/* MARK: - Errors raised on behalf of the environment and read-only tables */

/* __index of the sandbox globals: upvalue 1 = nothing; arg 2 = the name. */
static int recpipe_undeclared_read(lua_State *L) {
    if (lua_type(L, 2) == LUA_TSTRING)
        return luaL_error(L, "undeclared global '%s'", lua_tostring(L, 2));
    return luaL_error(L, "undeclared global");
}

static int recpipe_undeclared_write(lua_State *L) {
    if (lua_type(L, 2) != LUA_TSTRING) return luaL_error(L, "assignment to an undeclared global");
    /* upvalue 1: the table of declared globals */
    lua_pushvalue(L, 2);
    if (lua_rawget(L, lua_upvalueindex(1)) != LUA_TNIL)
        return luaL_error(L, "cannot assign to built-in global '%s'; declare a local instead (`local %s = ...`)",
                          lua_tostring(L, 2), lua_tostring(L, 2));
    return luaL_error(L, "assignment to undeclared global '%s'; declare it with `local`", lua_tostring(L, 2));
}

/* __newindex of read-only tables (ctx, ctx.params). Upvalue 1: the table's name. */
static int recpipe_readonly_write(lua_State *L) {
    return luaL_error(L, "%s is read-only (tried to set '%s')", lua_tostring(L, lua_upvalueindex(1)),
                      luaL_tolstring(L, 2, NULL));
}

/* MARK: - Record views */

#define RECPIPE_VIEW_MT "record" /* also the type name in Lua error messages */

static void recpipe_push_value(lua_State *L, recpipe_ctx *c, void *binding, const recpipe_value *v, int depth) {
    switch (v->type) {
    case RECPIPE_BOOL: lua_pushboolean(L, (int)v->i); break;
    case RECPIPE_INT: lua_pushinteger(L, (lua_Integer)v->i); break;
    case RECPIPE_DOUBLE: lua_pushnumber(L, (lua_Number)v->d); break;
    case RECPIPE_STRING: lua_pushlstring(L, v->s, v->len); break;
    case RECPIPE_LIST: {
        lua_Integer n = v->i;
        if (depth >= 32) {
            c->list_end(binding);
            luaL_error(L, "record value nested too deeply");
        }
        luaL_checkstack(L, 3, "record value nested too deeply");
        lua_createtable(L, n > 0 && n < 1 << 24 ? (int)n : 0, 0);
        for (lua_Integer i = 1; i <= n; i++) {
            recpipe_value e;
            e.type = RECPIPE_NIL;
            c->elem(binding, i, &e);
            recpipe_push_value(L, c, binding, &e, depth + 1);
            lua_rawseti(L, -2, i);
        }
        c->list_end(binding);
        break;
    }
    default: lua_pushnil(L); break;
    }
}

/* Pushes dictionary entry d of a string or list column. */
static inline void recpipe_push_dictionary_entry(lua_State *L, const recpipe_column *col, uint32_t d) {
    lua_pushlstring(L, col->bytes + col->offsets[d], (size_t)(col->offsets[d + 1] - col->offsets[d]));
}

/* Pushes row r of a column read in C: nil for a null cell; a list column as a new table per read
   (as the host makes: a plugin may change its copy). */
static void recpipe_push_column_value(lua_State *L, const recpipe_column *col, lua_Integer r) {
    if (col->valid != NULL && !col->valid[r]) {
        lua_pushnil(L);
        return;
    }
    switch (col->type) {
    case RECPIPE_INT: lua_pushinteger(L, (lua_Integer)col->ints[r]); break;
    case RECPIPE_DOUBLE: lua_pushnumber(L, (lua_Number)col->doubles[r]); break;
    case RECPIPE_BOOL: lua_pushboolean(L, col->bools[r]); break;
    case RECPIPE_STRING: recpipe_push_dictionary_entry(L, col, col->codes[r]); break;
    case RECPIPE_LIST: {
        int64_t from = col->ints[r], to = col->ints[r + 1];
        lua_createtable(L, (int)(to - from), 0);
        for (int64_t k = from; k < to; k++) {
            recpipe_push_dictionary_entry(L, col, col->codes[k]);
            lua_rawseti(L, -2, (lua_Integer)(k - from + 1));
        }
        break;
    }
    default: lua_pushnil(L);
    }
}

/* __index: uservalue 1 maps a field name to its index (or a method to its function). Only the
   view metatable reaches this function (the metatable is locked), so argument 1 is a view. */
static int recpipe_view_index(lua_State *L) {
    recpipe_view *v = (recpipe_view *)lua_touserdata(L, 1);
    recpipe_ctx *c = recpipe_getctx(L);
    lua_getiuservalue(L, 1, 1);
    lua_pushvalue(L, 2);
    int t = lua_rawget(L, -2);
    if (t == LUA_TNUMBER && v->binding != NULL) {
        lua_Integer field = lua_tointeger(L, -1);
        if (field >= 0 && field < v->ncolumns && v->row >= 0 && v->row < v->nrows &&
            v->columns[field].type != RECPIPE_NIL) {
            recpipe_push_column_value(L, &v->columns[field], v->row);
            return 1;
        }
        recpipe_value out;
        out.type = RECPIPE_NIL;
        c->fetch(v->binding, v->row, (int)lua_tointeger(L, -1), &out);
        recpipe_push_value(L, c, v->binding, &out, 0);
        return 1;
    }
    if (t == LUA_TFUNCTION) return 1;
    size_t len = 0;
    const char *key = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &len) : NULL;
    size_t n = c->unknown_field(c->host, v->kind, v->row, key, len);
    luaL_where(L, 1);
    lua_pushlstring(L, c->scratch, n);
    lua_concat(L, 2);
    return lua_error(L);
}

static int recpipe_view_newindex(lua_State *L) {
    luaL_checkudata(L, 1, RECPIPE_VIEW_MT);
    return luaL_error(L, "records are read-only (tried to set field '%s'); copy the value into a local",
                      luaL_tolstring(L, 2, NULL));
}

static int recpipe_view_tostring(lua_State *L) {
    recpipe_view *v = (recpipe_view *)luaL_checkudata(L, 1, RECPIPE_VIEW_MT);
    recpipe_ctx *c = recpipe_getctx(L);
    size_t n = c->describe(c->host, v->kind, v->row, NULL, 0);
    lua_pushlstring(L, c->scratch, n);
    return 1;
}

/* The item number of the string at `idx` (-1: no known item, or no item numbers). */
static lua_Integer recpipe_item_number(lua_State *L, recpipe_ctx *c, int idx) {
    if (c->item_ref <= 0 || lua_type(L, idx) != LUA_TSTRING) return -1;
    idx = lua_absindex(L, idx);
    lua_rawgeti(L, LUA_REGISTRYINDEX, c->item_ref);
    lua_pushvalue(L, idx);
    lua_Integer n = lua_rawget(L, -2) == LUA_TNUMBER ? lua_tointeger(L, -1) : -1;
    lua_pop(L, 2);
    return n;
}

/* Whether user record `row`'s set holds item number `n` (a binary search in its sorted row). */
static int recpipe_set_has(const recpipe_itemset *s, lua_Integer row, lua_Integer n) {
    if (n < 0 || row < 0 || row >= s->rows) return 0;
    int32_t r = s->row_of[row];
    if (r < 0) return 0;
    int64_t lo = s->pointers[r], end = s->pointers[r + 1], hi = end;
    int32_t t = (int32_t)n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (s->columns[mid] < t) lo = mid + 1; else hi = mid;
    }
    return lo < end && s->columns[lo] == t;
}

/* u:has_tag(t), u:purchased(id), u:seen(id): upvalue 1 is the set number. */
static recpipe_view *recpipe_checkview(lua_State *L, int idx);

static int recpipe_view_has(lua_State *L) {
    recpipe_view *v = recpipe_checkview(L, 1);
    recpipe_ctx *c = recpipe_getctx(L);
    size_t len;
    const char *key = luaL_checklstring(L, 2, &len);
    int set = (int)lua_tointeger(L, lua_upvalueindex(1));
    if (v->binding != NULL && v->kind == 0 && set >= 0 && set < 3 && c->sets[set].columns != NULL &&
        c->item_ref > 0) {
        /* Item numbers and the user's sorted row: no host call, no host string. */
        lua_pushboolean(L, recpipe_set_has(&c->sets[set], v->row, recpipe_item_number(L, c, 2)));
        return 1;
    }
    lua_pushboolean(L, v->binding != NULL && c->has(v->binding, v->row, set, key, len));
    return 1;
}

static inline void recpipe_push_has_method(lua_State *L, int set) {
    lua_pushinteger(L, set);
    lua_pushcclosure(L, recpipe_view_has, 1);
}

/* A set method whose data this host cannot provide (u:purchased without the stage input holding
   purchases): raises upvalue 1, the reason, at the calling rule's file:line. */
static int recpipe_view_unavailable(lua_State *L) {
    recpipe_checkview(L, 1);
    luaL_where(L, 1);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_concat(L, 2);
    return lua_error(L);
}

/* Pops the reason string and pushes the method that raises it. */
static inline void recpipe_push_unavailable_method(lua_State *L) {
    lua_pushcclosure(L, recpipe_view_unavailable, 1);
}

/* Creates the view metatable once per state. */
static inline void recpipe_setup_views(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"__index", recpipe_view_index}, {"__newindex", recpipe_view_newindex},
        {"__tostring", recpipe_view_tostring}, {NULL, NULL}};
    luaL_newmetatable(L, RECPIPE_VIEW_MT);
    luaL_setfuncs(L, methods, 0);
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* Pushes a new view (with an empty field map) and returns its record slot. */
static inline recpipe_view *recpipe_newview(lua_State *L, int kind) {
    recpipe_view *v = (recpipe_view *)lua_newuserdatauv(L, sizeof(recpipe_view), 1);
    v->binding = NULL;
    v->kind = kind;
    v->row = 0;
    v->columns = NULL;
    v->ncolumns = 0;
    v->nrows = 0;
    recpipe_getctx(L)->views[kind] = v;
    luaL_setmetatable(L, RECPIPE_VIEW_MT);
    lua_newtable(L);
    lua_setiuservalue(L, -2, 1);
    return v;
}

/* MARK: - Row tables (map and aggregate rows) */

/* `row` in map and aggregate plugins: a plain table the host refills for every row with the fields
   the plugin reads that the user view reads in C, so `row.Quantity` is a table read instead of a
   metamethod call. Any other key goes to the user view (host-read fields, methods, the
   unknown-field error with its suggestions); a new key is refused as on a view; pairs() is refused
   (the table holds only the fields the plugin reads). One table per state, like the view: a plugin
   that keeps `row` sees the current row, as with a view. */
#define RECPIPE_ROW_MT "recpipe.row"

/* The view behind argument idx: a view, or the row table (the user view). */
static recpipe_view *recpipe_checkview(lua_State *L, int idx) {
    if (lua_type(L, idx) == LUA_TTABLE && lua_getmetatable(L, idx)) {
        luaL_getmetatable(L, RECPIPE_ROW_MT);
        int same = lua_rawequal(L, -1, -2);
        lua_pop(L, 2);
        if (same && recpipe_getctx(L)->views[0] != NULL) return recpipe_getctx(L)->views[0];
    }
    return (recpipe_view *)luaL_checkudata(L, idx, RECPIPE_VIEW_MT);
}

/* __index: the user view (upvalue 1) answers, in this frame (so errors name the plugin's line). */
static int recpipe_row_index(lua_State *L) {
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_replace(L, 1);
    return recpipe_view_index(L);
}

static int recpipe_row_newindex(lua_State *L) {
    return luaL_error(L, "records are read-only (tried to set field '%s'); copy the value into a local",
                      luaL_tolstring(L, 2, NULL));
}

static int recpipe_row_pairs(lua_State *L) {
    return luaL_error(L, "a row cannot be iterated with pairs(); read its fields by name (row.x or row[name])");
}

static int recpipe_row_tostring(lua_State *L) {
    recpipe_view *v = recpipe_getctx(L)->views[0];
    recpipe_ctx *c = recpipe_getctx(L);
    size_t n = c->describe(c->host, v->kind, v->row, NULL, 0);
    lua_pushlstring(L, c->scratch, n);
    return 1;
}

/* Creates the row table metatable for the user view at `view` (once per state). */
static inline void recpipe_setup_row(lua_State *L, int view) {
    view = lua_absindex(L, view);
    static const luaL_Reg methods[] = {
        {"__newindex", recpipe_row_newindex}, {"__pairs", recpipe_row_pairs},
        {"__tostring", recpipe_row_tostring}, {NULL, NULL}};
    luaL_newmetatable(L, RECPIPE_ROW_MT);
    luaL_setfuncs(L, methods, 0);
    lua_pushvalue(L, view);
    lua_pushcclosure(L, recpipe_row_index, 1);
    lua_setfield(L, -2, "__index");
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* Pushes a new row table with `n` field slots. */
static inline void recpipe_newrow(lua_State *L, int n) {
    lua_createtable(L, 0, n);
    luaL_setmetatable(L, RECPIPE_ROW_MT);
}

/* Refills the row table at `t` from the user view's current row: key k of the list at `keys`
   gets column fields[k] (a null cell removes the key, so the view answers nil). Host work. */
static void recpipe_fill_row(lua_State *L, int t, int keys, const int32_t *fields, int n) {
    recpipe_view *v = recpipe_getctx(L)->views[0];
    t = lua_absindex(L, t);
    keys = lua_absindex(L, keys);
    lua_Integer r = v->row;
    int inside = v->binding != NULL && r >= 0 && r < v->nrows;
    for (int k = 0; k < n; k++) {
        lua_rawgeti(L, keys, k + 1);
        const recpipe_column *col = &v->columns[fields[k]];
        if (inside) recpipe_push_column_value(L, col, r); else lua_pushnil(L);
        lua_rawset(L, t);
    }
}

/* MARK: - Function pointers for Swift */

static inline lua_CFunction recpipe_fn_msgh(void) { return recpipe_msgh; }
static inline lua_CFunction recpipe_fn_caller(void) { return recpipe_caller; }
static inline lua_CFunction recpipe_fn_pcall(void) { return recpipe_safe_pcall; }
static inline lua_CFunction recpipe_fn_xpcall(void) { return recpipe_safe_xpcall; }
static inline lua_CFunction recpipe_fn_rep(void) { return recpipe_string_rep; }
static inline lua_CFunction recpipe_fn_charged_call(void) { return recpipe_charged_call; }
static inline void *recpipe_charge_pointer(void) { return (void *)recpipe_charge; }
static inline lua_CFunction recpipe_fn_table_move(void) { return recpipe_table_move; }
static inline lua_CFunction recpipe_fn_randomseed(void) { return recpipe_randomseed; }
static inline lua_CFunction recpipe_fn_setmetatable(void) { return recpipe_setmetatable; }
static inline lua_CFunction recpipe_fn_print(void) { return recpipe_print; }
static inline lua_CFunction recpipe_fn_undeclared_read(void) { return recpipe_undeclared_read; }
static inline lua_CFunction recpipe_fn_undeclared_write(void) { return recpipe_undeclared_write; }
static inline lua_CFunction recpipe_fn_readonly_write(void) { return recpipe_readonly_write; }
static inline lua_CFunction recpipe_fn_open_base(void) { return luaopen_base; }
static inline lua_CFunction recpipe_fn_open_string(void) { return luaopen_string; }
static inline lua_CFunction recpipe_fn_open_table(void) { return luaopen_table; }
static inline lua_CFunction recpipe_fn_open_math(void) { return luaopen_math; }
static inline lua_CFunction recpipe_fn_open_utf8(void) { return luaopen_utf8; }
/* Only for the trusted freezer (never in the sandbox). */
static inline lua_CFunction recpipe_fn_open_debug(void) { return luaopen_debug; }

#include "plugins.h"

#endif
