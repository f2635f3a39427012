# Flags every enode target links PRIVATE: language level, warnings, sanitizers.
add_library(enode_internal INTERFACE)
target_compile_features(enode_internal INTERFACE cxx_std_20)
target_compile_options(enode_internal INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wold-style-cast -Wcast-align
  -Wunused -Woverloaded-virtual -Wconversion -Wsign-conversion
  -Wdouble-promotion -Wformat=2 -Wimplicit-fallthrough
  # GCC 12 sees some of Asio's coroutine frames freed by the frame class's operator
  # delete after what it takes for a global new (the frame's operator new is inlined
  # differently), and reports a mismatch that is not there.
  -Wno-mismatched-new-delete)
if(ENODE_WARNINGS_AS_ERRORS)
  target_compile_options(enode_internal INTERFACE -Werror)
endif()
if(ENODE_SANITIZERS)
  string(REPLACE "," ";" _enode_san_list "${ENODE_SANITIZERS}")
  foreach(_san IN LISTS _enode_san_list)
    target_compile_options(enode_internal INTERFACE -fsanitize=${_san})
    target_link_options(enode_internal INTERFACE -fsanitize=${_san})
  endforeach()
  target_compile_options(enode_internal INTERFACE -fno-omit-frame-pointer -fno-sanitize-recover=all)
  if("thread" IN_LIST _enode_san_list)
    # Boost.System and Asio use atomic_thread_fence, which TSan does not model; GCC 12
    # warns about each use (-Wtsan). The fences there order nothing TSan would miss.
    target_compile_options(enode_internal INTERFACE -Wno-tsan)
  endif()
  if(ENODE_POOL_UNDER_SANITIZERS)
    # src/core/pool.cpp then keeps its free lists instead of passing each block through.
    target_compile_definitions(enode_internal INTERFACE ENODE_POOL_UNDER_SANITIZERS=1)
  endif()
endif()

# enode_add_library(name SOURCES ... PUBLIC_DEPS ... PRIVATE_DEPS ...)
# One library per module (static unless BUILD_SHARED_LIBS), aliased enode::<name>, the
# name it is exported under too. C++20 is a usage requirement; the warning and sanitizer
# flags (enode_internal) are enode's own and do not reach a consumer.
function(enode_add_library name)
  cmake_parse_arguments(arg "" "" "SOURCES;PUBLIC_DEPS;PRIVATE_DEPS" ${ARGN})
  add_library(enode_${name} ${arg_SOURCES})
  add_library(enode::${name} ALIAS enode_${name})
  set_target_properties(enode_${name} PROPERTIES EXPORT_NAME ${name} VERSION ${PROJECT_VERSION}
                                                 SOVERSION ${PROJECT_VERSION_MAJOR}.${PROJECT_VERSION_MINOR})
  target_compile_features(enode_${name} PUBLIC cxx_std_20)
  target_include_directories(enode_${name}
    PUBLIC $<BUILD_INTERFACE:${PROJECT_SOURCE_DIR}/include> $<INSTALL_INTERFACE:${CMAKE_INSTALL_INCLUDEDIR}>
    PRIVATE ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(enode_${name} PUBLIC ${arg_PUBLIC_DEPS} PRIVATE $<BUILD_INTERFACE:enode_internal> ${arg_PRIVATE_DEPS})
  if(BUILD_SHARED_LIBS)
    # Only the public headers' declarations are exported (each wraps itself in
    # `#pragma GCC visibility push(default)`); what src/ declares stays inside the library.
    set_target_properties(enode_${name} PROPERTIES CXX_VISIBILITY_PRESET hidden INSTALL_RPATH "$ORIGIN")
    target_compile_definitions(enode_${name} PRIVATE ENODE_SHARED_BUILD) # ENODE_INTERNAL: hidden
  endif()
  set_property(GLOBAL APPEND PROPERTY ENODE_LIBRARIES enode_${name})
endfunction()

# enode_add_test(module SOURCES ... DEPS ...)
# One doctest executable per module, enode_test_<module>, each case labelled <module>.
function(enode_add_test module)
  cmake_parse_arguments(arg "" "" "SOURCES;DEPS" ${ARGN})
  set(tgt enode_test_${module})
  # doctest_discover_tests splits a test name at ';' (a CMake list), and each half then
  # matches no test case: the test would pass without running. Refuse such names.
  foreach(src IN LISTS arg_SOURCES)
    file(STRINGS ${CMAKE_CURRENT_SOURCE_DIR}/${src} bad REGEX "TEST_CASE[_A-Z]*\\([^\"]*\"[^\"]*;")
    if(bad)
      message(FATAL_ERROR "${src}: a test name with ';' (doctest_discover_tests would split it): ${bad}")
    endif()
  endforeach()
  # doctest's main is compiled once per build (enode_test_main), not once per executable.
  if(NOT TARGET enode_test_main)
    add_library(enode_test_main OBJECT ${PROJECT_SOURCE_DIR}/tests/main.cpp)
    target_link_libraries(enode_test_main PRIVATE enode_internal doctest::doctest)
  endif()
  add_executable(${tgt} ${arg_SOURCES} $<TARGET_OBJECTS:enode_test_main>)
  target_link_libraries(${tgt} PRIVATE enode_internal doctest::doctest ${arg_DEPS})
  target_include_directories(${tgt} PRIVATE ${PROJECT_SOURCE_DIR}/src ${PROJECT_SOURCE_DIR}/tests)
  target_compile_definitions(${tgt} PRIVATE ENODE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  doctest_discover_tests(${tgt} ADD_LABELS 1 PROPERTIES LABELS ${module})
endfunction()
