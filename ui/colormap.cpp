#include "ui/colormap.h"

#include <algorithm>
#include <cmath>

namespace corrlens::ui {

QColor TurboColor(double t) {
  // Polynomial approximation of Turbo (Mikhailov, 2019).
  t = std::clamp(t, 0.0, 1.0);
  const double r = 0.13572138 + t * (4.61539260 + t * (-42.66032258 + t * (132.13108234 + t * (-152.94239396 + t * 59.28637943))));
  const double g = 0.09140261 + t * (2.19418839 + t * (4.84296658 + t * (-14.18503333 + t * (4.27729857 + t * 2.82956604))));
  const double b = 0.10667330 + t * (12.64194608 + t * (-60.58204836 + t * (110.36276771 + t * (-89.90310912 + t * 27.34824973))));
  return QColor::fromRgbF(std::clamp(r, 0.0, 1.0), std::clamp(g, 0.0, 1.0), std::clamp(b, 0.0, 1.0));
}

}  // namespace corrlens::ui
