# Fails when a source file includes a module it may not depend on.
#
# The allowed dependencies are read from the module table in docs/architecture.md, rows like
#   | `store` | `base` | … |
# (second column: the modules it may include, or —). A module may always include itself;
# another module's internal/ headers are never allowed.
#
# Usage: cmake -DROOT=<repo> -P tools/check_module_deps.cmake
cmake_minimum_required(VERSION 3.25)

if(NOT ROOT)
    message(FATAL_ERROR "pass -DROOT=<repository root>")
endif()

file(STRINGS "${ROOT}/docs/architecture.md" lines ENCODING UTF-8 REGEX "^\\| `[a-z_]+` \\|")
set(modules)
foreach(line IN LISTS lines)
    string(REGEX MATCH "^\\| `([a-z_]+)` \\| ([^|]*)\\|" _ "${line}")
    set(module "${CMAKE_MATCH_1}")
    string(REGEX MATCHALL "`[a-z_]+`" deps "${CMAKE_MATCH_2}")
    list(TRANSFORM deps REPLACE "`" "")
    list(APPEND modules "${module}")
    set(allowed_${module} "${module};${deps}")
endforeach()
if(NOT modules)
    message(FATAL_ERROR "no module table found in docs/architecture.md")
endif()

set(violations 0)
file(GLOB module_dirs LIST_DIRECTORIES true "${ROOT}/src/yutang/*")
foreach(dir IN LISTS module_dirs)
    if(NOT IS_DIRECTORY "${dir}")
        continue()
    endif()
    get_filename_component(module "${dir}" NAME)
    if(NOT module IN_LIST modules)
        message(SEND_ERROR "src/yutang/${module} is not in the module table of docs/architecture.md")
        math(EXPR violations "${violations} + 1")
        continue()
    endif()
    file(GLOB_RECURSE sources "${dir}/*.cpp" "${dir}/*.hpp" "${dir}/*.hpp.in")
    foreach(source IN LISTS sources)
        file(STRINGS "${source}" includes ENCODING UTF-8 REGEX "^#include \"yutang/")
        foreach(include IN LISTS includes)
            string(REGEX MATCH "yutang/([a-z_]+)/(.*)\"" _ "${include}")
            set(target "${CMAKE_MATCH_1}")
            set(path "${CMAKE_MATCH_2}")
            file(RELATIVE_PATH rel "${ROOT}" "${source}")
            if(NOT target IN_LIST allowed_${module})
                message(SEND_ERROR "${rel}: module '${module}' may not include '${target}' (${include}); "
                                   "see the module table in docs/architecture.md")
                math(EXPR violations "${violations} + 1")
            elseif(NOT target STREQUAL module AND path MATCHES "^internal/")
                message(SEND_ERROR "${rel}: ${include} is internal to module '${target}'")
                math(EXPR violations "${violations} + 1")
            endif()
        endforeach()
    endforeach()
endforeach()

list(LENGTH modules count)
if(violations GREATER 0)
    message(FATAL_ERROR "${violations} include(s) break the module dependency table")
endif()
message(STATUS "module dependencies: ${count} modules, no violations")
