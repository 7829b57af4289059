/* The week's notice (SPEC section 6, Thông báo): plain UTF-8 text an
 * officer pastes as it is into Zalo or an e-mail. The province's: its
 * figures (pairs and people), the units praised and the units chased with
 * their figures and what each still needs. A unit's: its figures, group,
 * rank, what it needs and by when, and its schools below the top group.
 * Vietnamese (decimal commas) or English, per report.language. Every line
 * but the title and the list items is "Label: value", so that a program
 * can read it back. */
#ifndef BDTX_NOTICE_H
#define BDTX_NOTICE_H

#include <stdio.h>

#include "bdtx/error.h"
#include "bdtx/report.h"

/* Write the notice of unit (a registry index of a ranked-level or direct
 * unit; -1 for the province) to out. Returns 0, or -1 when out fails. */
int notice_write(const struct report *rep, long unit, FILE *out);

/* The same as a malloc'd string; NULL with err filled when memory runs
 * out. */
char *notice_text(const struct report *rep, long unit, bdtx_error *err);

#endif
