// The built-in demo: the graf1/graf3 pair from Debian's opencv-doc.
#pragma once

#include <QString>

namespace corrlens::app {

// Folder holding graf1.png/graf3.png ($CORRLENS_DEMO_DATA wins), or "" if absent.
QString DemoDataDir();

}  // namespace corrlens::app
