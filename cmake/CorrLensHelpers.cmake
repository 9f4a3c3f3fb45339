# Build helpers in the spirit of COLMAP's CMakeHelper: explicit source lists,
# one place for warnings, PCH and test registration.

function(corrlens_setup_ccache)
  if(NOT CORRLENS_USE_CCACHE)
    return()
  endif()
  find_program(CCACHE_PROGRAM ccache)
  if(CCACHE_PROGRAM)
    # pch_defines/time_macros: required for ccache to cache PCH users;
    # base_dir: hits across checkouts; inode cache: the ~550 MB LibTorch PCH
    # is hashed once, not once per translation unit that uses it.
    set(launcher ${CMAKE_COMMAND} -E env
        CCACHE_SLOPPINESS=pch_defines,time_macros,include_file_mtime,include_file_ctime
        CCACHE_BASEDIR=${CMAKE_SOURCE_DIR} CCACHE_INODECACHE=true ${CCACHE_PROGRAM})
    set(CMAKE_C_COMPILER_LAUNCHER ${launcher} PARENT_SCOPE)
    set(CMAKE_CXX_COMPILER_LAUNCHER ${launcher} PARENT_SCOPE)
    message(STATUS "ccache: ${CCACHE_PROGRAM}")
  endif()
endfunction()

# Warnings for our own targets only (third-party headers are SYSTEM).
function(corrlens_set_warnings target)
  target_compile_options(${target} PRIVATE
    $<$<COMPILE_LANGUAGE:CXX>:-Wall -Wextra -Wno-unused-parameter>)
endfunction()

# Targets that include LibTorch share precompiled headers: one host target
# per kind ("lib" for static libraries, "test" for executables) compiles
# core/util/torch_pch.h once and every other target reuses it (a LibTorch
# PCH is ~550 MB and takes about a minute to build on a small machine).
function(corrlens_use_torch_pch target)
  if(NOT CORRLENS_USE_PCH)
    return()
  endif()
  get_target_property(type ${target} TYPE)
  if(type STREQUAL "EXECUTABLE")
    set(kind test)
  else()
    set(kind lib)
  endif()
  set(host corrlens_pch_${kind})
  if(NOT TARGET ${host})
    set(src ${CMAKE_BINARY_DIR}/pch_host/${kind}.cpp)
    if(kind STREQUAL "test")
      file(CONFIGURE OUTPUT ${src} CONTENT "// Hosts the shared LibTorch PCH of executables.\nint main() { return 0; }\n")
      add_executable(${host} ${src})
      target_link_libraries(${host} PRIVATE ${TORCH_LIBRARIES} Qt6::Core)
    else()
      file(CONFIGURE OUTPUT ${src} CONTENT "// Hosts the shared LibTorch PCH of libraries.\nint corrlens_pch_host() { return 0; }\n")
      add_library(${host} STATIC ${src})
      target_link_libraries(${host} PRIVATE ${TORCH_LIBRARIES})
    endif()
    set_target_properties(${host} PROPERTIES AUTOMOC OFF AUTORCC OFF)
    # <...> form: cmake_pch.hxx then says `#include <core/util/torch_pch.h>`,
    # not the checkout's absolute path, so the PCH (and every object built
    # with it) has the same ccache key in every checkout.
    target_include_directories(${host} PRIVATE ${CMAKE_SOURCE_DIR})
    target_precompile_headers(${host} PRIVATE
      "$<$<COMPILE_LANGUAGE:CXX>:<core/util/torch_pch.h$<ANGLE-R>>")
  endif()
  target_precompile_headers(${target} REUSE_FROM ${host})
  # The AUTOMOC stub has no code: loading the PCH would only cost time.
  get_target_property(binary_dir ${target} BINARY_DIR)
  set_source_files_properties(${binary_dir}/${target}_autogen/mocs_compilation.cpp
                              PROPERTIES SKIP_PRECOMPILE_HEADERS ON)
endfunction()

# corrlens_add_library(NAME SRCS a.cpp b.cpp DEPS x y [PRIVATE_DEPS z] [TORCH])
function(corrlens_add_library name)
  cmake_parse_arguments(ARG "TORCH" "" "SRCS;DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(${name} STATIC ${ARG_SRCS})
  target_include_directories(${name} PUBLIC ${CMAKE_SOURCE_DIR})
  target_link_libraries(${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
  corrlens_set_warnings(${name})
  if(ARG_TORCH)
    corrlens_use_torch_pch(${name})
  endif()
endfunction()

# corrlens_add_test(NAME SRCS t.cpp DEPS lib... [LABELS l] [XVFB] [TIMEOUT s])
# Every test is a QtTest executable registered with CTest.
function(corrlens_add_test name)
  cmake_parse_arguments(ARG "XVFB;TORCH" "TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  add_executable(${name} ${ARG_SRCS})
  # Paths come from corrlens_test_paths (tests/common/test_paths.h), never from
  # -D flags: absolute paths in flags would make every object miss ccache in
  # a new checkout.
  target_link_libraries(${name} PRIVATE ${ARG_DEPS} corrlens_test_paths corrlens_leak_check Qt6::Test)
  target_include_directories(${name} PRIVATE ${CMAKE_SOURCE_DIR})  # tests/common/
  corrlens_set_warnings(${name})
  if(ARG_TORCH)
    corrlens_use_torch_pch(${name})
  endif()
  set(cmd $<TARGET_FILE:${name}>)
  if(ARG_XVFB)
    find_program(XVFB_RUN xvfb-run)
    if(XVFB_RUN)
      set(cmd ${XVFB_RUN} -a -s "-screen 0 1280x1024x24" $<TARGET_FILE:${name}>)
    endif()
  endif()
  add_test(NAME ${name} COMMAND ${cmd})
  if(ARG_XVFB)  # tests run in parallel; concurrent `xvfb-run -a` can pick the same display
    set_tests_properties(${name} PROPERTIES RESOURCE_LOCK xvfb)
  endif()
  if(NOT ARG_TIMEOUT)
    set(ARG_TIMEOUT 600)
  endif()
  set_tests_properties(${name} PROPERTIES
    TIMEOUT ${ARG_TIMEOUT}
    LABELS "${ARG_LABELS}"
    ENVIRONMENT "QT_QPA_PLATFORM=offscreen;OMP_NUM_THREADS=2;CORRLENS_CACHE_DIR=${CMAKE_BINARY_DIR}/test-cache;XDG_DATA_HOME=${CMAKE_BINARY_DIR}/test-data")
endfunction()

# corrlens_add_plugin(NAME REGISTER Fn SRCS ... DEPS ... [TORCH]): a backend
# plugin library; `Fn(corrlens::BackendRegistry&)` adds its backends and is
# called by plugins/registry's generated RegisterBuiltinPlugins().
function(corrlens_add_plugin name)
  cmake_parse_arguments(ARG "TORCH" "REGISTER" "SRCS;DEPS" ${ARGN})
  if(NOT ARG_REGISTER)
    message(FATAL_ERROR "corrlens_add_plugin(${name}): REGISTER <function> is required")
  endif()
  set(torch_flag "")
  if(ARG_TORCH)
    set(torch_flag TORCH)
  endif()
  corrlens_add_library(${name} SRCS ${ARG_SRCS} DEPS ${ARG_DEPS} ${torch_flag})
  set_property(GLOBAL APPEND PROPERTY CORRLENS_PLUGINS "${name}|${ARG_REGISTER}")
endfunction()
