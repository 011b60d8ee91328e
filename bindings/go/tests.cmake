# Go binding tests (included by tests/CMakeLists.txt): `go test ./...` in
# bindings/go against the build tree (vec2face-uninstalled.pc in the build
# directory), offline, with the tiny test models.
find_program(V2F_GO go HINTS /usr/local/go/bin)
if(NOT V2F_GO)
  # Not a silent skip: the entry exists and fails, saying why.
  add_test(NAME go_binding
    COMMAND ${CMAKE_COMMAND} -E echo
            "go_binding FAILED: the go tool was not found (looked on PATH and in /usr/local/go/bin); install Go >= 1.22 or pass -DV2F_GO=/path/to/go")
  set_tests_properties(go_binding PROPERTIES FAIL_REGULAR_EXPRESSION "go_binding FAILED")
else()
  # The byte comparison with the C example needs it (examples are optional:
  # without them that test skips, saying why).
  set(_v2f_example_generate "")
  if(TARGET v2f_example_generate)
    set(_v2f_example_generate $<TARGET_FILE:v2f_example_generate>)
  endif()
  add_test(NAME go_binding
    COMMAND ${CMAKE_COMMAND} -E env
            GOFLAGS=-mod=mod GOPROXY=off GOTOOLCHAIN=local
            PKG_CONFIG_PATH=${PROJECT_BINARY_DIR}
            GOCACHE=${CMAKE_CURRENT_BINARY_DIR}/go-cache
            V2F_TEST_MODELS=${V2F_TEST_MODELS}
            V2F_PRINT_LAYOUT=$<TARGET_FILE:v2f_print_layout>
            V2F_EXAMPLE_GENERATE=${_v2f_example_generate}
            ${V2F_GO} test -count=1 ./...
    WORKING_DIRECTORY ${PROJECT_SOURCE_DIR}/bindings/go)
  set_tests_properties(go_binding PROPERTIES FIXTURES_REQUIRED models TIMEOUT 600)

  # As a user meets it: a separate module requiring the binding by its
  # module path with a replace line, built offline against an installed
  # prefix (check_installed.sh). A cache of its own: the go command's cache
  # keys do not include pkg-config's output, so a package built against
  # the temporary prefix would be reused by go_binding's `go run`.
  add_test(NAME go_installed_module
    COMMAND ${CMAKE_COMMAND} -E env GO=${V2F_GO}
            GOCACHE=${CMAKE_CURRENT_BINARY_DIR}/go-cache-installed
            ${CMAKE_CURRENT_LIST_DIR}/check_installed.sh ${PROJECT_BINARY_DIR}
            ${PROJECT_SOURCE_DIR} ${V2F_TEST_MODELS} ${V2F_PYTHON} ${_v2f_example_generate})
  set_tests_properties(go_installed_module PROPERTIES FIXTURES_REQUIRED models TIMEOUT 300)
endif()
