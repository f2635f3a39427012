# What `cmake --install` puts under the prefix: the public headers, the libraries, the
# CMake package (enodeConfig.cmake, its version file, the exported targets enode::*) and
# a pkg-config file, enode.pc.
include(CMakePackageConfigHelpers)

get_property(_enode_libraries GLOBAL PROPERTY ENODE_LIBRARIES)
install(TARGETS ${_enode_libraries}
  EXPORT enodeTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR}
  LIBRARY DESTINATION ${CMAKE_INSTALL_LIBDIR}
  RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR}
  INCLUDES DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/include/enode DESTINATION ${CMAKE_INSTALL_INCLUDEDIR})

set(ENODE_CMAKE_DIR ${CMAKE_INSTALL_LIBDIR}/cmake/enode)
install(EXPORT enodeTargets NAMESPACE enode:: DESTINATION ${ENODE_CMAKE_DIR})
configure_package_config_file(${PROJECT_SOURCE_DIR}/cmake/enodeConfig.cmake.in
  ${PROJECT_BINARY_DIR}/enodeConfig.cmake INSTALL_DESTINATION ${ENODE_CMAKE_DIR})
# Before 1.0 a minor release may change the API: 0.2 is met by 0.2.x only.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/enodeConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/enodeConfig.cmake ${PROJECT_BINARY_DIR}/enodeConfigVersion.cmake
  DESTINATION ${ENODE_CMAKE_DIR})

# pkg-config: the libraries in link order; with static libraries their own dependencies
# go to Libs too, since `pkg-config --libs` leaves Libs.private out unless asked --static.
set(ENODE_PC_LIBS "-lenode_node -lenode_http -lenode_dist -lenode_behaviours -lenode_runtime -lenode_term -lenode_core")
if(BUILD_SHARED_LIBS)
  set(ENODE_PC_REQUIRES_PRIVATE "zlib, libcrypto")
  set(ENODE_PC_LIBS_PRIVATE "-pthread")
  set(ENODE_PC_REQUIRES "")
  set(ENODE_PC_LIBS "${ENODE_PC_LIBS} -pthread")
else()
  set(ENODE_PC_REQUIRES "zlib, libcrypto")
  set(ENODE_PC_REQUIRES_PRIVATE "")
  set(ENODE_PC_LIBS_PRIVATE "")
  set(ENODE_PC_LIBS "${ENODE_PC_LIBS} -pthread")
endif()
file(RELATIVE_PATH ENODE_PC_UP /prefix/${CMAKE_INSTALL_LIBDIR}/pkgconfig /prefix)
configure_file(${PROJECT_SOURCE_DIR}/cmake/enode.pc.in ${PROJECT_BINARY_DIR}/enode.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/enode.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)
