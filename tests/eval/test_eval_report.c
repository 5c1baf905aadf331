/* The HTML report in a real browser: headless Chromium loads a copy of the report with a small
 * probe script (the report itself has none, and its Content-Security-Policy is widened only for
 * inline scripts), which records every error and CSP violation (a blocked fetch) and measures
 * every SVG chart, then writes one line into the DOM that --dump-dom prints. Exits 77 (CTest
 * SKIP) only when no chromium is installed. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "eval.h"
#include "eval_fixture.h"

static const char PROBE[] =
    "<script>window.__e=[];"
    "window.addEventListener('error',function(e){window.__e.push('error:'+(e.message||e.type))},true);"
    "document.addEventListener('securitypolicyviolation',function(e){"
    "window.__e.push('csp:'+e.violatedDirective+':'+e.blockedURI)});"
    "window.addEventListener('load',function(){var s=document.querySelectorAll('svg'),bad=0;"
    "for(var i=0;i<s.length;i++){var r=s[i].getBoundingClientRect();if(!(r.width>20&&r.height>20))bad++;}"
    "var p=document.createElement('pre');p.id='fhs-check';p.textContent='FHS-CHECK svgs='+s.length+"
    "' small='+bad+' hist='+document.querySelectorAll('svg.hist').length+' heat='+"
    "document.querySelectorAll('svg.heatmap').length+' rects='+document.querySelectorAll('rect').length+"
    "' tables='+document.querySelectorAll('table').length+' errors='+window.__e.length+' ['+"
    "window.__e.join('|')+'] END';document.body.appendChild(p);});</script>";

static const char *find_chromium(void) {
  static const char *const candidates[] = {"/usr/bin/chromium", "/usr/bin/chromium-browser",
                                           "/usr/lib/chromium/chromium"};
  for (size_t i = 0; i < sizeof candidates / sizeof *candidates; i++)
    if (access(candidates[i], X_OK) == 0) return candidates[i];
  return NULL;
}

static char *read_all(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc((size_t)n + 1);
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  if (buf) buf[n] = 0, *len = (size_t)n;
  return buf;
}

/* The report with the probe after <head> and inline scripts allowed. */
static int write_probe_copy(const char *report, const char *out) {
  size_t n;
  char *html = read_all(report, &n);
  if (!html) return -1;
  const char *csp = "default-src 'none';";
  char *head = strstr(html, "<head>"), *pol = strstr(html, csp);
  FILE *f = head && pol && pol > head ? fopen(out, "w") : NULL;
  if (!f) {
    free(html);
    return -1;
  }
  size_t h = (size_t)(head - html) + 6, p = (size_t)(pol - html) + strlen(csp);
  fwrite(html, 1, h, f);
  fputs(PROBE, f);
  fwrite(html + h, 1, p - h, f);
  fputs(" script-src 'unsafe-inline';", f);
  fputs(html + p, f);
  free(html);
  return fclose(f);
}

static int field(const char *line, const char *name) {
  const char *p = strstr(line, name);
  return p ? atoi(p + strlen(name)) : -1;
}

int main(void) {
  const char *chromium = find_chromium();
  if (!chromium) {
    printf("test_eval_report: chromium is not installed (apt-get install chromium): skipped\n");
    return 77;
  }
  char dir[64], real[256], syn[256], hold[256], report[256], probe[256], profile[256], dom[256];
  if (fixture_dir(dir, sizeof dir)) return 1;
  fixture_path(real, sizeof real, dir, "real.csv");
  fixture_path(syn, sizeof syn, dir, "syn.csv");
  fixture_path(hold, sizeof hold, dir, "hold.csv");
  fixture_path(report, sizeof report, dir, "report.html");
  fixture_path(probe, sizeof probe, dir, "probe.html");
  fixture_path(profile, sizeof profile, dir, "profile");
  fixture_path(dom, sizeof dom, dir, "dom.html");
  CHECK(fixture_people(real, 500, 21) == 0 && fixture_people(syn, 500, 22) == 0 &&
        fixture_people(hold, 500, 23) == 0);
  fhs_eval_options o;
  fhs_eval_options_init(&o);
  o.real_path = real, o.synthetic_path = syn, o.holdout_path = hold, o.report_path = report;
  fhs_error err;
  int rc = fhs_eval_run(&o, NULL, &err);
  CHECK_MSG(rc == 0, "%s", err.msg);
  size_t n = 0;
  char *html = rc == 0 ? read_all(report, &n) : NULL;
  CHECK(html != NULL);
  if (html) { /* self-contained: nothing to fetch, no script */
    CHECK(!strstr(html, "http:") && !strstr(html, "https:") && !strstr(html, "src=") &&
          !strstr(html, "<script") && !strstr(html, "url(") && !strstr(html, "@import"));
    free(html);
  }
  CHECK(write_probe_copy(report, probe) == 0);
  char cmd[2048];
  snprintf(cmd, sizeof cmd,
           "timeout 120 '%s' --headless --no-sandbox --disable-gpu --disable-quic --no-first-run "
           "--disable-background-networking --disable-component-update --disable-sync "
           "--disable-dev-shm-usage --user-data-dir='%s' --window-size=1280,2000 "
           "--virtual-time-budget=5000 --dump-dom 'file://%s' > '%s' 2>/dev/null",
           chromium, profile, probe, dom);
  int status = system(cmd);
  CHECK_MSG(status == 0, "chromium exited with status %d", status);
  char *out = read_all(dom, &n);
  /* The result element, not the probe's own source text. */
  const char *line = out ? strstr(out, "id=\"fhs-check\">") : NULL;
  CHECK_MSG(line != NULL, "no probe result in the DOM (%zu bytes)", out ? n : 0);
  if (line) {
    const char *end = strstr(line, "END");
    printf("%.*s\n", end ? (int)(end - line) : 200, line);
    CHECK_MSG(field(line, "errors=") == 0, "page errors: %.300s", line);
    CHECK(field(line, "small=") == 0);
    CHECK(field(line, "hist=") == 6);
    CHECK(field(line, "heat=") == 2);
    CHECK(field(line, "svgs=") == 8);
    CHECK(field(line, "rects=") > 100);
    CHECK(field(line, "tables=") == 3);
  }
  free(out);
  fixture_cleanup(dir);
  return check_report("test_eval_report");
}
