// Colour maps for heatmaps (Qt side; core/corr has the same map for PNGs).
#pragma once

#include <QColor>
#include <QImage>

namespace corrlens::ui {

// Google's Turbo colour map at t in [0, 1].
QColor TurboColor(double t);

}  // namespace corrlens::ui
