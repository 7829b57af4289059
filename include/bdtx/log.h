/* Logging to stderr, one line per event, with a level. stdout is for results. */
#ifndef BDTX_LOG_H
#define BDTX_LOG_H

#include <stdbool.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARNING, LOG_ERROR };

void log_set_level(enum log_level level);
/* fn runs before each line is written and after it (NULL: nothing), so
 * that a progress bar on the same terminal can wipe itself and come back
 * under the line. */
void log_set_around_line(void (*fn)(bool before));
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warning(...) log_msg(LOG_WARNING, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
