# The Rust binding's tests (included by tests/CMakeLists.txt): one ctest
# entry running `cargo test --offline` on bindings/rust against the build
# tree (PKG_CONFIG_PATH=<build> finds vec2face-uninstalled.pc, which adds an
# rpath to the build tree). The crate has no dependencies, so no registry
# is needed. Build output goes to <build>/tests/rust-target, never into the
# source tree.
find_program(V2F_CARGO cargo HINTS $ENV{HOME}/.cargo/bin)

set(_v2f_rust_problem "")
if(NOT V2F_CARGO)
  set(_v2f_rust_problem "cargo was not found (looked on PATH and in ~/.cargo/bin)")
else()
  execute_process(COMMAND ${V2F_CARGO} --version OUTPUT_VARIABLE _v2f_cargo_version
                  RESULT_VARIABLE _v2f_cargo_rc ERROR_QUIET OUTPUT_STRIP_TRAILING_WHITESPACE)
  string(REGEX MATCH "[0-9]+\\.[0-9]+(\\.[0-9]+)?" _v2f_cargo_semver "${_v2f_cargo_version}")
  if(_v2f_cargo_rc OR NOT _v2f_cargo_semver)
    set(_v2f_rust_problem "${V2F_CARGO} --version failed")
  elseif(_v2f_cargo_semver VERSION_LESS 1.85)
    set(_v2f_rust_problem "${V2F_CARGO} is ${_v2f_cargo_semver}; the crate uses edition 2024")
  endif()
endif()

if(_v2f_rust_problem)
  # Not a silent skip: a test that fails and says what to install.
  set(_v2f_rust_script ${CMAKE_CURRENT_BINARY_DIR}/rust_toolchain_missing.cmake)
  file(WRITE ${_v2f_rust_script}
       "message(FATAL_ERROR \"rust_binding: ${_v2f_rust_problem}. The Rust binding's tests "
       "need Rust >= 1.85 (edition 2024): install it with rustup "
       "(https://rustup.rs: curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh), "
       "then re-run cmake.\")\n")
  add_test(NAME rust_binding COMMAND ${CMAKE_COMMAND} -P ${_v2f_rust_script})
else()
  # The byte comparison with the C example needs it (examples are optional).
  set(_v2f_example_generate "")
  if(TARGET v2f_example_generate)
    set(_v2f_example_generate $<TARGET_FILE:v2f_example_generate>)
  endif()
  add_test(NAME rust_binding
    COMMAND ${CMAKE_COMMAND} -E env
            PKG_CONFIG_PATH=${PROJECT_BINARY_DIR}
            CARGO_TARGET_DIR=${CMAKE_CURRENT_BINARY_DIR}/rust-target
            V2F_TEST_MODELS=${V2F_TEST_MODELS}
            V2F_PRINT_LAYOUT=$<TARGET_FILE:v2f_print_layout>
            V2F_EXAMPLE_GENERATE=${_v2f_example_generate}
            ${V2F_CARGO} test --offline --manifest-path ${PROJECT_SOURCE_DIR}/bindings/rust/Cargo.toml)
  set_tests_properties(rust_binding PROPERTIES FIXTURES_REQUIRED models TIMEOUT 600)

  # As a user meets it: examples/rust built out of tree against an installed
  # prefix (pkg-config), run without LD_LIBRARY_PATH (the rpath from
  # build.rs); and the version range build.rs accepts.
  add_test(NAME rust_installed_example
    COMMAND ${CMAKE_COMMAND} -E env CARGO=${V2F_CARGO}
            ${CMAKE_CURRENT_LIST_DIR}/check_installed.sh example ${PROJECT_BINARY_DIR}
            ${PROJECT_SOURCE_DIR} ${V2F_TEST_MODELS} ${V2F_PYTHON}
            ${CMAKE_CURRENT_BINARY_DIR}/rust-installed-target ${_v2f_example_generate})
  set_tests_properties(rust_installed_example PROPERTIES FIXTURES_REQUIRED models TIMEOUT 600)
  add_test(NAME rust_pkgconfig_version
    COMMAND ${CMAKE_COMMAND} -E env CARGO=${V2F_CARGO}
            ${CMAKE_CURRENT_LIST_DIR}/check_installed.sh version ${PROJECT_BINARY_DIR}
            ${PROJECT_SOURCE_DIR} ${CMAKE_CURRENT_BINARY_DIR}/rust-version-target
            ${PROJECT_VERSION})
  set_tests_properties(rust_pkgconfig_version PROPERTIES TIMEOUT 300)
endif()
