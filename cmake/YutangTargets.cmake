# One helper per target kind. Every Yutang target goes through one of these so that
# include paths, warnings and sanitizer flags are the same everywhere.

# yt_module(NAME SOURCES a.cpp ... DEPS yutang_base ...)
# A domain module: a static library `yutang_<NAME>` whose public headers are included
# as "yutang/<NAME>/x.hpp".
function(yt_module name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS;PRIVATE_DEPS" ${ARGN})
    add_library(yutang_${name} STATIC ${ARG_SOURCES})
    target_include_directories(yutang_${name} PUBLIC "${PROJECT_SOURCE_DIR}/src")
    target_link_libraries(yutang_${name} PUBLIC ${ARG_DEPS} PRIVATE ${ARG_PRIVATE_DEPS})
    yt_set_warnings(yutang_${name})
endfunction()

# yt_test(NAME SOURCES a_test.cpp ... DEPS yutang_base ... [LABELS x])
# A GoogleTest executable registered with CTest as one test.
function(yt_test name)
    cmake_parse_arguments(ARG "" "TIMEOUT" "SOURCES;DEPS;LABELS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} GTest::gtest GTest::gmock GTest::gtest_main)
    target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/src" "${PROJECT_SOURCE_DIR}")
    yt_set_warnings(${name})
    add_test(NAME ${name} COMMAND ${name} --gtest_brief=1)
    if(NOT ARG_TIMEOUT)
        set(ARG_TIMEOUT 600)
    endif()
    set_tests_properties(${name} PROPERTIES TIMEOUT ${ARG_TIMEOUT} LABELS "${ARG_LABELS}")
endfunction()

# yt_benchmark(NAME SOURCES a_benchmark.cpp ... DEPS ...)
function(yt_benchmark name)
    cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
    add_executable(${name} ${ARG_SOURCES})
    target_link_libraries(${name} PRIVATE ${ARG_DEPS} benchmark::benchmark)
    target_include_directories(${name} PRIVATE "${PROJECT_SOURCE_DIR}/src" "${PROJECT_SOURCE_DIR}")
    yt_set_warnings(${name})
endfunction()
