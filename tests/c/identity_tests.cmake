# Tests of the identity layer (included from tests/CMakeLists.txt). They
# need no model files, so they do not use the models fixture.

# Public API: perturbation, sampler, centres, separability, bad input.
add_executable(test_identity_api ${CMAKE_CURRENT_LIST_DIR}/test_identity_api.c)
target_link_libraries(test_identity_api PRIVATE vec2face PkgConfig::CMOCKA m)
target_compile_options(test_identity_api PRIVATE -Wall -Wextra -Wno-unused-parameter)
add_test(NAME identity_api COMMAND test_identity_api)
# The same on the AVX2 kernel path: results must not change.
add_test(NAME identity_api_avx2 COMMAND test_identity_api)
set_tests_properties(identity_api identity_api_avx2 PROPERTIES TIMEOUT 60)
set_tests_properties(identity_api_avx2 PROPERTIES ENVIRONMENT V2F_KERNEL=avx2)

# Internal kernel of the identity room, once per instruction-set path.
add_executable(test_identity_kernel ${CMAKE_CURRENT_LIST_DIR}/test_identity_kernel.c)
target_link_libraries(test_identity_kernel PRIVATE v2f_identity PkgConfig::CMOCKA
                      Threads::Threads m)
target_compile_options(test_identity_kernel PRIVATE -Wall -Wextra -Wno-unused-parameter)
foreach(_path avx512 avx2 scalar)
  add_test(NAME identity_kernel_${_path} COMMAND test_identity_kernel)
  set_tests_properties(identity_kernel_${_path} PROPERTIES ENVIRONMENT V2F_KERNEL=${_path}
                       TIMEOUT 60)
endforeach()
