/*
 * Parsers: IDL (parse_idl.c), EDL and CDL (parse_unit.c), and the helpers they share
 * (parse_common.c: qualified names, integer expressions, "expected X" errors).
 * Parsers only build the model; names are bound later by resolve.c.
 */
#ifndef IDLC_PARSER_H
#define IDLC_PARSER_H

#include "lexer.h"
#include "model.h"

struct package *parse_idl(struct model *m, const char *path, const char *src);
/* Parses an .edl (one class) or .cdl (one or more components) and adds them to the model. */
void parse_unit_file(struct model *m, const char *path, const char *src, bool is_edl);

/* Shared helpers (parse_common.c). */
_Noreturn void parse_expected(const struct lexer *lx, const char *what);
void expect(struct lexer *lx, enum tok k, const char *what);
bool accept(struct lexer *lx, enum tok k);
char *expect_ident(struct lexer *lx, const char *what);
char *parse_qname(struct lexer *lx, const char *what);
struct expr *parse_expr(struct lexer *lx);
/* Brackets one level of parser recursion; more than IDL_NESTING_MAX open levels is the
 * error "nesting too deep" at the current token. */
void parse_enter(struct lexer *lx);
void parse_leave(struct lexer *lx);
/* The error "nesting too deep" at loc, for any recursive walk past IDL_NESTING_MAX. */
_Noreturn void nesting_too_deep(struct loc loc, const char *what);
/* KasperskyOS forbids '_' in method, endpoint and instance names. */
void check_no_underscore(struct loc loc, const char *name, const char *what);

#endif
