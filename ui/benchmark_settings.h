// The Benchmark workspace's choices that outlive the program; app/ loads and
// saves them with QSettings (only app/ reads QSettings).
#pragma once

#include <QMap>
#include <QString>
#include <QStringList>

namespace corrlens::ui {

struct BenchmarkSettings {
  QStringList tasks;                    // ticked tasks; empty = every task whose data is present
  QMap<QString, QString> datasets;      // task -> data location chosen by the user ("" = the default)
  QString preset = "quick";             // "paper" or "quick"
  QString transfer_protocol = "paper";  // "paper" or "standard"
};

}  // namespace corrlens::ui
