# Finds erl_interface (libei) as shipped by Debian's erlang-dev: the reference ETF
# implementation, used as a test oracle and a benchmark baseline. Defines ErlInterface::ei.
find_program(ERL_EXECUTABLE erl)
set(_ei_hint "")
if(ERL_EXECUTABLE)
  execute_process(
    COMMAND ${ERL_EXECUTABLE} -noshell -eval "io:put_chars(code:lib_dir(erl_interface)), halt()."
    OUTPUT_VARIABLE _ei_hint OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
endif()
find_path(ErlInterface_INCLUDE_DIR ei.h HINTS ${_ei_hint}/include)
find_library(ErlInterface_LIBRARY NAMES ei HINTS ${_ei_hint}/lib)
include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(ErlInterface REQUIRED_VARS ErlInterface_LIBRARY ErlInterface_INCLUDE_DIR)
if(ErlInterface_FOUND AND NOT TARGET ErlInterface::ei)
  add_library(ErlInterface::ei STATIC IMPORTED)
  set_target_properties(ErlInterface::ei PROPERTIES
    IMPORTED_LOCATION ${ErlInterface_LIBRARY}
    INTERFACE_INCLUDE_DIRECTORIES ${ErlInterface_INCLUDE_DIR}
    INTERFACE_LINK_LIBRARIES Threads::Threads)
endif()
