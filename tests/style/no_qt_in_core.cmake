# Fails when a file under <ROOT>/core includes a Qt header (<QString>,
# <QtCore/QObject>, "QObject", <qglobal.h>): core builds and is tested
# without Qt (CONTRIBUTING.md, "Layers").
#   cmake -DROOT=<source dir> -P tests/style/no_qt_in_core.cmake
if(NOT DEFINED ROOT OR NOT IS_DIRECTORY "${ROOT}/core")
  message(FATAL_ERROR "no_qt_in_core: pass -DROOT=<folder that holds core/>")
endif()

file(GLOB_RECURSE sources LIST_DIRECTORIES false
     "${ROOT}/core/*.h" "${ROOT}/core/*.hpp" "${ROOT}/core/*.cpp" "${ROOT}/core/*.cc" "${ROOT}/core/*.inl")
list(SORT sources)

set(qt_include "^[ \t]*#[ \t]*include[ \t]*[<\"](Q|q[a-z0-9_]*\\.h[>\"])")
set(violations 0)
foreach(source IN LISTS sources)
  file(STRINGS "${source}" includes REGEX "${qt_include}")
  file(RELATIVE_PATH name "${ROOT}" "${source}")
  foreach(line IN LISTS includes)
    string(STRIP "${line}" line)
    message("${name}: ${line}")
    math(EXPR violations "${violations} + 1")
  endforeach()
endforeach()

list(LENGTH sources checked)
if(violations GREATER 0)
  message(FATAL_ERROR "no_qt_in_core: ${violations} Qt include(s) under core/ (core must not use Qt; "
                      "move the code to ui/ or app/, or use the standard library)")
endif()
message(STATUS "no_qt_in_core: ${checked} files under core/, no Qt includes")
