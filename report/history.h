/* history.h - the reports of `asprof-batch trend` (analysis/history.h),
 * each written whole into the output folder's stage (report/outfile.h);
 * errors "PATH: reason":
 *
 *   history.json  history.c      schema "asprof-history/1" (docs/history.md)
 *   history.md    markdown.c     what changed at which night
 *   history.xlsx  xlsx.c         sheets History (futures x nights) and Changes
 *   charts/       charts/history.c  own time per night of each future that
 *                                changed, and of the top futures; change
 *                                points marked
 */
#ifndef ASP_REPORT_HISTORY_H
#define ASP_REPORT_HISTORY_H

#include "analysis/history.h"
#include "report/batch.h"

#define ASP_HISTORY_SCHEMA "asprof-history/1"

int asp_history_json_write(const struct asp_history *h, const char *path, char **err);
int asp_history_md_write(const struct asp_history *h, const char *path, char **err);
int asp_history_xlsx_write(const struct asp_history *h, const char *path, char **err);
/* as asp_charts_start (report/batch.h), for a history's charts: finish
 * them with asp_charts_finish */
struct asp_charts *asp_history_charts_start(const struct asp_history *h, const char *dir,
					    size_t top, char **err);
/* "+76 %" of a relative change */
void asp_history_pct(char *buf, size_t n, double rel);

#endif
