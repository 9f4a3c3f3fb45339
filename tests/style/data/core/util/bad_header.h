// Fixture of test_style_no_qt_in_core_detects: a core header that includes Qt.
#pragma once

#include <string>
  #  include <QString>
#include <QtCore/QObject>
