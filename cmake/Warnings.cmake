# The one place that decides compiler warnings for Yutang's own code.
# Third-party headers are included as SYSTEM so their warnings never reach us.
set(YT_WARNING_FLAGS
    -Wall
    -Wextra
    -Wpedantic
    -Wshadow
    -Wconversion
    -Wsign-conversion
    -Wnon-virtual-dtor
    -Wold-style-cast
    -Woverloaded-virtual
    -Wnull-dereference
    -Wdouble-promotion
    -Wformat=2
    -Wimplicit-fallthrough
    -Wcast-align
    -Wmisleading-indentation
    -Wduplicated-cond
    -Wlogical-op
    # Designated initializers that leave fields to their defaults are how Settings structs
    # are meant to be used ({.path = p}); -Wextra would flag every one of them.
    -Wno-missing-field-initializers)

function(yt_set_warnings target)
    target_compile_options(${target} PRIVATE ${YT_WARNING_FLAGS})
    if(YT_WERROR)
        target_compile_options(${target} PRIVATE -Werror)
    endif()
endfunction()
