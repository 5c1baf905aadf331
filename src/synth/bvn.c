/* Bivariate standard normal orthant probabilities, for the copula's latent correlation fit.
 *
 * Genz's BVNU (A. Genz, "Numerical computation of rectangular bivariate and trivariate normal
 * and t probabilities", Statistics and Computing 14, 2004; his public-domain bvnl.m): Gauss-
 * Legendre quadrature of the Drezner-Wesolowsky integral over asin(r) for |r| < 0.925, and
 * for larger |r| the expansion around r = +-1 plus quadrature of the remainder. Absolute
 * error about 1e-15, far below what the counts can resolve. */
#include <math.h>

#include "synth_internal.h"

/* Half of the symmetric Gauss-Legendre rules with 6, 12 and 20 points. */
static const double gl_w[3][10] = {
    {0.1713244923791705, 0.3607615730481384, 0.4679139345726904},
    {.04717533638651177, 0.1069393259953183, 0.1600783285433464, 0.2031674267230659,
     0.2334925365383547, 0.2491470458134029},
    {.01761400713915212, .04060142980038694, .06267204833410906, .08327674157670475,
     0.1019301198172404, 0.1181945319615184, 0.1316886384491766, 0.1420961093183821,
     0.1491729864726037, 0.1527533871307259}};
static const double gl_x[3][10] = {
    {0.9324695142031522, 0.6612093864662647, 0.2386191860831970},
    {0.9815606342467191, 0.9041172563704750, 0.7699026741943050, 0.5873179542866171,
     0.3678314989981802, 0.1252334085114692},
    {0.9931285991850949, 0.9639719272779138, 0.9122344282513259, 0.8391169718222188,
     0.7463319064601508, 0.6360536807265150, 0.5108670019508271, 0.3737060887154196,
     0.2277858511416451, 0.07652652113349733}};

static double phid(double x) { return fhs_norm_cdf(x); }

/* P(X > dh, Y > dk) for standard normals with correlation r, |r| < 1. */
static double bvnu(double dh, double dk, double r) {
  if (dh == INFINITY || dk == INFINITY) return 0;
  if (dh == -INFINITY) return dk == -INFINITY ? 1 : phid(-dk);
  if (dk == -INFINITY) return phid(-dh);
  if (r == 0) return phid(-dh) * phid(-dk);
  const double tp = 2 * M_PI;
  int ng = fabs(r) < 0.3 ? 0 : fabs(r) < 0.75 ? 1 : 2, lg = ng == 0 ? 3 : ng == 1 ? 6 : 10;
  const double *w = gl_w[ng], *x0 = gl_x[ng];
  double h = dh, k = dk, hk = h * k, bvn = 0;
  if (fabs(r) < 0.925) {
    double hs = (h * h + k * k) / 2, asr = asin(r) / 2;
    for (int i = 0; i < lg; i++)
      for (int sgn = -1; sgn <= 1; sgn += 2) {
        double sn = sin(asr * (1 + sgn * x0[i]));
        bvn += w[i] * exp((sn * hk - hs) / (1 - sn * sn));
      }
    return fmax(0, fmin(1, bvn * asr / tp + phid(-h) * phid(-k)));
  }
  if (r < 0) k = -k, hk = -hk;
  double as = (1 - r) * (1 + r), a = sqrt(as), bs = (h - k) * (h - k);
  double asr = -(bs / as + hk) / 2, c = (4 - hk) / 8, d = (12 - hk) / 80;
  if (asr > -100) bvn = a * exp(asr) * (1 - c * (bs - as) * (1 - d * bs) / 3 + c * d * as * as);
  if (hk > -100) {
    double b = sqrt(bs), sp = sqrt(tp) * phid(-b / a);
    bvn -= exp(-hk / 2) * sp * b * (1 - c * bs * (1 - d * bs) / 3);
  }
  a /= 2;
  double sum = 0;
  for (int i = 0; i < lg; i++)
    for (int sgn = -1; sgn <= 1; sgn += 2) {
      double xs = a * (1 + sgn * x0[i]);
      xs *= xs;
      double e = -(bs / xs + hk) / 2;
      if (!(e > -100)) continue;
      double sp = 1 + c * xs * (1 + 5 * d * xs), rs = sqrt(1 - xs);
      double ep = exp(-(hk / 2) * xs / ((1 + rs) * (1 + rs))) / rs;
      sum += w[i] * exp(e) * (sp - ep);
    }
  bvn = (a * sum - bvn) / tp;
  if (r > 0) {
    bvn += phid(-fmax(h, k));
  } else if (h >= k) {
    bvn = -bvn;
  } else {
    double l = h < 0 ? phid(k) - phid(h) : phid(-h) - phid(-k);
    bvn = l - bvn;
  }
  return fmax(0, fmin(1, bvn));
}

double fhs_bvn_lower(double h, double k, double r) {
  if (h == -INFINITY || k == -INFINITY) return 0;
  if (h == INFINITY) return k == INFINITY ? 1 : phid(k);
  if (k == INFINITY) return phid(h);
  return bvnu(-h, -k, r);
}
