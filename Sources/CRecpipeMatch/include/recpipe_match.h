#ifndef RECPIPE_MATCH_H
#define RECPIPE_MATCH_H
#include <lua5.4/lua.h>

/*
 * Lua 5.4's string.find, match, gmatch and gsub, with every step of the pattern matcher charged
 * to the caller's instruction budget (Lua's own matcher runs in C, where the count hook cannot
 * reach it, so a backtracking pattern on a long subject could run for hours).
 *
 * Each function is a C closure with two upvalues:
 *   1. a light userdata holding a `recpipe_charge_fn`, called with the steps done so far (in
 *      batches); it raises a Lua error when the budget is spent;
 *   2. the largest subject length allowed, an integer.
 */
typedef void (*recpipe_charge_fn)(lua_State *L, lua_Integer steps);

int recpipe_str_find(lua_State *L);
int recpipe_str_match(lua_State *L);
int recpipe_str_gmatch(lua_State *L);
int recpipe_str_gsub(lua_State *L);

#endif
