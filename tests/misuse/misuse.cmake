# The API misuse matrix (included from tests/CMakeLists.txt). The cases are
# generated from the public header and cases.txt at build time, so a new
# V2F_API function shows up as "lacks misuse cases" in test_misuse.
set(V2F_MISUSE_DIR ${CMAKE_CURRENT_SOURCE_DIR}/misuse)
set(V2F_MISUSE_GEN ${CMAKE_CURRENT_BINARY_DIR}/misuse_cases.c)
# The umbrella names the module headers; a change to any of them regenerates.
file(GLOB V2F_MISUSE_HEADERS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/include/vec2face/*.h)
# header_api.py reads the functions from tools/apigen's description.
file(GLOB V2F_APIGEN_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tools/apigen/*.py)
add_custom_command(OUTPUT ${V2F_MISUSE_GEN}
  COMMAND ${V2F_PYTHON} ${V2F_MISUSE_DIR}/gen_misuse.py
          ${PROJECT_SOURCE_DIR}/include/vec2face/vec2face.h
          ${V2F_MISUSE_DIR}/cases.txt ${V2F_MISUSE_GEN}
  DEPENDS ${V2F_MISUSE_DIR}/gen_misuse.py ${V2F_MISUSE_DIR}/header_api.py
          ${V2F_MISUSE_DIR}/cases.txt ${V2F_MISUSE_HEADERS} ${V2F_APIGEN_SOURCES}
  COMMENT "Generating the API misuse matrix")
add_executable(test_misuse misuse/test_misuse.c ${V2F_MISUSE_GEN})
target_include_directories(test_misuse PRIVATE ${V2F_MISUSE_DIR})
target_link_libraries(test_misuse PRIVATE vec2face PkgConfig::CMOCKA m)
# The generated calls pass NULL where the header's nonnull-free prototypes
# allow it; casts of the zero block to option structs are deliberate.
target_compile_options(test_misuse PRIVATE -Wall -Wextra -Wno-unused-parameter)
add_test(NAME test_misuse COMMAND test_misuse ${V2F_TEST_MODELS})
set_tests_properties(test_misuse PROPERTIES FIXTURES_REQUIRED models)
