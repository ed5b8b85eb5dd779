#ifndef RECPIPE_CLUA_PLUGINS_H
#define RECPIPE_CLUA_PLUGINS_H
/*
 * `ctx.scores()` in candidates plugins: a score table (item id -> number) kept in C, what a
 * Python author would reach for as collections.Counter or numpy's add.at. A plugin adds whole
 * neighbour lists in one call and returns the table itself; the host reads the entries without
 * building a Lua pair per candidate.
 *
 * Same guarantees as script code: every element a call visits is charged to the instruction
 * budget (one instruction each), and the table's storage is Lua userdata, so the memory cap
 * applies and a refused allocation is the usual memory error. Ids that are no known item are
 * kept apart in a Lua table (uservalue 3) and reported by the host like returned unknown ids.
 * Included from shim.h.
 */

#define RECPIPE_SCORES_MT "scores" /* also the type name in error messages */

typedef struct recpipe_scores {
    lua_Integer count;      /* entries used, removed ones included */
    lua_Integer live;       /* entries not removed */
    lua_Integer cap;        /* entries allocated (uservalue 1) */
    lua_Integer mask;       /* hash slots - 1 (uservalue 2); -1 before the first entry */
    double *values;
    int32_t *items;         /* item number, or -1 - number once removed */
    int32_t *slots;         /* entry + 1; 0 = free */
    /* The table's stamp while it uses the state's dense index (the newest table of the state,
       usually the only one: a lookup is one array read instead of a hash probe); 0 when it uses
       its own hash slots. A table whose stamp is no longer the owner's builds its slots from its
       entries on its next use (recpipe_scores_ready). */
    uint64_t stamp;
} recpipe_scores;

static inline uint32_t recpipe_scores_hash(int32_t n) { return (uint32_t)n * 2654435761u; }

/* The slot of a table address in ctx->nb_keys (the host fills it with the same function). */
static inline uintptr_t recpipe_pointer_hash(uintptr_t p) {
    uint64_t x = (uint64_t)(p >> 4) * 0x9E3779B97F4A7C15ull;
    return (uintptr_t)(x ^ (x >> 32));
}

/* A dense index slot: the owning table's stamp (its low 32 bits) above the entry. */
static inline uint64_t recpipe_dense_slot(uint64_t stamp, lua_Integer e) {
    return ((uint64_t)(uint32_t)stamp << 32) | (uint64_t)(uint32_t)e;
}

/* The entry of item number n, or -1. s is ready (recpipe_scores_ready). */
static inline lua_Integer recpipe_scores_find(const recpipe_ctx *c, const recpipe_scores *s, int32_t n) {
    if (s->stamp != 0) {
        uint64_t d = c->dense[n];
        return (uint32_t)(d >> 32) == (uint32_t)s->stamp ? (lua_Integer)(uint32_t)d : -1;
    }
    if (s->mask < 0) return -1;
    for (uint32_t h = recpipe_scores_hash(n) & (uint32_t)s->mask;; h = (h + 1) & (uint32_t)s->mask) {
        int32_t e = s->slots[h];
        if (e == 0) return -1;
        int32_t item = s->items[e - 1];
        if (item == n || item == -1 - n) return e - 1;
    }
}

/* Grows the entry arrays to `cap` entries (s at stack index `self`). May raise a memory error;
   changes nothing before its allocation succeeds. */
static void recpipe_scores_entries(lua_State *L, int self, recpipe_scores *s, lua_Integer cap) {
    if (cap > (1 << 30)) luaL_error(L, "scores: more than %d items", 1 << 30);
    char *p = (char *)lua_newuserdatauv(L, (size_t)cap * (sizeof(double) + sizeof(int32_t)), 0);
    double *values = (double *)p;
    int32_t *items = (int32_t *)(p + (size_t)cap * sizeof(double));
    if (s->count > 0) {
        memcpy(values, s->values, (size_t)s->count * sizeof(double));
        memcpy(items, s->items, (size_t)s->count * sizeof(int32_t));
    }
    lua_setiuservalue(L, self, 1);
    s->values = values;
    s->items = items;
    s->cap = cap;
}

/* Rehashes into `n` slots (a power of two). Same guarantees. */
static void recpipe_scores_slots(lua_State *L, int self, recpipe_scores *s, lua_Integer n) {
    int32_t *slots = (int32_t *)lua_newuserdatauv(L, (size_t)n * sizeof(int32_t), 0);
    memset(slots, 0, (size_t)n * sizeof(int32_t));
    uint32_t mask = (uint32_t)(n - 1);
    for (lua_Integer e = 0; e < s->count; e++) {
        int32_t item = s->items[e] < 0 ? -1 - s->items[e] : s->items[e];
        uint32_t h = recpipe_scores_hash(item) & mask;
        while (slots[h] != 0) h = (h + 1) & mask;
        slots[h] = (int32_t)(e + 1);
    }
    lua_setiuservalue(L, self, 2);
    s->slots = slots;
    s->mask = n - 1;
}

/* Rehashes into enough slots for `need` entries (at most half full) when there are fewer. Same
   guarantees. */
static void recpipe_scores_hash_room(lua_State *L, int self, recpipe_scores *s, lua_Integer need) {
    if (need * 2 <= s->mask + 1) return;
    lua_Integer n = s->mask < 0 ? 32 : s->mask + 1;
    while (n < need * 2) n *= 2;
    recpipe_scores_slots(L, self, s, n);
}

/* Makes s usable: a table that lost the dense index to a newer one hashes its entries (may
   raise a memory error, changing nothing). */
static void recpipe_scores_ready(lua_State *L, recpipe_ctx *c, int self, recpipe_scores *s) {
    if (s->stamp == 0 || s->stamp == c->dense_owner) return;
    if (s->count > 0) recpipe_scores_hash_room(L, self, s, s->count + 1);
    s->stamp = 0;
}

/* Makes room for `extra` more entries (s at stack index `self`, ready). */
static void recpipe_scores_reserve(lua_State *L, int self, recpipe_scores *s, lua_Integer extra) {
    lua_Integer need = s->count + extra;
    if (need > s->cap) {
        lua_Integer cap = s->cap < 16 ? 16 : s->cap;
        while (cap < need) cap *= 2;
        recpipe_scores_entries(L, self, s, cap);
    }
    if (s->stamp == 0) recpipe_scores_hash_room(L, self, s, need);
}

/* Adds `value` to item number n (>= 0): `t[id] = (t[id] or 0) + value`, with room reserved for
   one more entry (recpipe_scores_reserve). s is ready. */
static inline void recpipe_scores_add_reserved(recpipe_ctx *c, recpipe_scores *s, int32_t n, double value) {
    lua_Integer e = recpipe_scores_find(c, s, n);
    if (e >= 0) {
        if (s->items[e] < 0) {
            s->items[e] = n;
            s->values[e] = 0.0 + value;
            s->live++;
        } else {
            s->values[e] += value;
        }
        return;
    }
    e = s->count++;
    s->items[e] = n;
    s->values[e] = 0.0 + value;
    s->live++;
    if (s->stamp != 0) {
        c->dense[n] = recpipe_dense_slot(s->stamp, e);
        return;
    }
    uint32_t h = recpipe_scores_hash(n) & (uint32_t)s->mask;
    while (s->slots[h] != 0) h = (h + 1) & (uint32_t)s->mask;
    s->slots[h] = (int32_t)(e + 1);
}

/* recpipe_scores_add_reserved after reserving room for one entry. */
static void recpipe_scores_add_number(lua_State *L, recpipe_ctx *c, int self, recpipe_scores *s, int32_t n,
                                      double value) {
    recpipe_scores_reserve(L, self, s, 1);
    recpipe_scores_add_reserved(c, s, n, value);
}

/* The table of unknown ids (uservalue 3), created on first use; left on the stack. */
static void recpipe_scores_unknown(lua_State *L, int self) {
    if (lua_getiuservalue(L, self, 3) == LUA_TTABLE) return;
    lua_pop(L, 1);
    lua_newtable(L);
    lua_pushvalue(L, -1);
    lua_setiuservalue(L, self, 3);
}

/* Turns the id at `idx` into a string in place (integers are written in decimal, as the host
   does for returned ids) and returns its item number (-1: no known item). */
static lua_Integer recpipe_scores_key(lua_State *L, recpipe_ctx *c, int idx, const char *what, lua_Integer i) {
    idx = lua_absindex(L, idx);
    int t = lua_type(L, idx);
    if (t == LUA_TNUMBER && lua_isinteger(L, idx)) {
        lua_tolstring(L, idx, NULL); /* converts the slot in place */
    } else if (t != LUA_TSTRING) {
        if (i > 0) luaL_error(L, "scores:%s: item id %I is a %s; use a string", what, i, luaL_typename(L, idx));
        luaL_error(L, "scores:%s: the item id is a %s; use a string", what, luaL_typename(L, idx));
    }
    return recpipe_item_number(L, c, idx);
}

/* One (id at `key`, value) addition; an unknown id goes to the table of unknown ids. */
static void recpipe_scores_add_one(lua_State *L, recpipe_ctx *c, int self, recpipe_scores *s, int key,
                                   double value, lua_Integer i) {
    lua_Integer n = recpipe_scores_key(L, c, key, "add", i);
    if (n >= 0) {
        recpipe_scores_add_number(L, c, self, s, (int32_t)n, value);
        return;
    }
    key = lua_absindex(L, key);
    recpipe_scores_unknown(L, self);
    lua_pushvalue(L, key);
    double old = lua_rawget(L, -2) == LUA_TNUMBER ? lua_tonumber(L, -1) : 0.0;
    lua_pop(L, 1);
    lua_pushvalue(L, key);
    lua_pushnumber(L, old + value);
    lua_rawset(L, -3);
    lua_pop(L, 1);
}

static double recpipe_scores_number(lua_State *L, int idx, lua_Integer i) {
    if (lua_type(L, idx) != LUA_TNUMBER) {
        if (i > 0) luaL_error(L, "scores:add: score %I is a %s, not a number", i, luaL_typename(L, idx));
        luaL_error(L, "scores:add: the score is a %s, not a number", luaL_typename(L, idx));
    }
    return lua_tonumber(L, idx);
}

/* The ctx.neighbors owner whose items (sign > 0) or scores (sign < 0) list is the table at idx. */
static lua_Integer recpipe_neighbor_owner(lua_State *L, recpipe_ctx *c, int idx) {
    if (c->nb_keys == NULL || c->nb_offsets == NULL || lua_type(L, idx) != LUA_TTABLE) return 0;
    uintptr_t p = (uintptr_t)lua_topointer(L, idx);
    for (uintptr_t h = recpipe_pointer_hash(p) & (uintptr_t)c->nb_mask;; h = (h + 1) & (uintptr_t)c->nb_mask) {
        if (c->nb_keys[h] == p) return c->nb_owners[h];
        if (c->nb_keys[h] == 0) return 0;
    }
}

/* s:add(id, score) | s:add(ids, scores [, weight]) | s:add(ids, score [, weight]) */
static int recpipe_scores_add(lua_State *L) {
    recpipe_scores *s = (recpipe_scores *)luaL_checkudata(L, 1, RECPIPE_SCORES_MT);
    recpipe_ctx *c = recpipe_getctx(L);
    recpipe_scores_ready(L, c, 1, s);
    if (lua_type(L, 2) != LUA_TTABLE) {
        luaL_checkany(L, 2);
        double value = recpipe_scores_number(L, 3, 0);
        recpipe_scores_add_one(L, c, 1, s, 2, value, 0);
        return 0;
    }
    int each = lua_type(L, 3) == LUA_TTABLE;
    double single = each ? 0.0 : recpipe_scores_number(L, 3, 0);
    int weighted = !lua_isnoneornil(L, 4);
    double w = weighted ? luaL_checknumber(L, 4) : 1.0;
    lua_Integer o = each ? recpipe_neighbor_owner(L, c, 2) : 0;
    if (o > 0 && recpipe_neighbor_owner(L, c, 3) == -o) {
        /* A ctx.neighbors list with its own scores: the host's numbers, same order and sums. */
        int64_t from = c->nb_offsets[o - 1], to = c->nb_offsets[o];
        recpipe_charge(L, (lua_Integer)(to - from));
        /* Room for the whole list first (a memory error changes nothing), then one lookup per
           item: an array read on the dense table. */
        recpipe_scores_reserve(L, 1, s, (lua_Integer)(to - from));
        if (s->stamp != 0) {
            /* recpipe_scores_add_reserved for the dense table, with the index and the stamp held
               in locals (the compiler cannot keep them across the entry stores otherwise; the
               shared call was slower in bought_together: 0.96 against 1.09 M, medians of 6
               interleaved pairs). */
            uint32_t stamp = (uint32_t)s->stamp;
            uint64_t *dense = c->dense;
            int32_t *items = s->items;
            double *values = s->values;
            lua_Integer count = s->count, live = s->live;
            int unknown = 0;
            for (int64_t k = from; k < to; k++) {
                int32_t n = c->nb_items[k];
                if (n < 0) {
                    unknown = 1;
                    continue;
                }
                double v = weighted ? c->nb_scores[k] * w : c->nb_scores[k];
                uint64_t d = dense[n];
                if ((uint32_t)(d >> 32) == stamp) {
                    uint32_t e = (uint32_t)d;
                    if (items[e] >= 0) {
                        values[e] += v;
                    } else {
                        items[e] = n;
                        values[e] = 0.0 + v;
                        live++;
                    }
                } else {
                    items[count] = n;
                    values[count] = 0.0 + v;
                    dense[n] = recpipe_dense_slot(stamp, count);
                    count++;
                    live++;
                }
            }
            s->count = count;
            s->live = live;
            if (!unknown) return 0;
            /* Ids that are no known item go to the table of unknown ids, apart from the entries. */
            for (int64_t k = from; k < to; k++) {
                if (c->nb_items[k] >= 0) continue;
                double v = weighted ? c->nb_scores[k] * w : c->nb_scores[k];
                lua_geti(L, 2, (lua_Integer)(k - from + 1));
                recpipe_scores_add_one(L, c, 1, s, -1, v, (lua_Integer)(k - from + 1));
                lua_pop(L, 1);
            }
            return 0;
        }
        for (int64_t k = from; k < to; k++) {
            double v = weighted ? c->nb_scores[k] * w : c->nb_scores[k];
            if (c->nb_items[k] >= 0) {
                recpipe_scores_add_reserved(c, s, c->nb_items[k], v);
            } else {
                lua_geti(L, 2, (lua_Integer)(k - from + 1));
                recpipe_scores_add_one(L, c, 1, s, -1, v, (lua_Integer)(k - from + 1));
                lua_pop(L, 1);
            }
        }
        return 0;
    }
    lua_Integer n = luaL_len(L, 2);
    recpipe_charge(L, n);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        double v = single;
        if (each) {
            lua_geti(L, 3, i);
            v = recpipe_scores_number(L, -1, i);
            lua_pop(L, 1);
        }
        if (weighted) v = v * w;
        recpipe_scores_add_one(L, c, 1, s, -1, v, i);
        lua_pop(L, 1);
    }
    return 0;
}

static void recpipe_scores_remove_one(lua_State *L, recpipe_ctx *c, recpipe_scores *s, int key, lua_Integer i) {
    lua_Integer n = recpipe_scores_key(L, c, key, "remove", i);
    if (n >= 0) {
        lua_Integer e = recpipe_scores_find(c, s, (int32_t)n);
        if (e >= 0 && s->items[e] >= 0) {
            s->items[e] = -1 - s->items[e];
            s->live--;
        }
        return;
    }
    key = lua_absindex(L, key);
    if (lua_getiuservalue(L, 1, 3) == LUA_TTABLE) {
        lua_pushvalue(L, key);
        lua_pushnil(L);
        lua_rawset(L, -3);
    }
    lua_pop(L, 1);
}

/* s:remove(id) | s:remove(ids) */
static int recpipe_scores_remove(lua_State *L) {
    recpipe_scores *s = (recpipe_scores *)luaL_checkudata(L, 1, RECPIPE_SCORES_MT);
    recpipe_ctx *c = recpipe_getctx(L);
    recpipe_scores_ready(L, c, 1, s);
    if (lua_type(L, 2) != LUA_TTABLE) {
        luaL_checkany(L, 2);
        recpipe_scores_remove_one(L, c, s, 2, 0);
        return 0;
    }
    lua_Integer n = luaL_len(L, 2);
    recpipe_charge(L, n);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_geti(L, 2, i);
        recpipe_scores_remove_one(L, c, s, -1, i);
        lua_pop(L, 1);
    }
    return 0;
}

/* s:get(id): the score, or nil. */
static int recpipe_scores_get(lua_State *L) {
    recpipe_scores *s = (recpipe_scores *)luaL_checkudata(L, 1, RECPIPE_SCORES_MT);
    recpipe_ctx *c = recpipe_getctx(L);
    recpipe_scores_ready(L, c, 1, s);
    luaL_checkany(L, 2);
    lua_Integer n = recpipe_scores_key(L, c, 2, "get", 0);
    if (n >= 0) {
        lua_Integer e = recpipe_scores_find(c, s, (int32_t)n);
        if (e >= 0 && s->items[e] >= 0) lua_pushnumber(L, s->values[e]); else lua_pushnil(L);
        return 1;
    }
    if (lua_getiuservalue(L, 1, 3) != LUA_TTABLE) {
        lua_pushnil(L);
        return 1;
    }
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

/* #s: the items with a score (known and unknown ids). */
static int recpipe_scores_len(lua_State *L) {
    recpipe_scores *s = (recpipe_scores *)luaL_checkudata(L, 1, RECPIPE_SCORES_MT);
    lua_Integer n = s->live;
    if (lua_getiuservalue(L, 1, 3) == LUA_TTABLE) {
        lua_pushnil(L);
        while (lua_next(L, -2) != 0) {
            n++;
            lua_pop(L, 1);
        }
    }
    lua_pushinteger(L, n);
    return 1;
}

static int recpipe_scores_tostring(lua_State *L) {
    recpipe_scores *s = (recpipe_scores *)luaL_checkudata(L, 1, RECPIPE_SCORES_MT);
    lua_pushfstring(L, "scores (%I items)", s->live);
    return 1;
}

static int recpipe_scores_newindex(lua_State *L) {
    return luaL_error(L, "scores are changed with s:add(id, score) and s:remove(id) (tried to set '%s')",
                      luaL_tolstring(L, 2, NULL));
}

/* A candidate of recpipe_scores_best: `key` orders candidates the host's way in one integer
   compare (higher is better): the score as a float in the high 32 bits (mapped so that unsigned
   order is float order; -0 as 0, so the two tie as floats do), then the id's position in id order
   reversed in the low 32 bits (the first id wins a tie). `entry` is the table entry. */
typedef struct recpipe_best_key {
    uint64_t key;
    int64_t entry;
} recpipe_best_key;

static inline uint64_t recpipe_best_key_of(float f, int32_t rank) {
    uint32_t u;
    if (f == 0) f = 0.0f;
    memcpy(&u, &f, sizeof u);
    u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);
    return ((uint64_t)u << 32) | (uint64_t)(0xFFFFFFFFu - (uint32_t)rank);
}

static inline void recpipe_best_swap(recpipe_best_key *a, lua_Integer i, lua_Integer j) {
    recpipe_best_key t = a[i]; a[i] = a[j]; a[j] = t;
}

/* Sorts a[0..<n) highest first with a heap (the fallback that bounds recpipe_best_select). */
static void recpipe_best_heapsort(recpipe_best_key *a, lua_Integer n) {
    /* A min-heap: the lowest key goes last each round. */
    for (lua_Integer start = n / 2 - 1, end = n; end > 1;) {
        lua_Integer i;
        if (start >= 0) {
            i = start--;
        } else {
            end--;
            recpipe_best_swap(a, 0, end);
            i = 0;
        }
        for (;;) {
            lua_Integer l = 2 * i + 1, r = l + 1, low = i;
            if (l < end && a[l].key < a[low].key) low = l;
            if (r < end && a[r].key < a[low].key) low = r;
            if (low == i) break;
            recpipe_best_swap(a, i, low);
            i = low;
        }
    }
}

/* Moves the `k` highest keys of a[0..<n) to a[0..<k), in no order (quickselect; keys are
   distinct). Past 64 rounds (scores made to defeat the pivot choice) it sorts what is left, so
   the work stays O(n log n) at worst. */
static void recpipe_best_select(recpipe_best_key *a, lua_Integer n, lua_Integer k) {
    lua_Integer lo = 0, hi = n - 1;
    for (int round = 0; hi > lo; round++) {
        if (round == 64) {
            recpipe_best_heapsort(a + lo, hi - lo + 1);
            return;
        }
        /* Median of three as the pivot, moved to a[hi]. */
        lua_Integer mid = lo + (hi - lo) / 2;
        if (a[mid].key < a[lo].key) recpipe_best_swap(a, mid, lo);
        if (a[hi].key < a[lo].key) recpipe_best_swap(a, hi, lo);
        if (a[hi].key < a[mid].key) recpipe_best_swap(a, hi, mid);
        recpipe_best_swap(a, mid, hi);
        uint64_t pivot = a[hi].key;
        lua_Integer store = lo;
        for (lua_Integer i = lo; i < hi; i++)
            if (a[i].key > pivot) recpipe_best_swap(a, i, store++);
        recpipe_best_swap(a, store, hi); /* a[lo..<store) > pivot = a[store] > a(store..hi] */
        if (store == k - 1 || store == k) return;
        if (store > k) hi = store - 1; else lo = store + 1;
    }
}

/* Sorts a[0..<n) by key, highest first (insertion sort below 24, else quicksort halves). */
static void recpipe_best_sort(recpipe_best_key *a, lua_Integer n) {
    while (n > 24) {
        recpipe_best_select(a, n, n / 2);
        recpipe_best_sort(a + n / 2, n - n / 2);
        n = n / 2;
    }
    for (lua_Integer i = 1; i < n; i++) {
        recpipe_best_key x = a[i];
        lua_Integer j = i;
        while (j > 0 && a[j - 1].key < x.key) { a[j] = a[j - 1]; j--; }
        a[j] = x;
    }
}

/* The best `limit` known entries of s, best first, into items/scores (room for `limit`): by
   score as a float, highest first, then id order (rank: per item number, its position in id
   order), the host's order for candidates. `keys` has room for s->live. One pass keeps the
   candidates above a threshold in a buffer of 2 * limit; when it fills, a selection cuts it to
   the best `limit` and raises the threshold (most entries fail the first compare). Returns how
   many; -(position) when the entry at that position (1-based, among the live entries in the
   order added) has a score that is not finite (nothing is kept then). */
static lua_Integer recpipe_scores_best(const recpipe_scores *s, lua_Integer limit, const int32_t *rank,
                                       recpipe_best_key *keys, int32_t *items, float *scores) {
    lua_Integer room = 2 * limit < s->live ? 2 * limit : s->live;
    lua_Integer m = 0, position = 0;
    /* A candidate must beat these: the worst kept after a cut (nothing beats them when
       `limit` is 0; the pass still checks every score). */
    uint64_t floor_key = limit > 0 ? 0 : UINT64_MAX;
    float floor_score = limit > 0 ? -INFINITY : INFINITY;
    for (lua_Integer e = 0; e < s->count; e++) {
        int32_t it = s->items[e];
        if (it < 0) continue;
        position++;
        double v = s->values[e];
        if (!isfinite(v)) return -position;
        float f = (float)v;
        if (f < floor_score) continue;
        uint64_t key = recpipe_best_key_of(f, rank[it]);
        if (key <= floor_key) continue;
        keys[m].key = key;
        keys[m].entry = e;
        if (++m == room && m > limit) {
            recpipe_best_select(keys, m, limit);
            m = limit;
            lua_Integer worst = 0;
            for (lua_Integer i = 1; i < m; i++)
                if (keys[i].key < keys[worst].key) worst = i;
            floor_key = keys[worst].key;
            floor_score = (float)s->values[keys[worst].entry];
        }
    }
    if (m > limit) {
        recpipe_best_select(keys, m, limit);
        m = limit;
    }
    recpipe_best_sort(keys, m);
    for (lua_Integer i = 0; i < m; i++) {
        items[i] = s->items[keys[i].entry];
        scores[i] = (float)s->values[keys[i].entry];
    }
    return m;
}

/* ctx.scores(): a new, empty score table. */
static int recpipe_scores_new(lua_State *L) {
    recpipe_ctx *c = recpipe_getctx(L);
    if (c->item_ref <= 0) return luaL_error(L, "ctx.scores() is only available in candidates plugins");
    recpipe_scores *s = (recpipe_scores *)lua_newuserdatauv(L, sizeof(recpipe_scores), 3);
    memset(s, 0, sizeof(*s));
    s->mask = -1;
    luaL_setmetatable(L, RECPIPE_SCORES_MT);
    /* Sized for as many entries as the last table the host read in this state (the same plugin
       for the next user): one allocation each instead of doubling from 16. */
    if (c->scores_hint > 16) {
        lua_Integer cap = 16;
        while (cap < c->scores_hint && cap < (1 << 16)) cap *= 2;
        int self = lua_gettop(L);
        recpipe_scores_entries(L, self, s, cap);
        if (c->dense_n == 0) recpipe_scores_slots(L, self, s, cap * 2);
    }
    /* The newest table takes the dense index (stamps in it are the low 32 bits of the table's:
       when they wrap, the index is cleared, so an old entry never matches). */
    if (c->dense_n > 0) {
        c->dense_next++;
        if ((uint32_t)c->dense_next == 0) {
            memset(c->dense, 0, (size_t)c->dense_n * sizeof(uint64_t));
            c->dense_next++;
        }
        s->stamp = c->dense_next;
        c->dense_owner = s->stamp;
    }
    return 1;
}

/* The score table at idx, or NULL (for the host reading a plugin's result). */
static inline recpipe_scores *recpipe_toscores(lua_State *L, int idx) {
    return (recpipe_scores *)luaL_testudata(L, idx, RECPIPE_SCORES_MT);
}

/* Creates the score table metatable once per state. */
static inline void recpipe_setup_scores(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"add", recpipe_scores_add}, {"remove", recpipe_scores_remove}, {"get", recpipe_scores_get}, {NULL, NULL}};
    static const luaL_Reg metamethods[] = {
        {"__newindex", recpipe_scores_newindex}, {"__len", recpipe_scores_len},
        {"__tostring", recpipe_scores_tostring}, {NULL, NULL}};
    luaL_newmetatable(L, RECPIPE_SCORES_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    luaL_setfuncs(L, metamethods, 0);
    lua_pushliteral(L, "locked");
    lua_setfield(L, -2, "__metatable");
    lua_pop(L, 1);
}

/* MARK: - map output rows */

/* One cell of a map plugin's output row (recpipe_read_row). `bits` holds the value: an integer,
   a double's bit pattern, a bool (0/1) or a string's code in the batch's string table; `null` is
   1 when the row has no value for the column. A string new to the table (code == the count before)
   has its bytes in s/len, valid while the string table holds it (until the batch is reset). */
typedef struct recpipe_cell {
    uint64_t bits;
    int null;
    const char *s;
    size_t len;
} recpipe_cell;

/* Reads the row table at `t` for the `n` declared columns: the key strings are the list at
   `keys`, types[k] is RECPIPE_INT, RECPIPE_DOUBLE, RECPIPE_STRING or RECPIPE_BOOL. Strings get
   codes from the table at `strings` (string -> code; *nstrings codes used so far). Raw reads
   only, the same conversions as the host's column check: an int column takes an integer or an
   integral float below 9e15, a float column any number, a string column a string or an integer
   (written in decimal), a bool column a boolean.
   Returns 0; k + 1 when column k holds a value of another type; -1 when the row has a key that is
   no declared column. The host then reads the row again to build the message. Leaves the stack
   as it found it. With `take`, each declared key is removed from the table once read (the map's
   reused `out`), so the row is empty when it had no other key. `last` holds per column the
   string it had last and its code: the same string again (the same object: the string table
   keeps it alive, so its address is not reused) needs no lookup. */
typedef struct recpipe_last_string {
    const char *s;
    lua_Integer code;
} recpipe_last_string;

static int recpipe_read_row(lua_State *L, int t, int keys, int strings, int n, const int *types,
                            recpipe_cell *cells, lua_Integer *nstrings, int take, recpipe_last_string *last) {
    int found = 0;
    t = lua_absindex(L, t);
    keys = lua_absindex(L, keys);
    strings = lua_absindex(L, strings);
    for (int k = 0; k < n; k++) {
        recpipe_cell *cell = &cells[k];
        cell->s = NULL;
        cell->len = 0;
        cell->bits = 0;
        lua_rawgeti(L, keys, k + 1);
        if (take) lua_pushvalue(L, -1);
        int type = lua_rawget(L, t);
        if (type == LUA_TNIL) {
            cell->null = 1;
            lua_pop(L, take ? 2 : 1);
            continue;
        }
        cell->null = 0;
        found++;
        int ok = 1;
        switch (types[k]) {
        case RECPIPE_INT:
            if (type != LUA_TNUMBER) { ok = 0; break; }
            if (lua_isinteger(L, -1)) {
                cell->bits = (uint64_t)lua_tointeger(L, -1);
            } else {
                double d = lua_tonumber(L, -1);
                if (d == floor(d) && fabs(d) < 9e15) cell->bits = (uint64_t)(int64_t)d; else ok = 0;
            }
            break;
        case RECPIPE_DOUBLE: {
            if (type != LUA_TNUMBER) { ok = 0; break; }
            double d = lua_tonumber(L, -1);
            memcpy(&cell->bits, &d, sizeof d);
            break;
        }
        case RECPIPE_BOOL:
            if (type != LUA_TBOOLEAN) { ok = 0; break; }
            cell->bits = (uint64_t)lua_toboolean(L, -1);
            break;
        case RECPIPE_STRING: {
            if (type == LUA_TNUMBER && lua_isinteger(L, -1)) {
                lua_tolstring(L, -1, NULL); /* the stack copy, in decimal */
            } else if (type != LUA_TSTRING) {
                ok = 0;
                break;
            }
            const char *str = lua_tolstring(L, -1, NULL);
            if (str == last[k].s) {
                cell->bits = (uint64_t)last[k].code;
                break;
            }
            lua_pushvalue(L, -1);
            if (lua_rawget(L, strings) == LUA_TNUMBER) {
                cell->bits = (uint64_t)lua_tointeger(L, -1);
                lua_pop(L, 1);
            } else {
                lua_pop(L, 1);
                lua_Integer code = (*nstrings)++;
                cell->bits = (uint64_t)code;
                cell->s = lua_tolstring(L, -1, &cell->len);
                lua_pushvalue(L, -1);
                lua_pushinteger(L, code);
                lua_rawset(L, strings);
            }
            last[k].s = str;
            last[k].code = (lua_Integer)cell->bits;
            break;
        }
        default: ok = 0;
        }
        lua_pop(L, 1);
        if (take) {
            if (!ok) {
                lua_pop(L, 1);
            } else {
                lua_pushnil(L);
                lua_rawset(L, t);
            }
        }
        if (!ok) return k + 1;
    }
    /* Any other key is an undeclared column. */
    if (take) {
        lua_pushnil(L);
        if (lua_next(L, t) == 0) return 0;
        lua_pop(L, 2);
        return -1;
    }
    int total = 0;
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        lua_pop(L, 1);
        if (++total > found) {
            lua_pop(L, 1);
            return -1;
        }
    }
    return 0;
}

/* A batch of map calls (recpipe_map_batch): the plugin function and the row table in the
   registry, the row table's fields (recpipe_fill_row), the output columns (recpipe_read_row) and
   where the cells go. `next` moves through [next, end): on return it is the row that stopped the
   batch, or `end`. */
typedef struct recpipe_map_run {
    lua_Integer next, end;
    int row_keys_ref;           /* registry: the row table's key list (0: `row` is the view) */
    int out_ref;                /* registry: the reused output table `out` (0: fn takes no `out`) */
    const int32_t *fields;
    int nfields;
    int keys_ref, strings_ref;  /* registry: the output column keys and the batch's string table */
    const int *types;
    int ncols;
    recpipe_cell *cells;        /* room for (end - next) * ncols cells: kept rows, in order */
    uint8_t *kept;              /* per row from the first: 1 kept, 0 dropped (fn returned nil) */
    lua_Integer first;          /* the row of kept[0] */
    lua_Integer nkept;
    lua_Integer *nstrings;
    recpipe_last_string *last;  /* per column (recpipe_read_row), reset with the string table */
    /* why the batch stopped early (the stop row is `next`): 0 = it did not (or fn raised an
       error: lua_pcall's status says); 1 = fn returned neither a table nor nil (its type in
       `type`, the value the driver's result); 2 = the row does not fit the columns (recpipe_read_row's status in `status`; the
       row is the driver's result, its cells from kept * ncols, those before the misfit read) */
    int stop, type, status;
} recpipe_map_run;

/* Empties the table at `t` (every key). */
static void recpipe_clear_table(lua_State *L, int t) {
    t = lua_absindex(L, t);
    lua_pushnil(L);
    while (lua_next(L, t) != 0) {
        lua_pop(L, 1);
        lua_pushvalue(L, -1);
        lua_pushnil(L);
        lua_rawset(L, t);
    }
}

/* Runs the map function (argument 2) for the rows of the batch (argument 1, a light userdata),
   `row` being argument 3 (the row table, or the user view), with one protected call for the batch
   instead of one per row. Every row is still its own call for the sandbox: the budget and the
   error location start again per row, and the memory cap applies only while the function runs
   (filling the row and reading the result are host work). An error in the function leaves `next`
   at its row, so the host names it and can go on after it.
   With `out_ref`, the function's second argument is `out`, one table for every call: a row it
   returns is read and then emptied, so a map that fills and returns `out` makes no table per
   row; a call that returns anything else leaves `out` emptied too. After a stop or an error the
   host replaces `out` (it may hold anything). */
static int recpipe_map_batch(lua_State *L) {
    recpipe_map_run *r = (recpipe_map_run *)lua_touserdata(L, 1);
    recpipe_ctx *c = recpipe_getctx(L);
    recpipe_view *v = c->views[0];
    lua_settop(L, 3);
    if (r->out_ref) lua_rawgeti(L, LUA_REGISTRYINDEX, r->out_ref); else lua_pushnil(L);         /* 4 */
    if (r->row_keys_ref) lua_rawgeti(L, LUA_REGISTRYINDEX, r->row_keys_ref); else lua_pushnil(L); /* 5 */
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->keys_ref);    /* 6 */
    lua_rawgeti(L, LUA_REGISTRYINDEX, r->strings_ref); /* 7 */
    int nargs = r->out_ref ? 2 : 1;
    for (; r->next < r->end; r->next++) {
        v->row = r->next;
        if (r->row_keys_ref && r->nfields > 0) recpipe_fill_row(L, 3, 5, r->fields, r->nfields);
        lua_pushvalue(L, 2);
        lua_pushvalue(L, 3);
        if (r->out_ref) lua_pushvalue(L, 4);
        c->start_ticks = c->ticks;
        c->start_charged = c->charged;
        c->mem_peak = c->mem_used;
        c->err_chunk = -1;
        c->err_line = -1;
        c->enforce = 1;
        lua_call(L, nargs, 1);
        c->enforce = 0;
        int type = lua_type(L, 8);
        if (type == LUA_TNIL) {
            r->kept[r->next - r->first] = 0;
            lua_settop(L, 7);
            if (r->out_ref) recpipe_clear_table(L, 4);
            continue;
        }
        if (type != LUA_TTABLE) {
            r->stop = 1;
            r->type = type;
            return 1;
        }
        recpipe_cell *cells = r->cells + r->nkept * r->ncols;
        int take = r->out_ref && lua_rawequal(L, 4, 8);
        int status = recpipe_read_row(L, 8, 6, 7, r->ncols, r->types, cells, r->nstrings, take, r->last);
        if (status != 0) {
            r->stop = 2;
            r->status = status;
            return 1;
        }
        r->kept[r->next - r->first] = 1;
        r->nkept++;
        if (r->out_ref && !take) recpipe_clear_table(L, 4); /* a returned `out` was emptied as read */
        lua_settop(L, 7);
    }
    return 0;
}

/* The number of fixed parameters of the function at idx (255 when it takes `...`). */
static inline int recpipe_nparams(lua_State *L, int idx) {
    lua_Debug ar;
    lua_pushvalue(L, idx);
    if (!lua_getinfo(L, ">u", &ar)) return 0;
    return ar.isvararg ? 255 : ar.nparams;
}

static inline lua_CFunction recpipe_fn_map_batch(void) { return recpipe_map_batch; }

static inline lua_CFunction recpipe_fn_scores_new(void) { return recpipe_scores_new; }

#endif
