# Checks of the build itself (included from tests/CMakeLists.txt).

# torch_confined: no translation unit outside libvec2face/torch/ is
# compiled with libtorch's include directories or defines.
set(_v2f_torch_args)
foreach(_dir ${TORCH_INCLUDE_DIRS})
  list(APPEND _v2f_torch_args --include ${_dir})
endforeach()
separate_arguments(_v2f_torch_flags UNIX_COMMAND "${TORCH_CXX_FLAGS}")
foreach(_flag ${_v2f_torch_flags})
  if(_flag MATCHES "^-D(.+)")
    list(APPEND _v2f_torch_args --define ${CMAKE_MATCH_1})
  endif()
endforeach()
foreach(_t torch torch_cpu torch_library c10)
  if(TARGET ${_t})
    get_target_property(_defs ${_t} INTERFACE_COMPILE_DEFINITIONS)
    foreach(_d ${_defs})
      if(_d AND NOT _d MATCHES "\\$<")
        list(APPEND _v2f_torch_args --define ${_d})
      endif()
    endforeach()
  endif()
endforeach()
add_test(NAME torch_confined
  COMMAND ${V2F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/check_torch_confined.py
          ${CMAKE_BINARY_DIR}/compile_commands.json ${PROJECT_SOURCE_DIR} ${_v2f_torch_args})

# version_once: the manifests and constants that cannot be generated at
# build time say project(VERSION) (the header's is generated:
# vec2face_version.h).
add_test(NAME version_once
  COMMAND ${V2F_PYTHON} ${CMAKE_CURRENT_LIST_DIR}/check_version_once.py
          ${PROJECT_VERSION} ${PROJECT_SOURCE_DIR})

# cli_no_library_copies: the CLI's internal archives bring no second copy
# of a public v2f_* symbol (tests/build/check_cli_symbols.sh).
add_test(NAME cli_no_library_copies
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_cli_symbols.sh $<TARGET_FILE:vec2face_cli>)
