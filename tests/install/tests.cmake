# Install, then build examples/ out of tree with pkg-config and find_package.
add_test(NAME install_and_examples
  COMMAND ${CMAKE_CURRENT_LIST_DIR}/check_install.sh ${PROJECT_BINARY_DIR}
          ${PROJECT_SOURCE_DIR} ${V2F_TEST_MODELS} ${V2F_PYTHON})
set_tests_properties(install_and_examples PROPERTIES FIXTURES_REQUIRED models)
